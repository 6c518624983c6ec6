/**
 * The validator's level rule while a stream (or a resize) grows its levels one after the other:
 * the lag is allowed only while growth is in progress (`growing`: a stream state file or a resize
 * marker exists); a finished image with a short level is broken (session 5: the rule first
 * allowed the lag always, and createImage then accepted a half-size image as the next level).
 */
import { expect, test } from "vitest";
import { levelPairIssue } from "../../../src/validate/store-image.js";

const AXES = ["t", "c", "z", "y", "x"];
const GROWING = { growing: true };
const lv = (path: string, shape: number[], scale: number[]) => ({ path, shape, scale });

test("a level may lag the one before it along an axis of scale ratio 1 (a stream in progress)", () => {
  const prev = lv("0", [7, 1, 8, 64, 64], [1, 1, 1, 1, 1]);
  for (const t of [0, 3, 6, 7]) {
    const cur = lv("1", [t, 1, 4, 32, 32], [1, 1, 2, 2, 2]);
    expect(levelPairIssue(prev, cur, AXES, 1, { growing: true })).toBe(undefined);
    expect(levelPairIssue(prev, cur, AXES, 1)?.code).toBe(t === 7 ? undefined : "level_scale");
  }
});

test("still flagged: larger along a ratio-1 axis, wrong size along a downsampled axis", () => {
  const prev = lv("0", [7, 1, 8, 64, 64], [1, 1, 1, 1, 1]);
  expect(
    levelPairIssue(prev, lv("1", [8, 1, 4, 32, 32], [1, 1, 2, 2, 2]), AXES, 1, GROWING)?.code,
  ).toBe("level_shape");
  expect(
    levelPairIssue(prev, lv("1", [7, 1, 4, 30, 32], [1, 1, 2, 2, 2]), AXES, 1, GROWING)?.code,
  ).toBe("level_scale");
  expect(
    levelPairIssue(prev, lv("1", [3, 1, 2, 32, 32], [1, 1, 2, 2, 2]), AXES, 1, GROWING)?.code,
  ).toBe("level_scale");
});

test("an exact ratio admits only the exact size; an empty level may follow an empty one", () => {
  const prev = lv("0", [7, 1, 8, 64, 64], [1, 1, 1, 1, 1]);
  // z: 8 / 2 = 4 exactly, so 3 and 5 are wrong (an earlier tolerance let 3 through).
  for (const z of [3, 5]) {
    expect(levelPairIssue(prev, lv("1", [7, 1, z, 32, 32], [1, 1, 2, 2, 2]), AXES, 1)?.code).toBe(
      "level_scale",
    );
  }
  const odd = lv("0", [7, 1, 7, 64, 64], [1, 1, 1, 1, 1]);
  for (const z of [3, 4]) {
    expect(levelPairIssue(odd, lv("1", [7, 1, z, 32, 32], [1, 1, 2, 2, 2]), AXES, 1)).toBe(
      undefined,
    );
  }
  const empty = lv("0", [0, 1, 8, 64, 64], [1, 1, 1, 1, 1]);
  expect(levelPairIssue(empty, lv("1", [0, 1, 4, 32, 32], [1, 1, 2, 2, 2]), AXES, 1)).toBe(
    undefined,
  );
});
