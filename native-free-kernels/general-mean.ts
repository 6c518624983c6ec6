/**
 * General n-d mean over in-bounds block elements, any shape and factors.
 * - Integers of at most 32 bits: the sum is a float64, exact while it stays below 2^53. Each
 *   element has |x| <= 2^32, so 2^21 elements always sum exactly; longer blocks are summed in
 *   runs of 2^21 folded into a BigInt. Rounded to nearest, ties to even.
 * - 64-bit integers: the high and low 32-bit words are summed separately as float64 (exact for
 *   2^21 words), combined in a BigInt once per block, rounded to nearest, ties to even.
 * - Floats: summed in float64 in C order within the block, starting from -0 (so the sum of
 *   -0s is -0, like starting from the first element), divided by the count, then stored (a
 *   Float32Array store rounds to float32). NaN propagates; large float64 sums can overflow to
 *   ±Infinity, as in TensorStore.
 */
import { BlockIterator, type OutputBox } from "./block-iterator.js";
import { HI_WORD, LO_WORD } from "./keys.js";
import type { Geometry } from "./normalize.js";
import { roundHalfEven, roundHalfEvenBig } from "./rounding.js";
import type { SmallIntArray } from "./types.js";

/** Integer arrays whose elements are plain numbers. */
export type Int32OrSmallArray = SmallIntArray | Int32Array | Uint32Array;

const EXACT_RUN = 2 ** 21;

/** Integer mean for types of at most 32 bits. */
export function generalMeanInt(
  src: Int32OrSmallArray,
  out: Int32OrSmallArray,
  geometry: Geometry,
  box?: OutputBox,
): void {
  const it = new BlockIterator(geometry, box);
  const { offsets } = it;
  while (it.next()) {
    const n = it.count;
    if (n <= EXACT_RUN) {
      let s = 0;
      for (let i = 0; i < n; i++) s += src[offsets[i]!]!;
      out[it.outIndex] = roundHalfEven(s, n);
    } else {
      let total = 0n;
      for (let start = 0; start < n; start += EXACT_RUN) {
        const end = Math.min(n, start + EXACT_RUN);
        let s = 0;
        for (let i = start; i < end; i++) s += src[offsets[i]!]!;
        total += BigInt(s);
      }
      out[it.outIndex] = Number(roundHalfEvenBig(total, BigInt(n)));
    }
  }
}

/** Float mean (float32 or float64 input and output). */
export function generalMeanFloat(
  src: Float32Array | Float64Array,
  out: Float32Array | Float64Array,
  geometry: Geometry,
  box?: OutputBox,
): void {
  const it = new BlockIterator(geometry, box);
  const { offsets } = it;
  while (it.next()) {
    const n = it.count;
    let s = -0;
    for (let i = 0; i < n; i++) s += src[offsets[i]!]!;
    out[it.outIndex] = s / n;
  }
}

/**
 * 64-bit integer mean. `words` is an Int32Array view of the source (two words per element);
 * `signed` tells int64 from uint64; `out` is the BigInt64Array / BigUint64Array output.
 */
export function generalMean64(
  words: Int32Array,
  signed: boolean,
  out: BigInt64Array | BigUint64Array,
  geometry: Geometry,
  box?: OutputBox,
): void {
  const it = new BlockIterator(geometry, box);
  const { offsets } = it;
  while (it.next()) {
    const n = it.count;
    let total = 0n;
    for (let start = 0; start < n; start += EXACT_RUN) {
      const end = Math.min(n, start + EXACT_RUN);
      let hiSum = 0;
      let loSum = 0;
      for (let i = start; i < end; i++) {
        const w = 2 * offsets[i]!;
        const hi = words[w + HI_WORD]!;
        hiSum += signed ? hi : hi >>> 0;
        loSum += words[w + LO_WORD]! >>> 0;
      }
      total += (BigInt(hiSum) << 32n) + BigInt(loSum);
    }
    out[it.outIndex] = roundHalfEvenBig(total, BigInt(n));
  }
}
