/**
 * Pool tests: few and small, since each worker starts with the tsx loader (~0.5 s).
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import { computeLevels } from "../../../src/engine/compute.js";
import { createPyramidPool } from "../../../src/engine/pool.js";
import { isOmeZarrError, type WorkerTaskError } from "../../../src/errors.js";
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
  // Level 1 has 4 tasks of 4 planes each (2 MiB of source per task), all in flight at once.
  const spec: ArraySpec = { shape: [16, 512, 512], dtype: "uint16", chunks: [1, 256, 256] };
  const ref = await fixture("ref.zarr", 2, spec);
  await computeLevels({ ...ref, factors: FACTORS, method: "mean", workers: 0 });
  const bad = await fixture("bad.zarr", 2, spec);
  // Corrupt one level-0 chunk: plane 9, chunk row 1, chunk column 0 (v2 keys, "/" separator).
  const chunk = join(bad.root, "0", "9", "1", "0");
  const original = await readFile(chunk);
  await writeFile(chunk, Buffer.from("definitely not blosc"));
  const pool = createPyramidPool({ workers: 2 });
  try {
    const err = await computeLevels({ ...bad, factors: FACTORS, method: "mean", pool }).catch(
      (e: unknown) => e,
    );
    expect(isOmeZarrError(err, "WorkerTask")).toBe(true);
    const e = err as WorkerTaskError;
    expect([e.level, e.region]).toEqual([
      1,
      [
        [8, 12],
        [0, 256],
        [0, 256],
      ],
    ]);
    expect((e.cause as Error).message.length).toBeGreaterThan(0);
    expect(e.message).toContain("compute the pyramid again");
    // Settled before rejecting: nothing is still being written, and level 2 was never started.
    const after = await readTree(bad.root);
    await new Promise((r) => setTimeout(r, 200));
    expect(await readTree(bad.root)).toEqual(after);
    expect([...after.keys()].some((k) => k.startsWith("2/") && !k.includes(".z"))).toBe(false);
    // The store still reads, and the caller's pool is still usable for the rerun.
    const l1 = await openArray(bad.store, "1");
    expect(
      (
        await l1.readRegion([
          [0, 1],
          [0, 256],
          [0, 256],
        ])
      ).length,
    ).toBe(256 * 256);
    await writeFile(chunk, original);
    await computeLevels({ ...bad, factors: FACTORS, method: "mean", pool });
  } finally {
    await pool.destroy();
  }
  expect(await readTree(bad.root)).toEqual(await readTree(ref.root));
});

test("workers with async file I/O (syncIO: false) and the default sync I/O write the same bytes as in-process", async () => {
  const spec: ArraySpec = { shape: [6, 200, 136], dtype: "uint16", chunks: [1, 64, 64] };
  const ref = await fixture("ref.zarr", 2, spec);
  const sync = await fixture("sync.zarr", 2, spec);
  const async_ = await fixture("async.zarr", 2, spec);
  await computeLevels({ ...ref, factors: FACTORS, method: "median", workers: 0 });
  const syncPool = createPyramidPool({ workers: 1 });
  const asyncPool = createPyramidPool({ workers: 1, syncIO: false });
  try {
    await computeLevels({ ...sync, factors: FACTORS, method: "median", pool: syncPool });
    await computeLevels({ ...async_, factors: FACTORS, method: "median", pool: asyncPool });
  } finally {
    await Promise.all([syncPool.destroy(), asyncPool.destroy()]);
  }
  // readTree lists every file, so equal trees also mean no temp file was left behind.
  const want = await readTree(ref.root);
  expect([...want.keys()].filter((k) => k.startsWith("2/")).length).toBeGreaterThan(6);
  expect(await readTree(sync.root)).toEqual(want);
  expect(await readTree(async_.root)).toEqual(want);
});
