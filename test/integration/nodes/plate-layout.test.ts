/**
 * A plate's layout declared at creation (`openOmeZarr(path, { layout: "hcs", plate })`, issue 12
 * item 5): wells created in any order get their final indexes (the metadata is byte for byte the
 * metadata of the plate created in order), pass the official strict schemas, `validateStore`
 * strict and `ngff validate --strict`; the declaration survives a reopen before the first well;
 * bad declarations and wells outside it are typed errors that leave every file untouched.
 */
import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { InvalidMetadataError } from "../../../src/errors.js";
import type { NgffVersion } from "../../../src/nodes/context.js";
import { PLATE_LAYOUT_ATTR, type PlateLayout } from "../../../src/nodes/plate/layout.js";
import { Plate } from "../../../src/nodes/plate/plate.js";
import type { Position } from "../../../src/nodes/position.js";
import { openOmeZarr } from "../../../src/open.js";
import { ngff } from "../../fixtures/cli/run.js";
import { SchemaSet } from "../../unit/validate/json-schema.js";
import { noLocks, untouched } from "./delete-helpers.js";
import { dirContents, expectValidStore, rejection, tempDir } from "./open-helpers.js";

const SCHEMAS = { "0.4": new SchemaSet("0.4"), "0.5": new SchemaSet("0.5") };

const LAYOUT: PlateLayout = {
  name: "screen",
  rows: ["A", "B", "C"],
  columns: ["1", "2", "3", "4"],
  acquisitions: [{ id: 0 }, { id: 1, name: "second pass" }],
  fieldCount: 2,
};

/** Fields to create, in order: every well of rows A and C, columns 2 and 4, two fields each. */
const FIELDS: [string, string, string, number][] = ["A", "C"].flatMap((r) =>
  ["2", "4"].flatMap((c) => [
    [r, c, "0", 0] as [string, string, string, number],
    [r, c, "1", 1] as [string, string, string, number],
  ]),
);

/** Give a position its one small image (a field of view needs one to validate). */
async function fill(pos: Position): Promise<void> {
  await pos.createImage("0", { data: new Uint8Array(4), shape: [1, 1, 1, 2, 2] });
}

/** A deterministic shuffle (so a failure reproduces). */
function shuffled<T>(items: readonly T[], seed: number): T[] {
  const out = [...items];
  let s = seed;
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

async function declared(dir: string, version: NgffVersion, mode: "w-" | "a" = "w-") {
  return openOmeZarr(join(dir, "plate.ome.zarr"), {
    layout: "hcs",
    mode,
    version,
    channelNames: ["DAPI"],
    plate: LAYOUT,
  });
}

async function rootAttrs(store: string, version: NgffVersion): Promise<Record<string, unknown>> {
  const file = version === "0.4" ? ".zattrs" : "zarr.json";
  const doc = JSON.parse(await readFile(join(store, file), "utf8")) as Record<string, unknown>;
  return (version === "0.4" ? doc : doc.attributes) as Record<string, unknown>;
}

function plateOf(attrs: Record<string, unknown>, version: NgffVersion) {
  const ome = (version === "0.4" ? attrs : attrs.ome) as Record<string, unknown>;
  return ome.plate as {
    rows: { name: string }[];
    columns: { name: string }[];
    wells: { path: string; rowIndex: number; columnIndex: number }[];
    acquisitions: { id: number; name: string; maximumfieldcount: number }[];
    field_count: number;
    name: string;
  };
}

describe.each(["0.4", "0.5"] as const)("declared plate layout, NGFF %s", (version) => {
  test("wells in random order: the same bytes as in order, final indexes, strict-valid", async () => {
    const ordered = await tempDir();
    const random = await tempDir();
    {
      await using plate = await declared(ordered, version);
      for (const [r, c, f, acq] of FIELDS)
        await fill(await plate.createPosition(r, c, f, { acqIndex: acq }));
    }
    {
      await using plate = await declared(random, version);
      // Wells shuffled (each well's fields in order): the first one alone, then one position
      // at a time, then the last wells as one batch.
      const wells = shuffled([...new Set(FIELDS.map(([r, c]) => `${r}/${c}`))], 7);
      const fieldsOf = (w: string) => FIELDS.filter(([r, c]) => `${r}/${c}` === w);
      const [r0, c0] = wells[0]!.split("/") as [string, string];
      await plate.createWell(r0, c0);
      for (const w of wells.slice(0, 2))
        for (const [r, c, f, acq] of fieldsOf(w))
          await fill(await plate.createPosition(r, c, f, { acqIndex: acq }));
      const batch = wells.slice(2).flatMap(fieldsOf);
      const created = await plate.createPositions(
        batch.map(([row, col, pos, acqIndex]) => ({ row, col, pos, acqIndex })),
      );
      for (const pos of created) await fill(pos);
    }
    const a = join(ordered, "plate.ome.zarr");
    const b = join(random, "plate.ome.zarr");
    await noLocks(a);
    await noLocks(b);
    expect(await dirContents(b)).toEqual(await dirContents(a));

    const attrs = await rootAttrs(b, version);
    const plate = plateOf(attrs, version);
    expect(plate.rows.map((r) => r.name)).toEqual(["A", "B", "C"]); // B declared, unused: listed
    expect(plate.columns.map((c) => c.name)).toEqual(["1", "2", "3", "4"]);
    expect(plate.wells).toEqual([
      { path: "A/2", rowIndex: 0, columnIndex: 1 },
      { path: "A/4", rowIndex: 0, columnIndex: 3 },
      { path: "C/2", rowIndex: 2, columnIndex: 1 },
      { path: "C/4", rowIndex: 2, columnIndex: 3 },
    ]);
    expect(plate.name).toBe("screen");
    expect(plate.field_count).toBe(2);
    expect(plate.acquisitions).toEqual([
      { id: 0, name: "Acquisition 0", maximumfieldcount: 1 },
      { id: 1, name: "second pass", maximumfieldcount: 1 },
    ]);
    expect(SCHEMAS[version].validate("strict_plate", attrs)).toEqual([]);
    await expectValidStore(b);
    const cli = await ngff("validate", "--strict", b);
    expect(cli.code, cli.stdout + cli.stderr).toBe(0);
  });

  test("the declaration survives a reopen before the first well; another one is refused", async () => {
    const dir = await tempDir();
    const store = join(dir, "plate.ome.zarr");
    await (await declared(dir, version)).close();
    expect((await rootAttrs(store, version))[PLATE_LAYOUT_ATTR]).toEqual({
      name: "screen",
      rows: ["A", "B", "C"],
      columns: ["1", "2", "3", "4"],
      acquisitions: [
        { id: 0, name: "Acquisition 0" },
        { id: 1, name: "second pass" },
      ],
      fieldCount: 2,
    });
    // "auto" recognises a declared plate without wells.
    {
      await using plate = (await openOmeZarr(store)) as Plate;
      expect(plate.layout?.rows).toEqual(["A", "B", "C"]);
    }
    // Reopened with no plate option: the declared layout holds.
    {
      await using plate = await openOmeZarr(store, {
        layout: "hcs",
        mode: "a",
        channelNames: ["DAPI"],
      });
      const position = await plate.createPosition("C", "3", "0");
      await fill(position);
      expect(plate.metadata?.wells).toEqual([{ path: "C/3", rowIndex: 2, columnIndex: 2 }]);
      await untouched(store, "InvalidMetadata", () => plate.createWell("D", "1"));
    }
    // Reopened with the same declaration (after the first well too): fine.
    {
      await using plate = await declared(dir, version, "a");
      await fill(await plate.createPosition("A", "1", "0", { acqIndex: 1 }));
      expect(plate.metadata?.wells.map((w) => w.path)).toEqual(["A/1", "C/3"]);
    }
    // Another declaration: a LayoutMismatchError, nothing written.
    for (const other of [
      { ...LAYOUT, rows: ["A", "B"] },
      { ...LAYOUT, columns: ["1", "2", "3", "4", "5"] },
      { ...LAYOUT, name: "other" },
      { ...LAYOUT, fieldCount: 3 },
    ]) {
      await untouched(store, "LayoutMismatch", () =>
        openOmeZarr(store, { layout: "hcs", mode: "a", plate: other }),
      );
    }
    await expectValidStore(store);
  });

  test("wells outside the declaration, too many fields: typed errors, files untouched", async () => {
    const dir = await tempDir();
    const store = join(dir, "plate.ome.zarr");
    await using plate = await declared(dir, version);
    await fill(await plate.createPosition("A", "1", "0"));
    const err = await untouched(store, "InvalidMetadata", () => plate.createWell("Z", "1"));
    expect((err as InvalidMetadataError).issues[0]?.code).toBe("undeclared_row");
    expect(err.message).toContain('["A","B","C"]');
    const col = await untouched(store, "InvalidMetadata", () =>
      plate.createPosition("B", "9", "0"),
    );
    expect(col.message).toContain('column "9" is not one of the plate\'s declared columns');
    await untouched(store, "InvalidMetadata", () => plate.createPositions(["B/1/0", "B/12/0"]));
    await untouched(store, "InvalidMetadata", () => plate.renameWell("A/1", "E/1"));
    // An index that disagrees with the declared lists.
    await untouched(store, "InvalidMetadata", () => plate.createWell("B", "1", { rowIndex: 0 }));
    // fieldCount 2: a third field in one well is refused.
    await fill(await plate.createPosition("A", "1", "1", { acqIndex: 1 }));
    const many = await untouched(store, "InvalidMetadata", () =>
      plate.createPosition("A", "1", "2"),
    );
    expect(many.message).toContain("fieldCount 2");
    await untouched(store, "InvalidMetadata", () =>
      plate.createPositions(["B/2/0", "B/2/1", "B/2/2"]),
    );
    // The declaration is not a custom attribute.
    await untouched(store, "Unsupported", () => plate.setAttrs({ [PLATE_LAYOUT_ATTR]: {} }));
    // Renaming within the declaration keeps every declared row and column listed.
    await plate.renameWell("A/1", "C/4");
    expect(plate.metadata?.rows.map((r) => r.name)).toEqual(["A", "B", "C"]);
    expect(plate.metadata?.wells).toEqual([{ path: "C/4", rowIndex: 2, columnIndex: 3 }]);
    await expectValidStore(store);
  });

  test("bad declarations are refused before the store is touched", async () => {
    const dir = await tempDir();
    const store = join(dir, "plate.ome.zarr");
    const bad: unknown[] = [
      { rows: ["A", "A"], columns: ["1"] },
      { rows: ["A"], columns: ["1", "1-2"] },
      { rows: [], columns: ["1"] },
      { rows: ["A"] },
      { rows: ["A"], columns: ["1"], acquisitions: [{ id: 0 }, { id: 0 }] },
      { rows: ["A"], columns: ["1"], acquisitions: [{ id: -1 }] },
      { rows: ["A"], columns: ["1"], fieldCount: 0 },
      { rows: ["A"], columns: ["1"], wells: ["A/1"] },
      "A-H x 1-12",
    ];
    for (const plate of bad) {
      const err = await rejection(
        openOmeZarr(store, {
          layout: "hcs",
          mode: "w-",
          version,
          channelNames: ["DAPI"],
          plate: plate as PlateLayout,
        }),
      );
      expect((err as { _tag?: string })._tag, String(err)).toBe("InvalidOptions");
      await expect(access(store)).rejects.toThrow();
    }
    // The plate option belongs to layout "hcs".
    const fov = await rejection(
      openOmeZarr(store, { layout: "fov", mode: "w-", channelNames: ["a"], plate: LAYOUT }),
    );
    expect((fov as { _tag?: string })._tag).toMatch(/Invalid/);
    await expect(access(store)).rejects.toThrow();
    // On an existing plate (mode "a"): the same error, every file untouched.
    await (await declared(dir, version)).close();
    await untouched(store, "InvalidOptions", () =>
      openOmeZarr(store, { layout: "hcs", mode: "a", plate: bad[0] as PlateLayout }),
    );
    // A plate created without a declaration refuses one.
    const plain = join(dir, "plain.ome.zarr");
    {
      await using p = await openOmeZarr(plain, {
        layout: "hcs",
        mode: "w-",
        version,
        channelNames: ["DAPI"],
      });
      await p.createWell("A", "1");
    }
    await untouched(plain, "LayoutMismatch", () =>
      openOmeZarr(plain, { layout: "hcs", mode: "a", plate: LAYOUT }),
    );
  });
});

/** LAYOUT with one acquisition (an acquisition without any field has no maximumfieldcount). */
const ONE_ACQ: PlateLayout = { ...LAYOUT, acquisitions: [{ id: 0 }] };

describe.each(["0.4", "0.5"] as const)("Plate.fromPositions with a layout, NGFF %s", (version) => {
  test("destinations in a declared layout; one outside it is refused before the target exists", async () => {
    const dir = await tempDir();
    const sources: Position[] = [];
    for (const name of ["a", "b"]) {
      const pos = await openOmeZarr(join(dir, `${name}.ome.zarr`), {
        layout: "fov",
        mode: "w-",
        version,
        channelNames: ["DAPI"],
      });
      await fill(pos);
      sources.push(pos);
    }
    const target = join(dir, "assembled.ome.zarr");
    const refused = join(dir, "refused.ome.zarr");
    const err = await rejection(
      Plate.fromPositions(
        refused,
        { "A/1/0": sources[0]!, "E/1/0": sources[1]! },
        { layout: ONE_ACQ },
      ),
    );
    expect((err as InvalidMetadataError).issues?.[0]?.code).toBe("undeclared_row");
    await expect(access(refused)).rejects.toThrow();
    await using plate = await Plate.fromPositions(
      target,
      { "C/4/0": sources[0]!, "A/1/0": sources[1]! },
      { layout: ONE_ACQ },
    );
    expect(plate.metadata?.wells).toEqual([
      { path: "A/1", rowIndex: 0, columnIndex: 0 },
      { path: "C/4", rowIndex: 2, columnIndex: 3 },
    ]);
    expect(plate.layout?.rows).toEqual(["A", "B", "C"]);
    for (const s of sources) await s.close();
    await noLocks(target);
    expect(SCHEMAS[version].validate("strict_plate", await rootAttrs(target, version))).toEqual([]);
  });
});

test("a plate without a declaration behaves as before (rows appended as wells come)", async () => {
  const dir = await tempDir();
  await using plate = await openOmeZarr(join(dir, "p.ome.zarr"), {
    layout: "hcs",
    mode: "w-",
    channelNames: ["DAPI"],
  });
  await plate.createWell("B", "2");
  await plate.createWell("A", "1");
  expect(plate.layout).toBeUndefined();
  expect(plate.metadata?.wells).toEqual([
    { path: "B/2", rowIndex: 0, columnIndex: 0 },
    { path: "A/1", rowIndex: 1, columnIndex: 1 },
  ]);
});
