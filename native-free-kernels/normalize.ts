/**
 * Axis collapsing: rewrites (shape, factors) into the fewest axes that downsample identically,
 * so that a 5-D TCZYX block with factors [1, 1, 1, 2, 2] runs the same loops as a 2-D 2×2.
 */

/** A C-order block geometry after collapsing; `shape.length === factors.length >= 1`. */
export interface Geometry {
  readonly shape: readonly number[];
  readonly factors: readonly number[];
}

/**
 * Collapses axes without changing the result or the C order of elements within a block:
 * - an axis of size 1 is dropped (its only block is the element at index 0);
 * - a factor larger than the axis is clamped to the axis size (one block, in-bounds only);
 * - adjacent axes that both have factor 1 merge into one;
 * - an axis reduced in full (factor === size) merges into the axis before it: the block of
 *   [a, b] with factors [fa, b] is the contiguous run of fa·b elements of [a·b] with factor fa·b,
 *   and the partial block at the upper edge stays exactly its in-bounds rows.
 * Every size must be >= 1 (the caller handles empty arrays). Returns at least one axis.
 */
export function normalizeGeometry(shape: readonly number[], factors: readonly number[]): Geometry {
  const s: number[] = [];
  const f: number[] = [];
  for (let a = 0; a < shape.length; a++) {
    const n = shape[a]!;
    if (n === 1) continue;
    const k = Math.min(factors[a]!, n);
    const last = s.length - 1;
    if (last >= 0 && k === 1 && f[last] === 1) {
      s[last] = s[last]! * n;
    } else if (last >= 0 && k === n) {
      s[last] = s[last]! * n;
      f[last] = f[last]! * n;
    } else {
      s.push(n);
      f.push(k);
    }
  }
  if (s.length === 0) return { shape: [1], factors: [1] };
  return { shape: s, factors: f };
}
