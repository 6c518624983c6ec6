import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { computeLevels, type PyramidProgress } from "../../../src/engine/compute.js";
import { isOmeZarrError } from "../../../src/errors.js";
import {
  type ArraySpec,
  createMemoryStore,
  openArray,
  openLocalStore,
  type ZarrFormat,
  type ZarrStore,
} from "../../../src/store/index.js";
import { createLevels, readTree, refDownsample, seededUint16 } from "./helpers.js";

const F = [1, 2, 2] as const;
const FACTORS = [F, F, F];

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ngff-pyramid-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function level0(store: ZarrStore, format: ZarrFormat, spec: ArraySpec): Promise<string[]> {
  const paths = await createLevels(store, format, spec, FACTORS);
  const a = await openArray(store, paths[0]!);
  const n = spec.shape.reduce((p, x) => p * x, 1);
  await a.writeRegion(
    spec.shape.map((s) => [0, s] as const),
    seededUint16(n),
  );
  return paths;
}

/** Every level equals the reference kernel applied to the previous level as read back. */
async function expectCascade(
  store: ZarrStore,
  paths: string[],
  method: "stride" | "mean" | "max",
): Promise<void> {
  for (let k = 1; k < paths.length; k++) {
    const src = await openArray(store, paths[k - 1]!);
    const dst = await openArray(store, paths[k]!);
    const srcData = await src.readRegion(src.shape.map((s) => [0, s] as const));
    const dstData = await dst.readRegion(dst.shape.map((s) => [0, s] as const));
    expect(Array.from(dstData as Uint16Array)).toEqual(
      refDownsample(method, srcData as Uint16Array, src.shape, F),
    );
  }
}

describe.each([2, 3] as const)("Zarr v%i, in-process", (format) => {
  test("memory store: mean cascade matches the reference, with progress and report", async () => {
    const store = createMemoryStore();
    const paths = await level0(store, format, {
      shape: [2, 37, 50],
      dtype: "uint16",
      chunks: [1, 8, 16],
    });
    const progress: PyramidProgress[] = [];
    const report = await computeLevels({
      store,
      levelPaths: paths,
      factors: FACTORS,
      method: "mean",
      onProgress: (p) => progress.push(p),
    });
    await expectCascade(store, paths, "mean");
    // Small levels: all blocks of a level grouped into one task.
    expect(report.levels.map((l) => [l.level, l.tasks])).toEqual([
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
    expect(report.levels.every((l) => l.bytes > 0)).toBe(true);
    const lastOfLevel1 = progress.filter((p) => p.level === 1).at(-1)!;
    expect(lastOfLevel1).toEqual({ level: 1, done: 1, total: 1, bytes: report.levels[0]!.bytes });
    expect(progress[0]).toEqual({ level: 1, done: 0, total: 1, bytes: 0 });
  });

  test("local store, workers: 0: stride cascade, and fromLevel recomputes only later levels", async () => {
    const store = await openLocalStore(dir);
    const paths = await level0(store, format, {
      shape: [1, 64, 33],
      dtype: "uint16",
      chunks: [1, 16, 16],
    });
    await computeLevels({
      store,
      levelPaths: paths,
      factors: FACTORS,
      method: "stride",
      workers: 0,
    });
    await expectCascade(store, paths, "stride");
    // Overwrite level 1 with 7s; fromLevel 2 must derive levels 2.. from it and leave it alone.
    const l1 = await openArray(store, "1");
    await l1.writeRegion(
      l1.shape.map((s) => [0, s] as const),
      7,
    );
    const report = await computeLevels({
      store,
      levelPaths: paths,
      factors: FACTORS,
      method: "stride",
      fromLevel: 2,
      workers: 0,
    });
    expect(report.levels.map((l) => l.level)).toEqual([2, 3]);
    const l3 = await openArray(store, "3");
    const data = await l3.readRegion(l3.shape.map((s) => [0, s] as const));
    expect(new Set(data as Uint16Array)).toEqual(new Set([7]));
  });
});

test("sharded v3 level 0 → sharded levels read back correctly (one file per shard)", async () => {
  const store = await openLocalStore(dir);
  const spec: ArraySpec = {
    shape: [3, 40, 72],
    dtype: "uint16",
    chunks: [1, 8, 8],
    shards: [1, 16, 32],
  };
  const paths = await level0(store, 3, spec);
  const report = await computeLevels({
    store,
    levelPaths: paths,
    factors: FACTORS,
    method: "max",
    workers: 0,
  });
  await expectCascade(store, paths, "max");
  const l1 = await openArray(store, "1");
  expect([l1.shape, l1.chunks, l1.shards]).toEqual([
    [3, 20, 36],
    [1, 8, 8],
    [1, 16, 32],
  ]);
  // Level 1: 3 × 2 × 2 shards, one task (a chunk row or more) writing each shard once.
  const files = [...(await readTree(join(dir, "1"))).keys()].filter((k) => k.startsWith("c/"));
  expect(files).toHaveLength(12);
  expect(report.levels[0]!.tasks).toBeGreaterThan(0);
});

test("abort stops submitting, settles in flight, rejects with the reason; a rerun completes identically", async () => {
  const ref = join(dir, "ref.zarr");
  const cut = join(dir, "cut.zarr");
  // Level 1 has 4 tasks (4 planes of 256² each, 2 MiB of source per task).
  const spec: ArraySpec = { shape: [16, 512, 512], dtype: "uint16", chunks: [1, 256, 256] };
  const refStore = await openLocalStore(ref, { create: true });
  const paths = await level0(refStore, 2, spec);
  await computeLevels({
    store: refStore,
    levelPaths: paths,
    factors: FACTORS,
    method: "mean",
    workers: 0,
  });

  const store = await openLocalStore(cut, { create: true });
  await level0(store, 2, spec);
  const ac = new AbortController();
  const progress: PyramidProgress[] = [];
  const run = computeLevels({
    store,
    levelPaths: paths,
    factors: FACTORS,
    method: "mean",
    workers: 0,
    signal: ac.signal,
    onProgress: (p) => {
      progress.push(p);
      if (p.level === 1 && p.done === 1) ac.abort();
    },
  });
  await expect(run).rejects.toMatchObject({ name: "AbortError" });
  const level1 = progress.filter((p) => p.level === 1);
  expect(level1[0]!.total).toBe(4);
  expect(level1.at(-1)!.done).toBeLessThan(4);
  expect(progress.some((p) => p.level === 2)).toBe(false);
  // The interrupted store still reads (missing chunks read as the fill value).
  const l1 = await openArray(store, "1");
  expect((await l1.readRegion(l1.shape.map((s) => [0, s] as const))).length).toBe(16 * 256 * 256);

  await computeLevels({ store, levelPaths: paths, factors: FACTORS, method: "mean", workers: 0 });
  expect(await readTree(cut)).toEqual(await readTree(ref));
});

describe("validation", () => {
  test("an aborted signal rejects before any work", async () => {
    const store = createMemoryStore();
    const paths = await level0(store, 3, { shape: [1, 8, 8], dtype: "uint16", chunks: [1, 4, 4] });
    const reason = new Error("stop");
    const run = computeLevels({
      store,
      levelPaths: paths,
      factors: FACTORS,
      method: "mean",
      signal: AbortSignal.abort(reason),
    });
    await expect(run).rejects.toBe(reason);
    expect(await store.has("1/c/0/0/0")).toBe(false);
  });

  test("levels that do not follow from the factors reject with PyramidStateError", async () => {
    const store = createMemoryStore();
    const paths = await level0(store, 3, { shape: [1, 8, 8], dtype: "uint16", chunks: [1, 4, 4] });
    const err = await computeLevels({
      store,
      levelPaths: paths,
      factors: [F, [1, 1, 2], F],
      method: "mean",
    }).catch((e: unknown) => e);
    expect(isOmeZarrError(err, "PyramidState")).toBe(true);
    expect((err as Error).message).toMatchInlineSnapshot(
      `"level 2 ("2") has shape [1, 2, 2], expected [1, 4, 2] = ceil([1, 4, 4] / [1, 1, 2]); delete and reinitialize the pyramid"`,
    );
  });

  test.each([
    [{ fromLevel: 4 }, "fromLevel", "fromLevel is 4; expected an integer from 1 to 3."],
    [{ workers: -1 }, "workers", "workers is -1; expected an integer >= 0 (0 = in-process)."],
    [{ factors: [F] }, "factors", "expected one entry per target level (3 for 4 level paths)."],
    [
      { factors: [F, F, [1, 0, 2]] },
      "factors[2]",
      "factors[2] is [1,0,2]; expected integers >= 1 (1 = not downsampled).",
    ],
    [{ store: {} }, "store", "store is {}; expected a ZarrStore."],
  ])("bad options %j reject with InvalidOptionsError", async (bad, option, message) => {
    const store = createMemoryStore();
    const opts = {
      store,
      levelPaths: ["0", "1", "2", "3"],
      factors: FACTORS,
      method: "mean",
      ...bad,
    };
    // @ts-expect-error: deliberately malformed options
    const err = await computeLevels(opts).catch((e: unknown) => e);
    expect(isOmeZarrError(err, "InvalidOptions") && err.option).toBe(option);
    expect((err as Error).message).toContain(message);
  });
});

test("a read-only store is refused before any task runs", async () => {
  const store = await openLocalStore(dir);
  const paths = await level0(store, 2, { shape: [1, 8, 8], dtype: "uint16", chunks: [1, 4, 4] });
  const ro = await openLocalStore(dir, { readOnly: true });
  const err = await computeLevels({
    store: ro,
    levelPaths: paths,
    factors: FACTORS,
    method: "mean",
    workers: 0,
  }).catch((e: unknown) => e);
  expect(isOmeZarrError(err, "ReadOnly")).toBe(true);
  expect(await store.has("1/0/0/0")).toBe(false);
});
