/**
 * A plain, obviously-correct downsampler for tests: for every output element, gather the
 * in-bounds block elements into a JS array in C order, then reduce with BigInt sums and a
 * comparator sort. Slow on purpose; shares no code with native-free-kernels.
 */
import type {
  DownsampleMethod,
  KernelArray,
  KernelDType,
} from "../../../native-free-kernels/index.js";

export type Scalar = number | bigint;

const CTORS = {
  bool: Uint8Array,
  int8: Int8Array,
  uint8: Uint8Array,
  int16: Int16Array,
  uint16: Uint16Array,
  int32: Int32Array,
  uint32: Uint32Array,
  float32: Float32Array,
  int64: BigInt64Array,
  uint64: BigUint64Array,
  float64: Float64Array,
} as const;

/** A typed array of `dtype` holding `values` (numbers, or bigints for 64-bit types). */
export function makeArray(dtype: KernelDType, values: readonly Scalar[]): KernelArray {
  const a = new CTORS[dtype](values.length);
  for (let i = 0; i < values.length; i++) (a as unknown as Scalar[])[i] = values[i]!;
  return a;
}

/** The elements of a kernel array as numbers or bigints. */
export function toValues(a: KernelArray): Scalar[] {
  return Array.from(a as ArrayLike<Scalar>);
}

/**
 * The order of TypedArray.prototype.sort: -0 before +0, NaN last (all NaNs equal). Bigints in
 * their natural order.
 */
export function compareTotal(a: Scalar, b: Scalar): number {
  if (typeof a === "bigint" || typeof b === "bigint") return a < b ? -1 : a > b ? 1 : 0;
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an || bn) return an && bn ? 0 : an ? 1 : -1;
  if (a < b) return -1;
  if (a > b) return 1;
  if (Object.is(a, -0) && Object.is(b, 0)) return -1;
  if (Object.is(a, 0) && Object.is(b, -0)) return 1;
  return 0;
}

/** round(s / n) with ties to even, in BigInt. */
export function roundHalfEvenReference(s: bigint, n: bigint): bigint {
  // Floor division first (BigInt `/` truncates toward zero).
  let q = s / n;
  if (q * n > s) q -= 1n;
  const r = s - q * n; // 0 <= r < n
  if (2n * r > n) return q + 1n;
  if (2n * r < n) return q;
  return q % 2n === 0n ? q : q + 1n;
}

function reduce(method: DownsampleMethod, dtype: KernelDType, block: Scalar[]): Scalar {
  if (method === "stride") return block[0]!;
  if (method === "mean" && dtype === "bool") method = "mode";
  if (method === "mean") {
    if (dtype === "float32") {
      // TensorStore: a float32 accumulator, zero-initialized (+0), `acc += x` for each element
      // in C order of the block, then `acc /= float(count)`. A Float32Array cell rounds every
      // partial sum and the quotient to float32 (a different mechanism from the kernels').
      const acc = new Float32Array(1);
      for (const v of block) acc[0] = acc[0]! + (v as number);
      acc[0] = acc[0]! / Math.fround(block.length);
      return acc[0]!;
    }
    if (dtype === "float64") {
      let s = 0;
      for (const v of block) s += v as number;
      return s / block.length;
    }
    let s = 0n;
    for (const v of block) s += BigInt(v);
    const q = roundHalfEvenReference(s, BigInt(block.length));
    return dtype === "int64" || dtype === "uint64" ? q : Number(q);
  }
  const sorted = [...block].sort(compareTotal);
  if (method === "min") return sorted[0]!;
  if (method === "max") return sorted[sorted.length - 1]!;
  if (method === "median") return sorted[Math.floor((sorted.length - 1) / 2)]!;
  // mode: longest run of equal values (Object.is: NaN equals NaN, -0 differs from +0);
  // strictly longer runs win, so ties keep the smallest value.
  let best = sorted[0]!;
  let bestCount = 0;
  let i = 0;
  while (i < sorted.length) {
    let j = i;
    while (j < sorted.length && Object.is(sorted[j], sorted[i])) j++;
    if (j - i > bestCount) {
      bestCount = j - i;
      best = sorted[i]!;
    }
    i = j;
  }
  return best;
}

/** Output shape ⌈n/f⌉ per axis. */
export function referenceShape(shape: readonly number[], factors: readonly number[]): number[] {
  return shape.map((n, a) => Math.ceil(n / factors[a]!));
}

/** Reference downsample; returns a typed array of `dtype`. */
export function referenceDownsample(
  method: DownsampleMethod,
  dtype: KernelDType,
  src: KernelArray,
  shape: readonly number[],
  factors: readonly number[],
): KernelArray {
  // TensorStore does not downsample at all when no axis has factor > 1 and size > 1
  // (downsample_nditerable.cc: DownsampleNDIterable returns the base): every block is one
  // element, copied as is, so a float mean of a lone -0 is -0, not 0 + -0 = +0.
  const m = shape.every((n, a) => n === 1 || factors[a] === 1) ? "stride" : method;
  const outShape = referenceShape(shape, factors);
  const outLength = outShape.reduce((p, n) => p * n, 1);
  const values: Scalar[] = [];
  const srcStrides = shape.map((_, a) => shape.slice(a + 1).reduce((p, n) => p * n, 1));
  for (let o = 0; o < outLength; o++) {
    // Output multi-index of o.
    const pos: number[] = [];
    let rest = o;
    for (let a = outShape.length - 1; a >= 0; a--) {
      pos[a] = rest % outShape[a]!;
      rest = Math.floor(rest / outShape[a]!);
    }
    // All in-bounds source indices of the block, C order.
    let offsets = [0];
    for (let a = 0; a < shape.length; a++) {
      const start = pos[a]! * factors[a]!;
      const end = Math.min(start + factors[a]!, shape[a]!);
      const next: number[] = [];
      for (const off of offsets) {
        for (let i = start; i < end; i++) next.push(off + i * srcStrides[a]!);
      }
      offsets = next;
    }
    const block = offsets.map((i) => (src as unknown as Scalar[])[i]!);
    values.push(reduce(m, dtype, block));
  }
  return makeArray(dtype, values);
}
