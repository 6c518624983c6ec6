/**
 * Branch-free min / max. Noisy image data makes `a < b ? a : b` and `Math.min` mispredict about
 * half the time (measured 0.6–0.7 GB/s against 3.3–3.5 GB/s for the arithmetic forms on a 2×2
 * uint16 min), so the hot kernels compare through arithmetic.
 */

/**
 * min of two integers whose difference fits in int32 (any values of at most 16 bits): the
 * mask `t >> 31` is all ones exactly when a < b.
 */
export function minSmall(a: number, b: number): number {
  const t = a - b;
  return b + (t & (t >> 31));
}

/** max of two integers whose difference fits in int32, see `minSmall`. */
export function maxSmall(a: number, b: number): number {
  const t = a - b;
  return a - (t & (t >> 31));
}

/**
 * min of two int32 values (order keys of 4-byte types). Their difference does not fit in int32,
 * but (a + b − |a − b|) / 2 is exact in float64 for any int32 pair, and `Math.abs` compiles to
 * a branch-free instruction.
 */
export function minKey(a: number, b: number): number {
  return (a + b - Math.abs(a - b)) * 0.5;
}

/** max of two int32 values, see `minKey`. */
export function maxKey(a: number, b: number): number {
  return (a + b + Math.abs(a - b)) * 0.5;
}

/**
 * 1 if a === b else 0, for two int32 values (or any integers whose difference is below 2^32 in
 * magnitude): `(a − b) | 0` is 0 only when a === b, and `t | −t` has its sign bit set exactly
 * when t !== 0.
 */
export function eqInt(a: number, b: number): number {
  const t = (a - b) | 0;
  return ((t | -t) >>> 31) ^ 1;
}
