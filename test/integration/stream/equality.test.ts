/**
 * Issue 14 item 6: a stream's finished store equals, byte for byte, the store `createImage` +
 * `computePyramid` write with the same options: every method × uint8/uint16/uint32/float32, odd
 * sizes, Z downsampled and not, in-order / reversed / random arrival, sharded and not, NGFF 0.4
 * and 0.5; in-process (memory stores) and through the worker pool (directories).
 */

import { join } from "node:path";
import { fc, test as fcTest } from "@fast-check/vitest";
import { afterAll, describe, expect, test } from "vitest";
import { closeSharedPools } from "../../../src/engine/shared-pool.js";
import type { PyramidMethod } from "../../../src/nodes/pyramid-ops.js";
import { openOmeZarr } from "../../../src/open.js";
import { createMemoryStore, type DataType, openLocalStore } from "../../../src/store/index.js";
import type { AnyTypedArray } from "../../../src/store/types.js";
import { readObjects } from "../../helpers/store-objects.js";
import { dirContents, expectValidStore, tempDir } from "../nodes/open-helpers.js";
import { batchStore, type Case, caseData, frameOrder, newPosition } from "./helpers.js";

afterAll(async () => {
  await closeSharedPools();
});

const METHODS: PyramidMethod[] = ["stride", "mean", "median", "mode", "min", "max"];
const DTYPES: DataType[] = ["uint8", "uint16", "uint32", "float32"];

/** Leading coordinates of frame `i` (C order over the leading shape). */
function coordsOf(lead: readonly number[], i: number): number[] {
  const out = lead.map(() => 0);
  for (let ax = lead.length - 1; ax >= 0; ax--) {
    out[ax] = i % lead[ax]!;
    i = Math.floor(i / lead[ax]!);
  }
  return out;
}

/** Stream `data` (the whole image) into `store` frame by frame in the case's order. */
async function streamInto(
  pos: Awaited<ReturnType<typeof newPosition>>,
  c: Case & { appendAxis?: number; openEnded?: boolean; workers?: number },
  data: AnyTypedArray,
): Promise<void> {
  const a = c.appendAxis ?? 0;
  const s = await pos.createStream("0", {
    dtype: c.dtype,
    shape: c.shape.map((n, i) => (i === a && c.openEnded ? Infinity : n)),
    appendAxis: a,
    chunks: c.chunks,
    ...(c.shardsRatio ? { shardsRatio: c.shardsRatio } : {}),
    ...(c.levels > 1 ? { pyramid: { levels: c.levels, method: c.method, dims: c.dims } } : {}),
    ...(c.workers === undefined ? {} : { workers: c.workers }),
    maxQueuedFrames: 2,
  });
  const lead = c.shape.slice(0, -2);
  const plane = c.shape.at(-1)! * c.shape.at(-2)!;
  const frames = data.length / plane;
  for (const i of frameOrder(frames, c.order, c.seed)) {
    await s.write(coordsOf(lead, i), data.subarray(i * plane, (i + 1) * plane));
  }
  await s.close();
}

async function expectSameAsBatch(c: Case & { appendAxis?: number; openEnded?: boolean }) {
  const data = caseData(c);
  const want = await readObjects(await batchStore(c, data));
  const store = createMemoryStore();
  await streamInto(await newPosition(store, c.version, c.channels), c, data);
  const got = await readObjects(store);
  expect([...got.keys()]).toEqual([...want.keys()]);
  for (const [k, v] of want) expect(got.get(k), k).toBe(v);
  return got.size;
}

// One row per method × dtype; the other dimensions cycle so that every value of each appears
// with several methods and dtypes.
const TABLE: Case[] = METHODS.flatMap((method, mi) =>
  DTYPES.map((dtype, di): Case => {
    const i = mi * DTYPES.length + di;
    const version = i % 2 === 0 ? "0.5" : "0.4";
    const zDown = i % 4 < 2;
    return {
      version,
      dtype,
      method,
      shape: [2, 1, 5, 13, 11],
      chunks: [1, 1, 2, 4, 4],
      ...(version === "0.5" && i % 3 === 0 ? { shardsRatio: [1, 1, 2, 2, 2] } : {}),
      levels: 3,
      dims: zDown ? ["z", "y", "x"] : ["y", "x"],
      order: (["in", "reversed", "random"] as const)[i % 3]!,
      seed: i + 1,
    };
  }),
);

describe("stream vs batch, byte for byte (in-process)", () => {
  test.each(
    TABLE.map((c) => [
      `${c.method} ${c.dtype} ${c.version}${c.shardsRatio ? " sharded" : ""} ${c.dims.join("")} ${c.order}`,
      c,
    ]),
  )("%s", async (_name, c) => {
    expect(await expectSameAsBatch(c as Case)).toBeGreaterThan(10);
  });

  test("open-ended append axis, chunks of 2 frames along it, last step partial", async () => {
    await expectSameAsBatch({
      version: "0.5",
      dtype: "uint16",
      method: "mean",
      shape: [5, 1, 3, 9, 7],
      chunks: [2, 1, 2, 4, 4],
      levels: 3,
      dims: ["z", "y", "x"],
      order: "random",
      seed: 11,
      openEnded: true,
    });
  });

  test("append along c (not the first axis), sharded, finite", async () => {
    await expectSameAsBatch({
      version: "0.5",
      dtype: "uint8",
      method: "max",
      shape: [2, 3, 3, 10, 9],
      chunks: [1, 1, 3, 4, 4],
      shardsRatio: [2, 1, 1, 2, 1],
      levels: 2,
      dims: ["z", "y", "x"],
      order: "reversed",
      seed: 5,
      appendAxis: 1,
      channels: 3,
    });
  });

  fcTest.prop(
    {
      version: fc.constantFrom("0.4" as const, "0.5" as const),
      dtype: fc.constantFrom(...DTYPES),
      method: fc.constantFrom(...METHODS),
      t: fc.integer({ min: 1, max: 3 }),
      z: fc.integer({ min: 1, max: 5 }),
      y: fc.integer({ min: 1, max: 12 }),
      x: fc.integer({ min: 1, max: 12 }),
      cz: fc.integer({ min: 1, max: 3 }),
      cy: fc.integer({ min: 1, max: 6 }),
      cx: fc.integer({ min: 1, max: 6 }),
      sharded: fc.boolean(),
      levels: fc.integer({ min: 1, max: 4 }),
      zDown: fc.boolean(),
      order: fc.constantFrom("in" as const, "reversed" as const, "random" as const),
      seed: fc.integer({ min: 1, max: 1000 }),
    },
    { numRuns: 12 },
  )("any geometry and arrival order", async (p) => {
    const c: Case = {
      version: p.version,
      dtype: p.dtype,
      method: p.method,
      shape: [p.t, 1, p.z, p.y, p.x],
      chunks: [1, 1, p.cz, p.cy, p.cx],
      ...(p.sharded && p.version === "0.5" ? { shardsRatio: [1, 1, 1, 2, 2] } : {}),
      levels: p.levels,
      dims: p.zDown ? ["z", "y", "x"] : ["y", "x"],
      order: p.order,
      seed: p.seed,
    };
    // Every object compared: the root's and each level's metadata and at least one block per
    // level (a 1×1×1×1×1 image of one level is 3 objects on Zarr v3; the bound was once "> 3").
    expect(await expectSameAsBatch(c)).toBeGreaterThanOrEqual(1 + 2 * p.levels);
  });
});

describe("stream vs batch through the worker pool (directories)", () => {
  // z downsampled (the fold on this thread, slabs to the pool); y, x only with 2 planes per
  // chunk (chain tasks, then slab tasks); y, x only with one plane per chunk (one task per frame
  // computes and writes every level), sharded or not.
  test.each([
    ["0.4", undefined, ["z", "y", "x"], [1, 1, 2, 8, 8]],
    ["0.5", [1, 1, 1, 2, 2], ["z", "y", "x"], [1, 1, 2, 8, 8]],
    ["0.4", undefined, ["y", "x"], [1, 1, 2, 8, 8]],
    ["0.4", undefined, ["y", "x"], [1, 1, 1, 8, 8]],
    ["0.5", [1, 1, 1, 2, 2], ["y", "x"], [1, 1, 1, 8, 8]],
  ] as const)(
    "NGFF %s, shards %j, dims %j, chunks %j",
    async (version, shardsRatio, dims, chunks) =>
      poolCase({
        version,
        dtype: "uint16",
        method: "mean",
        shape: [3, 1, 4, 33, 32],
        chunks: [...chunks],
        ...(shardsRatio ? { shardsRatio: [...shardsRatio] } : {}),
        levels: 4,
        dims: [...dims],
        order: "random",
        seed: 9,
      }),
  );

  // One task per frame (its chain, then every level's blocks): every method and more dtypes,
  // block heights a multiple of the factor or not, odd plane sizes.
  test.each([
    ["mean", "float32", 6],
    ["median", "uint8", 6],
    ["mode", "uint8", 7],
    ["min", "uint32", 6],
    ["max", "float32", 7],
    ["stride", "uint16", 6],
  ] as const)("one task per frame: %s %s, blocks %i rows", async (method, dtype, rows) =>
    poolCase({
      version: "0.4",
      dtype,
      method,
      shape: [2, 1, 2, 29, 27],
      chunks: [1, 1, 1, rows, 10],
      levels: 4,
      dims: ["y", "x"],
      order: "random",
      seed: 5,
    }),
  );
});

/** Stream `c` through the pool and compare the directory with the batch path's, file by file. */
async function poolCase(c: Case): Promise<void> {
  const { version } = c;
  const data = caseData(c);
  // The same directory name: omero's name is the store's.
  const a = join(await tempDir(), "img.zarr");
  const b = join(await tempDir(), "img.zarr");
  const batch = await openOmeZarr(await openLocalStore(a, { create: true }), {
    layout: "fov",
    mode: "w",
    channelNames: ["C0"],
    version,
  });
  await batch.createImage(
    "0",
    { data, shape: c.shape },
    { chunks: c.chunks, ...(c.shardsRatio ? { shardsRatio: c.shardsRatio } : {}) },
  );
  await batch.computePyramid({ levels: c.levels, method: c.method, dims: c.dims, workers: 2 });
  await streamInto(
    await newPosition(await openLocalStore(b, { create: true }), version),
    { ...c, workers: 2 },
    data,
  );
  const want = await dirContents(a);
  const got = await dirContents(b);
  expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
  expect(got).toEqual(want);
  await expectValidStore(b);
}
