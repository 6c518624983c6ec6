/**
 * The prebuilt child-process fixtures (test/helpers/fixtures.ts) run the library as it runs from
 * source: a bundled `ngff` finds ngff-writer's package.json (its version goes into the metadata
 * every store records, so a bundle that lost it would write other bytes than the library), and
 * the pyramid worker sits where a bundled library looks for it.
 */
import { readFileSync } from "node:fs";
import { stat } from "node:fs/promises";
import * as path from "node:path";
import { expect, test } from "vitest";
import {
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
