/**
 * Property tests: every method × dtype × shape × factors equals the plain reference, value for
 * value (floats bit for bit up to the NaN payload; -0 and +0 differ).
 */
import { test } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { downsample, type KernelArray } from "../../../native-free-kernels/index.js";
import { anyGeometry, fastGeometry, type KernelCase, kernelCase } from "./arbitraries.js";
import { makeArray, referenceDownsample, referenceShape, type Scalar } from "./reference.js";

/** Printable form that tells -0 from 0 and marks bigints. */
function show(v: Scalar): string {
  if (typeof v === "bigint") return `${v}n`;
  return Object.is(v, -0) ? "-0" : String(v);
}

function run(c: KernelCase): void {
  let src = makeArray(c.dtype, c.values);
  if (c.withOffset) {
    const Ctor = src.constructor as new (b: ArrayBufferLike, o: number, n: number) => KernelArray;
    const buffer = new ArrayBuffer((src.length + 2) * src.BYTES_PER_ELEMENT);
    const shifted = new Ctor(buffer, src.BYTES_PER_ELEMENT, src.length);
    (shifted as unknown as { set(a: ArrayLike<Scalar>): void }).set(src as ArrayLike<Scalar>);
    src = shifted;
  }
  const expected = referenceDownsample(c.method, c.dtype, src, c.shape, c.factors);
  let out: KernelArray | undefined;
  if (c.withOut) {
    out = makeArray(
      c.dtype,
      new Array(expected.length).fill(typeof c.values[0] === "bigint" ? 7n : 7),
    );
  }
  const before = Array.from(src as ArrayLike<Scalar>);
  const result = downsample(c.method, c.dtype, src, c.shape, c.factors, out);
  if (out !== undefined) expect(result).toBe(out);
  expect(result.constructor).toBe(expected.constructor);
  expect(result.length).toBe(referenceShape(c.shape, c.factors).reduce((p, n) => p * n, 1));
  expect(Array.from(result as ArrayLike<Scalar>, show)).toEqual(
    Array.from(expected as ArrayLike<Scalar>, show),
  );
  // The source is never modified.
  expect(Array.from(src as ArrayLike<Scalar>, show)).toEqual(before.map(show));
}

describe("downsample equals the reference", () => {
  test.prop([kernelCase(anyGeometry)], { numRuns: 1500 })(
    "any method, dtype, rank 1–4, sizes 1–9, factors 1–4",
    (c) => run(c),
  );
  test.prop([kernelCase(fastGeometry)], { numRuns: 1500 })(
    "2×2 and 2×2×2 shapes (specialized kernels and their edges)",
    (c) => run(c),
  );
});
