/**
 * Per-level chunking for a computed pyramid (writeImage's `storageOptions` list, issue 12
 * item 8): `planLevels` overrides, pure arithmetic.
 */
import { describe, expect, test } from "vitest";
import { planLevels } from "../../src/engine/plan.js";

const LEVEL0 = { shape: [1, 2, 64, 48], chunks: [1, 1, 32, 32], shards: [1, 2, 64, 64] };
const STEP = [1, 1, 2, 2];

describe("planLevels with per-level overrides", () => {
  test("no overrides: level 0's chunks and shards, clipped to each level", () => {
    expect(planLevels(LEVEL0, [STEP, STEP])).toEqual([
      { shape: [1, 2, 64, 48], chunks: [1, 1, 32, 32], shards: [1, 2, 64, 64] },
      { shape: [1, 2, 32, 24], chunks: [1, 1, 32, 24], shards: [1, 2, 32, 24] },
      { shape: [1, 2, 16, 12], chunks: [1, 1, 16, 12], shards: [1, 2, 16, 12] },
    ]);
  });

  test("an override sets its level's chunks (clipped) and shards; level 0 never changes", () => {
    const levels = planLevels(
      LEVEL0,
      [STEP, STEP],
      [{ chunks: [9, 9, 9, 9] }, { chunks: [1, 2, 8, 8], shardsRatio: [1, 1, 2, 1] }],
    );
    expect(levels[0]).toEqual({
      shape: [1, 2, 64, 48],
      chunks: [1, 1, 32, 32],
      shards: [1, 2, 64, 64],
    });
    expect(levels[1]).toEqual({
      shape: [1, 2, 32, 24],
      chunks: [1, 2, 8, 8],
      shards: [1, 2, 16, 8],
    });
    // An override without shardsRatio: that level is not sharded; without chunks: level 0's.
    const unsharded = planLevels(LEVEL0, [STEP, STEP], [undefined, undefined, {}]);
    expect(unsharded[2]).toEqual({
      shape: [1, 2, 16, 12],
      chunks: [1, 1, 16, 12],
      shards: undefined,
    });
    expect(unsharded[1]?.shards).toEqual([1, 2, 32, 24]);
  });
});
