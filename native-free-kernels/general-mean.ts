/**
 * General n-d mean over in-bounds block elements, any shape and factors.
 * - Integers of at most 32 bits: the sum is a float64, exact while it stays below 2^53. Each
 *   element has |x| <= 2^32, so 2^21 elements always sum exactly; longer blocks are summed in
 *   runs of 2^21 folded into a BigInt. Rounded to nearest, ties to even.
 * - 64-bit integers: the high and low 32-bit words are summed separately as float64 (exact for
 *   2^21 words), combined in a BigInt once per block, rounded to nearest, ties to even.
 * - Floats: TensorStore's rule, see `generalMeanFloat32` below.
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

/*
 * Float mean, exactly as TensorStore's downsample driver computes it (google/tensorstore
 * tensorstore/driver/downsample/downsample_nditerable.cc, at bc4fbc11f69e, 2026-08-04):
 * - L186-194 `MeanAccumulateElement<float32_t>::type = float32_t`, `<float64_t>` = float64_t:
 *   each float type is accumulated in itself (float16/bfloat16 go to float32; not ours).
 * - L270 `Initialize`: `x = AccumulateElement{}`, i.e. +0. So a block of only -0 gives +0
 *   (0.0f + -0.0f = +0), while a block whose every axis has size 1 or factor 1 is not
 *   downsampled at all (L1101 `if (base_size == 1) downsample_factor = 1;`, L1314
 *   `return base;`): `downsample` copies those (stride path), -0 stays -0.
 * - L273 `Accumulate`: `acc += input`, one element at a time (sequential, no pairwise sums).
 * - L279-280, L303, L305 `ComputeOutput`: `acc /= static_cast<float>(total_elements)`, one
 *   division in the accumulate type (count converted to it), then `static_cast<Element>`
 *   (a no-op for float32 and float64). total_elements = the in-bounds elements only.
 * Order of the additions for one output element: GetBlock (L1033-1062) loops over the
 * block's offsets on the outer downsampled iteration dimensions with `AdvanceIndices`
 * (tensorstore/util/iterate.h L225: C order, last index fastest) and, for each, calls
 * ProcessInput (L490-593) on the 2-d block of the two innermost iteration dimensions, which
 * visits each output cell's sources by row offset, then column offset, ascending. Per output
 * cell that is C order of the block over the iteration dimensions. Those are the array's
 * dimensions sorted by stride (tensorstore/internal/nditerable_util.cc L93-98,
 * `GetDimensionOrder`); downsampled dimensions are kept even at extent 1 (L1137
 * kForwardRequired; nditerable_util.cc L72-74), and a size-1 axis contributes nothing. So for C-order data read into a C-order array (zarr v3
 * default, zarr v2 "C") it is C order of the block; a Fortran-order chunk would be summed in
 * Fortran order, which these C-order kernels do not model. A block split across chunks is
 * never summed piecewise: a chunk not aligned to block boundaries is copied into one C-order
 * buffer of the whole request (tensorstore/driver/downsample/downsample.cc L517-542, L929)
 * and the blocks are summed from it once all chunks arrived; an aligned chunk holds whole
 * blocks.
 * Here: float32 rounds every partial sum with `Math.fround` (the double sum of two float32
 * values rounded to float32 is the float32 sum, as 53 >= 2·24 + 2), divides by `fround(count)`
 * and stores into a Float32Array, which rounds the quotient the same way (float32 division).
 * float64 is plain double arithmetic. NaN propagates; sums can overflow to ±Infinity (float32
 * sums at 2^128, far sooner than the old float64 accumulation did), as in TensorStore.
 */

/** Float mean for either float type (`src` and `out` of one type); bench/kernels.bench.ts. */
export function generalMeanFloat(
  src: Float32Array | Float64Array,
  out: Float32Array | Float64Array,
  geometry: Geometry,
  box?: OutputBox,
): void {
  if (src instanceof Float32Array) generalMeanFloat32(src, out as Float32Array, geometry, box);
  else generalMeanFloat64(src, out as Float64Array, geometry, box);
}

/** Float32 mean: float32 accumulation from +0 in C order of the block, one float32 division. */
export function generalMeanFloat32(
  src: Float32Array,
  out: Float32Array,
  geometry: Geometry,
  box?: OutputBox,
): void {
  const it = new BlockIterator(geometry, box);
  const { offsets } = it;
  while (it.next()) {
    const n = it.count;
    let s = 0;
    for (let i = 0; i < n; i++) s = Math.fround(s + src[offsets[i]!]!);
    out[it.outIndex] = s / Math.fround(n);
  }
}

/** Float64 mean: float64 accumulation from +0 in C order of the block, one division. */
export function generalMeanFloat64(
  src: Float64Array,
  out: Float64Array,
  geometry: Geometry,
  box?: OutputBox,
): void {
  const it = new BlockIterator(geometry, box);
  const { offsets } = it;
  while (it.next()) {
    const n = it.count;
    let s = 0;
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
