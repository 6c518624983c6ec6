/**
 * Which specialized full-block kernel serves a (method, class of dtype, block shape); each
 * runner returns false when there is none and the general kernel must do all the work.
 */
import type { FastShape } from "./blocks.js";
import { type Key2x2, max2x2Key, median2x2Key, min2x2Key, mode2x2Key } from "./fast-2x2-key32.js";
import {
  type Kernel2x2,
  max2x2Small,
  mean2x2Small,
  median2x2Small,
  min2x2Small,
  mode2x2Small,
} from "./fast-2x2-small.js";
import {
  type Key2x2x2,
  max2x2x2Key,
  median2x2x2Key,
  min2x2x2Key,
  mode2x2x2Key,
} from "./fast-2x2x2-key32.js";
import {
  type Kernel2x2x2,
  max2x2x2Small,
  mean2x2x2Small,
  median2x2x2Small,
  min2x2x2Small,
  mode2x2x2Small,
} from "./fast-2x2x2-small.js";
import { mean2x2Float, mean2x2x2Float } from "./fast-float-mean.js";
import type { OrderMethod } from "./general-keyed.js";
import type { Key32Params } from "./keys.js";
import type { SmallIntArray } from "./types.js";

type SmallMethod = OrderMethod | "mean";

const SMALL_2X2: Record<SmallMethod, Kernel2x2<SmallIntArray>> = {
  mean: mean2x2Small,
  min: min2x2Small,
  max: max2x2Small,
  median: median2x2Small,
  mode: mode2x2Small,
};

const SMALL_2X2X2: Record<SmallMethod, Kernel2x2x2<SmallIntArray>> = {
  mean: mean2x2x2Small,
  min: min2x2x2Small,
  max: max2x2x2Small,
  median: median2x2x2Small,
  mode: mode2x2x2Small,
};

const KEY_2X2: Record<OrderMethod, Key2x2> = {
  min: min2x2Key,
  max: max2x2Key,
  median: median2x2Key,
  mode: mode2x2Key,
};

const KEY_2X2X2: Record<OrderMethod, Key2x2x2> = {
  min: min2x2x2Key,
  max: max2x2x2Key,
  median: median2x2x2Key,
  mode: mode2x2x2Key,
};

/** Runs the full-block kernel for integers of at most 16 bits. */
export function fastSmall(
  method: SmallMethod,
  shape: FastShape,
  src: SmallIntArray,
  out: SmallIntArray,
): boolean {
  const [a = 0, b = 0, c = 0] = shape.dims;
  if (shape.kind === "2x2") SMALL_2X2[method](src, out, shape.planes, a, b);
  else SMALL_2X2X2[method](src, out, shape.planes, a, b, c);
  return true;
}

/** Runs the full-block order-statistic kernel for 4-byte types viewed as int32. */
export function fastKey32(
  method: OrderMethod,
  shape: FastShape,
  src: Int32Array,
  out: Int32Array,
  params: Key32Params,
): boolean {
  const [a = 0, b = 0, c = 0] = shape.dims;
  if (shape.kind === "2x2") KEY_2X2[method](src, out, params, shape.planes, a, b);
  else KEY_2X2X2[method](src, out, params, shape.planes, a, b, c);
  return true;
}

/** Runs the full-block float mean. */
export function fastFloatMean(
  shape: FastShape,
  src: Float32Array | Float64Array,
  out: Float32Array | Float64Array,
): boolean {
  const [a = 0, b = 0, c = 0] = shape.dims;
  if (shape.kind === "2x2") mean2x2Float(src, out, shape.planes, a, b);
  else mean2x2x2Float(src, out, shape.planes, a, b, c);
  return true;
}
