/**
 * The word-wise shuffle kernels against bit-by-bit references: every typesize, lengths that
 * leave short tails and leftover bytes, and unaligned views (which take the byte paths).
 */
import { expect, test } from "vitest";
import { bitShuffle, byteShuffle } from "../../../src/store/blosc.js";
import { byteUnshuffle2 } from "../../../src/store/blosc-decode.js";

function bytes(n: number, seed: number): Uint8Array {
  const p = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    p[i] = s >>> 24;
  }
  return p;
}

/** bitshuffle's layout, one bit at a time (blosc format 2: only whole multiples of 8 elements). */
function bitShuffleReference(src: Uint8Array, ts: number): Uint8Array {
  const dst = new Uint8Array(src.length);
  const elems = Math.floor(src.length / ts);
  const n = elems % 8 === 0 ? elems : 0;
  for (let e = 0; e < n; e++) {
    for (let j = 0; j < ts; j++) {
      for (let b = 0; b < 8; b++) {
        if ((src[e * ts + j]! >> b) & 1) dst[(j * 8 + b) * (n / 8) + (e >> 3)]! |= 1 << (e & 7);
      }
    }
  }
  for (let k = n * ts; k < src.length; k++) dst[k] = src[k]!;
  return dst;
}

const CASES = [1, 2, 3, 4, 8].flatMap((ts) =>
  [0, 8, 24, 32, 40, 64, 96, 1000, 1024, 4104].flatMap((n) =>
    [0, 1, 3].map((extra) => [ts, n, extra] as const),
  ),
);

test.each(CASES)("bitShuffle = reference: typesize %i, %i elements + %i bytes", (ts, n, extra) => {
  for (const offset of [0, 1, 4]) {
    const src = bytes(n * ts + extra + offset, n + ts).subarray(offset);
    const dst = new Uint8Array(src.length + offset).subarray(offset);
    bitShuffle(src, dst, ts);
    expect(Buffer.from(dst).equals(Buffer.from(bitShuffleReference(src, ts)))).toBe(true);
  }
});

test.each([0, 1, 2, 7, 8, 64, 1001, 4096, 65_536])(
  "byteUnshuffle2 inverts byteShuffle for %i bytes, aligned or not",
  (n) => {
    for (const offset of [0, 1, 2]) {
      const src = bytes(n + offset, n).subarray(offset);
      const shuffled = new Uint8Array(n + offset).subarray(offset);
      byteShuffle(src, shuffled, 2);
      const back = new Uint8Array(n + 3).subarray(3 - (offset % 3), 3 - (offset % 3) + n);
      byteUnshuffle2(shuffled, back);
      expect(Buffer.from(back).equals(Buffer.from(src))).toBe(true);
    }
  },
);
