/**
 * Exact integer division rounded to nearest, ties to even (TensorStore's integer mean).
 */

/**
 * round(s / n), ties to even, for integers |s| < 2^53 and 1 <= n < 2^53. `s / n` in floating
 * point can be off by one after `Math.floor`, so the remainder is computed exactly (q·n and
 * s − q·n stay below 2^53) and q corrected before rounding.
 */
export function roundHalfEven(s: number, n: number): number {
  let q = Math.floor(s / n);
  let r = s - q * n;
  if (r < 0) {
    q -= 1;
    r += n;
  } else if (r >= n) {
    q += 1;
    r -= n;
  }
  const twice = 2 * r;
  if (twice > n || (twice === n && q % 2 !== 0)) q += 1;
  return q;
}

/** round(s / n), ties to even, for any BigInt s and n >= 1n. */
export function roundHalfEvenBig(s: bigint, n: bigint): bigint {
  let q = s / n;
  let r = s - q * n;
  if (r < 0n) {
    q -= 1n;
    r += n;
  }
  const twice = 2n * r;
  if (twice > n || (twice === n && q % 2n !== 0n)) q += 1n;
  return q;
}
