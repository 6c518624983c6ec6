/**
 * A block's bytes where they already are: equal rows at given offsets of a bigger buffer (a box
 * of a C-order slab), so that an encoder can read them in place instead of a copy being cut
 * out first (the pool's write tasks: each chunk of a frame is 256 rows of the frame).
 */
import type { AnyTypedArray } from "./types.js";

/** A logical buffer of `offsets.length` rows of `rowBytes` bytes each, in `bytes`. */
export interface Rows {
  bytes: Uint8Array;
  rowBytes: number;
  /** Byte offset in `bytes` of each row, in order. */
  offsets: Int32Array;
}

/** Bytes of the logical buffer. */
export function rowsLength(r: Rows): number {
  return r.rowBytes * r.offsets.length;
}

/**
 * The rows of the box `start`/`size` of `src` (C order, `shape`), the last axis being the row;
 * the caller's `src` must stay unchanged while the rows are in use.
 */
export function boxRows(
  src: AnyTypedArray,
  shape: readonly number[],
  start: readonly number[],
  size: readonly number[],
): Rows {
  const nd = shape.length;
  const bpe = src.BYTES_PER_ELEMENT;
  const strides = new Array<number>(nd);
  let acc = bpe;
  for (let i = nd - 1; i >= 0; i--) {
    strides[i] = acc;
    acc *= shape[i]!;
  }
  let base = 0;
  for (let i = 0; i < nd; i++) base += start[i]! * strides[i]!;
  let count = 1;
  for (let i = 0; i < nd - 1; i++) count *= size[i]!;
  const offsets = new Int32Array(count);
  const idx = new Array<number>(Math.max(0, nd - 1)).fill(0);
  let off = base;
  for (let r = 0; r < count; r++) {
    offsets[r] = off;
    for (let k = nd - 2; k >= 0; k--) {
      idx[k]!++;
      off += strides[k]!;
      if (idx[k]! < size[k]!) break;
      off -= size[k]! * strides[k]!;
      idx[k] = 0;
    }
  }
  return {
    bytes: new Uint8Array(src.buffer, src.byteOffset, src.byteLength),
    rowBytes: size[nd - 1]! * bpe,
    offsets,
  };
}

/** Copy logical bytes `[lo, hi)` of `r` to `dst` from its start. */
export function gatherRows(r: Rows, lo: number, hi: number, dst: Uint8Array): void {
  const rb = r.rowBytes;
  let at = 0;
  for (let row = Math.floor(lo / rb); at < hi - lo; row++) {
    const from = Math.max(lo - row * rb, 0);
    const n = Math.min(rb - from, hi - lo - at);
    const o = r.offsets[row]! + from;
    dst.set(r.bytes.subarray(o, o + n), at);
    at += n;
  }
}

/**
 * Byte shuffle (c-blosc `shuffle_generic`) of logical bytes `[lo, hi)` of `r` into `dst`: byte
 * j of element i → `dst[j*n + i]`, n = whole elements in the range; trailing bytes past the
 * last whole element are copied. Equal to `byteShuffle` of the gathered bytes.
 */
export function shuffleRows(r: Rows, lo: number, hi: number, dst: Uint8Array, typesize: number) {
  const len = hi - lo;
  const n = Math.floor(len / typesize);
  const rb = r.rowBytes;
  const words =
    typesize === 2 &&
    n % 4 === 0 &&
    rb % 8 === 0 &&
    lo % rb === 0 &&
    len % rb === 0 &&
    (r.bytes.byteOffset & 3) === 0 &&
    (dst.byteOffset & 3) === 0 &&
    r.offsets.every((o) => (o & 3) === 0);
  if (words) {
    // Four elements per step through 32-bit words (little-endian host), whole rows.
    const s32 = new Uint32Array(r.bytes.buffer, r.bytes.byteOffset, r.bytes.byteLength >> 2);
    const lo32 = new Uint32Array(dst.buffer, dst.byteOffset, n >> 2);
    const hi32 = new Uint32Array(dst.buffer, dst.byteOffset + n, n >> 2);
    const wordsPerRow = rb >> 3;
    let w = 0;
    for (let row = lo / rb; row < hi / rb; row++) {
      let i = r.offsets[row]! >> 2;
      const end = w + wordsPerRow;
      for (; w < end; w++, i += 2) {
        const a = s32[i]!;
        const b = s32[i + 1]!;
        lo32[w] = (a & 0xff) | ((a >>> 8) & 0xff00) | ((b & 0xff) << 16) | ((b & 0xff0000) << 8);
        hi32[w] =
          ((a >>> 8) & 0xff) | ((a >>> 16) & 0xff00) | ((b & 0xff00) << 8) | (b & 0xff000000);
      }
    }
    return;
  }
  // Any geometry: byte by byte along the logical range.
  const bytes = r.bytes;
  let k = 0;
  for (let row = Math.floor(lo / rb); k < len; row++) {
    const from = Math.max(lo - row * rb, 0);
    const m = Math.min(rb - from, len - k);
    const o = r.offsets[row]! + from;
    for (let q = 0; q < m; q++, k++) {
      const e = Math.floor(k / typesize);
      dst[e < n ? (k % typesize) * n + e : k] = bytes[o + q]!;
    }
  }
}
