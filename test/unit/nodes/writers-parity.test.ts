/**
 * The ome-zarr-py style functions write exactly the metadata the node API writes (table tests,
 * both NGFF versions), and refuse bad input before writing.
 */
import { describe, expect, test } from "vitest";
import { isOmeZarrError } from "../../../src/errors.js";
import type { NgffVersion, NodeContext } from "../../../src/nodes/context.js";
import { Plate } from "../../../src/nodes/plate/plate.js";
import { Position } from "../../../src/nodes/position.js";
import { createMemoryStore, type ZarrStore } from "../../../src/store/index.js";
import { validateStore } from "../../../src/validate/store.js";
import {
  resolveAxes,
  retuple,
  writeImage,
  writeLabels,
  writeMultiscale,
  writeMultiscalesMetadata,
  writePlateMetadata,
  writeWellMetadata,
} from "../../../src/writers.js";
import { dumpStore, metadataFiles } from "../../integration/nodes/plate-helpers.js";

const SHAPE = [1, 2, 3, 16, 12];
function pixels(): Uint16Array {
  const a = new Uint16Array(SHAPE.reduce((x, y) => x * y, 1));
  for (let i = 0; i < a.length; i++) a[i] = (i * 37) % 1000;
  return a;
}
const IMAGE = () => ({ data: pixels(), shape: SHAPE });
const AXES = resolveAxes("tczyx", 5);

function ctxOf(store: ZarrStore, version: NgffVersion, path = ""): NodeContext {
  return { store, path, format: version === "0.4" ? 2 : 3, version, mode: "w-" };
}

type Case = [
  name: string,
  viaFunction: (store: ZarrStore, fmt: NgffVersion) => Promise<unknown>,
  viaNodes: (store: ZarrStore, fmt: NgffVersion) => Promise<unknown>,
  only?: string,
];

const CASES: Case[] = [
  [
    "writeImage, level 0 only",
    (s, fmt) => writeImage(IMAGE(), { store: s }, { fmt, scaler: null, chunks: [8, 6] }),
    async (s, fmt) => {
      const p = await Position.create(ctxOf(s, fmt), { channelNames: ["0", "1"], axes: AXES });
      await p.createImage("0", IMAGE(), { chunks: [1, 2, 3, 8, 6] });
    },
  ],
  [
    "writeImage with a 3-level mean pyramid over y and x",
    (s, fmt) => writeImage(IMAGE(), { store: s }, { fmt, scaler: { levels: 3, workers: 0 } }),
    async (s, fmt) => {
      const p = await Position.create(ctxOf(s, fmt), { channelNames: ["0", "1"], axes: AXES });
      await p.createImage("0", IMAGE());
      await p.computePyramid({ levels: 3, method: "mean", dims: ["y", "x"], workers: 0 });
    },
  ],
  [
    "writeMultiscale with given levels",
    (s, fmt) =>
      writeMultiscale(
        [IMAGE(), { data: new Uint16Array(2 * 3 * 8 * 6), shape: [1, 2, 3, 8, 6] }],
        { store: s },
        {
          fmt,
          channelNames: ["DAPI", "GFP"],
        },
      ),
    async (s, fmt) => {
      const p = await Position.create(ctxOf(s, fmt), { channelNames: ["DAPI", "GFP"], axes: AXES });
      await p.createImage("0", IMAGE(), { transform: [{ type: "scale", scale: [1, 1, 1, 1, 1] }] });
      await p.createImage(
        "1",
        { data: new Uint16Array(2 * 3 * 8 * 6), shape: [1, 2, 3, 8, 6] },
        {
          transform: [{ type: "scale", scale: [1, 1, 1, 2, 2] }],
        },
      );
    },
  ],
  [
    "writeMultiscalesMetadata over existing arrays",
    async (s, fmt) => {
      const p = await Position.create(ctxOf(s, fmt), { channelNames: ["0", "1"], axes: AXES });
      await p.createImage("0", IMAGE(), {
        transform: [{ type: "scale", scale: [1, 1, 2, 0.5, 0.5] }],
      });
      // overwrite the multiscales with the same content through the function
      await writeMultiscalesMetadata(
        { store: s },
        [{ path: "0", coordinateTransformations: [{ type: "scale", scale: [1, 1, 2, 0.5, 0.5] }] }],
        { fmt, axes: "tczyx", name: "0" },
      );
    },
    async (s, fmt) => {
      const p = await Position.create(ctxOf(s, fmt), { channelNames: ["0", "1"], axes: AXES });
      await p.createImage("0", IMAGE(), {
        transform: [{ type: "scale", scale: [1, 1, 2, 0.5, 0.5] }],
      });
    },
  ],
  [
    "writePlateMetadata",
    (s, fmt) =>
      writePlateMetadata({ store: s }, ["A", "B"], ["1", "2", "10"], ["A/1", "B/10", "B/2"], {
        fmt,
        name: "screen",
        // The node API lists an acquisition from its first field on (plate/counts.ts).
        acquisitions: [{ id: 0, maximumfieldcount: 1 }],
      }),
    async (s, fmt) => {
      const plate = await Plate.create(ctxOf(s, fmt), {
        channelNames: ["c"],
        name: "screen",
        rows: ["A", "B"],
        columns: ["1", "2", "10"],
      });
      await plate.createWell("A", "1");
      await plate.createWell("B", "10");
      await plate.createWell("B", "2");
      await plate.createPosition("A", "1", "0");
    },
    "",
  ],
  [
    "writeWellMetadata",
    async (s, fmt) => {
      await writeWellMetadata(
        { store: s, path: "A/1" },
        [
          { path: "0", acquisition: 0 },
          { path: "3", acquisition: 0 },
        ],
        { fmt },
      );
    },
    async (s, fmt) => {
      const plate = await Plate.create(ctxOf(s, fmt), { channelNames: ["c"] });
      await plate.createPositions(["A/1/0", "A/1/3"]);
    },
    "A/1",
  ],
  [
    "writeLabels",
    async (s, fmt) => {
      await writeImage(IMAGE(), { store: s }, { fmt, scaler: null });
      await writeLabels(
        { data: new Uint32Array(3 * 16 * 12).fill(2), shape: [1, 3, 16, 12] },
        { store: s },
        "cells",
        {
          labelMetadata: { colors: { 2: [255, 0, 0] } },
          scaler: { levels: 1, workers: 0 },
        },
      );
    },
    async (s, fmt) => {
      const p = await Position.create(ctxOf(s, fmt), { channelNames: ["0", "1"], axes: AXES });
      await p.createImage("0", IMAGE());
      await p.createLabel(
        "cells",
        { data: new Uint32Array(3 * 16 * 12).fill(2), shape: [1, 3, 16, 12] },
        {
          colors: { 2: [255, 0, 0] },
          levels: 1,
          workers: 0,
        },
      );
    },
  ],
];

function pick(files: Record<string, unknown>, only: string | undefined): Record<string, unknown> {
  if (only === undefined) return files;
  const key = (k: string) => k.slice(0, Math.max(0, k.lastIndexOf("/")));
  return Object.fromEntries(
    Object.entries(files).filter(([k]) => key(k) === only && !k.endsWith(".zgroup")),
  );
}

describe.each(["0.4", "0.5"] as const)("NGFF %s", (fmt) => {
  test.each(CASES)(
    "%s: same metadata files as the node API",
    async (_name, viaFunction, viaNodes, only) => {
      const a = createMemoryStore();
      const b = createMemoryStore();
      await viaFunction(a, fmt);
      await viaNodes(b, fmt);
      const fa = pick(await metadataFiles(a), only);
      const fb = pick(await metadataFiles(b), only);
      expect(Object.keys(fa).length).toBeGreaterThan(0);
      expect(fa).toEqual(fb);
      // key order too: compare the raw text of each file
      for (const key of Object.keys(fa)) {
        expect(Buffer.from((await a.get(key))!).toString(), key).toBe(
          Buffer.from((await b.get(key))!).toString(),
        );
      }
      if (only === undefined) expect((await validateStore(a)).issues).toEqual([]);
    },
  );

  test("writeImage data reads back", async () => {
    const s = createMemoryStore();
    const pos = await writeImage(IMAGE(), { store: s }, { fmt, scaler: { levels: 2, workers: 0 } });
    expect(Array.from((await (await pos.data).read()).data as Uint16Array)).toEqual(
      Array.from(pixels()),
    );
    expect(pos.levelPaths).toEqual(["0", "1"]);
    expect((await pos.get("1")).shape).toEqual([1, 2, 3, 8, 6]);
  });

  test("storageOptions.codec (ome-zarr-py's compressor) reaches every level", async () => {
    const s = createMemoryStore();
    const codec = { name: "zstd", level: 3 } as const;
    const pos = await writeImage(
      IMAGE(),
      { store: s },
      { fmt, scaler: { levels: 2, workers: 0 }, storageOptions: { codec } },
    );
    for (const level of ["0", "1"]) expect((await pos.get(level)).zarrArray.codec).toEqual(codec);
    expect(Array.from((await (await pos.data).read()).data as Uint16Array)).toEqual(
      Array.from(pixels()),
    );
  });
});

test("writeImage defaults: 2-D axes yx, 5 levels over y and x (ome-zarr-py's scale factors 2..16), NGFF 0.5", async () => {
  const s = createMemoryStore();
  const pos = await writeImage({ data: new Uint16Array(64 * 48), shape: [64, 48] }, { store: s });
  expect(pos.version).toBe("0.5");
  expect(pos.axisNames).toEqual(["y", "x"]);
  expect(pos.levelPaths).toEqual(["0", "1", "2", "3", "4"]);
  expect((await pos.get("4")).shape).toEqual([4, 3]);
  expect(pos.getEffectiveScale("4")).toEqual([16, 16]);
  expect((await validateStore(s)).issues).toEqual([]);
});

describe("bad input is refused before anything is written", () => {
  test.each([
    [
      "3-D data without axes",
      (s: ZarrStore) => writeImage({ data: new Uint8Array(8), shape: [2, 2, 2] }, { store: s }),
      "InvalidOptions",
    ],
    [
      "axes that do not fit the data",
      (s: ZarrStore) => writeImage(IMAGE(), { store: s }, { axes: "zyx" }),
      "InvalidOptions",
    ],
    [
      "fewer channel names than channels",
      (s: ZarrStore) => writeImage(IMAGE(), { store: s }, { channelNames: ["a"] }),
      "ShapeMismatch",
    ],
    [
      "transformations for the wrong number of levels",
      (s: ZarrStore) =>
        writeImage(
          IMAGE(),
          { store: s },
          {
            scaler: { levels: 2 },
            coordinateTransformations: [[{ type: "scale", scale: [1, 1, 1, 1, 1] }]],
          },
        ),
      "InvalidOptions",
    ],
    [
      "a well not in the row list",
      (s: ZarrStore) => writePlateMetadata({ store: s }, ["A"], ["1"], ["B/1"]),
      "InvalidMetadata",
    ],
    [
      "duplicate rows",
      (s: ZarrStore) => writePlateMetadata({ store: s }, ["A", "A"], ["1"], ["A/1"]),
      "InvalidMetadata",
    ],
    [
      "a non-alphanumeric column",
      (s: ZarrStore) =>
        writePlateMetadata(
          { store: s },
          ["A"],
          ["1-1"],
          [{ path: "A/1-1", rowIndex: 0, columnIndex: 0 }],
        ),
      "InvalidMetadata",
    ],
    ["an empty well", (s: ZarrStore) => writeWellMetadata({ store: s }, []), "InvalidMetadata"],
    [
      "a duplicate field",
      (s: ZarrStore) => writeWellMetadata({ store: s }, ["0", "0"]),
      "InvalidMetadata",
    ],
  ] as const)("%s", async (_name, op, tag) => {
    const s = createMemoryStore();
    let error: unknown;
    try {
      await op(s);
    } catch (e) {
      error = e;
    }
    expect(isOmeZarrError(error, tag), String(error)).toBe(true);
    expect((await dumpStore(s)).size).toBe(0);
  });

  test("fmt that disagrees with an existing group", async () => {
    const s = createMemoryStore();
    await writeWellMetadata({ store: s }, ["0"], { fmt: "0.4" });
    const before = await dumpStore(s);
    await expect(writeWellMetadata({ store: s }, ["1"], { fmt: "0.5" })).rejects.toMatchObject({
      _tag: "LayoutMismatch",
    });
    expect(await dumpStore(s)).toEqual(before);
  });
});

test.each([
  [
    [8, 6],
    [1, 2, 3, 16, 12],
    [1, 2, 3, 8, 6],
  ],
  [4, [10, 10], [10, 4]],
  [
    [1, 1, 1, 4, 4],
    [1, 2, 3, 16, 12],
    [1, 1, 1, 4, 4],
  ],
])("retuple(%j, %j) = %j", (chunks, shape, out) => {
  expect(retuple(chunks, shape)).toEqual(out);
});

test("resolveAxes: ome-zarr-py forms", () => {
  expect(resolveAxes(undefined, 2)).toEqual([
    { name: "y", type: "space" },
    { name: "x", type: "space" },
  ]);
  expect(
    resolveAxes(["c", { name: "y", type: "space", unit: "micrometer" }, "x"], 3).map((a) => a.name),
  ).toEqual(["c", "y", "x"]);
});
