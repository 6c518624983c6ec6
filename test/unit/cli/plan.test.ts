import { describe, expect, test } from "vitest";
import {
  axisSpecs,
  channelNamesFor,
  chunksFor,
  defaultLevels,
  outputShape,
  pagesAxis,
  parseAxes,
  scaleFor,
} from "../../../src/cli/convert-plan.js";
import { UsageError } from "../../../src/cli/io.js";
import { parseCsv, parseIntList } from "../../../src/cli/options.js";
import { parseWellsCsv } from "../../../src/cli/plate-csv.js";
import { parseDims } from "../../../src/cli/pyramid-run.js";
import { parseRenameCsv } from "../../../src/cli/rename-wells.js";
import { slabSteps } from "../../../src/tiff/copy-to-image.js";
import type { TiffLayout } from "../../../src/tiff/index.js";

function layout(p: Partial<TiffLayout> = {}): TiffLayout {
  return {
    source: "plain",
    dtype: "uint16",
    sizeT: 1,
    sizeC: 1,
    sizeZ: 1,
    sizeY: 100,
    sizeX: 200,
    channelNames: [undefined],
    scale: {},
    notes: [],
    plane: () => ({ ifd: 0, sample: 0 }),
    ...p,
  };
}

describe("parseAxes / pagesAxis", () => {
  test.each([
    ["tczyx", ["t", "c", "z", "y", "x"], "z"],
    ["czyx", ["c", "z", "y", "x"], "z"],
    ["T,Y,X", ["t", "y", "x"], "t"],
    ["cyx", ["c", "y", "x"], "c"],
    ["yx", ["y", "x"], "z"],
  ])("%s", (value, axes, pages) => {
    expect(parseAxes(value)).toEqual(axes);
    expect(pagesAxis(parseAxes(value))).toBe(pages);
  });
  test.each(["xyz", "tczy", "zz yx", "abc", "", "tzcyx"])("rejects %j", (value) => {
    expect(() => parseAxes(value)).toThrow(UsageError);
  });
});

describe("outputShape", () => {
  test("keeps the named axes", () => {
    expect(outputShape(layout({ sizeZ: 4, sizeC: 2 }), ["c", "z", "y", "x"], "f")).toEqual([
      2, 4, 100, 200,
    ]);
  });
  test("refuses to drop an axis with more than one element", () => {
    expect(() => outputShape(layout({ sizeT: 3 }), ["z", "y", "x"], "f.tif")).toThrow(
      /f\.tif has 3 elements along T/,
    );
  });
});

describe("chunksFor", () => {
  const axes = ["t", "c", "z", "y", "x"] as const;
  test.each([
    [undefined, [2, 3, 40, 2000, 300], [1, 1, 8, 512, 300]],
    [undefined, [1, 1, 3, 100, 100], [1, 1, 3, 100, 100]],
    ["XY", [2, 3, 40, 2000, 300], [1, 1, 1, 2000, 300]],
    ["xyz", [1, 1, 40, 200, 300], [1, 1, 40, 200, 300]],
    // 200 × 4096 × 4096 × 2 bytes is far above 64 MiB: z halves down to 2 (exactly 64 MiB).
    ["XYZ", [1, 1, 200, 4096, 4096], [1, 1, 2, 4096, 4096]],
    // A single plane above 64 MiB: z is 1 already, y halves.
    ["XYZ", [1, 1, 3, 8192, 8192], [1, 1, 1, 4096, 8192]],
    ["16,256,256", [1, 1, 40, 2000, 300], [1, 1, 16, 256, 256]],
    ["64,64", [1, 1, 40, 50, 300], [1, 1, 1, 50, 64]],
  ])("%s for %j", (spec, shape, chunks) => {
    expect(chunksFor(spec, axes, shape, 2)).toEqual(chunks);
  });
  test.each(["1,2,3,4,5,6", "0,4", "a,b", "1.5"])("rejects %j", (spec) => {
    expect(() => chunksFor(spec, axes, [1, 1, 1, 10, 10], 1)).toThrow(UsageError);
  });
});

describe("defaultLevels", () => {
  test.each([
    [100, 200, 1],
    [300, 400, 1],
    [512, 512, 2],
    [2048, 4096, 5],
    [1e6, 1e6, 8],
  ])("%d × %d → %d", (y, x, levels) => {
    expect(defaultLevels(y, x)).toBe(levels);
  });
});

describe("axes, scale and channel names from the file", () => {
  const l = layout({
    sizeC: 3,
    channelNames: ["DAPI", undefined, "DAPI"],
    scale: {
      x: { value: 0.5, unit: "nanometer" },
      z: { value: 2, unit: undefined },
      t: { value: 3, unit: "millisecond" },
    },
  });
  test("axisSpecs", () => {
    expect(axisSpecs(["t", "c", "z", "y", "x"], l)).toEqual([
      { name: "T", type: "time", unit: "millisecond" },
      { name: "C", type: "channel" },
      { name: "Z", type: "space", unit: "micrometer" },
      { name: "Y", type: "space", unit: "micrometer" },
      { name: "X", type: "space", unit: "nanometer" },
    ]);
  });
  test("scaleFor", () => {
    expect(scaleFor(["t", "c", "z", "y", "x"], l)).toEqual([3, 1, 2, 1, 0.5]);
  });
  test("channelNamesFor fills gaps and de-duplicates", () => {
    expect(channelNamesFor(l, undefined, "f")).toEqual(["DAPI", "C1", "DAPI (2)"]);
    expect(channelNamesFor(l, ["a", "b", "c"], "f")).toEqual(["a", "b", "c"]);
    expect(() => channelNamesFor(l, ["a", "b"], "f")).toThrow(/gives 2 name\(s\) but f has 3/);
    expect(() => channelNamesFor(l, ["a", "a", "b"], "f")).toThrow(/repeats a name/);
  });
});

describe("small parsers", () => {
  test("parseCsv handles quotes, comments, blank lines, BOM", () => {
    expect(parseCsv('\uFEFFa, b ,"c,d"\n\n# note\n"say ""hi""",x\r\n')).toEqual([
      ["a", "b", "c,d"],
      ['say "hi"', "x"],
    ]);
  });
  test("parseIntList", () => {
    expect(parseIntList("1, 2,3", "--x")).toEqual([1, 2, 3]);
    expect(() => parseIntList("1,-2", "--x")).toThrow(
      /--x expects comma-separated positive integers/,
    );
  });
  test("parseDims", () => {
    expect(parseDims("z,y,x")).toEqual(["Z", "Y", "X"]);
    expect(parseDims("Y, x, y")).toEqual(["Y", "X"]);
    expect(() => parseDims("c,y")).toThrow(/among t, z, y, x/);
    expect(() => parseDims(",")).toThrow(UsageError);
  });
  test("parseWellsCsv: header, default fields, relative paths", () => {
    const jobs = parseWellsCsv(
      "file,well\na.tif,B/3\n/abs/b.tif,B/3\nc.tif,C/1,5\n",
      "w.csv",
      "/data",
    );
    expect(jobs).toEqual([
      { input: "/data/a.tif", row: "B", column: "3", field: "0" },
      { input: "/abs/b.tif", row: "B", column: "3", field: "1" },
      { input: "/data/c.tif", row: "C", column: "1", field: "5" },
    ]);
    expect(() => parseWellsCsv("a.tif,B/3\nb.tif,B3\n", "w.csv", "/")).toThrow(
      /row 2: expected "file,row\/column/,
    );
    expect(() => parseWellsCsv("a.tif,B/3,0\nb.tif,B/3,0\n", "w.csv", "/")).toThrow(
      /row 2: position B\/3\/0 is listed twice/,
    );
    expect(() => parseWellsCsv("file,well\n", "w.csv", "/")).toThrow(/lists no files/);
  });
  test("parseRenameCsv", () => {
    expect(parseRenameCsv("A/1,B/2\nA/2, C/2\n", "n.csv")).toEqual([
      ["A/1", "B/2"],
      ["A/2", "C/2"],
    ]);
    expect(() => parseRenameCsv("A/1\n", "n.csv")).toThrow(/row 1: expected two columns/);
    expect(() => parseRenameCsv("A/1,B/1\nA/1,C/1\n", "n.csv")).toThrow(/renamed twice/);
  });
});

describe("slabSteps", () => {
  const sizes = { t: 1, c: 2, z: 64, y: 2048, x: 4096 };
  const chunks = { t: 1, c: 1, z: 8, y: 512, x: 512 };
  test("whole rows of chunks when they fit", () => {
    expect(slabSteps(sizes, chunks, 1, 2, 128 * 2 ** 20)).toEqual({
      t: 1,
      c: 1,
      z: 8,
      y: 512,
      x: 4096,
    });
  });
  test("narrower than the image when full rows exceed the budget", () => {
    expect(slabSteps(sizes, chunks, 1, 2, 16 * 2 ** 20)).toEqual({
      t: 1,
      c: 1,
      z: 8,
      y: 512,
      x: 2048,
    });
    expect(slabSteps(sizes, chunks, 1, 2, 1)).toEqual({ t: 1, c: 1, z: 8, y: 512, x: 512 });
  });
  test("taller bands for tall compressed blocks, within the budget", () => {
    expect(slabSteps(sizes, chunks, 1000, 2, 1024 * 2 ** 20).y).toBe(1024);
    expect(slabSteps(sizes, chunks, 1000, 2, 32 * 2 ** 20).y).toBe(512);
  });
});
