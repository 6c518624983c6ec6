/**
 * A blosc (v1 format) encoder whose header tells the truth: the shuffle and typesize written
 * in the metadata are the ones in the bytes.
 *
 * numcodecs' wasm blosc always compresses with typesize 4. For 4-byte data types we use it as
 * is (all cnames); otherwise we build the blosc frame here: shuffle/bitshuffle in TypeScript,
 * each block compressed with lz4 (numcodecs wasm, raw block), zstd (numcodecs wasm, frame) or
 * zlib (`node:zlib`), blocks never split (flag 0x10), exactly as c-blosc's decoder expects.
 * Decoding always uses c-blosc (numcodecs wasm).
 */
import { deflateSync } from "node:zlib";
import Blosc from "numcodecs/blosc";
import LZ4 from "numcodecs/lz4";
import Zstd from "numcodecs/zstd";
import { UnsupportedError } from "../errors.js";
import type { BloscCname, BloscShuffle } from "./types.js";

/** Header flag bits (c-blosc `blosc.h`). */
export const BLOSC_FLAGS = {
  shuffle: 0x01,
  memcpyed: 0x02,
  bitshuffle: 0x04,
  dontSplit: 0x10,
} as const;

const HEADER = 16;
const MIN_BUFFERSIZE = 128;
const L1 = 32 * 1024;
const COMPFORMAT: Record<BloscCname, number> = { blosclz: 0, lz4: 1, lz4hc: 1, zlib: 3, zstd: 4 };
const SHUFFLE_CODE: Record<BloscShuffle, number> = { noshuffle: 0, shuffle: 1, bitshuffle: 2 };

/** Blosc parameters, as in the metadata. */
export interface BloscParams {
  cname: BloscCname;
  clevel: number;
  shuffle: BloscShuffle;
  typesize: number;
  /** 0 = automatic (c-blosc's rule). */
  blocksize: number;
}

/** Fields of a blosc header (for tests and diagnostics). */
export interface BloscHeader {
  version: number;
  versionlz: number;
  flags: number;
  typesize: number;
  nbytes: number;
  blocksize: number;
  cbytes: number;
  shuffle: BloscShuffle;
}

/** Parse the 16-byte header of a blosc buffer. */
export function readBloscHeader(buf: Uint8Array): BloscHeader {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const flags = buf[2]!;
  return {
    version: buf[0]!,
    versionlz: buf[1]!,
    flags,
    typesize: buf[3]!,
    nbytes: dv.getUint32(4, true),
    blocksize: dv.getUint32(8, true),
    cbytes: dv.getUint32(12, true),
    shuffle:
      flags & BLOSC_FLAGS.bitshuffle
        ? "bitshuffle"
        : flags & BLOSC_FLAGS.shuffle
          ? "shuffle"
          : "noshuffle",
  };
}

// c-blosc's compute_blocksize (without the split-mode table: we never split).
function computeBlocksize(p: BloscParams, nbytes: number): number {
  const hcr =
    p.cname === "lz4hc" ||
    p.cname === "zlib" ||
    p.cname === "zstd" ||
    (p.cname === "lz4" && p.shuffle === "bitshuffle");
  let bs = nbytes;
  if (p.blocksize > 0) bs = Math.max(p.blocksize, MIN_BUFFERSIZE);
  else if (nbytes >= L1) {
    bs = L1 * (hcr ? 2 : 1);
    const scale = [0.25, 1, 1, 1, 1, 2, 4, 8, 8, hcr ? 16 : 8][p.clevel] ?? 1;
    bs *= scale;
  }
  if (bs > nbytes) bs = nbytes;
  // Keep whole groups of 8 elements per block so bitshuffle never has leftovers inside full blocks.
  const unit = p.shuffle === "bitshuffle" ? 8 * p.typesize : p.typesize;
  if (bs > unit) bs = Math.floor(bs / unit) * unit;
  return bs;
}

/** Byte shuffle of one block (c-blosc `shuffle_generic`): byte j of element i → out[j*n + i]. */
export function byteShuffle(src: Uint8Array, dst: Uint8Array, typesize: number): void {
  const n = Math.floor(src.length / typesize);
  if (typesize === 2 && n % 4 === 0 && src.byteOffset % 4 === 0 && dst.byteOffset % 4 === 0) {
    shuffle2(src, dst, n);
  } else {
    for (let j = 0; j < typesize; j++) {
      const base = j * n;
      for (let i = 0, s = j; i < n; i++, s += typesize) dst[base + i] = src[s]!;
    }
  }
  for (let k = n * typesize; k < src.length; k++) dst[k] = src[k]!;
}

// Two-byte shuffle, four elements per step through 32-bit words (little-endian host).
function shuffle2(src: Uint8Array, dst: Uint8Array, n: number): void {
  const s32 = new Uint32Array(src.buffer, src.byteOffset, n / 2);
  const lo32 = new Uint32Array(dst.buffer, dst.byteOffset, n / 4);
  const hi32 = new Uint32Array(dst.buffer, dst.byteOffset + n, n / 4);
  for (let w = 0, i = 0; w < n / 4; w++, i += 2) {
    const a = s32[i]!;
    const b = s32[i + 1]!;
    lo32[w] = (a & 0xff) | ((a >>> 8) & 0xff00) | ((b & 0xff) << 16) | ((b & 0xff0000) << 8);
    hi32[w] = ((a >>> 8) & 0xff) | ((a >>> 16) & 0xff00) | ((b & 0xff00) << 8) | (b & 0xff000000);
  }
}

/**
 * Bit shuffle of one block (bitshuffle's `trans_bit_elem`, as c-blosc 1 calls it): bit b of
 * byte j of element e goes to row `j*8 + b`, bit `e % 8` of byte `e / 8`; bytes past the last
 * whole element are copied. Blosc format 2 bitshuffles a block only when its element count is a
 * multiple of 8 and copies it unchanged otherwise (c-blosc `bitshuffle()`; c-blosc2 keeps this
 * for format version 2), so we do the same.
 */
export function bitShuffle(src: Uint8Array, dst: Uint8Array, typesize: number): void {
  const elems = Math.floor(src.length / typesize);
  const n = elems % 8 === 0 ? elems : 0;
  const rowBytes = n / 8;
  for (let g = 0; g < rowBytes; g++) {
    const e0 = g * 8 * typesize;
    for (let j = 0; j < typesize; j++) {
      const s = e0 + j;
      let lo =
        src[s]! |
        (src[s + typesize]! << 8) |
        (src[s + 2 * typesize]! << 16) |
        (src[s + 3 * typesize]! << 24);
      let hi =
        src[s + 4 * typesize]! |
        (src[s + 5 * typesize]! << 8) |
        (src[s + 6 * typesize]! << 16) |
        (src[s + 7 * typesize]! << 24);
      // 8x8 bit-matrix transpose (bitshuffle's TRANS_BIT_8X8) on two 32-bit halves.
      let t = (lo ^ (lo >>> 7)) & 0x00aa00aa;
      lo = lo ^ t ^ (t << 7);
      t = (hi ^ (hi >>> 7)) & 0x00aa00aa;
      hi = hi ^ t ^ (t << 7);
      t = (lo ^ (lo >>> 14)) & 0x0000cccc;
      lo = lo ^ t ^ (t << 14);
      t = (hi ^ (hi >>> 14)) & 0x0000cccc;
      hi = hi ^ t ^ (t << 14);
      t = (lo ^ ((lo >>> 28) | (hi << 4))) & 0xf0f0f0f0;
      lo ^= t;
      hi ^= t >>> 4;
      const row = j * 8 * rowBytes + g;
      dst[row] = lo & 0xff;
      dst[row + rowBytes] = (lo >>> 8) & 0xff;
      dst[row + 2 * rowBytes] = (lo >>> 16) & 0xff;
      dst[row + 3 * rowBytes] = lo >>> 24;
      dst[row + 4 * rowBytes] = hi & 0xff;
      dst[row + 5 * rowBytes] = (hi >>> 8) & 0xff;
      dst[row + 6 * rowBytes] = (hi >>> 16) & 0xff;
      dst[row + 7 * rowBytes] = hi >>> 24;
    }
  }
  for (let k = n * typesize; k < src.length; k++) dst[k] = src[k]!;
}

type BlockCompressor = (block: Uint8Array) => Promise<Uint8Array | undefined>;

function blockCompressor(p: BloscParams): BlockCompressor {
  switch (p.cname) {
    case "lz4":
    case "lz4hc": {
      // c-blosc uses acceleration 10 - clevel for lz4; lz4hc output is plain lz4 block format.
      const lz4 = LZ4.fromConfig({
        id: "lz4",
        acceleration: p.cname === "lz4" ? Math.max(1, 10 - p.clevel) : 1,
      });
      // numcodecs' LZ4 prefixes the raw block with its uncompressed size (4 bytes): strip it.
      return async (b) => (await lz4.encode(b)).subarray(4);
    }
    case "zstd": {
      // c-blosc's zstd level mapping.
      const level = p.clevel < 9 ? p.clevel * 2 - 1 : 22;
      const zstd = Zstd.fromConfig({ id: "zstd", level: p.clevel === 8 ? 20 : level });
      return async (b) => zstd.encode(b);
    }
    case "zlib":
      return async (b) => {
        const out = deflateSync(b, { level: p.clevel });
        return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
      };
    case "blosclz":
      throw new UnsupportedError(
        "blosc blosclz",
        `blosc cname "blosclz" can only be written with typesize 4 (got ${p.typesize}); use "lz4" or "zstd"`,
      );
  }
}

function writeHeader(
  out: Uint8Array,
  flags: number,
  p: BloscParams,
  nbytes: number,
  blocksize: number,
  cbytes: number,
): void {
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  out[0] = 2;
  out[1] = 1;
  out[2] = flags;
  out[3] = p.typesize;
  dv.setUint32(4, nbytes, true);
  dv.setUint32(8, blocksize, true);
  dv.setUint32(12, cbytes, true);
}

function memcpyed(src: Uint8Array, p: BloscParams, flags: number): Uint8Array {
  const out = new Uint8Array(HEADER + src.length);
  writeHeader(
    out,
    flags | BLOSC_FLAGS.memcpyed,
    p,
    src.length,
    Math.max(src.length, 1),
    out.length,
  );
  out.set(src, HEADER);
  return out;
}

/** Encode with our own frame (any typesize; cname lz4, lz4hc, zstd or zlib). */
export async function encodeBloscFrame(src: Uint8Array, p: BloscParams): Promise<Uint8Array> {
  let flags = (COMPFORMAT[p.cname] << 5) | BLOSC_FLAGS.dontSplit;
  if (p.shuffle === "shuffle") flags |= BLOSC_FLAGS.shuffle;
  if (p.shuffle === "bitshuffle") flags |= BLOSC_FLAGS.bitshuffle;
  const nbytes = src.length;
  if (nbytes < MIN_BUFFERSIZE || p.clevel === 0) return memcpyed(src, p, flags);
  const compress = blockCompressor(p);
  const blocksize = computeBlocksize(p, nbytes);
  const nblocks = Math.ceil(nbytes / blocksize);
  // Worst case that is still worth keeping: anything larger is stored memcpyed instead.
  const limit = nbytes + HEADER;
  const out = new Uint8Array(limit + 4 * nblocks + 4);
  const dv = new DataView(out.buffer);
  let pos = HEADER + 4 * nblocks;
  const tmp = new Uint8Array(blocksize);
  for (let b = 0; b < nblocks; b++) {
    const block = src.subarray(b * blocksize, Math.min(nbytes, (b + 1) * blocksize));
    let filtered = block;
    const t = tmp.subarray(0, block.length);
    if (p.shuffle === "shuffle" && p.typesize > 1) {
      byteShuffle(block, t, p.typesize);
      filtered = t;
    } else if (p.shuffle === "bitshuffle" && block.length >= p.typesize) {
      bitShuffle(block, t, p.typesize);
      filtered = t;
    }
    let c = await compress(filtered);
    // Incompressible block: stored raw, which the decoder recognises by cbytes == block size.
    if (c === undefined || c.length === 0 || c.length >= block.length) c = filtered;
    if (pos + 4 + c.length > limit) return memcpyed(src, p, flags);
    dv.setUint32(HEADER + 4 * b, pos, true);
    dv.setUint32(pos, c.length, true);
    out.set(c, pos + 4);
    pos += 4 + c.length;
  }
  writeHeader(out, flags, p, nbytes, blocksize, pos);
  return out.subarray(0, pos);
}

const nativeCache = new Map<string, ReturnType<typeof Blosc.fromConfig>>();

/**
 * Blosc-compress `src` so that the header carries `p.shuffle` and `p.typesize`.
 * @throws {UnsupportedError} for cname blosclz with a typesize other than 4.
 */
export async function bloscEncode(src: Uint8Array, p: BloscParams): Promise<Uint8Array> {
  if (p.typesize === 4) {
    const key = `${p.cname}/${p.clevel}/${p.shuffle}/${p.blocksize}`;
    let codec = nativeCache.get(key);
    if (codec === undefined) {
      codec = Blosc.fromConfig({
        id: "blosc",
        cname: p.cname,
        clevel: p.clevel,
        shuffle: SHUFFLE_CODE[p.shuffle],
        blocksize: p.blocksize,
      });
      nativeCache.set(key, codec);
    }
    return codec.encode(src);
  }
  return encodeBloscFrame(src, p);
}

const decoder = Blosc.fromConfig({ id: "blosc" } as Parameters<typeof Blosc.fromConfig>[0]);

/** Decompress any blosc v1 buffer (c-blosc through numcodecs wasm). */
export async function bloscDecode(src: Uint8Array): Promise<Uint8Array> {
  return decoder.decode(src);
}
