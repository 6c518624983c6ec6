import { join } from "node:path";
import ndarray from "ndarray";
import { describe, expect, test } from "vitest";
import type { NgffVersion } from "../../../src/nodes/context.js";
import { openOmeZarr } from "../../../src/open.js";
import { newFov, newStore } from "./delete-helpers.js";
import { expectRejectedUntouched, expectValidStore, tempDir, vals } from "./open-helpers.js";

const SHAPE = [1, 2, 2, 4, 6];
const size = SHAPE.reduce((a, b) => a * b);

function newPosition(version: NgffVersion = "0.4") {
  return newFov(version, { data: new Uint16Array(size).map((_, i) => i), shape: SHAPE });
}

describe("bad input leaves the store byte-identical", () => {
  test("createImage: wrong shape for the axes, too many channels, bad chunks", async () => {
    const { pos, dir } = await newPosition();
    const e1 = await expectRejectedUntouched(dir, "ShapeMismatch", () =>
      pos.createImage("1", { data: new Uint16Array(24), shape: [2, 3, 4] }),
    );
    expect(e1.message).toMatchInlineSnapshot(
      `"image has 3 dimensions [2,3,4], while the dataset has 5 axes (T, C, Z, Y, X); pass data with one axis per dataset axis, or checkShape: false"`,
    );
    const e2 = await expectRejectedUntouched(dir, "ShapeMismatch", () =>
      pos.createImage("1", { data: new Uint16Array(3 * 4), shape: [1, 3, 1, 2, 2] }),
    );
    expect(e2.message).toMatchInlineSnapshot(
      `"image has 3 channels, while the dataset has 2 (DAPI, GFP); append channels first or pass fewer"`,
    );
    await expectRejectedUntouched(dir, "ShapeMismatch", () =>
      pos.createImage("1", { data: new Uint16Array(size), shape: SHAPE }, { chunks: [1, 1, 2] }),
    );
    await expectRejectedUntouched(dir, "ShapeMismatch", () =>
      pos.createImage("1", { data: new Uint16Array(5), shape: SHAPE }),
    );
    await expectRejectedUntouched(dir, "InvalidMetadata", () =>
      pos.createImage(
        "1",
        { data: new Uint16Array(size), shape: SHAPE },
        { transform: [{ type: "scale", scale: [1, 2] }] },
      ),
    );
  });

  test.each(["0.4", "0.5"] as const)(
    "%s: an image that would make the levels invalid is refused before writing",
    async (version) => {
      const { pos, dir } = await newPosition(version);
      const [t, c, z, y, x] = SHAPE as [number, number, number, number, number];
      // Larger than level 0 along X: levels go from largest to smallest.
      const wide = [t, c, z, y, x + 1];
      const e = await expectRejectedUntouched(dir, "ShapeMismatch", () =>
        pos.createZeros("wide", { shape: wide, dtype: "uint16" }),
      );
      expect(e.message).toContain('image "wide" cannot be added as level 1');
      expect(e.message).toContain("larger than level 0 along X");
      // Smaller, but its scale (identity) says it is level 0's size.
      const half = [t, c, z, y / 2, x / 2];
      const e2 = await expectRejectedUntouched(dir, "ShapeMismatch", () =>
        pos.createZeros("half", { shape: half, dtype: "uint16" }),
      );
      expect(e2.message).toContain("but its scale is 1× level 0's");
      // The same image with the scale that matches is a valid level 1.
      await pos.createZeros("half", {
        shape: half,
        dtype: "uint16",
        transform: [{ type: "scale", scale: [1, 1, 1, 2, 2] }],
      });
      expect(pos.levelPaths).toEqual(["0", "half"]);
      // Bad specs still fail with their own errors first (nothing is compared yet).
      await expectRejectedUntouched(dir, "InvalidMetadata", () =>
        pos.createZeros("x", { shape: wide, dtype: "float16" as never }),
      );
      await expectValidStore(dir);
    },
  );

  test("existing names, unknown channels, unsafe names", async () => {
    const { pos, dir } = await newPosition();
    await expectRejectedUntouched(dir, "AlreadyExists", () =>
      pos.createImage("0", { data: new Uint16Array(size), shape: SHAPE }),
    );
    await expectRejectedUntouched(dir, "AlreadyExists", () => pos.appendChannel("GFP"));
    await expectRejectedUntouched(dir, "AlreadyExists", () => pos.renameChannel("DAPI", "GFP"));
    const e = await expectRejectedUntouched(dir, "NotFound", () => pos.renameChannel("RFP", "x"));
    expect(e.message).toMatchInlineSnapshot(
      `"channel "RFP" is not one of the channels ["DAPI","GFP"]"`,
    );
    await expectRejectedUntouched(dir, "NotFound", () =>
      pos.setContrastLimits("RFP", { start: 0, end: 1, min: 0, max: 1 }),
    );
    await expectRejectedUntouched(dir, "NotFound", () =>
      pos.updateChannel("RFP", "0", { data: new Uint16Array(48), shape: [1, 2, 4, 6] }),
    );
    for (const name of ["../x", "a/b", "", "..", ".zattrs", "/abs"]) {
      await expectRejectedUntouched(dir, "UnsafePath", () =>
        pos.createImage(name, { data: new Uint16Array(size), shape: SHAPE }),
      );
      await expectRejectedUntouched(dir, "UnsafePath", () =>
        pos.createZeros(name, { shape: SHAPE, dtype: "uint8" }),
      );
      await expectRejectedUntouched(dir, "UnsafePath", () =>
        pos.createLabel(name, { shape: [1, 2, 4, 6] }),
      );
      await expectRejectedUntouched(dir, "UnsafePath", () => pos.get(name));
    }
  });

  test("writes: wrong dtype, wrong shape, out-of-range selection", async () => {
    const { pos, dir } = await newPosition();
    const img = await pos.data;
    await expectRejectedUntouched(dir, "ShapeMismatch", () =>
      img.write([0, 0], { data: new Float32Array(48), shape: [2, 4, 6] }),
    );
    await expectRejectedUntouched(dir, "ShapeMismatch", () =>
      img.write([0, 0], { data: new Uint16Array(47), shape: [47] }),
    );
    await expectRejectedUntouched(dir, "ShapeMismatch", () =>
      img.write([0, 0], new Uint16Array(47)),
    );
    await expectRejectedUntouched(dir, "ShapeMismatch", () => img.write([1], 0));
    await expectRejectedUntouched(dir, "ShapeMismatch", () => img.read([0, 2]));
  });

  test("shardsRatio on 0.4 is Unsupported; on 0.5 it shards", async () => {
    const { pos, dir } = await newPosition("0.4");
    await expectRejectedUntouched(dir, "Unsupported", () =>
      pos.createImage(
        "1",
        { data: new Uint16Array(size), shape: SHAPE },
        { chunks: [1, 1, 1, 2, 3], shardsRatio: [1, 1, 2, 2, 2] },
      ),
    );
    const v5 = await newPosition("0.5");
    const arr = await v5.pos.createImage(
      "s",
      { data: new Uint16Array(size).fill(3), shape: SHAPE },
      { chunks: [1, 1, 1, 2, 3], shardsRatio: [1, 2, 2, 2, 2] },
    );
    expect(arr.shards).toEqual([1, 2, 2, 4, 6]);
    expect(vals(await arr.read([0, 1, 1]))).toEqual(new Array(24).fill(3));
  });
});

describe("Position API", () => {
  test("appendChannel grows arrays, renameChannel, updateChannel, contrast", async () => {
    const { pos } = await newPosition("0.5");
    const before = await pos.data;
    await pos.appendChannel("mCherry");
    expect(pos.channelNames).toEqual(["DAPI", "GFP", "mCherry"]);
    // A wrapper taken before the resize is not stale.
    expect(before.shape).toEqual([1, 3, 2, 4, 6]);
    expect((await before.read([0, 2])).shape).toEqual([2, 4, 6]);
    const img = await pos.data;
    expect(img.shape).toEqual([1, 3, 2, 4, 6]);
    expect(pos.omero?.channels[2]).toMatchObject({
      label: "mCherry",
      color: "FF00FF",
      active: false,
    });
    const plane = new Uint16Array(48).fill(5);
    await pos.updateChannel("mCherry", "0", { data: plane, shape: [1, 2, 4, 6] });
    expect(vals(await img.read([0, 2]))).toEqual(Array.from(plane));
    expect(vals(await img.read([0, 0, 0, 0]))).toEqual([0, 1, 2, 3, 4, 5]);
    await pos.renameChannel("mCherry", "RFP");
    expect(pos.getChannelIndex("RFP")).toBe(2);
    const again = await openOmeZarr(pos.ctx.store, { mode: "r" });
    expect(again.channelNames).toEqual(["DAPI", "GFP", "RFP"]);
  });

  test("transforms: effective scale and translation, setTransform, setScale", async () => {
    const { pos, dir } = await newPosition();
    await pos.setTransform("0", [
      { type: "scale", scale: [1, 1, 2, 0.5, 0.5] },
      { type: "translation", translation: [0, 0, 1, 2, 3] },
    ]);
    await pos.setTransform("*", [
      { type: "scale", scale: [10, 1, 1, 1, 1] },
      { type: "translation", translation: [0, 0, 0, 0, 1] },
    ]);
    expect(pos.getEffectiveScale("0")).toEqual([10, 1, 2, 0.5, 0.5]);
    expect(pos.getEffectiveTranslation("0")).toEqual([0, 0, 1, 2, 4]);
    expect(pos.getEffectiveScale("*")).toEqual([10, 1, 1, 1, 1]);
    await pos.setScale("0", "y", 0.25);
    expect(pos.scale).toEqual([10, 1, 2, 0.25, 0.5]);
    expect(pos.getAxisIndex("x")).toBe(4);
    await expectRejectedUntouched(dir, "InvalidMetadata", () => pos.setScale("0", "y", -1));
    await expectRejectedUntouched(dir, "NotFound", () => pos.setScale("0", "w", 1));
    await expectRejectedUntouched(dir, "NotFound", () => pos.setScale("7", "x", 1));
    expect(() => pos.getEffectiveScale("7")).toThrow(/not a level/);
  });

  test("createZeros then region writes; chunk iteration; non-contiguous views", async () => {
    const dir = join(await tempDir(), "z.zarr");
    const pos = await openOmeZarr(dir, { layout: "fov", mode: "w", channelNames: ["DAPI", "GFP"] });
    const big = await pos.createZeros("big", {
      shape: [1, 2, 3, 10, 12],
      dtype: "float32",
      chunks: [1, 1, 1, 4, 5],
    });
    // iohub records every created image as a level: one of the same size is a valid level 1
    await pos.createZeros("same", { shape: [1, 2, 3, 10, 12], dtype: "float32" });
    expect(await pos.arrayKeys()).toEqual(["big", "same"]);
    expect(pos.levelPaths).toEqual(["big", "same"]);
    await expectValidStore(dir);
    expect(vals(await big.read([0, 1, 2, 9]))).toEqual(new Array(12).fill(0));
    // a transposed (F-order) view is written in C order
    const src = ndarray(
      new Float32Array(120).map((_, i) => i),
      [12, 10],
    ).transpose(1, 0);
    await big.write([0, 1, 2], src);
    const back = await big.read([0, 1, 2]);
    expect(back.get(3, 7)).toBe(src.get(3, 7));
    expect(back.get(9, 11)).toBe(src.get(9, 11));
    let chunks = 0;
    let sum = 0;
    for await (const { coords, region, data } of big.iterChunks()) {
      chunks++;
      expect(data.shape).toEqual(region.map(([a, b]) => b - a));
      if (coords[1] === 1 && coords[2] === 2) for (const v of data.data as Float32Array) sum += v;
    }
    expect(chunks).toBe(1 * 2 * 3 * 3 * 3);
    expect(sum).toBe((119 * 120) / 2);
    // negative indices count from the end
    expect((await big.read([-1, -1, -1, -1, -1])).get()).toBe(src.get(9, 11));
    expect(big.frames).toBe(1);
    expect([big.channels, big.slices, big.height, big.width]).toEqual([2, 3, 10, 12]);
  });

  test("64-bit integers and bool", async () => {
    const { pos } = await newPosition("0.5");
    const a = await pos.createImage("i64", {
      data: new BigInt64Array(size).map((_, i) => BigInt(i) - 10n),
      shape: SHAPE,
    });
    expect((await a.read([0, 1, 1, 3, 5])).get()).toBe(BigInt(size - 1) - 10n);
    await a.write([0, 0, 0, 0, 0], 123);
    expect((await a.read([0, 0, 0, 0, 0])).get()).toBe(123n);
    const b = await pos.createImage("mask", {
      data: new Array(size).fill(false).map((_, i) => i % 2 === 0),
      shape: SHAPE,
    });
    expect(b.dtype).toBe("bool");
    expect(vals(await b.read([0, 0, 0, 0]))).toEqual([1, 0, 1, 0, 1, 0]);
  });

  test("printTree levels and dumpMeta", async () => {
    const { pos } = await newPosition();
    await pos.createLabel("nuclei", { shape: [1, 2, 4, 6], dtype: "uint16" });
    expect(await pos.printTree({ level: 1 })).toMatchInlineSnapshot(`
      "/
      ├── labels
      └── 0 (1, 2, 2, 4, 6) uint16"
    `);
    expect(await pos.isLeaf()).toBe(false);
    expect(pos.isRoot()).toBe(true);
    expect(await pos.groupKeys()).toEqual(["labels"]);
    const before = JSON.stringify(pos.attrs);
    await pos.dumpMeta();
    expect(JSON.stringify(pos.attrs)).toBe(before);
  });
});

describe("codec option", () => {
  test.each(["0.4", "0.5"] as const)(
    "NGFF %s: createImage({ codec }) writes that codec, pyramid levels inherit it, data reads back",
    async (version) => {
      const { node: pos } = await newStore(version, "fov", "codec.zarr", ["DAPI", "GFP"]);
      const data = new Uint16Array(2 * 8 * 16 * 16).map((_, i) => (i * 7) % 1000);
      await pos.createImage(
        "0",
        { data, shape: [1, 2, 8, 16, 16] },
        {
          codec: { name: "gzip", level: 6 },
        },
      );
      await pos.computePyramid({ levels: 2, method: "stride", workers: 0 });
      for (const name of ["0", "1"]) {
        expect((await pos.get(name)).zarrArray.codec).toEqual({ name: "gzip", level: 6 });
      }
      const back = await (await pos.get("0")).toArray();
      expect(Array.from(back.data as Uint16Array)).toEqual(Array.from(data));
      await pos.close();
    },
  );
});
