/**
 * Hand-computed cases for every rule. Each case is checked against both the kernels and the
 * test reference, so the reference is pinned down by hand too.
 */
import { describe, expect, test } from "vitest";
import {
  type DownsampleMethod,
  downsample,
  type KernelDType,
} from "../../../native-free-kernels/index.js";
import { makeArray, referenceDownsample, type Scalar } from "./reference.js";

function both(
  method: DownsampleMethod,
  dtype: KernelDType,
  values: readonly Scalar[],
  shape: readonly number[],
  factors: readonly number[],
): { kernel: Scalar[]; reference: Scalar[] } {
  const src = makeArray(dtype, values);
  const kernel = Array.from(downsample(method, dtype, src, shape, factors) as ArrayLike<Scalar>);
  if (shape.length > 1 && shape.every((n, a) => n === factors[a])) {
    // A single block: also run it tiled 3× per axis, which takes the specialized 2×2 / 2×2×2
    // kernels (a lone [2, 2] block collapses to one axis and runs the general kernel).
    const tiledShape = shape.map((n) => 3 * n);
    const tiled = makeArray(dtype, tile(values, shape));
    const result = Array.from(
      downsample(method, dtype, tiled, tiledShape, factors) as ArrayLike<Scalar>,
    );
    expect(result).toEqual(new Array(3 ** shape.length).fill(kernel[0]));
  }
  return {
    kernel,
    reference: Array.from(
      referenceDownsample(method, dtype, src, shape, factors) as ArrayLike<Scalar>,
    ),
  };
}

/** The block `values` of `shape` repeated 3 times along every axis, C order. */
function tile(values: readonly Scalar[], shape: readonly number[]): Scalar[] {
  const big = shape.map((n) => 3 * n);
  const total = big.reduce((p, n) => p * n, 1);
  const out: Scalar[] = [];
  for (let i = 0; i < total; i++) {
    let rest = i;
    let inner = 0;
    let stride = 1;
    for (let a = big.length - 1; a >= 0; a--) {
      const c = rest % big[a]!;
      rest = Math.floor(rest / big[a]!);
      inner += (c % shape[a]!) * stride;
      stride *= shape[a]!;
    }
    out.push(values[inner]!);
  }
  return out;
}

function expectBoth(
  r: { kernel: Scalar[]; reference: Scalar[] },
  expected: readonly Scalar[],
): void {
  // toEqual distinguishes -0 from +0 and matches NaN with NaN.
  expect(r.kernel).toEqual(expected);
  expect(r.reference).toEqual(expected);
}

const INT_TYPES: KernelDType[] = ["int8", "int16", "int32", "int64"];
const big = (d: KernelDType, v: number[]): Scalar[] =>
  d === "int64" || d === "uint64" ? v.map(BigInt) : v;

describe("mean rounds to nearest, ties to even", () => {
  const cases: [number[], number[], number][] = [
    [[1, 2], [2], 2],
    [[2, 3], [2], 2],
    [[-2, -3], [2], -2],
    [[-1, -2], [2], -2],
    [[0, 1], [2], 0],
    [[3, 4], [2], 4],
    [[1, 1, 2], [3], 1],
    [[1, 2, 2], [3], 2],
    [[1, 2, 3, 4], [2, 2], 2],
    [[1, 2, 3, 5], [2, 2], 3],
    [[1, 1, 2, 2], [2, 2], 2],
    [[-1, -1, -2, -2], [2, 2], -2],
    [[1, 1, 1, 1, 2, 2, 2, 2], [2, 2, 2], 2],
    [[2, 2, 2, 2, 3, 3, 3, 3], [2, 2, 2], 2],
    [[3, 3, 3, 3, 4, 4, 4, 4], [2, 2, 2], 4],
    [[-3, -3, -3, -3, -2, -2, -2, -2], [2, 2, 2], -2],
  ];
  for (const dtype of INT_TYPES) {
    test.each(cases)(`${dtype}: mean of %s (shape %s) is %d`, (values, shape, expected) => {
      expectBoth(both("mean", dtype, big(dtype, values), shape, shape), big(dtype, [expected]));
    });
  }
  test.each([
    ["uint8", [255, 254], 254],
    ["uint16", [65535, 65534, 65535, 65535], 65535],
    ["uint16", [65535, 65534, 65535, 65534], 65534],
    ["int32", [2147483647, 2147483647, 2147483646, 2147483647], 2147483647],
    ["int32", [-2147483648, -2147483648, -2147483647, -2147483647], -2147483648],
    ["uint32", [4294967295, 4294967295, 4294967295, 4294967294], 4294967295],
    ["uint32", [4294967295, 4294967294], 4294967294],
  ] as [KernelDType, number[], number][])(
    "%s: mean of extremes %s is %d",
    (dtype, values, expected) => {
      const shape = values.length === 4 ? [2, 2] : [2];
      expectBoth(both("mean", dtype, values, shape, shape), [expected]);
    },
  );
});

describe("64-bit mean is exact", () => {
  const U = 2n ** 64n;
  const I = 2n ** 63n;
  test.each([
    ["uint64", [U - 1n, U - 2n], U - 2n],
    ["uint64", [U - 1n, U - 1n, U - 2n, U - 1n], U - 1n],
    ["uint64", [U - 1n, U - 1n, U - 1n, U - 1n, U - 1n, U - 1n, U - 1n, U - 3n], U - 1n],
    ["uint64", [U - 1n, 0n], I],
    ["int64", [I - 1n, I - 1n], I - 1n],
    ["int64", [-I, -I + 1n], -I],
    ["int64", [-I, I - 1n], 0n],
    ["int64", [-I, -I, -I, -I + 2n], -I],
    ["int64", [2n ** 53n + 1n, 2n ** 53n + 2n], 2n ** 53n + 2n],
  ] as [KernelDType, bigint[], bigint][])("%s: mean of %s is %s", (dtype, values, expected) => {
    const shape = values.length === 2 ? [2] : values.length === 4 ? [2, 2] : [2, 2, 2];
    expectBoth(both("mean", dtype, values, shape, shape), [expected]);
  });
});

describe("median is the lower median", () => {
  test.each([
    ["uint8", [4, 3, 1, 2], [2, 2], 2],
    ["int16", [4, 3, 1, 2], [4], 2],
    ["float32", [4, 3, 1, 2], [2, 2], 2],
    ["uint16", [1, 2], [2], 1],
    ["int32", [3, 1, 2], [3], 2],
    ["uint8", [8, 1, 7, 2, 6, 3, 5, 4], [2, 2, 2], 4],
    ["float64", [Number.NaN, 1, 2, 3], [2, 2], 2],
    ["float32", [Number.NaN, Number.NaN, Number.NaN, 1], [2, 2], Number.NaN],
    ["float64", [0, -0, 0, -0], [2, 2], -0],
    ["float32", [0, -0, 0, 1], [2, 2], 0],
    ["uint64", [2n ** 64n - 1n, 0n, 5n, 2n ** 63n], [2, 2], 5n],
  ] as [KernelDType, Scalar[], number[], Scalar][])(
    "%s: median of %s (shape %s) is %s",
    (dtype, values, shape, expected) => {
      expectBoth(both("median", dtype, values, shape, shape), [expected]);
    },
  );
});

describe("mode is the most frequent value, ties to the smallest", () => {
  test.each([
    ["uint16", [5, 5, 3, 3], [2, 2], 3],
    ["uint8", [1, 2, 3, 4], [2, 2], 1],
    ["int8", [7, 7, 7, -1], [2, 2], 7],
    ["int16", [-4, 9, 9, -4], [2, 2], -4],
    ["uint8", [2, 9, 9, 2, 5, 5, 5, 1], [2, 2, 2], 5],
    ["int32", [2, 9, 9, 2, 5, 5, 1, 1], [2, 2, 2], 1],
    ["float32", [-0, 0], [2], -0],
    ["float32", [Number.NaN, Number.NaN, 1, 1], [2, 2], 1],
    ["float64", [Number.NaN, Number.NaN, Number.NaN, 1], [2, 2], Number.NaN],
    ["uint64", [2n ** 64n - 1n, 2n ** 64n - 1n, 3n, 4n], [2, 2], 2n ** 64n - 1n],
    ["uint32", [4294967295, 4294967295, 0, 0], [2, 2], 0],
  ] as [KernelDType, Scalar[], number[], Scalar][])(
    "%s: mode of %s (shape %s) is %s",
    (dtype, values, shape, expected) => {
      expectBoth(both("mode", dtype, values, shape, shape), [expected]);
    },
  );
});

describe("min and max", () => {
  test.each([
    ["min", "float32", [Number.NaN, 1, -1, 2], -1],
    ["max", "float32", [Number.NaN, 1, -1, 2], Number.NaN],
    ["min", "float64", [Number.NaN, Number.NaN, Number.NaN, Number.NaN], Number.NaN],
    ["min", "float64", [0, -0, 1, 2], -0],
    ["max", "float32", [-0, 0, -1, -2], 0],
    ["max", "float64", [-0, -0, -1, -2], -0],
    [
      "min",
      "float64",
      [Number.POSITIVE_INFINITY, 1, Number.NEGATIVE_INFINITY, 2],
      Number.NEGATIVE_INFINITY,
    ],
    ["min", "int32", [-2147483648, 2147483647, 0, 1], -2147483648],
    ["max", "uint32", [4294967295, 2147483648, 0, 1], 4294967295],
    ["min", "uint32", [4294967295, 2147483648, 7, 2147483647], 7],
    ["min", "int64", [-(2n ** 63n), 2n ** 63n - 1n, 0n, 1n], -(2n ** 63n)],
    ["max", "uint64", [2n ** 64n - 1n, 2n ** 63n, 0n, 1n], 2n ** 64n - 1n],
    ["max", "int8", [-128, 127, 0, -1], 127],
    ["min", "int16", [-32768, 32767, 0, -1], -32768],
  ] as [DownsampleMethod, KernelDType, Scalar[], Scalar][])(
    "%s (%s) of %s is %s",
    (method, dtype, values, expected) => {
      expectBoth(both(method, dtype, values, [2, 2], [2, 2]), [expected]);
    },
  );
});

describe("float mean", () => {
  test.each([
    ["float32", [1, 2, 3, 4], 2.5],
    // TensorStore's accumulator starts at +0: 0 + -0 = +0 (a plain copy keeps -0; see below).
    ["float64", [-0, -0, -0, -0], 0],
    ["float32", [-0, -0, -0, -0], 0],
    ["float32", [-0, 0, -0, -0], 0],
    ["float64", [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1, 1], Number.NaN],
    ["float64", [0.1, 0.2, 0.3, 0.4], (0.1 + 0.2 + 0.3 + 0.4) / 4],
    [
      "float32",
      [0.1, 0.2, 0.3, 0.4],
      Math.fround((Math.fround(0.1) + Math.fround(0.2) + Math.fround(0.3) + Math.fround(0.4)) / 4),
    ],
  ] as [KernelDType, number[], number][])("%s: mean of %s is %d", (dtype, values, expected) => {
    expectBoth(both("mean", dtype, values, [2, 2], [2, 2]), [expected]);
  });
});

describe("a 5×5 array with factor 2 gives 3×3 over in-bounds elements", () => {
  // Input value at (y, x) is 5y + x.
  const ramp = Array.from({ length: 25 }, (_, i) => i);
  test.each([
    // (0,0)=0,1,5,6  (0,1)=2,3,7,8  (0,2)=4,9  (1,0)=10,11,15,16 ... (2,2)=24
    ["mean", "uint8", [3, 5, 6, 13, 15, 16, 20, 22, 24]],
    ["mean", "int64", [3, 5, 6, 13, 15, 16, 20, 22, 24]],
    ["mean", "float32", [3, 5, 6.5, 13, 15, 16.5, 20.5, 22.5, 24]],
    ["stride", "uint16", [0, 2, 4, 10, 12, 14, 20, 22, 24]],
    ["min", "int32", [0, 2, 4, 10, 12, 14, 20, 22, 24]],
    ["max", "float64", [6, 8, 9, 16, 18, 19, 21, 23, 24]],
    ["median", "uint16", [1, 3, 4, 11, 13, 14, 20, 22, 24]],
    ["mode", "int16", [0, 2, 4, 10, 12, 14, 20, 22, 24]],
  ] as [DownsampleMethod, KernelDType, number[]][])("%s (%s)", (method, dtype, expected) => {
    expectBoth(both(method, dtype, big(dtype, ramp), [5, 5], [2, 2]), big(dtype, expected));
  });
});

describe("stride takes the first element of each block", () => {
  test.each([
    ["uint8", [7], [3], [0, 3, 6]],
    ["float32", [2, 3], [2, 2], [0, 2]],
    ["int64", [3, 3], [1, 2], [0, 2, 3, 5, 6, 8]],
    ["float64", [2, 2, 2], [2, 2, 2], [0]],
  ] as [KernelDType, number[], number[], number[]][])(
    "%s shape %s factors %s",
    (dtype, shape, factors, expected) => {
      const n = shape.reduce((p, v) => p * v, 1);
      const values = big(
        dtype,
        Array.from({ length: n }, (_, i) => i),
      );
      expectBoth(both("stride", dtype, values, shape, factors), big(dtype, expected));
    },
  );
  test("copies float bits exactly (-0, NaN payloads)", () => {
    const src = new Float64Array([-0, 1, Number.NaN, 2]);
    const bits = new Uint32Array(src.buffer);
    bits[5] = 0xfff80001; // a negative NaN with a payload
    bits[4] = 0x12345678;
    const out = downsample("stride", "float64", src, [4], [2]) as Float64Array;
    expect(Object.is(out[0], -0)).toBe(true);
    expect(Array.from(new Uint32Array(out.buffer, 8, 2))).toEqual([0x12345678, 0xfff80001]);
  });
});

describe("bool", () => {
  test.each([
    ["mean", [1, 1, 0, 0], 0],
    ["mean", [1, 1, 1, 0], 1],
    ["mode", [0, 1, 1, 0], 0],
    ["min", [1, 1, 1, 0], 0],
    ["max", [0, 0, 1, 0], 1],
    ["median", [1, 1, 1, 0], 1],
    ["median", [1, 1, 0, 0], 0],
  ] as [DownsampleMethod, number[], number][])("%s of %s is %d", (method, values, expected) => {
    expectBoth(both(method, "bool", values, [2, 2], [2, 2]), [expected]);
  });
  test("bool mean equals bool mode on every 2×2×2 pattern", () => {
    for (let m = 0; m < 256; m++) {
      const values = Array.from({ length: 8 }, (_, i) => (m >> i) & 1);
      const mean = both("mean", "bool", values, [2, 2, 2], [2, 2, 2]).kernel;
      expect(mean).toEqual(both("mode", "bool", values, [2, 2, 2], [2, 2, 2]).reference);
    }
  });
});
