/**
 * Pure region and chunk-grid arithmetic, and the box copy kernel used to move data between
 * C-order buffers of different shapes. No I/O.
 */
import { ShapeMismatchError } from "../errors.js";
import type { AnyTypedArray, Region } from "./types.js";

/** A mutable region. */
export type Box = [number, number][];

/** The shape of a region. */
export function regionShape(region: Region): number[] {
  return region.map(([a, b]) => b - a);
}

/**
 * Check that `region` is a box inside `shape` (integers, `0 <= start <= stop <= shape`).
 * @throws {ShapeMismatchError} otherwise.
 */
export function assertRegion(region: Region, shape: readonly number[]): void {
  const fail = (why: string) =>
    new ShapeMismatchError(
      shape,
      Array.isArray(region)
        ? region.map((r) => (Array.isArray(r) ? r[1] - r[0] : Number.NaN))
        : "not a region",
      `region ${JSON.stringify(region)} does not fit array shape [${shape.join(", ")}]: ${why}`,
    );
  if (!Array.isArray(region) || region.length !== shape.length) {
    throw fail(`expected ${shape.length} [start, stop) pairs`);
  }
  region.forEach((r, i) => {
    if (!Array.isArray(r) || r.length !== 2) throw fail(`axis ${i} is not a [start, stop) pair`);
    const [a, b] = r;
    if (!Number.isSafeInteger(a) || !Number.isSafeInteger(b) || a < 0 || b < a || b > shape[i]!) {
      throw fail(`axis ${i} needs integers 0 <= start <= stop <= ${shape[i]}`);
    }
  });
}

/** Number of blocks per axis: `ceil(shape / block)`. */
export function gridShape(shape: readonly number[], block: readonly number[]): number[] {
  return shape.map((s, i) => Math.ceil(s / block[i]!));
}

/** The region of block `coords`, clipped to `shape`. */
export function blockBox(
  coords: readonly number[],
  block: readonly number[],
  shape: readonly number[],
): Box {
  return coords.map((c, i) => [c * block[i]!, Math.min((c + 1) * block[i]!, shape[i]!)]);
}

/** Intersection of two regions, or undefined when it is empty. */
export function intersect(a: Region, b: Region): Box | undefined {
  const out: Box = [];
  for (let i = 0; i < a.length; i++) {
    const lo = Math.max(a[i]![0], b[i]![0]);
    const hi = Math.min(a[i]![1], b[i]![1]);
    if (hi <= lo) return undefined;
    out.push([lo, hi]);
  }
  return out;
}

/** True when two regions are equal. */
export function sameRegion(a: Region, b: Region): boolean {
  return a.length === b.length && a.every((r, i) => r[0] === b[i]![0] && r[1] === b[i]![1]);
}

/** Coordinates of every block of size `block` overlapping `region`, in C order (lazy). */
export function* blocksInRegion(region: Region, block: readonly number[]): Generator<number[]> {
  if (region.some(([a, b]) => b <= a)) return;
  const lo = region.map(([a], i) => Math.floor(a / block[i]!));
  const hi = region.map(([, b], i) => Math.ceil(b / block[i]!));
  if (lo.some((l, i) => l >= hi[i]!)) return;
  const c = [...lo];
  for (;;) {
    yield [...c];
    let k = c.length - 1;
    while (k >= 0) {
      c[k]!++;
      if (c[k]! < hi[k]!) break;
      c[k] = lo[k]!;
      k--;
    }
    if (k < 0) return;
  }
}

/**
 * Coordinates of every block overlapping `region`, with the last axis slowest: consecutive
 * blocks differ in a leading axis, so their store keys lie in different directories (lazy).
 */
export function* blocksAcrossDirs(region: Region, block: readonly number[]): Generator<number[]> {
  const nd = region.length;
  if (nd < 2) {
    yield* blocksInRegion(region, block);
    return;
  }
  // Rotate the last axis to the front, iterate in C order, rotate back.
  const rot = [region[nd - 1]!, ...region.slice(0, nd - 1)];
  const rotBlock = [block[nd - 1]!, ...block.slice(0, nd - 1)];
  for (const c of blocksInRegion(rot, rotBlock)) {
    const last = c.shift()!;
    c.push(last);
    yield c;
  }
}

/** C-order strides (in elements) of `shape`. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i]!;
  }
  return s;
}

/**
 * Offset (in elements) of the box `start`/`size` inside a C-order array of `shape` when the box is
 * one contiguous run there, else -1. A box is contiguous when, below its first axis of size > 1,
 * every axis is whole.
 */
export function contiguousOffset(
  shape: readonly number[],
  start: readonly number[],
  size: readonly number[],
): number {
  const nd = shape.length;
  let k = 0;
  while (k < nd - 1 && size[k] === 1) k++;
  for (let i = k + 1; i < nd; i++) if (start[i] !== 0 || size[i] !== shape[i]) return -1;
  const strides = stridesOf(shape);
  let off = 0;
  for (let i = 0; i < nd; i++) off += start[i]! * strides[i]!;
  return off;
}

type Settable = {
  set(a: ArrayLike<number>, offset: number): void;
  subarray(a: number, b: number): ArrayLike<number>;
};

/**
 * Copy a box of `size` from `src` (C-order, `srcShape`, box starting at `srcStart`) into `dst`
 * (C-order, `dstShape`, at `dstStart`). Both arrays must be of the same typed-array kind.
 * Contiguous runs along the last axes are copied with one `set` each.
 */
export function copyBox(
  src: AnyTypedArray,
  srcShape: readonly number[],
  srcStart: readonly number[],
  dst: AnyTypedArray,
  dstShape: readonly number[],
  dstStart: readonly number[],
  size: readonly number[],
): void {
  const nd = size.length;
  if (size.some((s) => s <= 0)) return;
  const ss = stridesOf(srcShape);
  const ds = stridesOf(dstShape);
  // Merge trailing axes that are whole in both arrays into one long run.
  let last = nd - 1;
  let run = size[last]!;
  while (last > 0 && size[last] === srcShape[last] && size[last] === dstShape[last]) {
    last--;
    run *= size[last]!;
  }
  let s = 0;
  let d = 0;
  for (let i = 0; i < nd; i++) {
    s += srcStart[i]! * ss[i]!;
    d += dstStart[i]! * ds[i]!;
  }
  const S = src as unknown as Settable;
  const D = dst as unknown as Settable;
  if (last === 0) {
    D.set(S.subarray(s, s + run), d);
    return;
  }
  const idx = new Array<number>(last).fill(0);
  for (;;) {
    D.set(S.subarray(s, s + run), d);
    let k = last - 1;
    while (k >= 0) {
      idx[k]!++;
      s += ss[k]!;
      d += ds[k]!;
      if (idx[k]! < size[k]!) break;
      s -= size[k]! * ss[k]!;
      d -= size[k]! * ds[k]!;
      idx[k] = 0;
      k--;
    }
    if (k < 0) return;
  }
}

/** Fill a box of `size` at `start` in `dst` (C-order, `shape`) with `value`. */
export function fillBox(
  dst: AnyTypedArray,
  shape: readonly number[],
  start: readonly number[],
  size: readonly number[],
  value: number | bigint,
): void {
  const nd = size.length;
  if (size.some((s) => s <= 0)) return;
  const ds = stridesOf(shape);
  let last = nd - 1;
  let run = size[last]!;
  while (last > 0 && size[last] === shape[last]) {
    last--;
    run *= size[last]!;
  }
  let d = 0;
  for (let i = 0; i < nd; i++) d += start[i]! * ds[i]!;
  const D = dst as unknown as { fill(v: number | bigint, a: number, b: number): void };
  const idx = new Array<number>(last).fill(0);
  for (;;) {
    D.fill(value, d, d + run);
    let k = last - 1;
    while (k >= 0) {
      idx[k]!++;
      d += ds[k]!;
      if (idx[k]! < size[k]!) break;
      d -= size[k]! * ds[k]!;
      idx[k] = 0;
      k--;
    }
    if (k < 0) return;
  }
}

/** True when every element of `a` equals `v` (NaN equals NaN). */
export function allEqual(a: AnyTypedArray, v: number | bigint): boolean {
  const n = a.length;
  if (typeof v === "number" && Number.isNaN(v)) {
    const f = a as Float32Array;
    for (let i = 0; i < n; i++) if (!Number.isNaN(f[i]!)) return false;
    return true;
  }
  const x = a as unknown as ArrayLike<number | bigint>;
  for (let i = 0; i < n; i++) if (x[i] !== v) return false;
  return true;
}
