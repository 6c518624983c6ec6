import { describe, expect, test } from "vitest";
import { isOmeZarrError } from "../../../src/errors.js";
import { checkAxes, DEFAULT_AXES } from "../../../src/nodes/axes.js";
import { checkChunks, defaultChunks, shardsFromRatio } from "../../../src/nodes/chunking.js";
import { channelColor, defaultWindow, omeroMeta } from "../../../src/nodes/omero.js";
import {
  checkTransforms,
  combinedScale,
  combinedTranslation,
} from "../../../src/nodes/transforms.js";
import { modelIssues } from "../../../src/schema/check.js";
import { Axes } from "../../../src/schema/common/axes.js";

describe("omero defaults (iohub's channel_display_settings)", () => {
  test.each([
    ["GFP", "00FF00"],
    ["mCherry-RFP", "FF00FF"],
    ["DAPI", "0000FF"],
    ["Red", "FF0000"],
    ["Cy3", "FFFF00"],
    ["Cy5", "FFA500"],
    ["Phase3D", "FFFFFF"],
    ["gfp", "FFFFFF"], // case-sensitive substring, as in iohub
  ])("%s → %s", (name, hex) => {
    expect(channelColor(name)).toBe(hex);
  });

  test("windows: presets by name, else the dtype range", () => {
    expect(defaultWindow("Phase3D", "float32")).toEqual({
      start: -0.2,
      end: 0.2,
      min: -10,
      max: 10,
    });
    expect(defaultWindow("GFP", "uint8")).toEqual({ start: 0, end: 255, min: 0, max: 255 });
    expect(defaultWindow("GFP", "int16")).toEqual({
      start: -32768,
      end: 32767,
      min: -32768,
      max: 32767,
    });
    expect(defaultWindow("GFP", "float32")).toEqual({ start: 0, end: 65535, min: 0, max: 65535 });
  });

  test("only the first channel is active; 0.5 has no omero.version", () => {
    const m4 = omeroMeta({ version: "0.4", name: "p", channelNames: ["a", "b"], dtype: "uint16" });
    expect(m4.channels.map((c) => c.active)).toEqual([true, false]);
    expect(Object.keys(m4)).toEqual(["version", "id", "name", "channels", "rdefs"]);
    const m5 = omeroMeta({ version: "0.5", name: "p", channelNames: ["a"], dtype: "uint16" });
    expect("version" in m5).toBe(false);
  });
});

describe("default chunks", () => {
  test.each([
    [[1, 2, 16, 256, 256], "uint16", [1, 1, 16, 256, 256]],
    [[2, 3, 64, 2048, 2048], "uint16", [1, 1, 1, 2048, 2048]],
    [[1, 1, 1, 8192, 8192], "uint16", [1, 1, 1, 2048, 2048]],
    [[5, 7], "uint8", [5, 7]],
    [[3, 0, 4], "float64", [3, 1, 4]],
  ] as const)("%j %s → %j", (shape, dtype, chunks) => {
    const c = defaultChunks(shape, dtype);
    expect(c).toEqual(chunks);
  });

  test("chunk and shard ratio checks", () => {
    expect(() => checkChunks([1, 2], [3, 4, 5])).toThrow(/3 positive integers/);
    expect(shardsFromRatio([1, 2], [4, 8], "0.5")).toEqual([4, 16]);
    let err: unknown;
    try {
      shardsFromRatio([1, 2], [4, 8], "0.4");
    } catch (e) {
      err = e;
    }
    expect(isOmeZarrError(err, "Unsupported")).toBe(true);
  });
});

describe("axes and transforms", () => {
  test("default axes are iohub's", () => {
    expect(DEFAULT_AXES.map((a) => a.name)).toEqual(["T", "C", "Z", "Y", "X"]);
    expect(modelIssues(Axes, DEFAULT_AXES)).toEqual([]);
  });

  test.each([
    [[{ name: "x", type: "space" }], "axes_count"],
    [
      [
        { name: "y", type: "space" },
        { name: "y", type: "space" },
      ],
      "duplicate_axis_name",
    ],
    [
      [
        { name: "y", type: "space" },
        { name: "t", type: "time" },
      ],
      "axes_order",
    ],
    [
      [
        { name: "c", type: "channel" },
        { name: "x", type: "space" },
      ],
      "space_axes_count",
    ],
  ])("%j → %s", (axes, code) => {
    expect(modelIssues(Axes, axes).map((i) => i.code)).toContain(code);
    expect(() => checkAxes(axes)).toThrow(/invalid axes/);
  });

  test("transform lists: one scale then at most one translation", () => {
    expect(checkTransforms([{ type: "scale", scale: [1, 2] }], 2)).toHaveLength(1);
    expect(() => checkTransforms([{ type: "translation", translation: [1, 2] }], 2)).toThrow(
      /scale_count/,
    );
    expect(() => checkTransforms([{ type: "scale", scale: [1] }], 2)).toThrow(/transform_length/);
    expect(() => checkTransforms([{ type: "scale", scale: [0, 1] }], 2)).toThrow(/positive/);
  });

  test("effective scale multiplies, translation adds", () => {
    const a = [
      { type: "scale" as const, scale: [2, 3] },
      { type: "translation" as const, translation: [1, 1] },
    ];
    const b = [
      { type: "scale" as const, scale: [0.5, 2] },
      { type: "translation" as const, translation: [2, 0] },
    ];
    expect(combinedScale(2, a, b)).toEqual([1, 6]);
    expect(combinedTranslation(2, a, b)).toEqual([3, 1]);
  });
});
