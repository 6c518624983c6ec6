/**
 * Float mean is TensorStore's, bit for bit: float32 accumulated in float32 and float64 in
 * float64, from +0, one element at a time in C order of the block, then one division in that
 * type. Compared through the raw bits (Uint32 / BigUint64 views), so -0 and ±Infinity count;
 * every NaN is compared as NaN, because its payload is not ours to fix (ECMAScript lets an
 * engine canonicalize NaN bits on a typed-array store, and V8 may swap the operands of a
 * commutative add, which picks the other NaN's payload).
 */
import { fc, test } from "@fast-check/vitest";
import { describe, expect, test as plainTest } from "vitest";
import { downsample } from "../../../native-free-kernels/index.js";
import { fastGeometry } from "./arbitraries.js";
import { referenceDownsample } from "./reference.js";

type FloatDType = "float32" | "float64";
type FloatArray = Float32Array | Float64Array;

/** Raw bits of each element as hex; NaN of any payload as "NaN". */
function bits(a: FloatArray): string[] {
  const raw =
    a instanceof Float32Array
      ? Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length), (w) => w.toString(16))
      : Array.from(new BigUint64Array(a.buffer, a.byteOffset, a.length), (w) => w.toString(16));
  return raw.map((b, i) => (Number.isNaN(a[i]) ? "NaN" : b));
}

function make(dtype: FloatDType, values: readonly number[]): FloatArray {
  return dtype === "float32" ? Float32Array.from(values) : Float64Array.from(values);
}

function kernel(
  dtype: FloatDType,
  values: readonly number[],
  shape: number[],
  factors: number[],
): FloatArray {
  return downsample("mean", dtype, make(dtype, values), shape, factors) as FloatArray;
}

/**
 * The rule these kernels had before: every float summed in float64 from -0 (so the sum of
 * -0s stayed -0), divided, then stored. Only here to show the tests tell it apart.
 */
function oldRule(
  dtype: FloatDType,
  values: readonly number[],
  shape: number[],
  factors: number[],
): FloatArray {
  const src = make(dtype, values);
  const outShape = shape.map((n, a) => Math.ceil(n / factors[a]!));
  const out = make(dtype, new Array(outShape.reduce((p, n) => p * n, 1)).fill(0));
  const strides = shape.map((_, a) => shape.slice(a + 1).reduce((p, n) => p * n, 1));
  for (let o = 0; o < out.length; o++) {
    let rest = o;
    const pos: number[] = [];
    for (let a = shape.length - 1; a >= 0; a--) {
      pos[a] = rest % outShape[a]!;
      rest = Math.floor(rest / outShape[a]!);
    }
    let offsets = [0];
    for (let a = 0; a < shape.length; a++) {
      const start = pos[a]! * factors[a]!;
      const end = Math.min(start + factors[a]!, shape[a]!);
      offsets = offsets.flatMap((off) =>
        Array.from({ length: end - start }, (_, i) => off + (start + i) * strides[a]!),
      );
    }
    let s = -0;
    for (const i of offsets) s += src[i]!;
    out[o] = s / offsets.length;
  }
  return out;
}

describe("hand-checked float means (the old float64 accumulation gives other bits)", () => {
  // float32: 2^24 + 1 is a tie between 2^24 and 2^24 + 2 and goes to the even 2^24, so the
  // float32 sum of [2^24, 1, 1, 1] stays 2^24 and the mean is 2^22 = 4194304 (bits 4a800000).
  // In float64 the sum is 2^24 + 3 and (2^24 + 3) / 4 = 4194304.75, a float32 tie between
  // 4194304.5 and 4194305 that goes to the even 4194305 (bits 4a800002).
  plainTest("float32 2×2 full blocks (specialized kernel): [2^24, 1, 1, 1] → 2^22", () => {
    // Shape [2, 4] keeps two 2×2 blocks: the 2×2 kernel, not a collapsed 1-d block.
    const values = [2 ** 24, 1, 2 ** 24, 1, 1, 1, 1, 1];
    expect(bits(kernel("float32", values, [2, 4], [2, 2]))).toEqual(["4a800000", "4a800000"]);
    expect(bits(oldRule("float32", values, [2, 4], [2, 2]))).toEqual(["4a800002", "4a800002"]);
    const ref = referenceDownsample("mean", "float32", make("float32", values), [2, 4], [2, 2]);
    expect(bits(ref as FloatArray)).toEqual(["4a800000", "4a800000"]);
  });

  plainTest("float32 2×2 edge block (general kernel): [2^24, 1, 1] in a 3×3 corner", () => {
    // 3×3, factor 2: the (0, 0) block is full, the others are partial. Block (1, 1) holds only
    // element (2, 2); block (0, 1) holds (0, 2), (1, 2); block (1, 0) holds (2, 0), (2, 1).
    const values = [2 ** 24, 1, 2 ** 24, 1, 1, 1, 2 ** 24, 1, -0];
    // (0,0): 2^24, 1, 1, 1 → 2^22. (0,1): 2^24, 1 → 2^24 / 2 = 2^23 (4b000000) in both rules.
    // (1,0): 2^24, 1 → 2^23. (1,1): -0 → 0 + -0 = +0 (old: -0, bits 80000000).
    expect(bits(kernel("float32", values, [3, 3], [2, 2]))).toEqual([
      "4a800000",
      "4b000000",
      "4b000000",
      "0",
    ]);
    expect(bits(oldRule("float32", values, [3, 3], [2, 2]))).toEqual([
      "4a800002",
      "4b000000",
      "4b000000",
      "80000000",
    ]);
  });

  plainTest("float32 2×2×2 (specialized kernel, pair loop and tail): [2^24, 1 × 7] → 2^21", () => {
    // Float32: 2^24 absorbs each 1 (ties to even), 2^24 / 8 = 2^21 (bits 4a000000).
    // Float64: (2^24 + 7) / 8 = 2097152.875, a float32 tie (ulp 0.25) between 2097152.75 and
    // 2097153 that goes to the even 2097153 (bits 4a000004).
    // Shape [2, 2, 6]: three blocks along x, one pair of outputs and the odd one after it.
    const block = [2 ** 24, 1, 1, 1, 1, 1, 1, 1];
    const values: number[] = [];
    for (let z = 0; z < 2; z++) {
      for (let y = 0; y < 2; y++) {
        for (let b = 0; b < 3; b++) values.push(block[4 * z + 2 * y]!, block[4 * z + 2 * y + 1]!);
      }
    }
    expect(bits(kernel("float32", values, [2, 2, 6], [2, 2, 2]))).toEqual(
      new Array(3).fill("4a000000"),
    );
    expect(bits(oldRule("float32", values, [2, 2, 6], [2, 2, 2]))).toEqual(
      new Array(3).fill("4a000004"),
    );
  });

  plainTest("the order is C order of the block: [big, 1, -big, 1]", () => {
    // C order: ((big + 1) − big) + 1 = 0 + 1 = 1 (big + 1 rounds back to big), mean 0.25.
    // Column order would give (big − big) + 1 + 1 = 2, mean 0.5 (as does the exact sum).
    // Rows [big, 1, big, 1] and [−big, 1, −big, 1]: two such blocks side by side.
    for (const [dtype, big] of [
      ["float32", 2 ** 24],
      ["float64", 2 ** 53],
    ] as [FloatDType, number][]) {
      const values = [big, 1, big, 1, -big, 1, -big, 1];
      expect(Array.from(kernel(dtype, values, [2, 4], [2, 2]))).toEqual([0.25, 0.25]);
      expect(Array.from(kernel(dtype, [big, 1, -big, 1], [2, 2], [2, 2]))).toEqual([0.25]);
    }
    // The old rule summed float32 in float64, where big + 1 is exact: mean 0.5.
    expect(Array.from(oldRule("float32", [2 ** 24, 1, -(2 ** 24), 1], [2, 2], [2, 2]))).toEqual([
      0.5,
    ]);
  });

  plainTest("-0: the accumulator starts at +0, a copy does not add", () => {
    for (const dtype of ["float32", "float64"] as FloatDType[]) {
      const zero = "0";
      const negZero = dtype === "float32" ? "80000000" : "8000000000000000";
      expect(bits(kernel(dtype, [-0, -0, -0, -0, -0, -0, -0, -0], [2, 4], [2, 2]))).toEqual([
        zero,
        zero,
      ]);
      expect(bits(kernel(dtype, [-0, -0, -0], [3], [2]))).toEqual([zero, zero]);
      expect(bits(oldRule(dtype, [-0, -0, -0], [3], [2]))).toEqual([negZero, negZero]);
      // No axis downsampled (factor 1, or size 1): TensorStore copies the array.
      expect(bits(kernel(dtype, [-0, -0], [1, 2], [4, 1]))).toEqual([negZero, negZero]);
    }
  });

  plainTest("float32 sums overflow at 2^128 where the float64 sum did not", () => {
    const max = 3.4028234663852886e38;
    // max + max overflows float32 to +Infinity; the old float64 sum / 2 was max again.
    expect(Array.from(kernel("float32", [max, max], [2], [2]))).toEqual([Infinity]);
    expect(Array.from(oldRule("float32", [max, max], [2], [2]))).toEqual([max]);
    // Infinity then absorbs −max: the mean is +Infinity, where the float64 sum was 0.
    expect(Array.from(kernel("float32", [max, max, -max, -max], [2, 2], [2, 2]))).toEqual([
      Infinity,
    ]);
    expect(Array.from(oldRule("float32", [max, max, -max, -max], [2, 2], [2, 2]))).toEqual([0]);
  });
});

/** Values that make float32 and float64 sums differ: large and small magnitudes mixed. */
const VALUES: Record<FloatDType, fc.Arbitrary<number>> = {
  float32: fc.oneof(
    {
      arbitrary: fc.constantFrom(
        2 ** 24,
        -(2 ** 24),
        2 ** 25,
        3 * 2 ** 23,
        1,
        -1,
        0.5,
        1.5,
        3,
        2 ** -24,
        0,
        -0,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        3.4028234663852886e38,
        -3.4028234663852886e38,
      ),
      weight: 4,
    },
    { arbitrary: fc.float({ min: -4, max: 4, noNaN: true }), weight: 3 },
    { arbitrary: fc.float({ min: 2 ** 20, max: 2 ** 30, noNaN: true }), weight: 2 },
    { arbitrary: fc.float({ min: -(2 ** 30), max: -(2 ** 20), noNaN: true }), weight: 2 },
    { arbitrary: fc.float(), weight: 2 },
  ),
  float64: fc.oneof(
    {
      arbitrary: fc.constantFrom(
        2 ** 53,
        -(2 ** 53),
        2 ** 54,
        1e16,
        -1e16,
        1,
        -1,
        0.5,
        3,
        0.1,
        0,
        -0,
        Number.NaN,
        Number.POSITIVE_INFINITY,
        Number.NEGATIVE_INFINITY,
        Number.MAX_VALUE,
        -Number.MAX_VALUE,
      ),
      weight: 4,
    },
    { arbitrary: fc.double({ min: -4, max: 4, noNaN: true }), weight: 3 },
    { arbitrary: fc.double({ min: 2 ** 50, max: 2 ** 60, noNaN: true }), weight: 2 },
    { arbitrary: fc.double({ min: -(2 ** 60), max: -(2 ** 50), noNaN: true }), weight: 2 },
    { arbitrary: fc.double(), weight: 2 },
  ),
};

/** 2-D and 3-D, sizes 1–9 (odd ones included), factors 2 and 3 (all 2s: the fast kernels). */
const oddGeometry = fc.integer({ min: 2, max: 3 }).chain((rank) =>
  fc.record({
    shape: fc.array(fc.integer({ min: 1, max: 9 }), { minLength: rank, maxLength: rank }),
    factors: fc.oneof(
      fc.constant(new Array<number>(rank).fill(2)),
      fc.array(fc.constantFrom(2, 3), { minLength: rank, maxLength: rank }),
    ),
  }),
);

function floatCase(geometry: fc.Arbitrary<{ shape: number[]; factors: number[] }>) {
  return fc
    .record({ dtype: fc.constantFrom<FloatDType>("float32", "float64"), geometry })
    .chain(({ dtype, geometry: g }) => {
      const n = g.shape.reduce((p, v) => p * v, 1);
      return fc
        .array(VALUES[dtype], { minLength: n, maxLength: n })
        .map((values) => ({ dtype, ...g, values }));
    });
}

/** Cases where the old rule's bits differ from the new rule's, per dtype. */
const oldDiffers: Record<FloatDType, number> = { float32: 0, float64: 0 };

function check(c: { dtype: FloatDType; shape: number[]; factors: number[]; values: number[] }) {
  const expected = bits(
    referenceDownsample("mean", c.dtype, make(c.dtype, c.values), c.shape, c.factors) as FloatArray,
  );
  expect(bits(kernel(c.dtype, c.values, c.shape, c.factors))).toEqual(expected);
  const old = bits(oldRule(c.dtype, c.values, c.shape, c.factors));
  if (old.some((b, i) => b !== expected[i])) oldDiffers[c.dtype]++;
}

describe("float mean equals the reference bit for bit", () => {
  test.prop([floatCase(oddGeometry)], { numRuns: 600 })(
    "2-D and 3-D, odd sizes, factors 2 and 3",
    (c) => check(c),
  );
  test.prop([floatCase(fastGeometry)], { numRuns: 600 })(
    "2×2 and 2×2×2 shapes with leading planes (specialized kernels and their edges)",
    (c) => check(c),
  );
  plainTest("the generated cases include ones where the old float64 rule gives other bits", () => {
    // float32: large and small magnitudes; float64: blocks of only -0 (the +0 start).
    expect(oldDiffers.float32).toBeGreaterThan(20);
    expect(oldDiffers.float64).toBeGreaterThan(0);
  });
});
