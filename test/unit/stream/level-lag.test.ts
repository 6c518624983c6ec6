/** The validator's level rule while a stream grows its levels one after the other. */
import { expect, test } from "vitest";
import { levelPairIssue } from "../../../src/validate/store-image.js";

const AXES = ["t", "c", "z", "y", "x"];
const lv = (path: string, shape: number[], scale: number[]) => ({ path, shape, scale });

test("a level may lag the one before it along an axis of scale ratio 1 (a stream in progress)", () => {
  const prev = lv("0", [7, 1, 8, 64, 64], [1, 1, 1, 1, 1]);
  for (const t of [0, 3, 6, 7]) {
    expect(levelPairIssue(prev, lv("1", [t, 1, 4, 32, 32], [1, 1, 2, 2, 2]), AXES, 1)).toBe(
      undefined,
    );
  }
});

test("still flagged: larger along a ratio-1 axis, wrong size along a downsampled axis", () => {
  const prev = lv("0", [7, 1, 8, 64, 64], [1, 1, 1, 1, 1]);
  expect(levelPairIssue(prev, lv("1", [8, 1, 4, 32, 32], [1, 1, 2, 2, 2]), AXES, 1)?.code).toBe(
    "level_shape",
  );
  expect(levelPairIssue(prev, lv("1", [7, 1, 4, 30, 32], [1, 1, 2, 2, 2]), AXES, 1)?.code).toBe(
    "level_scale",
  );
  expect(levelPairIssue(prev, lv("1", [3, 1, 2, 32, 32], [1, 1, 2, 2, 2]), AXES, 1)?.code).toBe(
    "level_scale",
  );
});
