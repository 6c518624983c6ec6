/**
 * Hostile and broken input through the public API: wrong dtypes and shapes, NaN/Infinity
 * scales, axes that break the spec, duplicate or unknown channels, unsafe names everywhere a
 * name is accepted. Each case must fail with a typed error (isOmeZarrError with the tag) whose
 * message names the problem, and leave every file byte-identical (store, and anything next to
 * it). One table; see hostile-store.test.ts for broken stores.
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import {
  openOmeZarr,
  Plate,
  writeImage,
  writeLabels,
  writeMultiscalesMetadata,
  writePlateMetadata,
  writeWellMetadata,
} from "../../src/index.js";
import { openLocalStore } from "../../src/store/index.js";
import { noteReport } from "./helpers/crash.js";
import {
  buildTemplates,
  type CaseDirs,
  caseDirs,
  fov,
  type HostileCase,
  plate,
  runCase,
} from "./helpers/hostile.js";
import { tempDir } from "./helpers/tree.js";

let templates: string;
let cases: string;
beforeAll(async () => {
  templates = await tempDir("hostile-templates");
  cases = await tempDir("hostile-cases");
  await buildTemplates(templates);
}, 60_000);
afterAll(async () => {
  await fs.rm(templates, { recursive: true, force: true });
  await fs.rm(cases, { recursive: true, force: true });
});

const u16 = (shape: number[]) => ({
  data: new Uint16Array(shape.reduce((a, b) => a * b, 1)),
  shape,
});
const scale = (s: number[]) => [{ type: "scale" as const, scale: s }];

/** Names no node may take: escapes, separators, reserved and look-alike names. */
const UNSAFE_NAMES: [string, RegExp][] = [
  ["..", /unsafe .*"\.\."/],
  ["../evil", /unsafe .*"\.\.\/evil"/],
  ["a/b", /contains "\/"|segments|not of the form/],
  ["", /is empty|non-empty/],
  [".", /is "\."/],
  ["/abs", /contains "\/"|absolute|segments/],
  ["back\\slash", /contains "\\"/],
  ["C:", /contains ":"/],
  ["nul\u0000", /control character/],
  ["x".repeat(300), /longer than 255 bytes/],
  [".zattrs", /reserved Zarr metadata file name/],
  ["zarr.json", /reserved Zarr metadata file name/],
  [".0.tmp-123-abc", /temp file name/],
  [".ngff-lock", /lock file name/],
];

const inputCases: HostileCase[] = [
  // ---- images: dtypes, shapes, chunks --------------------------------------------------------
  {
    what: "createImage with 3 dims for 5 axes",
    base: "fov04",
    act: async (d) => (await fov(d)).createImage("x", u16([2, 16, 16])),
    tag: "ShapeMismatch",
    message: /3 dimensions .* 5 axes/,
  },
  {
    what: "createImage with more channels than named",
    base: "fov05",
    act: async (d) => (await fov(d)).createImage("x", u16([1, 3, 1, 4, 4])),
    tag: "ShapeMismatch",
    message: /3 channels.* has 2/,
  },
  {
    what: "createImage with data shorter than its shape",
    base: "fov04",
    act: async (d) =>
      (await fov(d)).createImage("x", { data: new Uint16Array(10), shape: [1, 1, 1, 4, 4] }),
    tag: "ShapeMismatch",
    message: /10 .*16|16 .*10/,
  },
  {
    what: "createImage with a plain array (no dtype)",
    base: "fov04",
    act: async (d) =>
      (await fov(d)).createImage("x", { data: [1, 2, 3, 4] as never, shape: [1, 1, 1, 2, 2] }),
    tag: "Unsupported",
    message: /plain array is only accepted for booleans/,
  },
  {
    what: "createImage with a Float16/DataView-like object",
    base: "fov04",
    act: async (d) =>
      (await fov(d)).createImage("x", {
        data: new DataView(new ArrayBuffer(8)) as never,
        shape: [1, 1, 1, 2, 2],
      }),
    tag: "Unsupported",
    message: /must be a typed array/,
  },
  {
    what: "createImage with zero chunk size",
    base: "fov04",
    act: async (d) =>
      (await fov(d)).createImage("x", u16([1, 1, 1, 4, 4]), { chunks: [1, 1, 1, 0, 4] }),
    tag: "ShapeMismatch",
    message: /chunk/i,
  },
  {
    what: "createImage with chunks of the wrong length",
    base: "fov05",
    act: async (d) => (await fov(d)).createImage("x", u16([1, 1, 1, 4, 4]), { chunks: [4, 4] }),
    tag: "ShapeMismatch",
    message: /chunk/i,
  },
  {
    what: "createImage with shardsRatio on NGFF 0.4",
    base: "fov04",
    act: async (d) =>
      (await fov(d)).createImage("x", u16([1, 1, 1, 4, 4]), { shardsRatio: [1, 1, 1, 1, 1] }),
    tag: "Unsupported",
    message: /0\.4|shard/i,
  },
  {
    what: "createImage with an existing name",
    base: "fov04",
    act: async (d) => (await fov(d)).createImage("0", u16([1, 2, 4, 32, 32])),
    tag: "AlreadyExists",
    message: /"0" already exists/,
  },
  {
    what: "createZeros with a NaN dimension",
    base: "fov04",
    act: async (d) =>
      (await fov(d)).createZeros("x", { shape: [1, 1, 1, Number.NaN, 4], dtype: "uint8" }),
    tag: "ShapeMismatch",
    message: /non-negative integers|null|NaN/,
  },
  {
    what: "createZeros with a negative dimension",
    base: "fov05",
    act: async (d) => (await fov(d)).createZeros("x", { shape: [1, 1, 1, -4, 4], dtype: "uint8" }),
    tag: "ShapeMismatch",
    message: /-4/,
  },
  {
    what: "createZeros with an unknown dtype",
    base: "fov04",
    act: async (d) =>
      (await fov(d)).createZeros("x", { shape: [1, 1, 1, 4, 4], dtype: "float16" as never }),
    tag: "InvalidMetadata",
    message: /float16/,
  },
  // ---- transforms and scales ---------------------------------------------------------------
  {
    what: "createImage with a NaN scale",
    base: "fov04",
    act: async (d) =>
      (await fov(d)).createImage("x", u16([1, 1, 1, 4, 4]), {
        transform: scale([1, 1, 1, Number.NaN, 1]),
      }),
    tag: "InvalidMetadata",
    message: /scale|finite|NaN|null/i,
  },
  {
    what: "createImage with an Infinity scale",
    base: "fov05",
    act: async (d) =>
      (await fov(d)).createImage("x", u16([1, 1, 1, 4, 4]), {
        transform: scale([1, 1, 1, Number.POSITIVE_INFINITY, 1]),
      }),
    tag: "InvalidMetadata",
    message: /scale|finite|Infinity|null/i,
  },
  {
    what: "createImage with a scale of the wrong length",
    base: "fov04",
    act: async (d) =>
      (await fov(d)).createImage("x", u16([1, 1, 1, 4, 4]), { transform: scale([1, 1]) }),
    tag: "InvalidMetadata",
    message: /length|5|axes/i,
  },
  {
    what: "setTransform with a translation before the scale",
    base: "fov04",
    act: async (d) =>
      (await fov(d)).setTransform("0", [
        { type: "translation", translation: [0, 0, 0, 0, 0] },
        { type: "scale", scale: [1, 1, 1, 1, 1] },
      ] as never),
    tag: "InvalidMetadata",
    message: /scale|translation|order|first/i,
  },
  {
    what: "setScale with NaN",
    base: "fov05",
    act: async (d) => (await fov(d)).setScale("0", "x", Number.NaN),
    tag: "InvalidMetadata",
    message: /NaN .*not a positive number/,
  },
  {
    what: "setScale with -Infinity",
    base: "fov04",
    act: async (d) => (await fov(d)).setScale("*", "y", Number.NEGATIVE_INFINITY),
    tag: "InvalidMetadata",
    message: /-Infinity .*not a positive number/,
  },
  {
    what: "setScale of an unknown axis",
    base: "fov04",
    act: async (d) => (await fov(d)).setScale("0", "q", 2),
    tag: "NotFound",
    message: /axis "q"/,
  },
  {
    what: "setContrastLimits with NaN",
    base: "fov04",
    act: async (d) =>
      (await fov(d)).setContrastLimits("DAPI", { start: 0, end: Number.NaN, min: 0, max: 1 }),
    tag: "InvalidMetadata",
    message: /invalid contrast limits[\s\S]*window: found .*"end":null/,
  },
  // ---- axes and channels at creation ----------------------------------------------------------
  {
    what: "axes with time after space",
    base: "none",
    act: (d) =>
      openOmeZarr(d.store, {
        layout: "fov",
        mode: "w-",
        channelNames: ["a"],
        axes: [
          { name: "y", type: "space" },
          { name: "x", type: "space" },
          { name: "t", type: "time" },
        ],
      }),
    tag: "InvalidMetadata",
    message: /order|time|axes/i,
  },
  {
    what: "axes with a repeated name",
    base: "none",
    act: (d) =>
      openOmeZarr(d.store, {
        layout: "fov",
        mode: "w-",
        channelNames: ["a"],
        axes: [
          { name: "x", type: "space" },
          { name: "x", type: "space" },
        ],
      }),
    tag: "InvalidMetadata",
    message: /unique|repeated|"x"/i,
  },
  {
    what: "six axes",
    base: "none",
    act: (d) =>
      openOmeZarr(d.store, {
        layout: "hcs",
        mode: "w-",
        channelNames: ["a"],
        axes: ["t", "c", "w", "z", "y", "x"].map((name) => ({
          name,
          type: name === "t" ? "time" : name === "c" ? "channel" : "space",
        })) as never,
      }),
    tag: "InvalidMetadata",
    message: /axes|2.*5|6/i,
  },
  {
    what: "one space axis",
    base: "none",
    act: (d) =>
      openOmeZarr(d.store, {
        layout: "fov",
        mode: "w-",
        channelNames: ["a"],
        axes: [
          { name: "c", type: "channel" },
          { name: "x", type: "space" },
        ],
      }),
    tag: "InvalidMetadata",
    message: /space/i,
  },
  {
    what: "duplicate channel names at creation",
    base: "none",
    act: (d) => openOmeZarr(d.store, { layout: "fov", mode: "w-", channelNames: ["a", "a"] }),
    tag: "InvalidMetadata",
    message: /"a" is repeated/,
  },
  {
    what: "an empty channel name",
    base: "none",
    act: (d) => openOmeZarr(d.store, { layout: "hcs", mode: "w-", channelNames: ["a", ""] }),
    tag: "InvalidMetadata",
    message: /channel names/,
  },
  {
    what: "bad options on mode w do not delete the existing store",
    base: "fov04",
    act: (d) => openOmeZarr(d.store, { layout: "fov", mode: "w", channelNames: ["a", "a"] }),
    tag: "InvalidMetadata",
    message: /"a" is repeated/,
  },
  {
    what: "mode w on a directory without .zarr in its path (iohub's wiped-directory guard)",
    base: "none",
    act: (d) => openOmeZarr(d.outside, { layout: "fov", mode: "w", channelNames: ["a"] }),
    tag: "AlreadyExists",
    message: /refusing to overwrite .*does not contain "\.zarr"/,
  },
  {
    what: "mode w- on an existing store",
    base: "plate05",
    act: (d) => openOmeZarr(d.store, { layout: "hcs", mode: "w-", channelNames: ["a"] }),
    tag: "AlreadyExists",
    message: /already exists/,
  },
  {
    what: "an unknown mode",
    base: "fov04",
    act: (d) => openOmeZarr(d.store, { layout: "fov", mode: "rw" as never }),
    tag: "InvalidOptions",
    message: /mode/,
  },
  {
    what: "an unknown NGFF version",
    base: "none",
    act: (d) =>
      openOmeZarr(d.store, {
        layout: "fov",
        mode: "w-",
        channelNames: ["a"],
        version: "0.3" as never,
      }),
    tag: "InvalidOptions",
    message: /version/,
  },
  {
    what: "opening a FOV as a plate",
    base: "fov04",
    act: (d) => openOmeZarr(d.store, { layout: "hcs", mode: "r+" }),
    tag: "LayoutMismatch",
    message: /layout "hcs" does not match/,
  },
  {
    what: "appendChannel with an existing name",
    base: "fov04",
    act: async (d) => (await fov(d)).appendChannel("GFP"),
    tag: "AlreadyExists",
    message: /"GFP" already exists/,
  },
  {
    what: "renameChannel onto an existing name",
    base: "fov05",
    act: async (d) => (await fov(d)).renameChannel("DAPI", "GFP"),
    tag: "AlreadyExists",
    message: /"GFP" already exists/,
  },
  {
    what: "renameChannel of an unknown channel",
    base: "fov04",
    act: async (d) => (await fov(d)).renameChannel("Cy5", "x"),
    tag: "NotFound",
    message: /"Cy5" is not one of the channels/,
  },
  {
    what: "updateChannel of an unknown channel",
    base: "fov04",
    act: async (d) => (await fov(d)).updateChannel("Cy5", "0", u16([1, 4, 32, 32])),
    tag: "NotFound",
    message: /"Cy5"/,
  },
  {
    what: "setContrastLimits of an unknown channel",
    base: "fov05",
    act: async (d) => (await fov(d)).setContrastLimits("Cy5", { start: 0, end: 1, min: 0, max: 1 }),
    tag: "NotFound",
    message: /"Cy5"/,
  },
  // ---- writes --------------------------------------------------------------------------------
  {
    what: "write of a Float32Array into uint16",
    base: "fov04",
    act: async (d) => (await (await fov(d)).data).write([0, 0, 0], new Float32Array(32 * 32)),
    tag: "ShapeMismatch",
    message: /Float32Array .*uint16/,
  },
  {
    what: "write of the wrong shape",
    base: "fov05",
    act: async (d) => (await (await fov(d)).data).write([0, 0, 0], u16([16, 16])),
    tag: "ShapeMismatch",
    message: /\[16,16\].*\[32,32\]/,
  },
  {
    what: "write at an index outside the array",
    base: "fov04",
    act: async (d) => (await (await fov(d)).data).write([0, 5], 1),
    tag: "ShapeMismatch",
    message: /invalid selection/,
  },
  {
    what: "write with a NaN index",
    base: "fov04",
    act: async (d) => (await (await fov(d)).data).write([0, Number.NaN], 1),
    tag: "ShapeMismatch",
    message: /invalid selection/,
  },
  {
    what: "write of a value that does not fit the dtype",
    base: "fov05",
    act: async (d) => (await (await fov(d)).data).write([0, 0, 0], 70_000),
    tag: "ShapeMismatch",
    message: /70000.*uint16/,
  },
  {
    what: "write through a store opened read-only",
    base: "fov04",
    act: async (d) =>
      (
        await (
          (await openOmeZarr(d.store, { layout: "fov", mode: "r" })) as never as Awaited<
            ReturnType<typeof fov>
          >
        ).data
      ).write([0], 1),
    tag: "ReadOnly",
    message: /mode "r"/,
  },
  // ---- pyramids and labels ------------------------------------------------------------------
  {
    what: "computePyramid with 0 levels",
    base: "fov04",
    act: async (d) => (await fov(d)).computePyramid({ levels: 0 }),
    tag: "InvalidOptions",
    message: /levels is 0; expected an integer >= 1/,
  },
  {
    what: "computePyramid with NaN levels",
    base: "fov05",
    act: async (d) => (await fov(d)).computePyramid({ levels: Number.NaN }),
    tag: "InvalidOptions",
    message: /levels is NaN; expected an integer >= 1/,
  },
  {
    what: "computePyramid with another number of levels",
    base: "fov04",
    act: async (d) => (await fov(d)).computePyramid({ levels: 4, workers: 0 }),
    tag: "PyramidState",
    message: /already has a pyramid of 2 levels/,
  },
  {
    what: "computePyramid with an unknown method",
    base: "fov04",
    act: async (d) => (await fov(d)).computePyramid({ method: "bicubic" as never, workers: 0 }),
    tag: "InvalidOptions",
    message: /"bicubic"/,
  },
  {
    what: "createLabel of float data",
    base: "fov04",
    act: async (d) =>
      (await fov(d)).createLabel("f", {
        data: new Float32Array(4 * 32 * 32),
        shape: [1, 4, 32, 32],
      }),
    tag: "ShapeMismatch",
    message: /integer dtype .*found float32/,
  },
  {
    what: "createLabel of the wrong shape",
    base: "fov05",
    act: async (d) =>
      (await fov(d)).createLabel("w", { data: new Uint8Array(16), shape: [1, 1, 1, 4, 4] }),
    tag: "ShapeMismatch",
    message: /label data has 4 along axis "Y", expected 32 or 1/,
  },
  {
    what: "createLabel of the wrong rank",
    base: "fov05",
    act: async (d) => (await fov(d)).createLabel("w", { data: new Uint8Array(16), shape: [4, 4] }),
    tag: "ShapeMismatch",
    message: /label data has 2 dimensions \[4,4\], while the image axes are/,
  },
  {
    what: "createLabel with an existing name",
    base: "fov04",
    act: async (d) =>
      (await fov(d)).createLabel("cells", {
        data: new Uint8Array(4 * 32 * 32),
        shape: [1, 4, 32, 32],
      }),
    tag: "AlreadyExists",
    message: /cells/,
  },
  // ---- plates --------------------------------------------------------------------------------
  {
    what: "a well whose row is not alphanumeric",
    base: "plate04",
    act: async (d) => (await plate(d)).createWell("A-1", "1"),
    tag: "InvalidMetadata",
    message: /row name "A-1" \(OME-NGFF plate layout: letters and digits only\)/,
  },
  {
    what: "a position that exists",
    base: "plate05",
    act: async (d) => (await plate(d)).createPosition("A", "1", "0"),
    tag: "AlreadyExists",
    message: /"A\/1\/0" already exists/,
  },
  {
    what: "a batch naming one position twice",
    base: "plate04",
    act: async (d) => (await plate(d)).createPositions(["C/1/0", "C/1/0"]),
    tag: "AlreadyExists",
    message: /appears twice in the batch/,
  },
  {
    what: "a batch with a path of four parts",
    base: "plate04",
    act: async (d) => (await plate(d)).createPositions(["C/1/0/extra"]),
    tag: "InvalidMetadata",
    message: /not of the form "row\/column\/field"/,
  },
  {
    what: "a batch whose last entry is bad (nothing of the good ones is written)",
    base: "plate05",
    act: async (d) => (await plate(d)).createPositions(["C/1/0", "C/2/0", "D/1/x y"]),
    tag: "InvalidMetadata",
    message: /field name "x y" \(OME-NGFF plate layout: letters and digits only\)/,
  },
  {
    what: "a position with an unknown acquisition",
    base: "plate04",
    act: async (d) => (await plate(d)).createPosition("C", "1", "0", { acqIndex: 7 }),
    tag: "InvalidMetadata",
    message: /acquisition 7/,
  },
  {
    what: "renameWell onto an existing well",
    base: "plate04",
    act: async (d) => (await plate(d)).renameWell("A/1", "B/1"),
    tag: "AlreadyExists",
    message: /"B\/1" already exists/,
  },
  {
    what: "renameWell of a missing well",
    base: "plate05",
    act: async (d) => (await plate(d)).renameWell("H/12", "B/2"),
    tag: "NotFound",
    message: /no well "H\/12"/,
  },
  {
    what: "renameWell to a path of one part",
    base: "plate04",
    act: async (d) => (await plate(d)).renameWell("A/1", "B"),
    tag: "InvalidMetadata",
    message: /invalid well path "B" \(expected "row\/column"\)/,
  },
  {
    what: "Plate.fromPositions onto an existing directory",
    base: "fov04",
    act: async (d) => Plate.fromPositions(d.outside, { "A/1/0": await fov(d) }),
    tag: "AlreadyExists",
    message: /already exists/,
  },
  {
    what: "Plate.fromPositions with positions of other channels",
    base: "plate04",
    act: async (d) => {
      const p = await plate(d);
      const other = (await openOmeZarr(path.join(templates, "fov04", "store.zarr"), {
        layout: "fov",
      })) as Awaited<ReturnType<typeof fov>>;
      return Plate.fromPositions(path.join(d.root, "new.zarr"), {
        "A/1/0": await p.getPosition("A/1/0"),
        "A/2/0": other,
      });
    },
    tag: "InvalidMetadata",
    message: /channel names/,
  },
  // ---- function-style writers -----------------------------------------------------------------
  {
    what: "writePlateMetadata with a well outside its rows",
    base: "none",
    act: (d) => writePlateMetadata(d.store, ["A"], ["1"], ["B/1"]),
    tag: "InvalidMetadata",
    message: /B/,
  },
  {
    what: "writeImage with NaN in a coordinate transformation",
    base: "none",
    act: (d) =>
      writeImage(u16([8, 8]), d.store, {
        scaler: null,
        coordinateTransformations: [scale([Number.NaN, 1])],
      }),
    tag: "InvalidMetadata",
    message: /scale|finite|NaN|null/i,
  },
  {
    what: "writeImage with axes that do not fit the data",
    base: "none",
    act: (d) => writeImage(u16([2, 8, 8]), d.store, { axes: "yx", scaler: null }),
    tag: "InvalidOptions",
    message: /axes|3|2/,
  },
];

/** Where a name is accepted, and what it reports for `name` (undefined: the name is valid there). */
interface NameSite {
  site: string;
  base: HostileCase["base"];
  act: (d: CaseDirs, name: string) => Promise<unknown>;
  expect?: (name: string) => Pick<HostileCase, "tag" | "message"> | undefined;
}

const unsafe = (message: RegExp) => ({ tag: "UnsafePath" as const, message });
/** Sites that take the name inside a `row/column/field` path: a "/" in it changes the form. */
const inPositionPath = (name: string, message: RegExp) =>
  name.includes("/")
    ? { tag: "InvalidMetadata" as const, message: /not of the form "row\/column\/field"/ }
    : unsafe(message);

/** Every place a name is accepted, each fed every unsafe name. */
const NAME_SITES: NameSite[] = [
  {
    site: "createImage",
    base: "fov04",
    act: async (d, n) => (await fov(d)).createImage(n, u16([1, 1, 1, 4, 4])),
  },
  {
    site: "createZeros",
    base: "fov05",
    act: async (d, n) => (await fov(d)).createZeros(n, { shape: [1, 1, 1, 4, 4], dtype: "uint8" }),
  },
  { site: "Position.get", base: "fov04", act: async (d, n) => (await fov(d)).get(n) },
  {
    site: "createLabel",
    base: "fov04",
    act: async (d, n) => (await fov(d)).createLabel(n, { shape: [1, 4, 32, 32] }),
  },
  { site: "getLabel", base: "fov05", act: async (d, n) => (await fov(d)).getLabel(n) },
  {
    site: "createWell row",
    base: "plate04",
    act: async (d, n) => (await plate(d)).createWell(n, "9"),
  },
  {
    site: "createWell column",
    base: "plate05",
    act: async (d, n) => (await plate(d)).createWell("C", n),
  },
  {
    site: "createPosition field",
    base: "plate04",
    act: async (d, n) => (await plate(d)).createPosition("A", "1", n),
  },
  {
    site: "Well.createPosition",
    base: "plate05",
    act: async (d, n) => (await (await plate(d)).getWell("A/1")).createPosition(n),
  },
  {
    site: "createPositions spec",
    base: "plate04",
    act: async (d, n) => (await plate(d)).createPositions([{ row: "C", col: n, pos: "0" }]),
  },
  {
    site: "createPositions path",
    base: "plate05",
    act: async (d, n) => (await plate(d)).createPositions([`C/1/${n}`]),
    expect: (n) => inPositionPath(n, /unsafe field name/),
  },
  {
    site: "renameWell target row",
    base: "plate05",
    act: async (d, n) => (await plate(d)).renameWell("A/1", `${n}/3`),
    expect: () => unsafe(/unsafe row name/),
  },
  {
    site: "renameWell target column",
    base: "plate04",
    act: async (d, n) => (await plate(d)).renameWell("A/1", `C/${n}`),
    expect: (n) => unsafe(n.includes("/") ? /unsafe row name "C\// : /unsafe column name/),
  },
  {
    site: "Plate.fromPositions key",
    base: "fov04",
    act: async (d, n) =>
      Plate.fromPositions(path.join(d.root, "new.zarr"), { [`A/1/${n}`]: await fov(d) }),
    expect: (n) => inPositionPath(n, /unsafe field name/),
  },
  {
    site: "writeLabels name",
    base: "fov04",
    act: (d, n) =>
      writeLabels({ data: new Uint8Array(4 * 32 * 32), shape: [1, 4, 32, 32] }, d.store, n),
  },
  {
    site: "writeImage group path",
    base: "none",
    act: async (d, n) =>
      writeImage(u16([8, 8]), { store: await openLocalStore(d.root), path: n }, { scaler: null }),
    // A group path may be nested ("a/b") or the root (""); everything else must be refused.
    expect: (n) => (n === "a/b" || n === "" ? undefined : unsafe(/unsafe node path/)),
  },
  {
    site: "writeWellMetadata image path",
    base: "none",
    act: (d, n) => writeWellMetadata(d.store, [n]),
  },
  {
    site: "writeMultiscalesMetadata dataset path",
    base: "none",
    act: (d, n) =>
      writeMultiscalesMetadata(d.store, [{ path: n, coordinateTransformations: scale([1, 1]) }], {
        axes: "yx",
      }),
    expect: (n) => (n === "a/b" ? undefined : unsafe(/unsafe datasets\[0\]\.path/)),
  },
  {
    site: "writePlateMetadata well",
    base: "none",
    act: (d, n) => writePlateMetadata(d.store, ["A"], ["1"], [`A/${n}`]),
    expect: () => ({ tag: "InvalidMetadata", message: /well|column|path/ }),
  },
];

// Channel names are never paths: any non-empty string is a fine label ("../x" included), so
// they are checked for presence and uniqueness only (cases above), not as names.

const nameCases: HostileCase[] = NAME_SITES.flatMap(({ site, base, act, expect: exp }) =>
  UNSAFE_NAMES.flatMap(([name, message]) => {
    const e = exp === undefined ? unsafe(message) : exp(name);
    if (e === undefined) return [];
    return [
      {
        what: `${site}(${JSON.stringify(name.length > 20 ? `${name.slice(0, 8)}…(${name.length})` : name)})`,
        base,
        act: (d: CaseDirs) => act(d, name),
        ...e,
      },
    ];
  }),
);

test.each(inputCases.map((c) => [c.what, c] as const))("%s", async (_, c) => {
  await runCase(c, await caseDirs(templates, cases, c));
});

test.each(nameCases.map((c) => [c.what, c] as const))("unsafe name: %s", async (_, c) => {
  await runCase(c, await caseDirs(templates, cases, c));
});

test("counts", async () => {
  expect(inputCases.length).toBeGreaterThan(50);
  expect(nameCases.length).toBeGreaterThan((NAME_SITES.length - 1) * UNSAFE_NAMES.length);
  await noteReport({ suite: "hostile-input", cases: inputCases.length, names: nameCases.length });
});
