/**
 * validateStore on small stores written with the store layer, in both formats (NGFF 0.4 on
 * Zarr v2, 0.5 on Zarr v3): valid ones pass, each kind of breakage is reported with its code.
 */
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { NotFoundError } from "../../../src/errors.js";
import { type DimSpec, multiscaleFromDims } from "../../../src/schema/builders.js";
import {
  createArray,
  createGroup,
  createMemoryStore,
  type DataType,
  openLocalStore,
  type ZarrFormat,
  type ZarrStore,
} from "../../../src/store/index.js";
import { validateStore } from "../../../src/validate/store.js";

type Json = Record<string, unknown>;
const FORMATS = [2, 3] as const;
const versionOf = (f: ZarrFormat) => (f === 2 ? "0.4" : "0.5");

/** OME attributes as each version stores them. */
function omeAttrs(format: ZarrFormat, ome: Json): Json {
  return format === 2 ? ome : { ome: { version: "0.5", ...ome } };
}

const CYX: DimSpec[] = [{ name: "c" }, { name: "y" }, { name: "x" }];

interface ImageOpts {
  shapes?: number[][];
  dtype?: DataType;
  dims?: DimSpec[];
  extra?: Json;
  dimensionNames?: string[];
  skipLevel?: number;
}

async function writeImage(store: ZarrStore, at: string, format: ZarrFormat, o: ImageOpts = {}) {
  const dims = o.dims ?? CYX;
  const shapes = o.shapes ?? [
    [2, 16, 16],
    [2, 8, 8],
  ];
  const ms = multiscaleFromDims(dims, { levels: shapes.length, version: versionOf(format) });
  await createGroup(store, at, format, omeAttrs(format, { multiscales: [ms], ...o.extra }), {
    parents: true,
  });
  for (const [k, shape] of shapes.entries()) {
    if (k === o.skipLevel) continue;
    await createArray(store, at ? `${at}/${k}` : `${k}`, format, {
      shape,
      dtype: o.dtype ?? "uint16",
      chunks: shape,
      // v3 needs one name per dimension even when the test breaks the rank on purpose.
      dimensionNames:
        o.dimensionNames ??
        (shape.length === dims.length ? dims.map((d) => d.name) : shape.map((_, i) => `d${i}`)),
    });
  }
}

async function writeLabels(
  store: ZarrStore,
  image: string,
  format: ZarrFormat,
  o: ImageOpts & { listed?: string[] } = {},
) {
  const labels = image ? `${image}/labels` : "labels";
  await createGroup(store, labels, format, omeAttrs(format, { labels: o.listed ?? ["cells"] }));
  await writeImage(store, `${labels}/cells`, format, {
    dtype: "uint32",
    ...o,
    extra: { "image-label": { colors: [{ "label-value": 1, rgba: [255, 0, 0, 255] }] } },
  });
}

async function writePlate(
  store: ZarrStore,
  format: ZarrFormat,
  opts: { wellAcquisition?: number; skipField?: string } = {},
) {
  const wells = [
    { path: "A/1", rowIndex: 0, columnIndex: 0 },
    { path: "B/2", rowIndex: 1, columnIndex: 1 },
  ];
  const v = format === 2 ? { version: "0.4" } : {};
  await createGroup(
    store,
    "",
    format,
    omeAttrs(format, {
      plate: {
        name: "p",
        rows: [{ name: "A" }, { name: "B" }],
        columns: [{ name: "1" }, { name: "2" }],
        wells,
        acquisitions: [{ id: 0 }, { id: 1 }],
        ...v,
      },
    }),
  );
  for (const w of wells) {
    await createGroup(
      store,
      w.path,
      format,
      omeAttrs(format, {
        well: { images: [{ path: "0", acquisition: opts.wellAcquisition ?? 0 }], ...v },
      }),
      { parents: true },
    );
    if (opts.skipField !== w.path) await writeImage(store, `${w.path}/0`, format);
  }
}

function codes(result: { issues: readonly { code: string; path: string; location: string }[] }) {
  return result.issues.map((i) => [i.code, i.path, i.location]);
}

describe.each(FORMATS)("Zarr v%s", (format) => {
  const ome = format === 2 ? "" : "ome.";

  test("a valid image with labels passes", async () => {
    const store = createMemoryStore();
    await writeImage(store, "", format);
    await writeLabels(store, "", format);
    const r = await validateStore(store);
    expect(r.issues).toEqual([]);
    expect(r).toMatchObject({ ok: true, version: versionOf(format), kind: "image" });
  });

  test("a valid plate passes", async () => {
    const store = createMemoryStore();
    await writePlate(store, format);
    const r = await validateStore(store);
    expect(r.issues).toEqual([]);
    expect(r.kind).toBe("plate");
  });

  test.each([
    ["a missing level", { skipLevel: 1 }, "missing_array", "multiscales[0].datasets[1].path"],
    [
      "arrays of the wrong rank",
      {
        shapes: [
          [16, 16],
          [8, 8],
        ],
      },
      "ndim_mismatch",
      "multiscales[0].datasets[0]",
    ],
    [
      "a level that grows",
      {
        shapes: [
          [2, 8, 8],
          [2, 16, 16],
        ],
      },
      "level_shape",
      "multiscales[0].datasets[1]",
    ],
    [
      "a level off its scale",
      {
        shapes: [
          [2, 16, 16],
          [2, 16, 3],
        ],
      },
      "level_scale",
      "multiscales[0].datasets[1]",
    ],
  ] as const)("%s is reported", async (_name, o, code, location) => {
    const store = createMemoryStore();
    await writeImage(store, "", format, o as ImageOpts);
    const r = await validateStore(store);
    expect(r.ok).toBe(false);
    expect(codes(r)).toContainEqual([code, "", `${ome}${location}`]);
  });

  test("odd sizes round either way (⌈n/2⌉ or ⌊n/2⌋)", async () => {
    for (const last of [8, 9]) {
      const store = createMemoryStore();
      await writeImage(store, "", format, {
        shapes: [
          [2, 17, 17],
          [2, last, 9],
        ],
      });
      expect((await validateStore(store)).issues).toEqual([]);
    }
  });

  test("a label image with float data (metadata alone cannot see it)", async () => {
    const store = createMemoryStore();
    await writeImage(store, "", format);
    await writeLabels(store, "", format, { dtype: "float32" });
    const r = await validateStore(store);
    expect(codes(r)).toEqual([
      ["label_dtype", "labels/cells", `${ome}multiscales[0].datasets[0]`],
      ["label_dtype", "labels/cells", `${ome}multiscales[0].datasets[1]`],
    ]);
    expect(r.issues[0]?.expected).toBe("an integer dtype (int8 … uint64)");
  });

  test("a listed label that is missing, and one with fewer levels", async () => {
    const store = createMemoryStore();
    await writeImage(store, "", format);
    await writeLabels(store, "", format, { listed: ["cells", "nuclei"], shapes: [[2, 16, 16]] });
    const r = await validateStore(store);
    expect(codes(r)).toEqual([
      ["label_levels", "labels/cells", `${ome}multiscales[0].datasets`],
      ["missing_group", "labels", `${ome}labels[1]`],
    ]);
  });

  test("a plate with a missing field of view and an unknown acquisition", async () => {
    const store = createMemoryStore();
    await writePlate(store, format, { wellAcquisition: 7, skipField: "B/2" });
    const r = await validateStore(store);
    expect(codes(r)).toEqual([
      ["well_acquisition", "A/1", `${ome}well.images[0].acquisition`],
      ["well_acquisition", "B/2", `${ome}well.images[0].acquisition`],
      ["missing_group", "B/2/0", ""],
    ]);
  });

  test("invalid metadata of a nested group is reported at its path", async () => {
    const store = createMemoryStore();
    await writePlate(store, format);
    const bad = multiscaleFromDims(CYX, { levels: 2, version: versionOf(format) });
    bad.axes.reverse(); // x, y, c: the channel axis comes last
    await createGroup(store, "A/1/0", format, omeAttrs(format, { multiscales: [bad] }));
    const r = await validateStore(store);
    expect(codes(r)).toEqual([["axes_order", "A/1/0", `${ome}multiscales[0].axes[2]`]]);
  });
});

describe("across formats", () => {
  test("v3 arrays must carry the axis names as dimension_names", async () => {
    const store = createMemoryStore();
    await writeImage(store, "", 3, { dimensionNames: ["c", "x", "y"] });
    const r = await validateStore(store);
    expect(codes(r).map((c) => c[0])).toEqual([
      "dimension_names_mismatch",
      "dimension_names_mismatch",
    ]);
    expect(r.issues[0]?.message).toContain('["c","x","y"]');
  });

  test("a 0.4 (v2) well under a 0.5 (v3) plate", async () => {
    const store = createMemoryStore();
    await writePlate(store, 3);
    await store.deletePrefix("A/1");
    await createGroup(store, "A/1", 2, { well: { images: [{ path: "0", acquisition: 0 }] } });
    await writeImage(store, "A/1/0", 2);
    const r = await validateStore(store);
    expect(codes(r).map((c) => [c[0], c[1]])).toEqual([
      ["version_mismatch", "A/1"],
      ["version_mismatch", "A/1/0"],
    ]);
  });

  test("0.5 metadata in a Zarr v2 group", async () => {
    const store = createMemoryStore();
    await writeImage(store, "", 2);
    await createGroup(
      store,
      "",
      2,
      omeAttrs(3, { multiscales: [multiscaleFromDims(CYX, { levels: 2 })] }),
    );
    const r = await validateStore(store);
    expect(codes(r)[0]).toEqual(["format_mismatch", "", ""]);
  });

  test("a bioformats2raw root with an OME/series group", async () => {
    const store = createMemoryStore();
    await createGroup(store, "", 3, omeAttrs(3, { "bioformats2raw.layout": 3 }));
    await createGroup(store, "OME", 3, omeAttrs(3, { series: ["0", "1"] }));
    await writeImage(store, "0", 3);
    let r = await validateStore(store);
    expect(codes(r)).toEqual([["missing_group", "1", ""]]);
    await writeImage(store, "1", 3);
    r = await validateStore(store);
    expect(r).toMatchObject({ ok: true, kind: "bf2raw" });
  });
});

describe("local stores", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), "ngff-validate-"));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  test("a directory path is opened read-only and validated", async () => {
    const root = path.join(dir, "img.zarr");
    const store = await openLocalStore(root, { create: true });
    await writeImage(store, "", 2);
    expect(await validateStore(root)).toMatchObject({ ok: true, version: "0.4" });
  });

  test("no store: NotFoundError", async () => {
    await expect(validateStore(path.join(dir, "missing.zarr"))).rejects.toBeInstanceOf(
      NotFoundError,
    );
    await expect(validateStore(dir)).rejects.toThrow(/no Zarr group at the root/);
  });

  test("a corrupt metadata file is an issue, not a crash", async () => {
    const root = path.join(dir, "bad.zarr");
    const store = await openLocalStore(root, { create: true });
    await writeImage(store, "", 3);
    await fs.writeFile(path.join(root, "1", "zarr.json"), "{ not json");
    const r = await validateStore(root);
    expect(codes(r).map((c) => c[0])).toEqual(["unreadable"]);
  });
});
