/**
 * General n-d min / max / median / mode for 8-byte types (int64, uint64, float64), any shape
 * and factors. Elements are read as two int32 words through an Int32Array view and compared as
 * pair keys (keys.ts), so no BigInt is created per element and float64 bits come back exactly.
 */
import { BlockIterator, type OutputBox } from "./block-iterator.js";
import type { OrderMethod } from "./general-keyed.js";
import {
  HI_WORD,
  highFromPairKey,
  highPairKey,
  LO_WORD,
  lowFromPairKey,
  lowPairKey,
  type PairKeyParams,
} from "./keys.js";
import type { Geometry } from "./normalize.js";
import { sortPairs } from "./sort.js";

/**
 * Like `generalKeyed32` for 8-byte types: `src` and `out` are Int32Array views holding two
 * words per element.
 */
export function generalPair(
  method: OrderMethod,
  src: Int32Array,
  out: Int32Array,
  params: PairKeyParams,
  geometry: Geometry,
  box?: OutputBox,
): void {
  const it = new BlockIterator(geometry, box);
  const { offsets } = it;
  const { float, hc } = params;
  const kh = new Int32Array(offsets.length);
  const kl = new Int32Array(offsets.length);
  while (it.next()) {
    const n = it.count;
    for (let i = 0; i < n; i++) {
      const w = 2 * offsets[i]!;
      const hi = src[w + HI_WORD]!;
      const lo = src[w + LO_WORD]!;
      kh[i] = highPairKey(hi, lo, float, hc);
      kl[i] = lowPairKey(hi, lo, float);
    }
    let best = 0;
    if (method === "min" || method === "max") {
      const sign = method === "min" ? 1 : -1;
      for (let i = 1; i < n; i++) {
        const d = kh[i] === kh[best] ? kl[i]! - kl[best]! : kh[i]! - kh[best]!;
        if (d * sign < 0) best = i;
      }
    } else {
      sortPairs(kh, kl, n);
      best = method === "median" ? (n - 1) >> 1 : modeIndexOfSortedPairs(kh, kl, n);
    }
    const hk = kh[best]!;
    const o = 2 * it.outIndex;
    out[o + HI_WORD] = highFromPairKey(hk, float, hc);
    out[o + LO_WORD] = lowFromPairKey(hk, kl[best]!, float);
  }
}

function modeIndexOfSortedPairs(kh: Int32Array, kl: Int32Array, n: number): number {
  let best = 0;
  let bestRun = 1;
  let run = 1;
  for (let i = 1; i < n; i++) {
    run = kh[i] === kh[i - 1] && kl[i] === kl[i - 1] ? run + 1 : 1;
    if (run > bestRun) {
      bestRun = run;
      best = i;
    }
  }
  return best;
}
