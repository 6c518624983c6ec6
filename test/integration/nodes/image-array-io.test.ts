import { join } from "node:path";
import ndarray from "ndarray";
import { describe, expect, test } from "vitest";
import { openOmeZarr } from "../../../src/open.js";
import { createMemoryStore } from "../../../src/store/index.js";
import { tempDir, vals } from "./open-helpers.js";

describe("ImageArray I/O", () => {
  test("concurrent partial writes into one chunk all land", async () => {
    const pos = await openOmeZarr(join(await tempDir(), "c.zarr"), {
      layout: "fov",
      mode: "w",
      channelNames: ["BF"],
    });
    const img = await pos.createZeros("0", {
      shape: [1, 1, 1, 16, 16],
      dtype: "uint8",
      chunks: [1, 1, 1, 16, 16],
    });
    await Promise.all(
      Array.from({ length: 16 }, (_, row) =>
        img.write([0, 0, 0, row], { data: new Uint8Array(16).fill(row + 1), shape: [16] }),
      ),
    );
    const back = await img.read([0, 0, 0]);
    for (let row = 0; row < 16; row++) expect(back.get(row, 5)).toBe(row + 1);
  });

  test("concurrent createImage calls record every image in the metadata", async () => {
    const store = createMemoryStore();
    const pos = await openOmeZarr(store, {
      layout: "fov",
      mode: "w",
      channelNames: ["BF"],
      version: "0.5",
    });
    const names = ["0", "a", "b", "c", "d"];
    await Promise.all(
      names.map((n) => pos.createZeros(n, { shape: [1, 1, 1, 4, 4], dtype: "uint16" })),
    );
    const again = await openOmeZarr(store, { layout: "fov" });
    expect([...again.levelPaths].sort()).toEqual([...names].sort());
  });

  test("scalars fill ranges; empty selections do nothing; the array is async-iterable", async () => {
    const pos = await openOmeZarr(createMemoryStore(), {
      layout: "fov",
      mode: "w",
      channelNames: ["BF"],
    });
    const img = await pos.createZeros("0", {
      shape: [1, 1, 2, 5, 6],
      dtype: "float64",
      chunks: [1, 1, 1, 2, 3],
    });
    await img.write([0, 0, null, [1, 4], [-2, 6]], 2.5);
    const plane = await img.read([0, 0, 1]);
    expect(plane.get(1, 4)).toBe(2.5);
    expect(plane.get(0, 4)).toBe(0);
    expect(plane.get(4, 5)).toBe(0);
    await img.write([0, 0, 0, [3, 3]], 9);
    const empty = await img.read([0, 0, 0, [3, 3]]);
    expect(empty.shape).toEqual([0, 6]);
    let n = 0;
    for await (const chunk of img) n += chunk.data.size;
    expect(n).toBe(60);
    // squeezed shapes fit: a (1, 3, 2) block written into a [2, 3) × [0, 2) window of one plane
    await img.write([0, 0, 0, [2, 5], [0, 2]], ndarray(new Float64Array(6).fill(7), [1, 3, 2]));
    expect(vals(await img.read([0, 0, 0, [2, 5], 1]))).toEqual([7, 7, 7]);
  });
});
