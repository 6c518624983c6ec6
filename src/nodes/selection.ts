/**
 * Array selections of the node API, resolved to a store region.
 *
 * Per axis: an integer (that index; the axis is dropped from the result, as in NumPy), a
 * `[start, stop]` half-open range (the axis is kept), or `null` for the whole axis. Missing
 * trailing axes mean "all". Negative integers and range bounds count from the end, as in
 * Python (`-1` is the last index). Range bounds are clamped to the axis like Python slices;
 * an integer outside the axis is an error.
 */
import { ShapeMismatchError } from "../errors.js";

/** One axis of a selection. */
export type AxisSelection = number | readonly [start: number, stop: number] | null;
/** A selection: one entry per leading axis; missing trailing axes select everything. */
export type Selection = readonly AxisSelection[];

/** A selection resolved against a shape. */
export interface ResolvedSelection {
  /** The box read or written, `[start, stop)` per axis. */
  region: [number, number][];
  /** Shape of the box (every axis). */
  regionShape: number[];
  /** Shape of the result: the box without the integer-indexed axes. */
  resultShape: number[];
}

function fail(shape: readonly number[], sel: unknown, why: string): never {
  throw new ShapeMismatchError(
    [...shape],
    JSON.stringify(sel),
    `invalid selection ${JSON.stringify(sel)} for shape ${JSON.stringify(shape)}: ${why}`,
  );
}

/**
 * Resolve `selection` against `shape`.
 * @throws {ShapeMismatchError} for more entries than axes, non-integers, or an integer index
 * outside its axis.
 */
export function resolveSelection(
  shape: readonly number[],
  selection: Selection = [],
): ResolvedSelection {
  if (!Array.isArray(selection))
    fail(shape, selection, "a selection is an array with one entry per axis");
  if (selection.length > shape.length)
    fail(shape, selection, `${selection.length} entries for ${shape.length} axes`);
  const region: [number, number][] = [];
  const regionShape: number[] = [];
  const resultShape: number[] = [];
  shape.forEach((n, ax) => {
    const s = selection[ax];
    if (s === undefined || s === null) {
      region.push([0, n]);
      regionShape.push(n);
      resultShape.push(n);
      return;
    }
    if (typeof s === "number") {
      if (!Number.isInteger(s)) fail(shape, selection, `axis ${ax}: index ${s} is not an integer`);
      const i = s < 0 ? s + n : s;
      if (i < 0 || i >= n)
        fail(shape, selection, `axis ${ax}: index ${s} is outside [${-n}, ${n})`);
      region.push([i, i + 1]);
      regionShape.push(1);
      return;
    }
    if (!Array.isArray(s) || s.length !== 2)
      fail(shape, selection, `axis ${ax}: expected an integer, [start, stop] or null`);
    const [a, b] = s as unknown as readonly [number, number];
    if (!Number.isInteger(a) || !Number.isInteger(b))
      fail(shape, selection, `axis ${ax}: range bounds must be integers`);
    const clamp = (v: number) => Math.min(Math.max(v < 0 ? v + n : v, 0), n);
    const start = clamp(a);
    const stop = Math.max(clamp(b), start);
    region.push([start, stop]);
    regionShape.push(stop - start);
    resultShape.push(stop - start);
  });
  return { region, regionShape, resultShape };
}

/** Shapes equal after dropping every axis of length 1 (so `(1, 4, 5)` fits `(4, 5)`). */
export function squeezedEqual(a: readonly number[], b: readonly number[]): boolean {
  const sa = a.filter((s) => s !== 1);
  const sb = b.filter((s) => s !== 1);
  return sa.length === sb.length && sa.every((s, i) => s === sb[i]);
}
