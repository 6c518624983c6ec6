/**
 * Property: any sequence of region writes (arrays or scalars, v2/v3, sharded or not, any
 * chunking) followed by any region read equals the same operations on a plain reference array.
 */
import { fc, test as fcTest } from "@fast-check/vitest";
import { describe, expect } from "vitest";
import { createArray, createMemoryStore } from "../../../src/store/index.js";
import { sliceRef } from "./helpers.js";

type Box = [number, number][];

const layout = fc.integer({ min: 1, max: 3 }).chain((nd) =>
  fc.record({
    shape: fc.array(fc.integer({ min: 1, max: 13 }), { minLength: nd, maxLength: nd }),
    chunks: fc.array(fc.integer({ min: 1, max: 6 }), { minLength: nd, maxLength: nd }),
    shardFactor: fc.array(fc.integer({ min: 1, max: 3 }), { minLength: nd, maxLength: nd }),
    sharded: fc.boolean(),
    format: fc.constantFrom(2 as const, 3 as const),
    ops: fc.array(
      fc.record({
        box: fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: nd, maxLength: nd }),
        scalar: fc.boolean(),
        seed: fc.integer({ min: 1, max: 1000 }),
      }),
      { minLength: 1, maxLength: 5 },
    ),
    read: fc.array(fc.tuple(fc.nat(), fc.nat()), { minLength: nd, maxLength: nd }),
  }),
);

function toBox(raw: [number, number][], shape: number[]): Box {
  return raw.map(([a, b], i) => {
    const lo = a % (shape[i]! + 1);
    const hi = lo + (b % (shape[i]! - lo + 1));
    return [lo, hi];
  });
}

function writeRef(ref: Int16Array, shape: number[], box: Box, values: (i: number) => number): void {
  let k = 0;
  const rec = (axis: number, offset: number) => {
    const stride = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    for (let i = box[axis]![0]; i < box[axis]![1]; i++) {
      if (axis === shape.length - 1) ref[offset + i] = values(k++);
      else rec(axis + 1, offset + i * stride);
    }
  };
  rec(0, 0);
}

describe("region writes and reads", () => {
  fcTest.prop([layout], { numRuns: 150 })("match a plain reference array", async (p) => {
    const sharded = p.sharded && p.format === 3;
    const store = createMemoryStore();
    const arr = await createArray(store, "a", p.format, {
      shape: p.shape,
      dtype: "int16",
      chunks: p.chunks,
      fillValue: -1,
      codec: { name: "blosc", cname: "lz4", shuffle: "shuffle" },
      ...(sharded ? { shards: p.chunks.map((c, i) => c * p.shardFactor[i]!) } : {}),
    });
    const n = p.shape.reduce((a, b) => a * b, 1);
    const ref = new Int16Array(n).fill(-1);
    for (const op of p.ops) {
      const box = toBox(op.box, p.shape);
      const size = box.reduce((a, [lo, hi]) => a * (hi - lo), 1);
      if (op.scalar) {
        await arr.writeRegion(box, op.seed);
        writeRef(ref, p.shape, box, () => op.seed);
      } else {
        const data = Int16Array.from({ length: size }, (_, i) => (i * op.seed) % 30000);
        await arr.writeRegion(box, data);
        writeRef(ref, p.shape, box, (i) => data[i]!);
      }
    }
    const read = toBox(p.read, p.shape);
    expect(Array.from((await arr.readRegion(read)) as Int16Array)).toEqual(
      sliceRef(ref, p.shape, read),
    );
    const whole = p.shape.map((s) => [0, s] as [number, number]);
    expect(Array.from((await arr.readRegion(whole)) as Int16Array)).toEqual(Array.from(ref));
  });
});
