/**
 * Which specialized full-block kernel serves a (method, class of dtype, block shape); each
 * runner returns false when there is none and the general kernel must do all the work.
 */
import type { FastShape, Kernel2x2, Kernel2x2x2 } from "./blocks.js";
import {
  max2x2Byte,
  mean2x2Byte,
  median2x2Byte,
  min2x2Byte,
  mode2x2Byte,
} from "./fast-2x2-byte.js";
import { type Key2x2, max2x2Key, median2x2Key, min2x2Key, mode2x2Key } from "./fast-2x2-key32.js";
import { max2x2Short, median2x2Short, min2x2Short, mode2x2Short } from "./fast-2x2-short.js";
import { mean2x2ShortWords } from "./fast-2x2-u16-mean.js";
import {
  max2x2x2Byte,
  mean2x2x2Byte,
  median2x2x2Byte,
  min2x2x2Byte,
  mode2x2x2Byte,
} from "./fast-2x2x2-byte.js";
import {
  type Key2x2x2,
  max2x2x2Key,
  median2x2x2Key,
  min2x2x2Key,
  mode2x2x2Key,
} from "./fast-2x2x2-key32.js";
import {
  max2x2x2Short,
  mean2x2x2Short,
  median2x2x2Short,
  min2x2x2Short,
  mode2x2x2Short,
} from "./fast-2x2x2-short.js";
import {
  mean2x2Float32,
  mean2x2Float64,
  mean2x2x2Float32,
  mean2x2x2Float64,
} from "./fast-float-mean.js";
import { mean2x2Int32, mean2x2x2Int32 } from "./fast-int32-mean.js";
import type { OrderMethod } from "./general-keyed.js";
import type { Key32Params } from "./keys.js";
import type { ByteArray, ShortArray, SmallIntArray } from "./types.js";

type SmallMethod = OrderMethod | "mean";

const BYTE_2X2: Record<SmallMethod, Kernel2x2<ByteArray>> = {
  mean: mean2x2Byte,
  min: min2x2Byte,
  max: max2x2Byte,
  median: median2x2Byte,
  mode: mode2x2Byte,
};

const BYTE_2X2X2: Record<SmallMethod, Kernel2x2x2<ByteArray>> = {
  mean: mean2x2x2Byte,
  min: min2x2x2Byte,
  max: max2x2x2Byte,
  median: median2x2x2Byte,
  mode: mode2x2x2Byte,
};

const SHORT_2X2: Record<SmallMethod, Kernel2x2<ShortArray>> = {
  mean: mean2x2ShortWords,
  min: min2x2Short,
  max: max2x2Short,
  median: median2x2Short,
  mode: mode2x2Short,
};

const SHORT_2X2X2: Record<SmallMethod, Kernel2x2x2<ShortArray>> = {
  mean: mean2x2x2Short,
  min: min2x2x2Short,
  max: max2x2x2Short,
  median: median2x2x2Short,
  mode: mode2x2x2Short,
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

/** Runs the full-block kernel for integers of 1 or 2 bytes (`src` and `out` of one type). */
export function fastSmall(
  method: SmallMethod,
  shape: FastShape,
  src: SmallIntArray,
  out: SmallIntArray,
): boolean {
  const [a = 0, b = 0, c = 0] = shape.dims;
  const { planes } = shape;
  if (src.BYTES_PER_ELEMENT === 1) {
    const s = src as ByteArray;
    const o = out as ByteArray;
    if (shape.kind === "2x2") BYTE_2X2[method](s, o, planes, a, b);
    else BYTE_2X2X2[method](s, o, planes, a, b, c);
  } else {
    const s = src as ShortArray;
    const o = out as ShortArray;
    if (shape.kind === "2x2") SHORT_2X2[method](s, o, planes, a, b);
    else SHORT_2X2X2[method](s, o, planes, a, b, c);
  }
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

/** Runs the full-block float32 mean. */
export function fastFloat32Mean(shape: FastShape, src: Float32Array, out: Float32Array): boolean {
  const [a = 0, b = 0, c = 0] = shape.dims;
  if (shape.kind === "2x2") mean2x2Float32(src, out, shape.planes, a, b);
  else mean2x2x2Float32(src, out, shape.planes, a, b, c);
  return true;
}

/** Runs the full-block float64 mean. */
export function fastFloat64Mean(shape: FastShape, src: Float64Array, out: Float64Array): boolean {
  const [a = 0, b = 0, c = 0] = shape.dims;
  if (shape.kind === "2x2") mean2x2Float64(src, out, shape.planes, a, b);
  else mean2x2x2Float64(src, out, shape.planes, a, b, c);
  return true;
}

/** Runs the full-block int32 / uint32 mean. */
export function fastInt32Mean(
  shape: FastShape,
  src: Int32Array | Uint32Array,
  out: Int32Array | Uint32Array,
): boolean {
  const [a = 0, b = 0, c = 0] = shape.dims;
  if (shape.kind === "2x2") mean2x2Int32(src, out, shape.planes, a, b);
  else mean2x2x2Int32(src, out, shape.planes, a, b, c);
  return true;
}
