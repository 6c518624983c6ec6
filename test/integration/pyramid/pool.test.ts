/**
 * Pool tests: few and small, since each worker starts with the tsx loader (~0.5 s).
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import { isOmeZarrError, type WorkerTaskError } from "../../../src/errors.js";
import { computeLevels } from "../../../src/pyramid/compute.js";
import { createPyramidPool } from "../../../src/pyramid/pool.js";
import {
  type ArraySpec,
  openArray,
  openLocalStore,
  type ZarrFormat,
} from "../../../src/store/index.js";
import { createLevels, readTree, seededUint16 } from "./helpers.js";

const F = [1, 2, 2] as const;
const FACTORS = [F, F];

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ngff-pyramid-pool-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A local store with level 0 written and levels 1..2 created empty. */
async function fixture(name: string, format: ZarrFormat, spec: ArraySpec) {
  const store = await openLocalStore(join(dir, name), { create: true });
  const levelPaths = await createLevels(store, format, spec, FACTORS);
  const a = await openArray(store, "0");
  await a.writeRegion(
    spec.shape.map((s) => [0, s] as const),
    seededUint16(
      spec.shape.reduce((p, x) => p * x, 1),
      7,
    ),
  );
  return { store, levelPaths, root: join(dir, name) };
}

test("2 workers (own pool, closed after) give byte-identical sharded v3 levels to in-process", async () => {
  const spec: ArraySpec = {
    shape: [4, 96, 80],
    dtype: "uint16",
    chunks: [1, 16, 16],
    shards: [1, 32, 32],
  };
  const a = await fixture("a.zarr", 3, spec);
  const b = await fixture("b.zarr", 3, spec);
  await computeLevels({ ...a, factors: FACTORS, method: "mean", workers: 0 });
  const report = await computeLevels({ ...b, factors: FACTORS, method: "mean", workers: 2 });
  expect(report.levels).toHaveLength(2);
  expect(await readTree(b.root)).toEqual(await readTree(a.root));
});

test("a failing task rejects with WorkerTaskError after in-flight tasks settle; a rerun completes identically", async () => {
  const spec: ArraySpec = { shape: [2, 64, 64], dtype: "uint16", chunks: [1, 16, 16] };
  const ref = await fixture("ref.zarr", 2, spec);
  await computeLevels({ ...ref, factors: FACTORS, method: "mean", workers: 0 });
  const bad = await fixture("bad.zarr", 2, spec);
  // Corrupt one level-0 chunk: plane 1, chunk row 2, chunk column 3 (v2 keys, "/" separator).
  const chunk = join(bad.root, "0", "1", "2", "3");
  const original = await readFile(chunk);
  await writeFile(chunk, Buffer.from("definitely not blosc"));
  const pool = createPyramidPool({ workers: 2 });
  try {
    const err = await computeLevels({ ...bad, factors: FACTORS, method: "mean", pool }).catch(
      (e: unknown) => e,
    );
    expect(isOmeZarrError(err, "WorkerTask")).toBe(true);
    const e = err as WorkerTaskError;
    expect(e.level).toBe(1);
    // The failed task's target region holds the corrupt chunk's target pixels (plane 1, y 16..24, x 24..32).
    const [z, y, x] = e.region;
    expect(
      z![0] <= 1 && 1 < z![1] && y![0] <= 16 && 24 <= y![1] && x![0] <= 24 && 32 <= x![1],
    ).toBe(true);
    expect((e.cause as Error).message.length).toBeGreaterThan(0);
    expect(e.message).toContain("compute the pyramid again");
    // The store still reads, and the caller's pool is still usable for the rerun.
    const l1 = await openArray(bad.store, "1");
    expect(
      (
        await l1.readRegion([
          [0, 1],
          [0, 32],
          [0, 32],
        ])
      ).length,
    ).toBe(32 * 32);
    await writeFile(chunk, original);
    await computeLevels({ ...bad, factors: FACTORS, method: "mean", pool });
  } finally {
    await pool.destroy();
  }
  expect(await readTree(bad.root)).toEqual(await readTree(ref.root));
});
