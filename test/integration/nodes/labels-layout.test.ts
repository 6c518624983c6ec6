/**
 * Labels as the spec lays them out: a label array has the image's axes, each dimension the
 * image's size or 1 (channel 1), as many levels as the image, level shapes and transforms
 * following the image's. Precomputed label pyramids, editing image-label metadata, the default
 * palette, labels written in the old layout (no channel axis), and bad input refused with a
 * typed error and every file of the store byte-identical afterwards.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { NgffVersion } from "../../../src/nodes/context.js";
import {
  defaultLabelColor,
  distinctLabelValues,
  LABEL_COLORS_CAP,
} from "../../../src/nodes/labels.js";
import { writeOmeAttrs } from "../../../src/nodes/ome-attrs.js";
import { Position } from "../../../src/nodes/position.js";
import { openOmeZarr } from "../../../src/open.js";
import { createArray, createGroup } from "../../../src/store/index.js";
import { validateStore } from "../../../src/validate/store.js";
import { writeLabelMetadata, writeMultiscaleLabels } from "../../../src/writers.js";
import { newFov } from "./delete-helpers.js";
import { expectRejectedUntouched, vals } from "./open-helpers.js";

const SHAPE = [2, 2, 3, 16, 16]; // t c z y x
const LSHAPE = [2, 1, 3, 16, 16];
const LN = LSHAPE.reduce((a, b) => a * b);

async function fov(version: NgffVersion, levels = 3): Promise<{ pos: Position; dir: string }> {
  const data = new Uint16Array(SHAPE.reduce((a, b) => a * b)).map((_, i) => i % 1000);
  const { pos, dir } = await newFov(version, { data, shape: SHAPE }, "img.zarr");
  await pos.setScale("0", "z", 0.5);
  if (levels > 1) await pos.computePyramid({ levels, workers: 0 });
  return { pos, dir };
}

/** Label data made of constant 2×2×2 (z, y, x) blocks, so any block downsampling keeps them. */
function blocky(shape: readonly number[]): Uint32Array {
  const [t, c, z, y, x] = shape as [number, number, number, number, number];
  const out = new Uint32Array(t * c * z * y * x);
  let i = 0;
  for (let a = 0; a < t; a++)
    for (let b = 0; b < c; b++)
      for (let k = 0; k < z; k++)
        for (let j = 0; j < y; j++)
          for (let m = 0; m < x; m++) out[i++] = 1 + a * 7 + ((j >> 2) % 3) + 3 * ((m >> 2) % 2);
  return out;
}

describe.each(["0.4", "0.5"] as const)("labels, NGFF %s", (version) => {
  test("a label with the image's five axes validates (strict), reopens, pyramids with mode, reads back equal", async () => {
    const { pos, dir } = await fov(version);
    const data = blocky(LSHAPE);
    const label = await pos.createLabel("cells", { data, shape: LSHAPE }, { workers: 0 });
    expect(label.axes).toEqual(pos.axes);
    expect(label.levelPaths).toEqual(pos.levelPaths);
    for (const p of pos.levelPaths) {
      const img = await pos.get(p);
      const lab = await label.get(p);
      expect(lab.shape).toEqual(img.shape.map((s, i) => (i === 1 ? 1 : s)));
      expect(label.getEffectiveScale(p)).toEqual(pos.getEffectiveScale(p));
      expect(lab.dtype).toBe("uint32");
    }
    expect(label.multiscale?.type).toBe("mode");
    expect(label.multiscale?.metadata).toMatchObject({ method: "mode", library: "ngff-writer" });
    const strict = await validateStore(dir, { strict: true });
    expect(strict.issues).toEqual([]);

    await using back = await openOmeZarr(dir);
    if (!(back instanceof Position)) throw new Error("not a position");
    const l = await back.getLabel("cells");
    expect(l.axisNames).toEqual(["t", "c", "z", "y", "x"]);
    const l0 = await (await l.get("0")).toArray();
    expect(l0.shape).toEqual(LSHAPE);
    expect(vals(l0)).toEqual(Array.from(data));
    // Level 1 is the mode of 1×1×2×2×2 blocks of constant values: level 0 sampled at even indices.
    const l1 = await (await l.get("1")).toArray();
    expect(l1.shape).toEqual([2, 1, 2, 8, 8]);
    for (const [t, z, y, x] of [
      [0, 0, 0, 0],
      [1, 1, 5, 7],
      [0, 1, 3, 2],
    ] as const) {
      expect(l1.get(t, 0, z, y, x)).toBe(l0.get(t, 0, 2 * z, 2 * y, 2 * x));
    }
    // The default palette covers every value written, 0 transparent.
    const { values } = distinctLabelValues(data);
    expect(l.colors.map((c) => c["label-value"])).toEqual([0, ...values]);
    expect(l.colors[0]).toEqual({ "label-value": 0, rgba: [0, 0, 0, 0] });
    expect(l.colors[1]?.rgba).toEqual(defaultLabelColor(values[0]!));
  });

  test("data without the channel axis gets it (size 1); a dimension of 1 is allowed", async () => {
    const { pos, dir } = await fov(version, 2);
    const four = await pos.createLabel(
      "four",
      { data: new Uint8Array(2 * 3 * 16 * 16).fill(4), shape: [2, 3, 16, 16] },
      { workers: 0 },
    );
    expect((await four.get("0")).shape).toEqual([2, 1, 3, 16, 16]);
    expect((await four.get("1")).shape).toEqual([2, 1, 2, 8, 8]);
    const oneT = await pos.createLabel(
      "one-t",
      { data: new Uint8Array(3 * 16 * 16).fill(1), shape: [1, 1, 3, 16, 16] },
      { workers: 0 },
    );
    expect((await oneT.get("1")).shape).toEqual([1, 1, 2, 8, 8]);
    expect((await validateStore(dir, { strict: true })).issues).toEqual([]);
  });

  test("a precomputed pyramid: createLabel with levels and writeMultiscaleLabels", async () => {
    const { pos, dir } = await fov(version, 3);
    const lv = [
      { data: new Uint16Array(2 * 3 * 16 * 16).fill(1), shape: [2, 1, 3, 16, 16] },
      { data: new Uint16Array(2 * 2 * 8 * 8).fill(2), shape: [2, 1, 2, 8, 8] },
      { data: new Uint16Array(2 * 1 * 4 * 4).fill(3), shape: [2, 1, 1, 4, 4] },
    ];
    const label = await pos.createLabel("pre", lv);
    expect(label.levelPaths).toEqual(["0", "1", "2"]);
    // Levels the caller computed: recorded as not computed by ngff-writer.
    expect(label.multiscale?.type).toBe("unknown");
    expect((await pos.getLabel("pre")).multiscale?.type).toBe("unknown");
    for (const [k, l] of lv.entries()) {
      const a = await (await label.get(String(k))).toArray();
      expect(a.shape).toEqual(l.shape);
      expect(vals(a)).toEqual(Array.from(l.data));
      expect(label.getEffectiveScale(String(k))).toEqual(pos.getEffectiveScale(String(k)));
    }
    expect(label.colors.map((c) => c["label-value"])).toEqual([0, 1]);
    const w = await writeMultiscaleLabels(
      lv.map((l) => ({ data: l.data, shape: [l.shape[0]!, ...l.shape.slice(2)] })),
      dir,
      "written",
      { labelMetadata: { colors: { 1: [9, 9, 9] } }, chunks: [8, 8] },
    );
    expect((await w.get("2")).shape).toEqual([2, 1, 1, 4, 4]);
    // ome-zarr-py's chunks: the leading axes whole (the channel axis inserted in its place)
    expect((await w.get("0")).chunks).toEqual([2, 1, 3, 8, 8]);
    expect(w.colors).toEqual([{ "label-value": 1, rgba: [9, 9, 9, 255] }]);
    expect(await pos.labelNames()).toEqual(["pre", "written"]);
    expect((await validateStore(dir, { strict: true })).issues).toEqual([]);
  });

  test("colors, properties and source of an existing label can be edited", async () => {
    const { pos, dir } = await fov(version, 1);
    await pos.createLabel("seg", { data: new Uint8Array(LN).fill(2), shape: LSHAPE });
    const label = await pos.getLabel("seg");
    await label.updateImageLabel({ colors: { 2: [1, 2, 3, 4] } });
    expect(label.colors).toEqual([{ "label-value": 2, rgba: [1, 2, 3, 4] }]);
    await writeLabelMetadata(dir, "seg", {
      properties: [{ labelValue: 2, class: "cell" }],
      source: { image: "../../" },
    });
    const again = await pos.getLabel("seg");
    expect(again.colors).toEqual([{ "label-value": 2, rgba: [1, 2, 3, 4] }]);
    expect(again.properties).toEqual([{ "label-value": 2, class: "cell" }]);
    expect(again.imageLabel.source).toEqual({ image: "../../" });
    if (version === "0.4") expect(again.imageLabel.version).toBe("0.4");
    expect((await validateStore(dir, { strict: true })).issues).toEqual([]);
    // bad edits: typed errors, nothing written
    await expectRejectedUntouched(dir, "InvalidMetadata", () =>
      again.updateImageLabel({ colors: { 2: [300, 0, 0] } }),
    );
    await expectRejectedUntouched(dir, "InvalidMetadata", () =>
      again.updateImageLabel({ colors: [] }),
    );
    await expectRejectedUntouched(dir, "InvalidMetadata", () =>
      writeLabelMetadata(dir, "seg", { colors: [{ "label-value": 1.5, rgba: [0, 0, 0, 0] }] }),
    );
    await expectRejectedUntouched(dir, "InvalidMetadata", () =>
      again.updateImageLabel({ properties: [{ area: 3 }] }),
    );
    await expectRejectedUntouched(dir, "InvalidMetadata", () =>
      again.updateImageLabel({ source: { image: 3 } as never }),
    );
    await expectRejectedUntouched(dir, "NotFound", () =>
      writeLabelMetadata(dir, "nope", { colors: { 1: [0, 0, 0] } }),
    );
  });

  test("bad input: typed error, every file of the store byte-identical", async () => {
    const { pos, dir } = await fov(version, 2);
    const u8 = (shape: number[]) => ({
      data: new Uint8Array(shape.reduce((a, b) => a * b)),
      shape,
    });
    // wrong rank
    await expectRejectedUntouched(dir, "ShapeMismatch", () =>
      pos.createLabel("x", u8([3, 16, 16])),
    );
    await expectRejectedUntouched(dir, "ShapeMismatch", () =>
      pos.createLabel("x", u8([1, 2, 1, 3, 16, 16])),
    );
    // a dimension neither the image's nor 1; a channel dimension other than 1
    const e = await expectRejectedUntouched(dir, "ShapeMismatch", () =>
      pos.createLabel("x", u8([2, 1, 3, 7, 16])),
    );
    expect(e.message).toMatch(/along axis "Y", expected 16 or 1/);
    await expectRejectedUntouched(dir, "ShapeMismatch", () =>
      pos.createLabel("x", u8([2, 2, 3, 16, 16])),
    );
    await expectRejectedUntouched(dir, "ShapeMismatch", () =>
      pos.createLabel("x", { shape: [2, 1, 3, 16, 8] }),
    );
    // non-integer dtype
    await expectRejectedUntouched(dir, "ShapeMismatch", () =>
      pos.createLabel("x", { data: new Float32Array(LN), shape: LSHAPE }),
    );
    await expectRejectedUntouched(dir, "ShapeMismatch", () =>
      pos.createLabel("x", { data: Array.from({ length: LN }, () => true), shape: LSHAPE }),
    );
    // bad colors
    for (const colors of [
      { 1: [300, 0, 0] },
      { 1: [0, 0] },
      [{ "label-value": 1.5 }],
      [
        { "label-value": 1, rgba: [0, 0, 0, 0] },
        { "label-value": 1, rgba: [0, 0, 0, 0] },
      ],
      [],
    ] as const) {
      await expectRejectedUntouched(dir, "InvalidMetadata", () =>
        pos.createLabel("x", u8(LSHAPE), { colors: colors as never }),
      );
    }
    // precomputed levels: wrong count, wrong shape
    await expectRejectedUntouched(dir, "ShapeMismatch", () => pos.createLabel("x", [u8(LSHAPE)]));
    await expectRejectedUntouched(dir, "ShapeMismatch", () =>
      pos.createLabel("x", [u8(LSHAPE), u8([2, 1, 3, 8, 8])]),
    );
    expect(await pos.labelNames()).toEqual([]);
  });

  test("the default palette covers the first LABEL_COLORS_CAP distinct values", async () => {
    const { pos } = await fov(version, 1);
    const data = new Uint32Array(LN).map((_, i) => (i * 13) % 997);
    const label = await pos.createLabel("many", { data, shape: LSHAPE });
    const colors = label.colors;
    expect(colors).toHaveLength(1 + LABEL_COLORS_CAP);
    const firstSeen: number[] = [];
    for (const v of data) {
      if (v !== 0 && !firstSeen.includes(v)) firstSeen.push(v);
      if (firstSeen.length === LABEL_COLORS_CAP) break;
    }
    expect(colors.map((c) => c["label-value"])).toEqual([0, ...firstSeen.sort((a, b) => a - b)]);
    expect(distinctLabelValues(data).truncated).toBe(true);
  });

  test("validateStore reports a label dimension that is neither the image's nor 1", async () => {
    const { pos, dir } = await fov(version, 1);
    await pos.createLabel("seg", { data: new Uint8Array(LN).fill(1), shape: LSHAPE });
    expect((await validateStore(dir)).issues).toEqual([]);
    const file = join(dir, "labels/seg/0", version === "0.4" ? ".zarray" : "zarr.json");
    const meta = JSON.parse(await readFile(file, "utf8"));
    meta.shape = [2, 1, 3, 12, 16];
    await writeFile(file, JSON.stringify(meta));
    const r = await validateStore(dir);
    expect(r.issues.map((i) => [i.code, i.path, i.expected])).toEqual([
      ["label_shape", "labels/seg", "16 or 1"],
    ]);
  });

  test("labels written in the old layout (image axes without the channel) still open and read", async () => {
    const { pos, dir } = await fov(version, 2);
    const format = version === "0.4" ? 2 : 3;
    const store = pos.ctx.store;
    const axes = pos.axes.filter((a) => a.type !== "channel");
    const l0 = new Uint16Array(2 * 3 * 16 * 16).map((_, i) => (i >> 6) % 4);
    const l1 = new Uint16Array(2 * 2 * 8 * 8).fill(1);
    // Written the way ngff-writer wrote labels before: no channel axis, scales without it.
    await createGroup(store, "labels", format, {});
    await createGroup(store, "labels/old", format, {});
    const levels: [string, number[], Uint16Array, number[]][] = [
      ["0", [2, 3, 16, 16], l0, [1, 0.5, 1, 1]],
      ["1", [2, 2, 8, 8], l1, [1, 1, 2, 2]],
    ];
    for (const [p, shape, data] of levels) {
      const arr = await createArray(store, `labels/old/${p}`, format, {
        shape,
        dtype: "uint16",
        chunks: shape,
        fillValue: 0,
        ...(format === 3 ? { dimensionNames: axes.map((a) => a.name) } : {}),
      });
      await arr.writeRegion(
        shape.map((s): [number, number] => [0, s]),
        data,
      );
    }
    const lctx = { ...pos.ctx, path: "labels" };
    await writeOmeAttrs(lctx, { labels: ["old"] });
    await writeOmeAttrs(
      { ...pos.ctx, path: "labels/old" },
      {
        multiscales: [
          {
            ...(version === "0.4" ? { version: "0.4" } : {}),
            axes,
            datasets: levels.map(([path, , , scale]) => ({
              path,
              coordinateTransformations: [{ type: "scale", scale }],
            })),
            name: "old",
          },
        ],
        "image-label": {
          ...(version === "0.4" ? { version: "0.4" } : {}),
          colors: [{ "label-value": 1, rgba: [255, 0, 0, 255] }],
          source: { image: "../../" },
        },
      },
    );
    expect((await validateStore(dir)).issues).toEqual([]);
    await using back = await openOmeZarr(dir, { mode: "r+" });
    if (!(back instanceof Position)) throw new Error("not a position");
    expect(await back.labelNames()).toEqual(["old"]);
    const old = await back.getLabel("old");
    expect(old.axisNames).toEqual(["t", "z", "y", "x"]);
    expect(old.colors).toEqual([{ "label-value": 1, rgba: [255, 0, 0, 255] }]);
    const a0 = await (await old.get("0")).toArray();
    expect(a0.shape).toEqual([2, 3, 16, 16]);
    expect(vals(a0)).toEqual(Array.from(l0));
    // and it still pyramids (mode) in its own layout
    await old.computePyramid({ workers: 0 });
    expect(old.multiscale?.type).toBe("mode");
    expect((await (await old.get("1")).toArray()).shape).toEqual([2, 2, 8, 8]);
    expect((await validateStore(dir)).issues).toEqual([]);
  });
});
