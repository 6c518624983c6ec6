/**
 * Blocks (selections) assembled into frames give the same bytes as whole frames; memory held
 * between frames stays flat over a long in-order stream.
 */
import { expect, test } from "vitest";
import { createMemoryStore } from "../../../src/store/index.js";
import { readObjects } from "../../helpers/store-objects.js";
import { batchStore, type Case, newPosition, seeded } from "./helpers.js";

test("blocks in any order (halves and quarters of planes, across frames) equal the batch bytes", async () => {
  const c: Case = {
    version: "0.4",
    dtype: "uint16",
    method: "median",
    shape: [2, 1, 4, 10, 9],
    chunks: [1, 1, 2, 4, 4],
    levels: 3,
    dims: ["z", "y", "x"],
    order: "in",
    seed: 77,
  };
  const [T, C, Z, Y, X] = c.shape as [number, number, number, number, number];
  const data = seeded(c.dtype, T * C * Z * Y * X, c.seed);
  const want = await readObjects(await batchStore(c, data));
  const store = createMemoryStore();
  const s = await (await newPosition(store, c.version)).createStream("0", {
    dtype: c.dtype,
    shape: [Infinity, C, Z, Y, X],
    chunks: c.chunks,
    pyramid: { levels: c.levels, method: c.method, dims: c.dims },
  });
  /** The block [t0,t1) × all c × [z0,z1) × [y0,y1) × [x0,x1) of `data`, C order. */
  const block = (
    t: [number, number],
    z: [number, number],
    y: [number, number],
    x: [number, number],
  ) => {
    const out = new Uint16Array((t[1] - t[0]) * C * (z[1] - z[0]) * (y[1] - y[0]) * (x[1] - x[0]));
    let o = 0;
    for (let ti = t[0]; ti < t[1]; ti++)
      for (let ci = 0; ci < C; ci++)
        for (let zi = z[0]; zi < z[1]; zi++)
          for (let yi = y[0]; yi < y[1]; yi++)
            for (let xi = x[0]; xi < x[1]; xi++)
              out[o++] = (data as Uint16Array)[(((ti * C + ci) * Z + zi) * Y + yi) * X + xi]!;
    return out;
  };
  // Lower halves of every plane of both t at once, then the upper halves in two x parts.
  await s.writeBlock([[0, 2], null, [0, 4], [0, 5], null], block([0, 2], [0, 4], [0, 5], [0, 9]));
  expect(s.frames).toBe(0);
  for (const [x0, x1] of [
    [4, 9],
    [0, 4],
  ] as [number, number][]) {
    for (let t = T - 1; t >= 0; t--) {
      await s.writeBlock(
        [t, 0, [0, 4], [5, 10], [x0, x1]],
        block([t, t + 1], [0, 4], [5, 10], [x0, x1]),
      );
    }
  }
  expect(s.frames).toBe(T * Z);
  await s.close();
  const got = await readObjects(store);
  expect([...got.keys()]).toEqual([...want.keys()]);
  for (const [k, v] of want) expect(got.get(k), k).toBe(v);
});

test("memory held between frames is flat over 120 in-order frames", async () => {
  const store = createMemoryStore();
  const s = await (await newPosition(store, "0.5")).createStream("0", {
    dtype: "uint8",
    shape: [Infinity, 1, 4, 16, 16],
    chunks: [1, 1, 2, 8, 8],
    pyramid: { levels: 3, dims: ["z", "y", "x"] },
  });
  const held: number[] = [];
  const plane = new Uint8Array(256);
  for (let i = 0; i < 120; i++) {
    plane.fill(i % 251);
    await s.write(i, plane);
    held.push(s.bufferedBytes);
  }
  await s.close();
  // At most one slab (2 z-planes) and one group (2 z-planes) per level, never growing.
  const firstHalf = Math.max(...held.slice(0, 60));
  const secondHalf = Math.max(...held.slice(60));
  expect(secondHalf).toBeLessThanOrEqual(firstHalf);
  expect(firstHalf).toBeLessThanOrEqual(2 * 2 * (16 * 16 + 8 * 8 + 4 * 4));
  expect(s.bufferedBytes).toBe(0);
});
