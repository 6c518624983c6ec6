/**
 * The prebuilt child-process fixtures (test/helpers/fixtures.ts) run the library as it runs from
 * source: a bundled `ngff` finds ngff-writer's package.json (its version goes into the metadata
 * every store records, so a bundle that lost it would write other bytes than the library), and
 * the pyramid worker sits where a bundled library looks for it, and the test processes' pools
 * start from it.
 */
import { readFileSync } from "node:fs";
import { stat } from "node:fs/promises";
import * as path from "node:path";
import { expect, test } from "vitest";
import { createPyramidPool, pyramidWorkerFile } from "../../src/engine/pool.js";
import {
  BUNDLED_WORKER,
  FIXTURE_CACHE,
  FIXTURES,
  type FixtureName,
  fixturePath,
  REPO,
  spawnFixture,
} from "../helpers/fixtures.js";

test("every fixture is bundled, with the pyramid worker two directories up", async () => {
  for (const name of Object.keys(FIXTURES) as FixtureName[]) {
    expect((await stat(fixturePath(name))).isFile(), name).toBe(true);
  }
  const worker = path.resolve(path.dirname(fixturePath("reliability-job")), "../../workers");
  expect((await stat(path.join(worker, "pyramid-task.js"))).isFile()).toBe(true);
  const pkg = JSON.parse(readFileSync(path.join(FIXTURE_CACHE, "package.json"), "utf8"));
  expect(pkg).toEqual({ type: "module" });
});

test("a bundled ngff reports the package's version", async () => {
  const { version } = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as {
    version: string;
  };
  const child = spawnFixture("queue-ngff", ["--version"]);
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => {
    out += String(d);
  });
  child.stderr.on("data", (d) => {
    err += String(d);
  });
  const code = await new Promise<number | null>((r) => child.on("exit", (c) => r(c)));
  expect(code, err).toBe(0);
  expect(out.trim()).toBe(version);
});

test("the test processes' pools start from the bundled worker (NGFF_PYRAMID_WORKER)", async () => {
  expect(process.env.NGFF_PYRAMID_WORKER).toBe(BUNDLED_WORKER);
  expect(pyramidWorkerFile()).toBe(BUNDLED_WORKER);
  // …and a pool started from it computes.
  const pool = createPyramidPool({ workers: 1 });
  try {
    const planes = [16, 8].map((n) => new Uint16Array(new SharedArrayBuffer(n * n * 2)));
    planes[0]!.fill(9);
    const r = await pool.run({
      kind: "stream-chain",
      runId: "t",
      method: "mean",
      dtype: "uint16",
      factors: [2, 2],
      planes: planes.map((p, k) => ({
        buffer: p.buffer as SharedArrayBuffer,
        byteOffset: 0,
        shape: [16 >> k, 16 >> k],
      })),
    });
    expect(r.ok).toBe(true);
    expect(Array.from(planes[1]!)).toEqual(Array(64).fill(9));
  } finally {
    await pool.destroy();
  }
});
