import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { InvalidMetadataError } from "../../../src/errors.js";
import {
  addWell,
  type PlateMeta,
  parsePlate,
  parseWell,
  plateIssues,
  plateToJson,
  renameWellMeta,
  wellIssues,
  wellToJson,
} from "../../../src/nodes/plate/meta.js";

const SCHEMAS = "/work/shared/ngff-schemas/examples";

function plate(): PlateMeta {
  return { acquisitions: [{ id: 0 }], rows: [], columns: [], wells: [] };
}

function codes(p: PlateMeta): string[] {
  return plateIssues(p).map((i) => i.code);
}

describe("addWell", () => {
  test("appends rows and columns in creation order and reuses listed ones", () => {
    const p = plate();
    addWell(p, "B", "3");
    addWell(p, "A", "3");
    const w = addWell(p, "B", "1");
    expect(w).toEqual({ path: "B/1", rowIndex: 0, columnIndex: 1 });
    expect(p.rows).toEqual([{ name: "B" }, { name: "A" }]);
    expect(p.columns).toEqual([{ name: "3" }, { name: "1" }]);
    expect(plateIssues(p)).toEqual([]);
  });

  test("declared rows and columns give physical indices", () => {
    const p = plate();
    p.rows = ["A", "B", "C"].map((name) => ({ name }));
    p.columns = ["1", "2", "3", "4"].map((name) => ({ name }));
    expect(addWell(p, "C", "4")).toEqual({ path: "C/4", rowIndex: 2, columnIndex: 3 });
    expect(addWell(p, "A", "2", { rowIndex: 0, colIndex: 1 })).toMatchObject({ rowIndex: 0 });
  });

  test.each([
    [{ rowIndex: 1 }, 'rowIndex 1 was given for row "A"'],
    [{ colIndex: 5 }, 'colIndex 5 for new column "2" would leave a gap'],
  ])("index options that disagree with the lists throw (%j)", (opts, message) => {
    const p = plate();
    addWell(p, "A", "1");
    expect(() => addWell(p, "A", "2", opts)).toThrow(InvalidMetadataError);
    expect(() => addWell(p, "A", "2", opts)).toThrow(message);
  });

  test("an explicit index equal to the append slot is accepted", () => {
    const p = plate();
    addWell(p, "A", "1");
    expect(addWell(p, "B", "2", { rowIndex: 1, colIndex: 1 })).toEqual({
      path: "B/2",
      rowIndex: 1,
      columnIndex: 1,
    });
  });
});

describe("plateIssues", () => {
  const good = (): PlateMeta => ({
    rows: [{ name: "A" }, { name: "B" }],
    columns: [{ name: "1" }],
    wells: [
      { path: "A/1", rowIndex: 0, columnIndex: 0 },
      { path: "B/1", rowIndex: 1, columnIndex: 0 },
    ],
  });
  test("a consistent plate has no issues", () => {
    expect(plateIssues(good())).toEqual([]);
  });
  test.each<[string, (p: PlateMeta) => void, string]>([
    [
      "rowIndex points at another row",
      (p) => {
        p.wells[1]!.rowIndex = 0;
      },
      "well_path_mismatch",
    ],
    [
      "columnIndex out of range",
      (p) => {
        p.wells[0]!.columnIndex = 3;
      },
      "column_index_range",
    ],
    [
      "column before row in the path",
      (p) => {
        p.wells[0]!.path = "1/A";
      },
      "well_path_mismatch",
    ],
    [
      "non-alphanumeric row",
      (p) => {
        p.rows[0]!.name = "A-1";
      },
      "invalid_format",
    ],
    [
      "duplicate row",
      (p) => {
        p.rows[1]!.name = "A";
      },
      "duplicate_row_name",
    ],
    [
      "empty rows",
      (p) => {
        p.rows = [];
      },
      "too_few_items",
    ],
    [
      "empty wells",
      (p) => {
        p.wells = [];
      },
      "too_few_items",
    ],
    [
      "duplicate well",
      (p) => {
        p.wells[1] = { ...p.wells[0]! };
      },
      "duplicate_well_path",
    ],
    [
      "bad well path",
      (p) => {
        p.wells[0]!.path = "A/1/0";
      },
      "invalid_format",
    ],
    [
      "duplicate acquisition",
      (p) => {
        p.acquisitions = [{ id: 1 }, { id: 1 }];
      },
      "duplicate_acquisition_id",
    ],
    [
      "zero field_count",
      (p) => {
        p.field_count = 0;
      },
      "out_of_range",
    ],
  ])("%s", (_name, edit, code) => {
    const p = good();
    edit(p);
    expect(codes(p)).toContain(code);
  });

  test("error messages (snapshot)", () => {
    const p = good();
    p.wells[1]!.rowIndex = 0;
    p.rows.push({ name: "C-" });
    expect(plateIssues(p)).toMatchSnapshot();
  });
});

describe("wellIssues", () => {
  test.each([
    [[], "too_few_items"],
    [[{ path: "0" }, { path: "0" }], "duplicate_image_path"],
    [[{ path: "a/b" }], "invalid_format"],
    [[{ path: "0", acquisition: 1.5 }], "invalid_type"],
  ])("%j → %s", (images, code) => {
    expect(wellIssues({ images }).map((i) => i.code)).toContain(code);
  });
});

describe("serialization", () => {
  test("plate JSON: fixed key order, 0.4 and 0.5 both carry plate.version", () => {
    const p = plate();
    p.name = "screen";
    addWell(p, "A", "1");
    p.field_count = 2;
    expect(Object.keys(plateToJson(p, "0.4"))).toEqual([
      "version",
      "name",
      "acquisitions",
      "rows",
      "columns",
      "wells",
      "field_count",
    ]);
    expect(plateToJson(p, "0.5").version).toBe("0.5");
  });
  test("well JSON: version only for 0.4", () => {
    const w = { images: [{ path: "0", acquisition: 0 }, { path: "1" }] };
    expect(wellToJson(w, "0.4")).toEqual({
      version: "0.4",
      images: [{ acquisition: 0, path: "0" }, { path: "1" }],
    });
    expect(wellToJson(w, "0.5")).toEqual({
      images: [{ acquisition: 0, path: "0" }, { path: "1" }],
    });
  });
  test("parse → serialize round-trips and keeps unknown keys", () => {
    const raw = {
      version: "0.4",
      name: "p",
      rows: [{ name: "A" }],
      columns: [{ name: "1" }],
      wells: [{ path: "A/1", rowIndex: 0, columnIndex: 0 }],
      vendor: { x: 1 },
    };
    expect(plateToJson(parsePlate(raw), "0.4")).toEqual(raw);
  });
  test("parse rejects a plate whose indices disagree with its lists", () => {
    const raw = {
      rows: [{ name: "A" }],
      columns: [{ name: "1" }],
      wells: [{ path: "A/1", rowIndex: 1, columnIndex: 0 }],
    };
    expect(() => parsePlate(raw, "p.zarr/.zattrs")).toThrow(InvalidMetadataError);
  });

  test.each(["0.4", "0.5"] as const)("parses every official %s plate and well example", (v) => {
    let parsed = 0;
    for (const [dir, key, files] of [
      ["plate_strict", "plate", ["plate_2wells", "plate_6wells"]],
      ["well_strict", "well", ["well_2fields", "well_4fields"]],
    ] as const) {
      for (const f of files) {
        const text = readFileSync(join(SCHEMAS, v, "examples", dir, `${f}.json`), "utf8");
        parsed++;
        const doc = JSON.parse(text.replace(/^\s*\/\/.*$/gm, ""));
        const attrs = v === "0.4" ? doc : doc.attributes.ome;
        if (key === "plate") {
          const parsed = parsePlate(attrs.plate);
          expect(plateToJson(parsed, v)).toMatchObject({ ...attrs.plate, version: v });
        } else {
          expect(wellToJson(parseWell(attrs.well), v)).toEqual(attrs.well);
        }
      }
    }
    expect(parsed).toBe(4);
  });
});

describe("renameWellMeta", () => {
  test("moves one well, appends the new row, keeps the old row while used", () => {
    const p = plate();
    addWell(p, "A", "1");
    addWell(p, "A", "2");
    renameWellMeta(p, "A/1", "B/1");
    expect(p.rows).toEqual([{ name: "A" }, { name: "B" }]);
    expect(p.wells).toEqual([
      { path: "B/1", rowIndex: 1, columnIndex: 0 },
      { path: "A/2", rowIndex: 0, columnIndex: 1 },
    ]);
    expect(plateIssues(p)).toEqual([]);
  });
  test("drops the old row and column when no well uses them and renumbers", () => {
    const p = plate();
    addWell(p, "A", "1");
    addWell(p, "B", "2");
    renameWellMeta(p, "A/1", "C/3");
    expect(p.rows.map((r) => r.name)).toEqual(["B", "C"]);
    expect(p.columns.map((c) => c.name)).toEqual(["2", "3"]);
    expect(p.wells).toEqual([
      { path: "C/3", rowIndex: 1, columnIndex: 1 },
      { path: "B/2", rowIndex: 0, columnIndex: 0 },
    ]);
    expect(plateIssues(p)).toEqual([]);
  });
  test("unknown source and existing target throw", () => {
    const p = plate();
    addWell(p, "A", "1");
    addWell(p, "A", "2");
    expect(() => renameWellMeta(p, "Z/9", "B/1")).toThrow(/not listed/);
    expect(() => renameWellMeta(p, "A/1", "A/2")).toThrow(/already listed/);
  });
});
