/**
 * Pyramid planning: pure arithmetic on shapes and regions, no I/O (DESIGN.md section 5).
 *
 * Level shapes, per-level chunk and shard shapes, scale transforms, the task list of one level
 * (each task a box of whole target blocks), the target → source region mapping, and the target
 * blocks a written source region affects (for a live pyramid that follows acquisition).
 * Regions are half-open `[start, stop)` per axis, in elements.
 */
import type { Region } from "../store/types.js";

/** Shape, chunking and (optional) sharding of one pyramid level. */
export interface LevelLayout {
  shape: number[];
  chunks: number[];
  /** Shard shape (a multiple of `chunks`), or undefined when the level is not sharded. */
  shards: number[] | undefined;
}

/** One unit of pool work: a box of whole target blocks (chunks, or shards when sharded). */
export interface PlannedTask {
  /** Target block grid coordinates, in C order. */
  blocks: number[][];
  /** The target region the blocks cover together (a box). */
  region: Region;
}

/** Options of {@link planTasks}. */
export interface TaskPlanOptions {
  /** Downsampling factor per axis of this level vs the previous one (default all 1). */
  factors?: readonly number[];
  /** Bytes per element of the dtype (default 1). */
  bytesPerElement?: number;
  /**
   * Group neighbouring blocks until a task reads at least this many source bytes, so each task
   * carries a few milliseconds of work (default 0: one block per task). Grouping walks the
   * trailing grid axes: a run of blocks along the last axis, then whole rows, and so on.
   */
  minTaskBytes?: number;
}

/** `ceil(n / f)` per axis: the shape of a level downsampled by `factors`. */
export function downsampleShape(shape: readonly number[], factors: readonly number[]): number[] {
  return shape.map((n, i) => Math.ceil(n / (factors[i] ?? 1)));
}

/** Shapes of levels 0..n: level k is level k−1 downsampled by `factors[k−1]`. */
export function planLevelShapes(
  shape0: readonly number[],
  factors: readonly (readonly number[])[],
): number[][] {
  const shapes = [[...shape0]];
  for (const f of factors) shapes.push(downsampleShape(shapes[shapes.length - 1]!, f));
  return shapes;
}

/**
 * Chunk shape of a level: level 0's chunks, clipped to the level shape (never below 1).
 */
export function planLevelChunks(chunks0: readonly number[], shape: readonly number[]): number[] {
  return chunks0.map((c, i) => Math.max(1, Math.min(c, shape[i] ?? c)));
}

/**
 * Shard shape of a level: level 0's shards clipped to the level shape rounded up to a whole
 * number of the level's chunks (so the shard stays a multiple of the chunk). Undefined when
 * `shards0` is.
 */
export function planLevelShards(
  shards0: readonly number[] | undefined,
  chunks: readonly number[],
  shape: readonly number[],
): number[] | undefined {
  if (shards0 === undefined) return undefined;
  return shards0.map((s, i) => {
    const c = chunks[i] ?? 1;
    const covering = Math.ceil(Math.max(1, shape[i] ?? 1) / c) * c;
    return Math.max(c, Math.min(s, covering));
  });
}

/**
 * A level's own chunking, instead of level 0's (ome-zarr-py's per-level `storage_options`):
 * `chunks` (default level 0's), clipped to the level shape, and `shardsRatio` (chunks per shard;
 * omitted: the level is not sharded).
 */
export interface LevelChunking {
  chunks?: readonly number[] | undefined;
  shardsRatio?: readonly number[] | undefined;
}

/**
 * Layouts of levels 0..n from level 0's layout and the per-level factors. `overrides[k]`, when
 * given, sets level k's chunking (k ≥ 1; the engine reads any source region whatever the
 * chunking of either level, so levels need not share chunk grids).
 */
export function planLevels(
  level0: { shape: readonly number[]; chunks: readonly number[]; shards?: readonly number[] },
  factors: readonly (readonly number[])[],
  overrides: readonly (LevelChunking | undefined)[] = [],
): LevelLayout[] {
  return planLevelShapes(level0.shape, factors).map((shape, k) => {
    const o = k === 0 ? undefined : overrides[k];
    if (o === undefined) {
      const chunks = planLevelChunks(level0.chunks, shape);
      return { shape, chunks, shards: planLevelShards(level0.shards, chunks, shape) };
    }
    const chunks = planLevelChunks(o.chunks ?? level0.chunks, shape);
    const ratio = o.shardsRatio;
    const shards =
      ratio === undefined
        ? undefined
        : planLevelShards(
            chunks.map((c, i) => c * (ratio[i] ?? 1)),
            chunks,
            shape,
          );
    return { shape, chunks, shards };
  });
}

/** Scale vectors of levels 0..n: each level's scale is the previous one times its factors. */
export function planLevelScales(
  scale0: readonly number[],
  factors: readonly (readonly number[])[],
): number[][] {
  const scales = [[...scale0]];
  for (const f of factors) {
    const prev = scales[scales.length - 1]!;
    scales.push(prev.map((s, i) => s * (f[i] ?? 1)));
  }
  return scales;
}

/** The block a task writes: the shard shape when sharded, else the chunk shape. */
export function blockShapeOf(layout: {
  chunks: readonly number[];
  shards?: readonly number[] | undefined;
}): readonly number[] {
  return layout.shards ?? layout.chunks;
}

/** Number of blocks per axis (`ceil(shape / block)`). */
export function blockGridShape(shape: readonly number[], block: readonly number[]): number[] {
  return shape.map((n, i) => Math.ceil(n / (block[i] ?? 1)));
}

/** Region of the block at grid `coords`, clipped to `shape` at the upper edge. */
export function blockRegion(
  coords: readonly number[],
  block: readonly number[],
  shape: readonly number[],
): Region {
  return coords.map((c, i) => {
    const b = block[i] ?? 1;
    return [c * b, Math.min((c + 1) * b, shape[i] ?? 0)] as const;
  });
}

/** Shape (`stop − start` per axis) of a region. */
export function regionShape(region: Region): number[] {
  return region.map(([a, b]) => Math.max(0, b - a));
}

/** Number of elements in a region. */
export function regionSize(region: Region): number {
  return regionShape(region).reduce((p, n) => p * n, 1);
}

/** True when two regions share at least one element. */
export function regionsIntersect(a: Region, b: Region): boolean {
  return a.every(([a0, a1], i) => {
    const [b0, b1] = b[i] ?? [0, 0];
    return Math.max(a0, b0) < Math.min(a1, b1);
  });
}

/**
 * The source region whose elements a target region is computed from: `region · f`, clipped to
 * the source shape. Exactly the inputs of the target region (target element t reads
 * `[t·f, min((t+1)·f, n))`).
 */
export function sourceRegion(
  target: Region,
  factors: readonly number[],
  sourceShape: readonly number[],
): Region {
  return target.map(([a, b], i) => {
    const f = factors[i] ?? 1;
    const n = sourceShape[i] ?? 0;
    return [Math.min(a * f, n), Math.min(b * f, n)] as const;
  });
}

/**
 * The target region whose inputs intersect a written source region: the written region clipped
 * to the source shape, then `[floor(a/f), ceil(b/f))`. Empty (some axis with start = stop) when
 * the written region is empty or outside the source.
 */
export function affectedTargetRegion(
  written: Region,
  factors: readonly number[],
  sourceShape: readonly number[],
): Region {
  return written.map(([a, b], i) => {
    const f = factors[i] ?? 1;
    const n = sourceShape[i] ?? 0;
    const lo = Math.min(Math.max(0, a), n);
    const hi = Math.max(lo, Math.min(b, n));
    return [Math.floor(lo / f), hi === lo ? Math.floor(lo / f) : Math.ceil(hi / f)] as const;
  });
}

/**
 * Grid coordinates (C order) of the target blocks whose source region intersects `written`:
 * exactly the blocks a live pyramid must recompute after `written` changed in the source level
 * (of shape `sourceShape`; the target level is `downsampleShape(sourceShape, factors)` with
 * blocks of shape `block`).
 */
export function affectedTargets(
  written: Region,
  factors: readonly number[],
  sourceShape: readonly number[],
  block: readonly number[],
): number[][] {
  const region = affectedTargetRegion(written, factors, sourceShape);
  const ranges = region.map(([a, b], i) => {
    const s = block[i] ?? 1;
    return b <= a ? ([0, 0] as const) : ([Math.floor(a / s), Math.ceil(b / s)] as const);
  });
  return boxCoords(ranges);
}

/**
 * Tasks of one target level: every block of the level's block grid exactly once, grouped into
 * boxes (see {@link TaskPlanOptions.minTaskBytes}). The tasks' regions tile the level without
 * overlap. A level with a zero-length axis has no tasks.
 */
export function planTasks(
  targetShape: readonly number[],
  block: readonly number[],
  opts: TaskPlanOptions = {},
): PlannedTask[] {
  const grid = blockGridShape(targetShape, block);
  if (grid.some((g) => g === 0)) return [];
  const blockSourceBytes =
    block.reduce((p, b, i) => p * Math.min(b, targetShape[i] ?? b) * (opts.factors?.[i] ?? 1), 1) *
    (opts.bytesPerElement ?? 1);
  const want = Math.max(1, Math.ceil((opts.minTaskBytes ?? 0) / Math.max(1, blockSourceBytes)));
  const run = groupRuns(grid, want);
  const perAxis = grid.map((g, i) => splitEvenly(g, run[i] ?? 1));
  return boxCoords(perAxis.map((parts) => [0, parts.length] as const)).map((box) => {
    const ranges = box.map((j, i) => perAxis[i]![j]!);
    const first = ranges.map(([a]) => a);
    const last = ranges.map(([, b]) => b - 1);
    const lo = blockRegion(first, block, targetShape);
    const hi = blockRegion(last, block, targetShape);
    return {
      blocks: boxCoords(ranges),
      region: lo.map(([a], i) => [a, hi[i]![1]] as const),
    };
  });
}

/** Blocks per task along each axis: whole trailing axes while they fit in `want`, then a run. */
function groupRuns(grid: readonly number[], want: number): number[] {
  const run = grid.map(() => 1);
  let left = want;
  for (let i = grid.length - 1; i >= 0 && left > 1; i--) {
    const g = grid[i]!;
    if (g <= left) {
      run[i] = g;
      left = Math.floor(left / g);
    } else {
      run[i] = left;
      left = 1;
    }
  }
  return run;
}

/** `[0, n)` split into ceil(n/r) consecutive ranges of as equal size as possible (≤ r each). */
function splitEvenly(n: number, r: number): [number, number][] {
  const m = Math.ceil(n / r);
  const out: [number, number][] = [];
  for (let j = 0; j < m; j++) out.push([Math.floor((j * n) / m), Math.floor(((j + 1) * n) / m)]);
  return out;
}

/** All integer coordinates of a box given as `[start, stop)` per axis, in C order. */
function boxCoords(ranges: readonly (readonly [number, number])[]): number[][] {
  if (ranges.some(([a, b]) => b <= a)) return [];
  const out: number[][] = [];
  const cur = ranges.map(([a]) => a);
  for (;;) {
    out.push([...cur]);
    let i = ranges.length - 1;
    for (; i >= 0; i--) {
      cur[i]!++;
      if (cur[i]! < ranges[i]![1]) break;
      cur[i] = ranges[i]![0];
    }
    if (i < 0) return out;
  }
}
