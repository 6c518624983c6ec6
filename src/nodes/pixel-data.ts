/**
 * Pixel data in and out of the node API: an `ndarray` over a typed array, or a plain
 * `{ data, shape }`. Views that are not C-contiguous (transposed, stepped, sliced) are copied to
 * C order before they reach the store.
 */
import ndarray from "ndarray";
import { ShapeMismatchError, UnsupportedError } from "../errors.js";
import type { AnyTypedArray, DataType } from "../store/index.js";

/** The element type of a typed array: bigint for the 64-bit integer arrays, else number. */
export type ElementOf<T extends AnyTypedArray> = T extends BigInt64Array | BigUint64Array
  ? bigint
  : number;

/**
 * An `ndarray` (the `ndarray` package) over one of the typed arrays the store reads and
 * writes; the members of `ndarray.NdArray`, typed for 64-bit integer data too.
 */
export interface NdArray<T extends AnyTypedArray = AnyTypedArray> {
  data: T;
  shape: number[];
  stride: number[];
  offset: number;
  size: number;
  dimension: number;
  order: number[];
  dtype: string;
  get(...index: number[]): ElementOf<T>;
  set(...indexThenValue: (number | bigint)[]): ElementOf<T>;
  index(...index: number[]): number;
  lo(...index: number[]): NdArray<T>;
  hi(...index: number[]): NdArray<T>;
  step(...steps: number[]): NdArray<T>;
  transpose(...axes: number[]): NdArray<T>;
  pick(...index: (number | null)[]): NdArray<T>;
  readonly T: NdArray<T>;
}

/**
 * Anything shaped like an ndarray view (data, shape, stride, offset). A `boolean[]` is bool
 * data (stored one byte per element, 0 or 1).
 */
export interface NdArrayLike {
  data: AnyTypedArray | Uint8ClampedArray | readonly boolean[];
  shape: readonly number[];
  stride: readonly number[];
  offset: number;
}

/** Pixel data accepted by writes: an ndarray view, or a C-order `{ data, shape }`. */
export type PixelInput =
  | NdArrayLike
  | { data: AnyTypedArray | readonly boolean[]; shape: readonly number[] };

/** Pixel data in C order with its shape and data type. */
export interface DenseData {
  data: AnyTypedArray;
  shape: number[];
  dtype: DataType;
}

/** The data type a typed array holds (`Uint8Array` → `"uint8"`; bool data is passed as uint8). */
export function dtypeOfTypedArray(a: unknown): DataType | undefined {
  if (a instanceof Uint8Array) return "uint8";
  if (a instanceof Int8Array) return "int8";
  if (a instanceof Int16Array) return "int16";
  if (a instanceof Uint16Array) return "uint16";
  if (a instanceof Int32Array) return "int32";
  if (a instanceof Uint32Array) return "uint32";
  if (a instanceof BigInt64Array) return "int64";
  if (a instanceof BigUint64Array) return "uint64";
  if (a instanceof Float32Array) return "float32";
  if (a instanceof Float64Array) return "float64";
  return undefined;
}

/** True for an `ndarray` object (data, shape, stride, offset). */
export function isNdArray(x: unknown): x is NdArrayLike {
  if (typeof x !== "object" || x === null) return false;
  const r = x as Record<string, unknown>;
  return (
    Array.isArray(r.shape) && Array.isArray(r.stride) && typeof r.offset === "number" && "data" in r
  );
}

function product(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

/** C-order strides of `shape`. */
export function cStrides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  let s = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    out[i] = s;
    s *= shape[i] ?? 1;
  }
  return out;
}

function checkShape(shape: readonly unknown[], what: string): number[] {
  if (!shape.every((s) => Number.isInteger(s) && (s as number) >= 0)) {
    throw new ShapeMismatchError(
      "non-negative integers",
      JSON.stringify(shape),
      `${what} shape ${JSON.stringify(shape)} must be non-negative integers`,
    );
  }
  return shape as number[];
}

/** Copy a strided view into a new C-order typed array of the same kind. */
function stridedCopy(
  src: AnyTypedArray,
  shape: readonly number[],
  stride: readonly number[],
  offset: number,
): AnyTypedArray {
  const n = product(shape);
  const out = new (src.constructor as new (n: number) => AnyTypedArray)(n);
  if (n === 0) return out;
  const nd = shape.length;
  if (nd === 0) {
    (out as Float64Array)[0] = (src as Float64Array)[offset] as number;
    return out;
  }
  const last = nd - 1;
  const inner = shape[last] as number;
  const innerStride = stride[last] as number;
  const idx = new Array<number>(nd).fill(0);
  const o = out as unknown as { [i: number]: number | bigint };
  const s = src as unknown as { [i: number]: number | bigint };
  let pos = offset;
  let w = 0;
  for (;;) {
    let p = pos;
    for (let i = 0; i < inner; i++, p += innerStride) o[w++] = s[p] as number;
    // advance the odometer over the outer axes
    let ax = last - 1;
    for (; ax >= 0; ax--) {
      const i = (idx[ax] as number) + 1;
      if (i < (shape[ax] as number)) {
        idx[ax] = i;
        pos += stride[ax] as number;
        break;
      }
      idx[ax] = 0;
      pos -= (i - 1) * (stride[ax] as number);
    }
    if (ax < 0) return out;
  }
}

/**
 * Normalize pixel input to C-order data, shape and data type. ndarray views that are not
 * C-contiguous are copied; contiguous ones are used in place (a subarray, no copy).
 * A `boolean[]` (plain `{ data, shape }`, or an ndarray over one) becomes a `Uint8Array` of
 * 0/1 with data type `"bool"`.
 * @throws {UnsupportedError} for data that is not one of the supported typed arrays.
 * @throws {ShapeMismatchError} when the data length does not match the shape.
 */
export function toDense(input: PixelInput): DenseData {
  if (isNdArray(input)) {
    let data = input.data as unknown;
    if (data instanceof Uint8ClampedArray)
      data = new Uint8Array(data.buffer, data.byteOffset, data.length);
    let dtype = dtypeOfTypedArray(data);
    if (dtype === undefined && Array.isArray(data) && data.every((b) => typeof b === "boolean")) {
      // bool data: an ndarray over a boolean[] is stored one byte per element, 0 or 1
      data = Uint8Array.from(data as boolean[], (b) => (b ? 1 : 0));
      dtype = "bool";
    }
    if (dtype === undefined) {
      const found = Array.isArray(data)
        ? "a plain array of non-booleans"
        : `type ${(data as object | null)?.constructor?.name ?? typeof data}`;
      throw new UnsupportedError(
        "ndarray data type",
        `ndarray data of ${found} is not supported; use an ndarray over a typed array (Uint8Array, Int8Array, Uint16Array, Int16Array, Uint32Array, Int32Array, BigUint64Array, BigInt64Array, Float32Array, Float64Array, Uint8ClampedArray) or over a boolean[] for bool data`,
      );
    }
    const typed = data as AnyTypedArray;
    const shape = checkShape(input.shape, "ndarray");
    const n = product(shape);
    const c = cStrides(shape);
    const contiguous = shape.every((s, i) => s <= 1 || input.stride[i] === c[i]);
    if (contiguous && input.offset >= 0 && input.offset + n <= typed.length) {
      return {
        data: typed.subarray(input.offset, input.offset + n) as AnyTypedArray,
        shape: [...shape],
        dtype,
      };
    }
    return {
      data: stridedCopy(typed, shape, input.stride, input.offset),
      shape: [...shape],
      dtype,
    };
  }
  if (
    typeof input !== "object" ||
    input === null ||
    !("data" in input) ||
    !Array.isArray(input.shape)
  ) {
    throw new UnsupportedError(
      "pixel input",
      "pixel data must be an ndarray or { data, shape } over a typed array",
    );
  }
  const shape = checkShape(input.shape, "data");
  const n = product(shape);
  if (Array.isArray(input.data)) {
    const bools = input.data as readonly unknown[];
    if (!bools.every((b) => typeof b === "boolean")) {
      throw new UnsupportedError(
        "plain array data",
        "a plain array is only accepted for booleans; wrap numbers in a typed array (e.g. new Uint16Array(values))",
      );
    }
    if (bools.length !== n) {
      throw new ShapeMismatchError(
        [...shape],
        [bools.length],
        `data has ${bools.length} elements but shape ${JSON.stringify(shape)} needs ${n}`,
      );
    }
    return {
      data: Uint8Array.from(bools as boolean[], (b) => (b ? 1 : 0)),
      shape: [...shape],
      dtype: "bool",
    };
  }
  const dtype = dtypeOfTypedArray(input.data);
  if (dtype === undefined) {
    throw new UnsupportedError(
      "pixel data type",
      "pixel data must be a typed array (Uint8Array, Uint16Array, Float32Array, BigInt64Array, …), or a boolean[] for bool data",
    );
  }
  if (input.data.length !== n) {
    throw new ShapeMismatchError(
      [...shape],
      [input.data.length],
      `data has ${input.data.length} elements but shape ${JSON.stringify(shape)} needs ${n}`,
    );
  }
  return { data: input.data as AnyTypedArray, shape: [...shape], dtype };
}

/** Wrap C-order data in an ndarray of `shape`. */
export function toNdArray<T extends AnyTypedArray>(data: T, shape: readonly number[]): NdArray<T> {
  return ndarray(data as never, [...shape]) as unknown as NdArray<T>;
}
