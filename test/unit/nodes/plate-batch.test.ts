import { describe, expect, test } from "vitest";
import { isOmeZarrError } from "../../../src/errors.js";
import { planPositions, toPositionSpec } from "../../../src/nodes/plate/batch.js";
import {
  addWell,
  type PlateMeta,
  plateIssues,
  type WellMeta,
} from "../../../src/nodes/plate/meta.js";

function empty(): PlateMeta {
  return { acquisitions: [{ id: 0 }], rows: [], columns: [], wells: [] };
}

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error("expected a throw");
}

describe("toPositionSpec", () => {
  test.each([
    ["A/1/0", { row: "A", col: "1", pos: "0" }],
    ["AA/12/fov3", { row: "AA", col: "12", pos: "fov3" }],
  ])("%s", (s, spec) => {
    expect(toPositionSpec(s)).toEqual(spec);
  });
  test.each([
    ["A/1", "InvalidMetadata"],
    ["A/1/0/1", "InvalidMetadata"],
    ["../1/0", "UnsafePath"],
    ["A//0", "UnsafePath"],
    ["A/1/", "UnsafePath"],
    ["A-1/1/0", "InvalidMetadata"],
  ] as const)("%s → %s", (s, tag) => {
    expect(
      isOmeZarrError(
        errorOf(() => toPositionSpec(s)),
        tag,
      ),
    ).toBe(true);
  });
  test.each([
    [{ row: "..", col: "1", pos: "0" }, "UnsafePath"],
    [{ row: "A", col: "a/b", pos: "0" }, "UnsafePath"],
    [{ row: "A", col: "1", pos: "" }, "UnsafePath"],
    [{ row: "A", col: "1", pos: "p_0" }, "InvalidMetadata"],
  ] as const)("%j → %s", (spec, tag) => {
    expect(
      isOmeZarrError(
        errorOf(() => toPositionSpec(spec)),
        tag,
      ),
    ).toBe(true);
  });
  test("error messages (snapshot)", () => {
    expect((errorOf(() => toPositionSpec("A/../0")) as Error).message).toMatchSnapshot();
    expect((errorOf(() => toPositionSpec("A/1/p-0")) as Error).message).toMatchSnapshot();
  });
});

describe("planPositions", () => {
  test("a 96-well × 4 batch: every well and row once, plate consistent, input untouched", () => {
    const rows = "ABCDEFGH".split("");
    const specs = rows.flatMap((r) =>
      Array.from({ length: 12 }, (_, c) => [0, 1, 2, 3].map((p) => `${r}/${c + 1}/${p}`)).flat(),
    );
    const plate = empty();
    const plan = planPositions(plate, () => undefined, specs);
    expect(plate.wells).toEqual([]);
    expect(plan.newRows).toEqual(rows);
    expect(plan.newWells).toHaveLength(96);
    expect(plan.positions).toHaveLength(384);
    expect(plan.plate.wells).toHaveLength(96);
    expect(plateIssues(plan.plate)).toEqual([]);
    expect(plan.wells.get("H/12")?.meta.images).toEqual(
      [0, 1, 2, 3].map((p) => ({ acquisition: 0, path: String(p) })),
    );
  });

  test("a shuffled batch lists rows, columns and wells in natural order", () => {
    const plan = planPositions(empty(), () => undefined, [
      "B/10/0",
      "A/2/0",
      "AA/1/0",
      "B/2/0",
      "Z/1/0",
    ]);
    expect(plan.plate.rows.map((r) => r.name)).toEqual(["A", "B", "Z", "AA"]);
    expect(plan.plate.columns.map((c) => c.name)).toEqual(["1", "2", "10"]);
    expect(plan.plate.wells.map((w) => w.path)).toEqual(["A/2", "B/2", "B/10", "Z/1", "AA/1"]);
    expect(plan.newWells).toEqual(["A/2", "B/2", "B/10", "Z/1", "AA/1"]);
    expect(plateIssues(plan.plate)).toEqual([]);
  });

  test("explicit indices keep input order", () => {
    const plan = planPositions(empty(), () => undefined, [
      { row: "B", col: "1", pos: "0", rowIndex: 0 },
      { row: "A", col: "1", pos: "0", rowIndex: 1 },
    ]);
    expect(plan.plate.rows.map((r) => r.name)).toEqual(["B", "A"]);
  });

  test("adds to existing wells without re-adding them, and knows which rows are new", () => {
    const plate = empty();
    addWell(plate, "A", "1");
    const existing: WellMeta = { images: [{ acquisition: 0, path: "0" }] };
    const plan = planPositions(plate, (p) => (p === "A/1" ? existing : undefined), [
      "A/1/1",
      "A/2/0",
      "B/1/0",
    ]);
    expect(plan.newWells).toEqual(["A/2", "B/1"]);
    expect(plan.newRows).toEqual(["B"]);
    expect(plan.wells.get("A/1")).toEqual({
      meta: {
        images: [
          { acquisition: 0, path: "0" },
          { acquisition: 0, path: "1" },
        ],
      },
      added: [{ acquisition: 0, path: "1" }],
    });
    expect(existing.images).toHaveLength(1);
  });

  test.each([
    ["an existing position", ["A/1/0"], "AlreadyExists"],
    ["a duplicate in the batch", ["A/2/0", "A/2/0"], "AlreadyExists"],
    ["an unknown acquisition", [{ row: "A", col: "2", pos: "0", acqIndex: 3 }], "InvalidMetadata"],
    [
      "a row index that disagrees",
      [{ row: "A", col: "1", pos: "5", rowIndex: 4 }],
      "InvalidMetadata",
    ],
    [
      "a gap in the column list",
      [{ row: "A", col: "9", pos: "0", colIndex: 8 }],
      "InvalidMetadata",
    ],
  ] as const)("rejects %s", (_n, specs, tag) => {
    const plate = empty();
    addWell(plate, "A", "1");
    const before = structuredClone(plate);
    const e = errorOf(() =>
      planPositions(plate, () => ({ images: [{ acquisition: 0, path: "0" }] }), specs as never),
    );
    expect(isOmeZarrError(e, tag)).toBe(true);
    expect(plate).toEqual(before);
  });
});
