/**
 * Geometry of a stream (or a fused in-memory pyramid): the levels' leading shapes, planes and
 * blocks, the per-level downsampling step, and the arithmetic of frames, slabs, groups and steps.
 * Pure: no I/O.
 *
 * Vocabulary. A *frame* is one plane over the last two axes (y, x) at level 0, named by its
 * *leading coordinates* (every axis but the last two). A *slab* of level k is the set of planes
 * of one block (chunk, or shard when sharded) along the leading axes: all its y/x blocks are
 * encoded and written together, once, when every plane of it is present. A *group* of level k is
 * the set of level-k planes one level-(k+1) plane is computed from (several planes along a
 * downsampled leading axis such as z, else one). A *step* is one block along the append axis:
 * the append axis is never downsampled, so a step covers the same frames at every level, and
 * everything of a step at every level is computed from the frames of that step alone.
 */
import { planLevels } from "../engine/plan.js";
import type { DataType } from "../store/types.js";

/** What a stream's geometry is made from. */
export interface GeometryInput {
  dtype: DataType;
  /**
   * Level-0 shape; the append axis' entry is its cap (a finite maximum, or `Infinity` for an
   * open-ended stream).
   */
  shape: readonly number[];
  appendAxis: number;
  chunks: readonly number[];
  shards: readonly number[] | undefined;
  /** Number of levels, level 0 included. */
  levels: number;
  /** Downsampling factor per axis from one level to the next (1 on the append axis). */
  factors: readonly number[];
}

/** One level's geometry. */
export interface LevelGeometry {
  /** Leading shape (append axis: its cap, possibly `Infinity`). */
  lead: number[];
  /** Plane shape `[y, x]`. */
  plane: [number, number];
  /** Chunk shape of the array (all axes). */
  chunks: number[];
  /** Shard shape, or undefined when not sharded. */
  shards: number[] | undefined;
  /** Block (shard, else chunk) shape along the leading axes. */
  leadBlock: number[];
  /** Block grid along the plane axes `[rows, cols]` of blocks. */
  planeGrid: [number, number];
}

/** Geometry of a stream: see the module comment. */
export interface StreamGeometry {
  dtype: DataType;
  ndim: number;
  appendAxis: number;
  /** The append axis' cap (finite maximum, or `Infinity`). */
  cap: number;
  levels: LevelGeometry[];
  /** Factor per axis from level k to k+1 (the same for every k). */
  factors: number[];
  /** Block length along the append axis: one step (the same at every level). */
  stepLength: number;
}

/**
 * The append axis' extent the level layouts are planned with: the cap when finite, else the
 * block length along it (so that level chunks are never clipped along the append axis).
 */
function planningExtent(input: GeometryInput): number {
  const a = input.appendAxis;
  if (Number.isFinite(input.shape[a]!)) return input.shape[a]!;
  return Math.max(input.chunks[a]!, input.shards?.[a] ?? 0);
}

/** Build the geometry (inputs already checked). */
export function streamGeometry(input: GeometryInput): StreamGeometry {
  const a = input.appendAxis;
  const nd = input.shape.length;
  const planShape = input.shape.map((n, i) => (i === a ? planningExtent(input) : n));
  const layouts = planLevels(
    {
      shape: planShape,
      chunks: input.chunks,
      ...(input.shards === undefined ? {} : { shards: input.shards }),
    },
    Array.from({ length: input.levels - 1 }, () => input.factors),
  );
  const cap = input.shape[a]!;
  const levels = layouts.map((l): LevelGeometry => {
    const block = l.shards ?? l.chunks;
    const lead = l.shape
      .slice(0, nd - 2)
      .map((n, i) => (i === a && !Number.isFinite(cap) ? cap : n));
    const plane: [number, number] = [l.shape[nd - 2]!, l.shape[nd - 1]!];
    return {
      lead,
      plane,
      chunks: l.chunks,
      shards: l.shards,
      leadBlock: block.slice(0, nd - 2),
      planeGrid: [Math.ceil(plane[0] / block[nd - 2]!), Math.ceil(plane[1] / block[nd - 1]!)],
    };
  });
  return {
    dtype: input.dtype,
    ndim: nd,
    appendAxis: a,
    cap,
    levels,
    factors: [...input.factors],
    stepLength: levels[0]!.leadBlock[a]!,
  };
}

/** Elements of one plane of level `k`. */
export function planeSize(g: StreamGeometry, k: number): number {
  const [y, x] = g.levels[k]!.plane;
  return y * x;
}

/** `[start, stop)` per leading axis of a box of planes. */
export type LeadBox = [number, number][];

/** The slab of level `k` holding the plane at leading coordinates `p`: its box. */
export function slabBox(g: StreamGeometry, k: number, p: readonly number[]): LeadBox {
  const l = g.levels[k]!;
  return p.map((c, i) => {
    const b = l.leadBlock[i]!;
    const s = Math.floor(c / b) * b;
    return [s, Math.min(s + b, l.lead[i]!)];
  });
}

/** The group of level `k` (source of one level-(k+1) plane) holding the plane at `p`. */
export function groupBox(g: StreamGeometry, k: number, p: readonly number[]): LeadBox {
  const l = g.levels[k]!;
  return p.map((c, i) => {
    const f = g.factors[i]!;
    const s = Math.floor(c / f) * f;
    return [s, Math.min(s + f, l.lead[i]!)];
  });
}

/** Number of planes in a box. */
export function boxPlanes(box: LeadBox): number {
  let n = 1;
  for (const [a, b] of box) n *= b - a;
  return n;
}

/** Index (C order) of the plane at `p` inside `box`. */
export function planeIndexIn(box: LeadBox, p: readonly number[]): number {
  let idx = 0;
  for (let i = 0; i < box.length; i++) idx = idx * (box[i]![1] - box[i]![0]) + (p[i]! - box[i]![0]);
  return idx;
}

/** A stable string key of leading coordinates. */
export function keyOf(p: readonly number[]): string {
  return p.join(",");
}

/** The step (block index along the append axis) of leading coordinates `p`. */
export function stepOf(g: StreamGeometry, p: readonly number[]): number {
  return Math.floor(p[g.appendAxis]! / g.stepLength);
}

/**
 * Slabs per step at level `k`: the product of the block grid along the leading axes other than
 * the append axis.
 */
export function slabsPerStep(g: StreamGeometry, k: number): number {
  const l = g.levels[k]!;
  let n = 1;
  l.lead.forEach((s, i) => {
    if (i !== g.appendAxis) n *= Math.ceil(s / l.leadBlock[i]!);
  });
  return n;
}

/** Frames (level-0 planes) of a full step: its length times the other leading axes. */
export function framesPerStep(g: StreamGeometry, stepLen: number = g.stepLength): number {
  let n = stepLen;
  g.levels[0]!.lead.forEach((s, i) => {
    if (i !== g.appendAxis) n *= s;
  });
  return n;
}

/** Leading coordinates of linear frame number `i` (C order over the leading axes). */
export function frameCoords(g: StreamGeometry, i: number): number[] {
  const lead = g.levels[0]!.lead;
  const out = new Array<number>(lead.length).fill(0);
  let rest = i;
  for (let ax = lead.length - 1; ax >= 0; ax--) {
    if (ax === 0) {
      out[0] = rest;
      break;
    }
    const n = lead[ax]!;
    out[ax] = rest % n;
    rest = Math.floor(rest / n);
  }
  return out;
}

/** Linear frame number of leading coordinates `p` (the inverse of {@link frameCoords}). */
export function frameNumber(g: StreamGeometry, p: readonly number[]): number {
  const lead = g.levels[0]!.lead;
  let idx = 0;
  for (let ax = 0; ax < lead.length; ax++) idx = ax === 0 ? p[0]! : idx * lead[ax]! + p[ax]!;
  return idx;
}
