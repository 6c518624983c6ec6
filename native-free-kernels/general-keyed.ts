/**
 * General n-d min / max / median / mode for types of at most 4 bytes, any shape and factors:
 * each block's in-bounds elements are gathered as order keys (see keys.ts) into a scratch
 * buffer, then reduced. Correct everywhere; the specialized 2×2 / 2×2×2 kernels are faster.
 */
import { BlockIterator, type OutputBox } from "./block-iterator.js";
import { fromKey32, type Key32Params, toKey32 } from "./keys.js";
import type { Geometry } from "./normalize.js";
import { sortKeys } from "./sort.js";
import type { SmallIntArray } from "./types.js";

/** Arrays order statistics read keys from: small integers, or 4-byte types viewed as int32. */
export type Key32Array = SmallIntArray | Int32Array;

/** Order-statistic methods. */
export type OrderMethod = "min" | "max" | "median" | "mode";

/**
 * Writes min / max / lower median / mode (ties to the smallest) of every block of `src` whose
 * output element lies in `box` (default: all) to `out`. `src` and `out` are either the
 * arrays themselves (types of ≤ 2 bytes, `IDENTITY_KEY32`) or Int32Array views of 4-byte
 * types with their key parameters.
 */
export function generalKeyed32(
  method: OrderMethod,
  src: Key32Array,
  out: Key32Array,
  params: Key32Params,
  geometry: Geometry,
  box?: OutputBox,
): void {
  const it = new BlockIterator(geometry, box);
  const { offsets } = it;
  const { a, c, n: nanLimit } = params;
  const keys = new Int32Array(offsets.length);
  while (it.next()) {
    const n = it.count;
    let r = toKey32(src[offsets[0]!]!, a, c, nanLimit);
    if (method === "min") {
      for (let i = 1; i < n; i++) {
        const k = toKey32(src[offsets[i]!]!, a, c, nanLimit);
        if (k < r) r = k;
      }
    } else if (method === "max") {
      for (let i = 1; i < n; i++) {
        const k = toKey32(src[offsets[i]!]!, a, c, nanLimit);
        if (k > r) r = k;
      }
    } else {
      for (let i = 0; i < n; i++) keys[i] = toKey32(src[offsets[i]!]!, a, c, nanLimit);
      sortKeys(keys, n);
      r = method === "median" ? keys[(n - 1) >> 1]! : modeOfSorted(keys, n);
    }
    out[it.outIndex] = fromKey32(r, a, c);
  }
}

/** Most frequent key of sorted keys[0..n); ties go to the smallest (first) run. */
export function modeOfSorted(keys: Int32Array, n: number): number {
  let best = keys[0]!;
  let bestRun = 1;
  let run = 1;
  for (let i = 1; i < n; i++) {
    run = keys[i] === keys[i - 1] ? run + 1 : 1;
    if (run > bestRun) {
      bestRun = run;
      best = keys[i]!;
    }
  }
  return best;
}
