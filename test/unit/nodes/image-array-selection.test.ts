import ndarray from "ndarray";
import { describe, expect, test } from "vitest";
import { isOmeZarrError } from "../../../src/errors.js";
import { cStrides, dtypeOfTypedArray, toDense } from "../../../src/nodes/pixel-data.js";
import { resolveSelection, squeezedEqual } from "../../../src/nodes/selection.js";

describe("resolveSelection", () => {
  test.each([
    // [shape, selection, region, resultShape]
    [
      [4, 5],
      [],
      [
        [0, 4],
        [0, 5],
      ],
      [4, 5],
    ],
    [
      [4, 5],
      [1],
      [
        [1, 2],
        [0, 5],
      ],
      [5],
    ],
    [
      [4, 5],
      [null, [1, 3]],
      [
        [0, 4],
        [1, 3],
      ],
      [4, 2],
    ],
    [
      [4, 5],
      [-1, -2],
      [
        [3, 4],
        [3, 4],
      ],
      [],
    ],
    [
      [4, 5],
      [[-2, 10]],
      [
        [2, 4],
        [0, 5],
      ],
      [2, 5],
    ],
    [
      [4, 5],
      [[3, 1]],
      [
        [3, 3],
        [0, 5],
      ],
      [0, 5],
    ],
    [
      [4, 5],
      [[-10, -3]],
      [
        [0, 1],
        [0, 5],
      ],
      [1, 5],
    ],
  ] as const)("shape %j selection %j", (shape, sel, region, result) => {
    const r = resolveSelection(shape, sel);
    expect(r.region).toEqual(region);
    expect(r.resultShape).toEqual(result);
  });

  test.each([
    [[4, 5], [4], "outside"],
    [[4, 5], [-5], "outside"],
    [[4, 5], [0, 0, 0], "3 entries for 2 axes"],
    [[4, 5], [1.5], "not an integer"],
    [[4, 5], [[0, 1.5]], "integers"],
  ] as const)("shape %j rejects %j", (shape, sel, msg) => {
    let err: unknown;
    try {
      resolveSelection(shape, sel as never);
    } catch (e) {
      err = e;
    }
    expect(isOmeZarrError(err, "ShapeMismatch")).toBe(true);
    expect((err as Error).message).toContain(msg);
  });

  test("squeezedEqual ignores axes of length 1", () => {
    expect(squeezedEqual([1, 4, 5], [4, 1, 5])).toBe(true);
    expect(squeezedEqual([4, 5], [5, 4])).toBe(false);
    expect(squeezedEqual([], [1, 1])).toBe(true);
  });
});

describe("toDense", () => {
  test("a contiguous ndarray is used in place", () => {
    const data = new Uint16Array([1, 2, 3, 4, 5, 6]);
    const d = toDense(ndarray(data, [2, 3]));
    expect(d.dtype).toBe("uint16");
    expect(d.shape).toEqual([2, 3]);
    expect(d.data.buffer).toBe(data.buffer);
  });

  test("a transposed view is copied to C order", () => {
    const a = ndarray(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
    const d = toDense(a.transpose(1, 0));
    expect(d.shape).toEqual([3, 2]);
    expect([...d.data]).toEqual([1, 4, 2, 5, 3, 6]);
  });

  test("stepped, offset and reversed views are copied", () => {
    const a = ndarray(new Int32Array(Array.from({ length: 24 }, (_, i) => i)), [2, 3, 4]);
    const v = a.lo(0, 1, 1).step(1, 1, -2); // [2, 2, 3] view with negative stride
    const d = toDense(v);
    const expected: number[] = [];
    for (let i = 0; i < v.shape[0]!; i++)
      for (let j = 0; j < v.shape[1]!; j++)
        for (let k = 0; k < v.shape[2]!; k++) expected.push(v.get(i, j, k));
    expect(d.shape).toEqual(v.shape);
    expect([...d.data]).toEqual(expected);
  });

  test("bigint data keeps its type", () => {
    const d = toDense({ data: new BigUint64Array([1n, 2n]), shape: [2] });
    expect(d.dtype).toBe("uint64");
  });

  test("booleans become uint8 0/1 with dtype bool", () => {
    const d = toDense({ data: [true, false, true], shape: [3] });
    expect(d.dtype).toBe("bool");
    expect([...d.data]).toEqual([1, 0, 1]);
  });

  test("length mismatch and plain number arrays are typed errors", () => {
    expect(() => toDense({ data: new Uint8Array(5), shape: [2, 3] })).toThrow(/5 elements/);
    expect(() => toDense({ data: [1, 2] as never, shape: [2] })).toThrow(/typed array/);
  });

  test("helpers", () => {
    expect(cStrides([2, 3, 4])).toEqual([12, 4, 1]);
    expect(dtypeOfTypedArray(new BigInt64Array(1))).toBe("int64");
    expect(dtypeOfTypedArray([1])).toBeUndefined();
  });
});
