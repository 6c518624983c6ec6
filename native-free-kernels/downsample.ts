/**
 * The public entry: validates once, collapses axes, then routes each (method, dtype, block
 * shape) to a specialized full-block kernel plus the general kernel on edge blocks, or to the
 * general n-d kernel.
 */
import type { OutputBox } from "./block-iterator.js";
import { edgeBoxes, type FastShape, matchFastShape } from "./blocks.js";
import {
  fastFloat32Mean,
  fastFloat64Mean,
  fastInt32Mean,
  fastKey32,
  fastSmall,
} from "./fast-table.js";
import { generalKeyed32, type OrderMethod } from "./general-keyed.js";
import {
  generalMean64,
  generalMeanFloat32,
  generalMeanFloat64,
  generalMeanInt,
} from "./general-mean.js";
import { generalPair } from "./general-pair.js";
import {
  FLOAT32_KEY32,
  FLOAT64_PAIR,
  IDENTITY_KEY32,
  INT64_PAIR,
  type Key32Params,
  UINT32_KEY32,
  UINT64_PAIR,
} from "./keys.js";
import { type Geometry, normalizeGeometry } from "./normalize.js";
import { strideCopy } from "./stride.js";
import type { DownsampleMethod, KernelArray, KernelDType, SmallIntArray } from "./types.js";
import { DTYPES } from "./types.js";
import { checkArray, checkGeometry, checkNames } from "./validate.js";
import { int32View, uint8View, uint16View } from "./views.js";

/**
 * Output shape of `downsample`: ⌈n/f⌉ per axis.
 * @throws {RangeError} if the lengths differ, a size is not a non-negative integer, or a factor
 *   is not an integer >= 1.
 */
export function downsampledShape(
  srcShape: readonly number[],
  factors: readonly number[],
): number[] {
  return checkGeometry(srcShape, factors);
}

function product(shape: readonly number[]): number {
  let p = 1;
  for (const n of shape) p *= n;
  return p;
}

/**
 * Downsamples a C-order n-d block `src` of shape `srcShape` by integer `factors` (one per axis,
 * >= 1; 1 keeps an axis). Returns `out` if given (it must be the same typed-array type with
 * the output length), else a new array: C order, shape `downsampledShape(srcShape, factors)`.
 * Blocks at the upper edge use only their in-bounds elements. Semantics (TensorStore's):
 * - `stride`: the first element of each block (output p takes input p·f), bits copied exactly;
 * - `mean`: integers rounded to nearest, ties to even, exact for 64-bit too; floats summed in
 *   their own type (float32 in float32, float64 in float64) from +0, one element at a time in
 *   C order of the block, then divided once by the count in that type (see general-mean.ts);
 *   bool mean is mode;
 * - `median`: the lower median (sorted index ⌊(n−1)/2⌋);
 * - `mode`: the most frequent value, ties to the smallest;
 * - `min`, `max`.
 * Floats are ordered as by `TypedArray.prototype.sort`: -0 < +0 and NaN after +Infinity (all
 * NaNs are one value). So min skips NaN unless all are NaN, max is NaN if any is.
 * bool data is a Uint8Array of 0/1. `out` must not overlap `src`. Scratch memory is one
 * float64 per element of a block (factor product), allocated once per call.
 * @throws {TypeError} for an unknown method or dtype, or a `src` / `out` of the wrong array type.
 * @throws {RangeError} for a bad shape or factor, `src.length` ≠ the product of `srcShape`,
 *   or `out.length` ≠ the product of the output shape.
 */
export function downsample(
  method: DownsampleMethod,
  dtype: KernelDType,
  src: KernelArray,
  srcShape: readonly number[],
  factors: readonly number[],
  out?: KernelArray,
): KernelArray {
  checkNames(method, dtype);
  const outShape = checkGeometry(srcShape, factors);
  const outLength = product(outShape);
  checkArray("src", src, dtype, product(srcShape), `[${srcShape.join(", ")}]`);
  const info = DTYPES[dtype];
  let result: KernelArray;
  if (out === undefined) {
    result = info.create(outLength);
  } else {
    checkArray("out", out, dtype, outLength, `[${outShape.join(", ")}]`);
    result = out;
  }
  if (outLength === 0) return result;
  const geometry = normalizeGeometry(srcShape, factors);
  const m: DownsampleMethod = method === "mean" && dtype === "bool" ? "mode" : method;
  if (m === "stride" || geometry.factors.every((f) => f === 1)) {
    runStride(src, result, geometry, info.bytes);
  } else if (m === "mean") {
    runMean(dtype, src, result, geometry);
  } else {
    runOrder(m, dtype, src, result, geometry);
  }
  return result;
}

function runStride(src: KernelArray, out: KernelArray, g: Geometry, bytes: number): void {
  if (bytes === 1) strideCopy(uint8View(src), uint8View(out), g, 1);
  else if (bytes === 2) strideCopy(uint16View(src), uint16View(out), g, 1);
  else strideCopy(int32View(src), int32View(out), g, bytes === 8 ? 2 : 1);
}

/** Runs `fast` on the full blocks and `general` on each edge box, or `general` everywhere. */
function split(
  g: Geometry,
  fast: ((s: FastShape) => boolean) | undefined,
  general: (box?: OutputBox) => void,
): void {
  const shape = fast === undefined ? undefined : matchFastShape(g);
  if (shape === undefined || fast === undefined || !fast(shape)) {
    general();
    return;
  }
  for (const box of edgeBoxes(shape, g.shape.length)) general(box);
}

function runMean(dtype: KernelDType, src: KernelArray, out: KernelArray, g: Geometry): void {
  const { bytes, kind } = DTYPES[dtype];
  if (dtype === "float32") {
    const s = src as Float32Array;
    const o = out as Float32Array;
    split(
      g,
      (shape) => fastFloat32Mean(shape, s, o),
      (box) => generalMeanFloat32(s, o, g, box),
    );
  } else if (kind === "float") {
    const s = src as Float64Array;
    const o = out as Float64Array;
    split(
      g,
      (shape) => fastFloat64Mean(shape, s, o),
      (box) => generalMeanFloat64(s, o, g, box),
    );
  } else if (bytes === 8) {
    generalMean64(int32View(src), kind === "int", out as BigInt64Array | BigUint64Array, g);
  } else if (bytes <= 2) {
    const s = src as SmallIntArray;
    const o = out as SmallIntArray;
    split(
      g,
      (shape) => fastSmall("mean", shape, s, o),
      (box) => generalMeanInt(s, o, g, box),
    );
  } else {
    const s = src as Int32Array | Uint32Array;
    const o = out as Int32Array | Uint32Array;
    split(
      g,
      (shape) => fastInt32Mean(shape, s, o),
      (box) => generalMeanInt(s, o, g, box),
    );
  }
}

const KEY32: Partial<Record<KernelDType, Key32Params>> = {
  int32: IDENTITY_KEY32,
  uint32: UINT32_KEY32,
  float32: FLOAT32_KEY32,
};

function runOrder(
  m: OrderMethod,
  dtype: KernelDType,
  src: KernelArray,
  out: KernelArray,
  g: Geometry,
): void {
  const { bytes } = DTYPES[dtype];
  if (bytes <= 2) {
    const s = src as SmallIntArray;
    const o = out as SmallIntArray;
    split(
      g,
      (shape) => fastSmall(m, shape, s, o),
      (box) => generalKeyed32(m, s, o, IDENTITY_KEY32, g, box),
    );
  } else if (bytes === 4) {
    const s = int32View(src);
    const o = int32View(out);
    const params = KEY32[dtype]!;
    split(
      g,
      (shape) => fastKey32(m, shape, s, o, params),
      (box) => generalKeyed32(m, s, o, params, g, box),
    );
  } else {
    const params =
      dtype === "float64" ? FLOAT64_PAIR : dtype === "int64" ? INT64_PAIR : UINT64_PAIR;
    generalPair(m, int32View(src), int32View(out), params, g);
  }
}
