/** The boundary: argument checks, the `out` parameter, shapes, and axis collapsing. */
import { describe, expect, test } from "vitest";
import {
  DOWNSAMPLE_METHODS,
  downsample,
  downsampledShape,
} from "../../../native-free-kernels/index.js";
import { referenceDownsample, toValues } from "./reference.js";

describe("downsampledShape", () => {
  test.each([
    [
      [5, 5],
      [2, 2],
      [3, 3],
    ],
    [
      [1, 1, 7, 2048, 2047],
      [1, 1, 2, 2, 2],
      [1, 1, 4, 1024, 1024],
    ],
    [
      [0, 3],
      [2, 4],
      [0, 1],
    ],
    [[], [], []],
  ])("%j by %j is %j", (shape, factors, expected) => {
    expect(downsampledShape(shape, factors)).toEqual(expected);
  });

  test.each([
    [[4, 4], [2], /factors has 1 entries but srcShape has 2 axes/],
    [[4, 4], [2, 0], /factors\[1\] is 0; expected an integer >= 1/],
    [[4, 4], [2, 1.5], /factors\[1\] is 1.5; expected an integer >= 1/],
    [[4, -1], [2, 2], /srcShape\[1\] is -1; expected a non-negative integer/],
  ])("rejects %j by %j", (shape, factors, message) => {
    expect(() => downsampledShape(shape, factors)).toThrow(RangeError);
    expect(() => downsampledShape(shape, factors)).toThrow(message);
  });
});

describe("out parameter", () => {
  test("is filled and returned when it has the output length", () => {
    const out = new Uint16Array(4).fill(9);
    const result = downsample(
      "max",
      "uint16",
      new Uint16Array([1, 2, 3, 4, 5, 6, 7, 8]),
      [2, 4],
      [1, 2],
      out,
    );
    expect(result).toBe(out);
    expect(Array.from(out)).toEqual([2, 4, 6, 8]);
  });

  test("of the wrong length throws a RangeError that names both lengths", () => {
    const call = () =>
      downsample("mean", "uint16", new Uint16Array(16), [4, 4], [2, 2], new Uint16Array(3));
    expect(call).toThrow(RangeError);
    expect(call).toThrow(
      "out has length 3; expected 4 (the product of shape [2, 2]): allocate it with the product of downsampledShape(srcShape, factors), or omit it",
    );
  });

  test("of the wrong type throws a TypeError", () => {
    const call = () =>
      downsample("mean", "uint16", new Uint16Array(16), [4, 4], [2, 2], new Int16Array(4));
    expect(call).toThrow(TypeError);
    expect(call).toThrow("out is a Int16Array; dtype uint16 needs a Uint16Array");
  });
});

describe("argument checks", () => {
  test("src length must match srcShape", () => {
    const call = () => downsample("mean", "float32", new Float32Array(15), [4, 4], [2, 2]);
    expect(call).toThrow(RangeError);
    expect(call).toThrow("src has length 15; expected 16 (the product of shape [4, 4])");
  });

  test.each([
    ["uint8", new Int8Array(4), "src is a Int8Array; dtype uint8 needs a Uint8Array"],
    ["int64", new Float64Array(4), "src is a Float64Array; dtype int64 needs a BigInt64Array"],
    ["bool", [0, 1, 0, 1], "src is a object; dtype bool needs a Uint8Array"],
  ])("dtype %s rejects the wrong array", (dtype, src, message) => {
    expect(() =>
      downsample("min", dtype as "uint8", src as unknown as Uint8Array, [4], [2]),
    ).toThrow(message);
  });

  test("unknown method or dtype", () => {
    expect(() => downsample("average" as "mean", "uint8", new Uint8Array(4), [4], [2])).toThrow(
      'unknown downsample method "average"; expected one of stride, mean, median, mode, min, max',
    );
    expect(() => downsample("mean", "float16" as "uint8", new Uint8Array(4), [4], [2])).toThrow(
      /unknown dtype "float16"; expected one of bool, int8/,
    );
  });
});

describe("shapes", () => {
  test("empty arrays give empty outputs", () => {
    expect(downsample("mean", "uint16", new Uint16Array(0), [0, 5], [2, 2]).length).toBe(0);
    expect(Array.from(downsampledShape([0, 5], [2, 2]))).toEqual([0, 3]);
  });

  test("rank 0 is a copy", () => {
    expect(toValues(downsample("mean", "int32", new Int32Array([-7]), [], []))).toEqual([-7]);
  });

  test.each(DOWNSAMPLE_METHODS)("factor 1 everywhere is an exact copy (%s)", (method) => {
    const src = new Float32Array([-0, Number.NaN, 1.5, -2, Number.POSITIVE_INFINITY, 3]);
    const out = downsample(method, "float32", src, [2, 3], [1, 1]);
    expect(toValues(out)).toEqual(Array.from(src));
    expect(Object.is(out[0], -0)).toBe(true);
  });

  test("a factor larger than the axis takes the whole axis", () => {
    const src = new Int16Array([5, 1, 4, 2, 3]);
    expect(toValues(downsample("median", "int16", src, [5], [64]))).toEqual([3]);
    expect(toValues(downsample("mean", "int16", src, [5], [8]))).toEqual([3]);
  });

  test("5-D TCZYX with factors [1,1,1,2,2] and [1,1,2,2,2] equals per-plane 2-D / 3-D", () => {
    const [t, c, z, y, x] = [2, 3, 5, 7, 9];
    const src = new Uint16Array(t * c * z * y * x);
    for (let i = 0; i < src.length; i++) src[i] = (i * 2654435761) % 65536;
    for (const method of DOWNSAMPLE_METHODS) {
      const got = downsample(method, "uint16", src, [t, c, z, y, x], [1, 1, 1, 2, 2]);
      const per: unknown[] = [];
      for (let p = 0; p < t * c * z; p++) {
        const plane = src.subarray(p * y * x, (p + 1) * y * x);
        per.push(...toValues(downsample(method, "uint16", plane, [y, x], [2, 2])));
      }
      expect(toValues(got)).toEqual(per);
      const vol = downsample(method, "uint16", src, [t, c, z, y, x], [1, 1, 2, 2, 2]);
      expect(toValues(vol)).toEqual(
        toValues(referenceDownsample(method, "uint16", src, [t, c, z, y, x], [1, 1, 2, 2, 2])),
      );
    }
  });

  test("long rows through the specialized kernels match the reference", () => {
    const shape = [1, 1, 3, 66, 130];
    const n = shape.reduce((p, v) => p * v, 1);
    const u8 = new Uint8Array(n);
    const f32 = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      u8[i] = (i * 37) % 7; // many repeats: mode and median ties
      f32[i] = ((i * 7919) % 1000) / 7 - 50;
    }
    for (const method of DOWNSAMPLE_METHODS) {
      for (const factors of [
        [1, 1, 1, 2, 2],
        [1, 1, 2, 2, 2],
      ]) {
        expect(toValues(downsample(method, "uint8", u8, shape, factors))).toEqual(
          toValues(referenceDownsample(method, "uint8", u8, shape, factors)),
        );
        expect(toValues(downsample(method, "float32", f32, shape, factors))).toEqual(
          toValues(referenceDownsample(method, "float32", f32, shape, factors)),
        );
      }
    }
  });
});

describe("large blocks", () => {
  // Regression guard for the exact-sum bound: past 2^21 uint32 elements a float64 running sum
  // rounds. Here n = 2^21 + 2, the first n/2 elements are V = 2^32 − 1 and the rest V − 1, so
  // the exact mean is V − 1/2, a tie that goes to the even V − 1. A plain float64 sum comes out
  // 1 too high (checked when writing this test) and would round to V.
  test("mean over more than 2^21 uint32 elements is exact", () => {
    const n = 2 ** 21 + 2;
    const v = 2 ** 32 - 1;
    const src = new Uint32Array(n).fill(v);
    src.fill(v - 1, n / 2);
    let naive = 0;
    for (let i = 0; i < n; i++) naive += src[i]!;
    expect(naive % n).toBe(n / 2 + 1); // the float64 sum is off, so this test can fail
    expect(toValues(downsample("mean", "uint32", src, [n], [n]))).toEqual([v - 1]);
  });

  test("median, mode, min, max over 1000-element blocks use the O(n log n) sort", () => {
    const src = new Int32Array(3000);
    for (let i = 0; i < src.length; i++) src[i] = ((i * 7919) % 1001) - 500;
    for (const method of ["median", "mode", "min", "max"] as const) {
      expect(toValues(downsample(method, "int32", src, [3, 1000], [1, 1000]))).toEqual(
        toValues(referenceDownsample(method, "int32", src, [3, 1000], [1, 1000])),
      );
      const big = new BigInt64Array(src.length);
      for (let i = 0; i < src.length; i++) big[i] = BigInt(src[i]!) * 3n ** 30n;
      expect(toValues(downsample(method, "int64", big, [3, 1000], [1, 1000]))).toEqual(
        toValues(referenceDownsample(method, "int64", big, [3, 1000], [1, 1000])),
      );
    }
  });
});
