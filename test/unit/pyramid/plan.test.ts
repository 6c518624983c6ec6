import { fc, test as fcTest } from "@fast-check/vitest";
import { describe, expect, test } from "vitest";
import {
  affectedTargetRegion,
  affectedTargets,
  blockGridShape,
  blockRegion,
  downsampleShape,
  planLevelChunks,
  planLevelScales,
  planLevelShapes,
  planLevelShards,
  planLevels,
  planTasks,
  regionShape,
  regionSize,
  regionsIntersect,
  sourceRegion,
} from "../../../src/engine/plan.js";
import type { Region } from "../../../src/store/types.js";

describe("level geometry", () => {
  test.each([
    { shape: [1, 1, 16, 2048, 2048], f: [1, 1, 1, 2, 2], want: [1, 1, 16, 1024, 1024] },
    { shape: [5, 7, 9], f: [1, 2, 2], want: [5, 4, 5] },
    { shape: [1], f: [3], want: [1] },
    { shape: [0, 10], f: [2, 3], want: [0, 4] },
  ])("downsampleShape($shape, $f) = $want", ({ shape, f, want }) => {
    expect(downsampleShape(shape, f)).toEqual(want);
  });

  test("level shapes cascade with ceil at every level", () => {
    const f = [1, 2, 2];
    expect(planLevelShapes([3, 1000, 999], [f, f, f])).toEqual([
      [3, 1000, 999],
      [3, 500, 500],
      [3, 250, 250],
      [3, 125, 125],
    ]);
  });

  test.each([
    { chunks: [1, 256, 256], shape: [16, 1024, 1024], want: [1, 256, 256] },
    { chunks: [1, 256, 256], shape: [16, 128, 100], want: [1, 128, 100] },
    { chunks: [4, 64], shape: [0, 3], want: [1, 3] },
  ])("chunks $chunks clipped to $shape = $want", ({ chunks, shape, want }) => {
    expect(planLevelChunks(chunks, shape)).toEqual(want);
  });

  test.each([
    {
      shards: [1, 1024, 1024],
      chunks: [1, 256, 256],
      shape: [4, 2048, 2048],
      want: [1, 1024, 1024],
    },
    { shards: [1, 1024, 1024], chunks: [1, 256, 256], shape: [4, 600, 256], want: [1, 768, 256] },
    { shards: [2, 512], chunks: [1, 100], shape: [1, 100], want: [1, 100] },
  ])("shards $shards over $shape = $want", ({ shards, chunks, shape, want }) => {
    expect(planLevelShards(shards, chunks, shape)).toEqual(want);
  });

  test("planLevels keeps level 0's chunking and clips at small levels", () => {
    const levels = planLevels(
      { shape: [1, 1000, 700], chunks: [1, 256, 256], shards: [1, 512, 512] },
      [
        [1, 2, 2],
        [1, 2, 2],
        [1, 2, 2],
      ],
    );
    expect(levels).toEqual([
      { shape: [1, 1000, 700], chunks: [1, 256, 256], shards: [1, 512, 512] },
      { shape: [1, 500, 350], chunks: [1, 256, 256], shards: [1, 512, 512] },
      { shape: [1, 250, 175], chunks: [1, 250, 175], shards: [1, 250, 175] },
      { shape: [1, 125, 88], chunks: [1, 125, 88], shards: [1, 125, 88] },
    ]);
    expect(planLevels({ shape: [8], chunks: [4] }, [[2]])[1]).toEqual({
      shape: [4],
      chunks: [4],
      shards: undefined,
    });
  });

  test("scales multiply by the factors per level", () => {
    expect(
      planLevelScales(
        [1, 0.5, 0.25],
        [
          [1, 2, 2],
          [2, 2, 2],
        ],
      ),
    ).toEqual([
      [1, 0.5, 0.25],
      [1, 1, 0.5],
      [2, 2, 1],
    ]);
  });
});

describe("regions", () => {
  test("blockRegion clips at the upper edge", () => {
    expect(blockRegion([0, 2], [4, 4], [3, 10])).toEqual([
      [0, 3],
      [8, 10],
    ]);
  });

  test.each([
    {
      target: [
        [0, 2],
        [1, 3],
      ],
      f: [2, 3],
      src: [4, 7],
      want: [
        [0, 4],
        [3, 7],
      ],
    },
    { target: [[2, 3]], f: [2], src: [5], want: [[4, 5]] },
    { target: [[0, 1]], f: [1], src: [1], want: [[0, 1]] },
  ] as { target: Region; f: number[]; src: number[]; want: Region }[])(
    "sourceRegion($target, f=$f, shape=$src) = $want",
    ({ target, f, src, want }) => {
      expect(sourceRegion(target, f, src)).toEqual(want);
    },
  );

  test.each([
    { written: [[3, 4]], f: [2], src: [10], want: [[1, 2]] },
    { written: [[3, 5]], f: [2], src: [10], want: [[1, 3]] },
    { written: [[4, 4]], f: [2], src: [10], want: [[2, 2]] },
    { written: [[0, 100]], f: [3], src: [11], want: [[0, 4]] },
    // Regression: a write past the source edge must not mark the last target (inputs [4, 5)).
    { written: [[5, 7]], f: [2], src: [5], want: [[2, 2]] },
  ] as { written: Region; f: number[]; src: number[]; want: Region }[])(
    "affectedTargetRegion($written, f=$f, shape=$src) = $want",
    ({ written, f, src, want }) => {
      expect(affectedTargetRegion(written, f, src)).toEqual(want);
    },
  );

  test("regionsIntersect needs overlap on every axis", () => {
    expect(
      regionsIntersect(
        [
          [0, 2],
          [0, 2],
        ],
        [
          [1, 3],
          [1, 3],
        ],
      ),
    ).toBe(true);
    expect(
      regionsIntersect(
        [
          [0, 2],
          [0, 2],
        ],
        [
          [2, 3],
          [0, 3],
        ],
      ),
    ).toBe(false);
    expect(regionsIntersect([[0, 2]], [[1, 1]])).toBe(false);
  });
});

describe("planTasks", () => {
  test("one block per task by default, C order", () => {
    const tasks = planTasks([3, 5], [2, 2]);
    expect(tasks.map((t) => t.blocks)).toEqual([
      [[0, 0]],
      [[0, 1]],
      [[0, 2]],
      [[1, 0]],
      [[1, 1]],
      [[1, 2]],
    ]);
    expect(tasks[5]!.region).toEqual([
      [2, 3],
      [4, 5],
    ]);
  });

  test("groups a chunk row: P1 level 1 (8 blocks of 512 KiB source each) with a 2 MiB minimum", () => {
    const tasks = planTasks([1, 1, 16, 1024, 1024], [1, 1, 1, 256, 256], {
      factors: [1, 1, 1, 2, 2],
      bytesPerElement: 2,
      minTaskBytes: 2 << 20,
    });
    expect(tasks).toHaveLength(16 * 4);
    expect(tasks[0]!.blocks).toEqual([
      [0, 0, 0, 0, 0],
      [0, 0, 0, 0, 1],
      [0, 0, 0, 0, 2],
      [0, 0, 0, 0, 3],
    ]);
    expect(tasks[0]!.region).toEqual([
      [0, 1],
      [0, 1],
      [0, 1],
      [0, 256],
      [0, 1024],
    ]);
  });

  test("groups whole rows, then planes, when a row is small", () => {
    const tasks = planTasks([4, 6, 2], [1, 1, 1], { minTaskBytes: 5 });
    // want 5 blocks: whole rows of 2, then 2 rows (floor(5/2)) along axis 1, in runs of 2.
    expect(tasks).toHaveLength(4 * 3);
    expect(tasks[0]!.blocks).toHaveLength(4);
  });

  test("a level with an empty axis has no tasks", () => {
    expect(planTasks([0, 4], [1, 2])).toEqual([]);
  });
});

const shapeAndBlock = fc
  .integer({ min: 1, max: 4 })
  .chain((ndim) =>
    fc.tuple(
      fc.array(fc.integer({ min: 1, max: 13 }), { minLength: ndim, maxLength: ndim }),
      fc.array(fc.integer({ min: 1, max: 5 }), { minLength: ndim, maxLength: ndim }),
      fc.array(fc.integer({ min: 1, max: 4 }), { minLength: ndim, maxLength: ndim }),
    ),
  );

function allCoords(shape: readonly number[]): number[][] {
  let out: number[][] = [[]];
  for (const n of shape) out = out.flatMap((c) => Array.from({ length: n }, (_, i) => [...c, i]));
  return out;
}

describe("properties", () => {
  fcTest.prop([shapeAndBlock, fc.integer({ min: 0, max: 200 })])(
    "task regions tile the level exactly, with no overlap, and list each block once",
    ([shape, block, factors], minTaskBytes) => {
      const tasks = planTasks(shape, block, { factors, bytesPerElement: 2, minTaskBytes });
      const cover = new Uint8Array(shape.reduce((p, n) => p * n, 1));
      const strides = shape.map((_, i) => shape.slice(i + 1).reduce((p, n) => p * n, 1));
      for (const t of tasks) {
        for (const c of allCoords(regionShape(t.region))) {
          cover[c.reduce((o, x, i) => o + (x + t.region[i]![0]) * strides[i]!, 0)]!++;
        }
        // The task region is exactly the union of its blocks.
        const sum = t.blocks.reduce((s, b) => s + regionSize(blockRegion(b, block, shape)), 0);
        expect(sum).toBe(regionSize(t.region));
      }
      expect(cover.every((v) => v === 1)).toBe(true);
      const keys = tasks.flatMap((t) => t.blocks.map((b) => b.join(",")));
      expect(new Set(keys).size).toBe(keys.length);
      expect(keys.length).toBe(blockGridShape(shape, block).reduce((p, n) => p * n, 1));
    },
  );

  fcTest.prop([shapeAndBlock])(
    "source regions are in bounds and are exactly the inputs of each target block",
    ([srcShape, block, factors]) => {
      const tShape = downsampleShape(srcShape, factors);
      for (const b of allCoords(blockGridShape(tShape, block))) {
        const t = blockRegion(b, block, tShape);
        const s = sourceRegion(t, factors, srcShape);
        s.forEach(([a, z], i) => {
          // Inputs of target index x on axis i: floor(p / f) = x, p < n.
          const inputs = Array.from({ length: srcShape[i]! }, (_, p) => p).filter((p) => {
            const x = Math.floor(p / factors[i]!);
            return x >= t[i]![0] && x < t[i]![1];
          });
          expect([a, z]).toEqual([inputs[0], inputs[inputs.length - 1]! + 1]);
          expect(z).toBeLessThanOrEqual(srcShape[i]!);
        });
      }
    },
  );

  fcTest.prop([
    shapeAndBlock.chain(([shape, block, factors]) =>
      fc.tuple(
        fc.constant(shape),
        fc.constant(block),
        fc.constant(factors),
        fc.tuple(
          ...shape.map((n) =>
            fc
              .tuple(fc.integer({ min: 0, max: n + 2 }), fc.integer({ min: 0, max: n + 2 }))
              .map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as const),
          ),
        ),
      ),
    ),
  ])("affectedTargets equals the brute-force list", ([srcShape, block, factors, written]) => {
    const tShape = downsampleShape(srcShape, factors);
    const brute = allCoords(blockGridShape(tShape, block)).filter((b) =>
      regionsIntersect(sourceRegion(blockRegion(b, block, tShape), factors, srcShape), written),
    );
    expect(affectedTargets(written, factors, srcShape, block)).toEqual(brute);
  });
});

describe("level layout properties", () => {
  fcTest.prop([
    fc
      .integer({ min: 1, max: 4 })
      .chain((ndim) =>
        fc.tuple(
          fc.array(fc.integer({ min: 1, max: 300 }), { minLength: ndim, maxLength: ndim }),
          fc.array(fc.integer({ min: 1, max: 64 }), { minLength: ndim, maxLength: ndim }),
          fc.array(fc.integer({ min: 1, max: 4 }), { minLength: ndim, maxLength: ndim }),
          fc.array(fc.integer({ min: 1, max: 3 }), { minLength: ndim, maxLength: ndim }),
        ),
      ),
  ])(
    "chunks fit each level and shards stay whole multiples of them",
    ([shape, chunks, ratio, f]) => {
      const shards = chunks.map((c, i) => c * ratio[i]!);
      for (const l of planLevels({ shape, chunks, shards }, [f, f, f])) {
        l.chunks.forEach((c, i) => {
          expect(c).toBeLessThanOrEqual(Math.max(1, l.shape[i]!));
          expect(c === chunks[i] || c === l.shape[i]).toBe(true);
          expect(l.shards![i]! % c).toBe(0);
          expect(l.shards![i]!).toBeLessThanOrEqual(shards[i]!);
        });
      }
    },
  );
});
