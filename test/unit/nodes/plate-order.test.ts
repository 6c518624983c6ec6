import { fc, test as fcTest } from "@fast-check/vitest";
import { describe, expect, test } from "vitest";
import { InvalidOptionsError } from "../../../src/errors.js";
import {
  compareWellPaths,
  naturalCompare,
  naturalSort,
  rowLetters,
} from "../../../src/nodes/plate/order.js";

describe("naturalCompare", () => {
  test.each([
    ["A2", "A10"],
    ["2", "10"],
    ["9", "10"],
    ["A", "B"],
    ["Z", "AA"],
    ["AA", "AB"],
    ["AZ", "BA"],
    ["1", "01"],
    ["0", "A"],
    ["a", "B"],
    ["A", "a"],
    ["A1", "AA"],
    ["10", "10a"],
  ])("%s < %s", (a, b) => {
    expect(naturalCompare(a, b)).toBeLessThan(0);
    expect(naturalCompare(b, a)).toBeGreaterThan(0);
  });

  test("sorts a shuffled 384-well row and column set", () => {
    const rows = Array.from({ length: 16 }, (_, i) => rowLetters(i));
    const cols = Array.from({ length: 24 }, (_, i) => String(i + 1));
    expect(naturalSort([...rows].reverse())).toEqual(rows);
    expect(naturalSort([...cols].reverse())).toEqual(cols);
    expect(naturalSort(["A10", "A2", "A1"])).toEqual(["A1", "A2", "A10"]);
  });

  test("rows past Z: AA after Z", () => {
    const rows = Array.from({ length: 60 }, (_, i) => rowLetters(i));
    expect(naturalSort([...rows].sort())).toEqual(rows);
    expect(rows.slice(24, 28)).toEqual(["Y", "Z", "AA", "AB"]);
  });

  test("well paths sort by row, then column", () => {
    const paths = ["B/1", "A/10", "A/2", "AA/1", "Z/3"];
    expect([...paths].sort(compareWellPaths)).toEqual(["A/2", "A/10", "B/1", "Z/3", "AA/1"]);
  });

  fcTest.prop([fc.string(), fc.string()])(
    "antisymmetric and zero only for equal strings",
    (a, b) => {
      const ab = Math.sign(naturalCompare(a, b));
      const ba = Math.sign(naturalCompare(b, a));
      expect(ab + ba).toBe(0);
      expect(ab === 0).toBe(a === b);
    },
  );

  fcTest.prop([fc.array(fc.stringMatching(/^[A-Za-z0-9]{1,4}$/), { maxLength: 30 })])(
    "sorting is stable under permutation (a total order)",
    (names) => {
      const once = naturalSort(names);
      expect(naturalSort([...names].reverse())).toEqual(once);
      for (let i = 1; i < once.length; i++) {
        expect(naturalCompare(once[i - 1]!, once[i]!)).toBeLessThanOrEqual(0);
      }
    },
  );
});

describe("rowLetters", () => {
  test.each([
    [0, "A"],
    [25, "Z"],
    [26, "AA"],
    [51, "AZ"],
    [52, "BA"],
    [701, "ZZ"],
    [702, "AAA"],
  ])("%i → %s", (i, s) => {
    expect(rowLetters(i)).toBe(s);
  });
  test("rejects negative indices", () => {
    expect(() => rowLetters(-1)).toThrow(InvalidOptionsError);
  });
});
