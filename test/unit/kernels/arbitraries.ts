/** fast-check arbitraries for kernel property tests: dtypes, values with repeats and extremes. */
import { fc } from "@fast-check/vitest";
import type { DownsampleMethod, KernelDType } from "../../../native-free-kernels/index.js";
import type { Scalar } from "./reference.js";

export const ALL_DTYPES: KernelDType[] = [
  "bool",
  "int8",
  "uint8",
  "int16",
  "uint16",
  "int32",
  "uint32",
  "float32",
  "int64",
  "uint64",
  "float64",
];

export const ALL_METHODS: DownsampleMethod[] = ["stride", "mean", "median", "mode", "min", "max"];

const FLOAT_SPECIALS = [
  Number.NaN,
  -0,
  0,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  1,
  -1,
  Number.MIN_VALUE,
];

function ints(min: number, max: number): fc.Arbitrary<Scalar> {
  // Small values repeat often (mode ties, equal keys); extremes stress overflow and rounding.
  return fc.oneof(
    { arbitrary: fc.integer({ min: Math.max(min, -2), max: Math.min(max, 3) }), weight: 3 },
    { arbitrary: fc.constantFrom(min, max, min + 1, max - 1), weight: 2 },
    { arbitrary: fc.integer({ min, max }), weight: 3 },
  );
}

function bigints(min: bigint, max: bigint): fc.Arbitrary<Scalar> {
  const small = min < 0n ? -2n : 0n;
  return fc.oneof(
    { arbitrary: fc.bigInt({ min: small, max: 3n }), weight: 3 },
    { arbitrary: fc.constantFrom(min, max, min + 1n, max - 1n, 2n ** 53n + 1n), weight: 2 },
    { arbitrary: fc.bigInt({ min, max }), weight: 3 },
  );
}

/** Values of each dtype, as numbers (bigints for 64-bit integers). */
export const VALUES: Record<KernelDType, fc.Arbitrary<Scalar>> = {
  bool: fc.constantFrom(0, 1),
  int8: ints(-128, 127),
  uint8: ints(0, 255),
  int16: ints(-32768, 32767),
  uint16: ints(0, 65535),
  int32: ints(-(2 ** 31), 2 ** 31 - 1),
  uint32: ints(0, 2 ** 32 - 1),
  int64: bigints(-(2n ** 63n), 2n ** 63n - 1n),
  uint64: bigints(0n, 2n ** 64n - 1n),
  float32: fc.oneof(
    { arbitrary: fc.constantFrom(...FLOAT_SPECIALS, 2, 3, 3.4028234663852886e38), weight: 3 },
    { arbitrary: fc.float(), weight: 4 },
  ),
  float64: fc.oneof(
    { arbitrary: fc.constantFrom(...FLOAT_SPECIALS, 2, 3, Number.MAX_VALUE), weight: 3 },
    { arbitrary: fc.double(), weight: 4 },
  ),
};

/** One downsampling case. */
export interface KernelCase {
  dtype: KernelDType;
  method: DownsampleMethod;
  shape: number[];
  factors: number[];
  values: Scalar[];
  /** Pass a pre-filled `out` array. */
  withOut: boolean;
  /** Place `src` at a non-zero byteOffset of a larger buffer. */
  withOffset: boolean;
}

function product(shape: readonly number[]): number {
  return shape.reduce((p, n) => p * n, 1);
}

/** A case from shape and factor arbitraries. */
export function kernelCase(
  geometry: fc.Arbitrary<{ shape: number[]; factors: number[] }>,
  dtypes: readonly KernelDType[] = ALL_DTYPES,
  methods: readonly DownsampleMethod[] = ALL_METHODS,
): fc.Arbitrary<KernelCase> {
  return fc
    .record({
      dtype: fc.constantFrom(...dtypes),
      method: fc.constantFrom(...methods),
      geometry,
      withOut: fc.boolean(),
      withOffset: fc.boolean(),
    })
    .chain(({ dtype, method, geometry: g, withOut, withOffset }) =>
      fc
        .array(VALUES[dtype], { minLength: product(g.shape), maxLength: product(g.shape) })
        .map((values) => ({ dtype, method, ...g, values, withOut, withOffset })),
    );
}

/** Any rank 1–4, sizes 1–9, factors 1–4. */
export const anyGeometry = fc.integer({ min: 1, max: 4 }).chain((rank) =>
  fc.record({
    shape: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: rank, maxLength: rank }),
    factors: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: rank, maxLength: rank }),
  }),
);

/** Shapes the specialized kernels take: [(p,) y, x] by [(1,) 2, 2], and 2×2×2 likewise. */
export const fastGeometry = fc
  .record({
    kind: fc.constantFrom(
      [1, 2, 2],
      [2, 2],
      [1, 2, 2, 2],
      [2, 2, 2],
      [1, 1, 1, 2, 2],
      [1, 1, 2, 2, 2],
    ),
    sizes: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 5, maxLength: 5 }),
  })
  .map(({ kind, sizes }) => ({
    factors: [...kind],
    // Leading (never downsampled) axes stay small.
    shape: kind.map((f, a) => (f === 1 ? 1 + (sizes[a]! % 3) : sizes[a]!)),
  }));
