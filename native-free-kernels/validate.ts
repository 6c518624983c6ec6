/**
 * Argument checks at the kernels' boundary. The kernels import nothing outside this folder,
 * so they throw the built-in TypeError / RangeError with a message that says what was found,
 * what was expected, and how to fix it.
 */
import { DOWNSAMPLE_METHODS, DTYPES, type KernelDType } from "./types.js";

function isCount(v: unknown): v is number {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Checks shape and factors and returns the output shape ⌈n/f⌉ per axis.
 * @throws {RangeError} if the lengths differ, a size is not a non-negative safe integer, or a
 *   factor is not an integer >= 1.
 */
export function checkGeometry(srcShape: readonly number[], factors: readonly number[]): number[] {
  if (srcShape.length !== factors.length) {
    throw new RangeError(
      `factors has ${factors.length} entries but srcShape has ${srcShape.length} axes; ` +
        "pass one factor per axis (1 keeps an axis)",
    );
  }
  const out: number[] = [];
  for (let a = 0; a < srcShape.length; a++) {
    const n = srcShape[a];
    const f = factors[a];
    if (!isCount(n)) {
      throw new RangeError(`srcShape[${a}] is ${String(n)}; expected a non-negative integer`);
    }
    if (!isCount(f) || f < 1) {
      throw new RangeError(`factors[${a}] is ${String(f)}; expected an integer >= 1`);
    }
    out.push(Math.ceil(n / f));
  }
  return out;
}

/** Throws a TypeError unless `method` and `dtype` are supported names. */
export function checkNames(method: unknown, dtype: unknown): void {
  if (!DOWNSAMPLE_METHODS.includes(method as never)) {
    throw new TypeError(
      `unknown downsample method ${JSON.stringify(method)}; expected one of ${DOWNSAMPLE_METHODS.join(", ")}`,
    );
  }
  if (typeof dtype !== "string" || !Object.hasOwn(DTYPES, dtype)) {
    throw new TypeError(
      `unknown dtype ${JSON.stringify(dtype)}; expected one of ${Object.keys(DTYPES).join(", ")}`,
    );
  }
}

function tagOf(v: unknown): string {
  if (!ArrayBuffer.isView(v)) return v === null ? "null" : typeof v;
  return (v as unknown as { [Symbol.toStringTag]: string })[Symbol.toStringTag] ?? "DataView";
}

/**
 * Checks that `array` is the typed array of `dtype` with `length` elements.
 * @throws {TypeError} for the wrong array type; {RangeError} for the wrong length.
 */
export function checkArray(
  name: "src" | "out",
  array: unknown,
  dtype: KernelDType,
  length: number,
  shapeText: string,
): void {
  const expected = DTYPES[dtype].tag;
  const found = tagOf(array);
  if (found !== expected) {
    throw new TypeError(`${name} is a ${found}; dtype ${dtype} needs a ${expected}`);
  }
  const n = (array as { length: number }).length;
  if (n !== length) {
    const fix =
      name === "out"
        ? "allocate it with the product of downsampledShape(srcShape, factors), or omit it"
        : "srcShape must describe exactly the elements of src";
    throw new RangeError(
      `${name} has length ${n}; expected ${length} (the product of shape ${shapeText}): ${fix}`,
    );
  }
}
