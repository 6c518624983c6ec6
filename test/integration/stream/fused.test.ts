/**
 * Issue 14 item 3: createImage(name, data, { pyramid }) computes every level in one pass from
 * memory, with the same bytes as createImage + computePyramid.
 */
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { closeSharedPools } from "../../../src/engine/shared-pool.js";
import type { PyramidMethod } from "../../../src/nodes/pyramid-ops.js";
import { createMemoryStore, type DataType, openLocalStore } from "../../../src/store/index.js";
import { readObjects } from "../../helpers/store-objects.js";
import {
  dirContents,
  expectRejectedUntouched,
  expectValidStore,
  tempDir,
} from "../nodes/open-helpers.js";
import { batchStore, type Case, caseData, newPosition } from "./helpers.js";

afterAll(async () => {
  await closeSharedPools();
});

const CASES: Case[] = (
  [
    ["0.5", "uint16", "mean", ["z", "y", "x"], [1, 1, 2, 2, 2]],
    ["0.4", "uint8", "mode", ["y", "x"], undefined],
    ["0.5", "float32", "median", ["y", "x"], undefined],
    ["0.4", "uint32", "max", ["z", "y", "x"], undefined],
    ["0.5", "uint8", "stride", ["z", "y", "x"], [1, 1, 1, 2, 1]],
    ["0.4", "uint16", "min", ["z", "y", "x"], undefined],
  ] as const
).map(([version, dtype, method, dims, shardsRatio], i) => ({
  version,
  dtype: dtype as DataType,
  method: method as PyramidMethod,
  shape: [2, 1, 7, 21, 19],
  chunks: [1, 1, 3, 8, 8],
  ...(shardsRatio ? { shardsRatio: [...shardsRatio] } : {}),
  levels: 4,
  dims: [...dims],
  order: "in",
  seed: 40 + i,
}));

describe("fused createImage vs createImage + computePyramid", () => {
  test.each(CASES.map((c) => [`${c.method} ${c.dtype} ${c.version} ${c.dims.join("")}`, c]))(
    "memory store, %s",
    async (_n, c) => {
      const data = caseData(c);
      const want = await readObjects(await batchStore(c, data));
      const store = createMemoryStore();
      const pos = await newPosition(store, c.version);
      const img = await pos.createImage(
        "0",
        { data, shape: c.shape },
        {
          chunks: c.chunks,
          ...(c.shardsRatio ? { shardsRatio: c.shardsRatio } : {}),
          pyramid: { levels: c.levels, method: c.method, dims: c.dims },
        },
      );
      expect(img.shape).toEqual(c.shape);
      const got = await readObjects(store);
      expect([...got.keys()]).toEqual([...want.keys()]);
      for (const [k, v] of want) expect(got.get(k), k).toBe(v);
    },
  );

  test("directory, through the pool, sharded 0.5", async () => {
    const c = CASES[0]!;
    const data = caseData(c);
    const a = join(await tempDir(), "img.zarr");
    const b = join(await tempDir(), "img.zarr");
    const batch = await newPosition(await openLocalStore(a, { create: true }), c.version);
    await batch.createImage(
      "0",
      { data, shape: c.shape },
      { chunks: c.chunks, shardsRatio: c.shardsRatio!, workers: 2 },
    );
    await batch.computePyramid({ levels: c.levels, method: c.method, dims: c.dims, workers: 2 });
    const fused = await newPosition(await openLocalStore(b, { create: true }), c.version);
    await fused.createImage(
      "0",
      { data, shape: c.shape },
      {
        chunks: c.chunks,
        shardsRatio: c.shardsRatio!,
        workers: 2,
        pyramid: { levels: c.levels, method: c.method, dims: c.dims },
      },
    );
    expect(await dirContents(b)).toEqual(await dirContents(a));
    await expectValidStore(b);
  });

  test("bad pyramid options: InvalidOptionsError, nothing written", async () => {
    const dir = join(await tempDir(), "img.zarr");
    const pos = await newPosition(await openLocalStore(dir, { create: true }), "0.5");
    const data = { data: new Uint8Array(2 * 4 * 4), shape: [1, 1, 2, 4, 4] };
    for (const pyramid of [{ levels: 0 }, { levels: 2, method: "avg" }]) {
      await expectRejectedUntouched(dir, "InvalidOptions", () =>
        pos.createImage("0", data, { pyramid: pyramid as never }),
      );
    }
  });
});
