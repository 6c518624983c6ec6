/**
 * The uint16 2×2 mean that reads and writes 32-bit words (fast-2x2-u16-mean.ts) equals the
 * element-wise kernel on every geometry it takes (nx a multiple of 4, planes stacked, odd ny,
 * values up to 65535 so that the sums carry past 16 bits) and falls back on the others (nx not a
 * multiple of 4, views at 2-byte offsets).
 */
import { fc, test } from "@fast-check/vitest";
import { expect } from "vitest";
import { mean2x2Short } from "../../../native-free-kernels/fast-2x2-short.js";
import { mean2x2ShortWords } from "../../../native-free-kernels/fast-2x2-u16-mean.js";

const geometry = fc.record({
  planes: fc.integer({ min: 1, max: 3 }),
  ny: fc.integer({ min: 2, max: 9 }),
  nx: fc.integer({ min: 2, max: 24 }),
  /** Elements before the data in its buffer (1 or 3: a 2-byte offset, no word path). */
  offset: fc.constantFrom(0, 1, 2, 3),
  seed: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
  high: fc.boolean(),
});

test.prop([geometry], { numRuns: 300 })(
  "equals the element-wise kernel",
  ({ planes, ny, nx, offset, seed, high }) => {
    const n = planes * ny * nx;
    const buf = new Uint16Array(offset + n);
    let x = seed;
    for (let i = 0; i < buf.length; i++) {
      x = (Math.imul(x, 1103515245) + 12345) >>> 0;
      buf[i] = high ? 65535 - (x >>> 28) : x >>> 16;
    }
    const src = buf.subarray(offset);
    const oy = (ny + 1) >> 1;
    const ox = (nx + 1) >> 1;
    // Both outputs at the same offset as the input, so the word path runs on aligned views only.
    const a = new Uint16Array(offset + planes * oy * ox).subarray(offset);
    const b = new Uint16Array(offset + planes * oy * ox).subarray(offset);
    mean2x2Short(src, a, planes, ny, nx);
    mean2x2ShortWords(src, b, planes, ny, nx);
    expect(Array.from(b)).toEqual(Array.from(a));
  },
);
