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
import { UnsupportedError } from "../errors.js";
import { decodeOwnFrame, frameCodec } from "./blosc-decode.js";
import { type NumcodecsCodec, numcodecsCodec } from "./numcodecs-lazy.js";
import { gatherRows, type Rows, rowsLength, shuffleRows } from "./rows.js";
import { ByteScratch, copyInto } from "./scratch.js";
import type { BloscCname, BloscShuffle } from "./types.js";
import type { DirectModule } from "./wasm-direct.js";
import { directModuleNow, useDirect } from "./wasm-direct.js";

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
 *
 * Two passes, as bitshuffle itself does: a byte shuffle into contiguous byte planes, then an
 * 8×8 bit transpose of every 8 bytes of a plane, four groups at a time with 32-bit loads and
 * stores (byte stores for unaligned or short tails).
 */
export function bitShuffle(src: Uint8Array, dst: Uint8Array, typesize: number): void {
  const elems = Math.floor(src.length / typesize);
  const n = elems % 8 === 0 ? elems : 0;
  if (n > 0) {
    let planes = src;
    if (typesize > 1 || src.byteOffset % 4 !== 0) {
      if (planeScratch.length < n * typesize) planeScratch = new Uint8Array(n * typesize);
      planes = planeScratch.subarray(0, n * typesize);
      if (typesize > 1) byteShuffle(src.subarray(0, n * typesize), planes, typesize);
      else planes.set(src.subarray(0, n));
    }
    for (let j = 0; j < typesize; j++) transposePlane(planes, j * n, n, dst, j * n);
  }
  for (let k = n * typesize; k < src.length; k++) dst[k] = src[k]!;
}

let planeScratch = new Uint8Array(0);

/**
 * Bit-transpose the `n` bytes (n % 8 = 0) of one byte plane at `p[po..]` into 8 rows of n/8
 * bytes at `d[d0..]`: bit b of byte e goes to row b, bit e % 8 of byte e / 8.
 */
function transposePlane(p: Uint8Array, po: number, n: number, d: Uint8Array, d0: number): void {
  const rowBytes = n >>> 3;
  let g = 0;
  if ((p.byteOffset + po) % 4 === 0 && (d.byteOffset + d0) % 4 === 0 && rowBytes % 4 === 0) {
    const p32 = new Uint32Array(p.buffer, p.byteOffset + po, n >>> 2);
    const d32 = new Uint32Array(d.buffer, d.byteOffset + d0, n >>> 2);
    const rw = rowBytes >>> 2;
    for (let q = 0, i = 0; q < rw; q++, i += 8) {
      // Four 8-byte groups: transpose each 8x8 bit matrix, then the 4x4 byte matrices of the
      // low words (rows 0-3) and of the high words (rows 4-7), so each row gets one 32-bit store.
      let a0 = p32[i]!;
      let b0 = p32[i + 1]!;
      let a1 = p32[i + 2]!;
      let b1 = p32[i + 3]!;
      let a2 = p32[i + 4]!;
      let b2 = p32[i + 5]!;
      let a3 = p32[i + 6]!;
      let b3 = p32[i + 7]!;
      let t = (a0 ^ (a0 >>> 7)) & 0x00aa00aa;
      a0 = a0 ^ t ^ (t << 7);
      t = (b0 ^ (b0 >>> 7)) & 0x00aa00aa;
      b0 = b0 ^ t ^ (t << 7);
      t = (a0 ^ (a0 >>> 14)) & 0x0000cccc;
      a0 = a0 ^ t ^ (t << 14);
      t = (b0 ^ (b0 >>> 14)) & 0x0000cccc;
      b0 = b0 ^ t ^ (t << 14);
      t = (a0 ^ ((a0 >>> 28) | (b0 << 4))) & 0xf0f0f0f0;
      a0 ^= t;
      b0 ^= t >>> 4;
      t = (a1 ^ (a1 >>> 7)) & 0x00aa00aa;
      a1 = a1 ^ t ^ (t << 7);
      t = (b1 ^ (b1 >>> 7)) & 0x00aa00aa;
      b1 = b1 ^ t ^ (t << 7);
      t = (a1 ^ (a1 >>> 14)) & 0x0000cccc;
      a1 = a1 ^ t ^ (t << 14);
      t = (b1 ^ (b1 >>> 14)) & 0x0000cccc;
      b1 = b1 ^ t ^ (t << 14);
      t = (a1 ^ ((a1 >>> 28) | (b1 << 4))) & 0xf0f0f0f0;
      a1 ^= t;
      b1 ^= t >>> 4;
      t = (a2 ^ (a2 >>> 7)) & 0x00aa00aa;
      a2 = a2 ^ t ^ (t << 7);
      t = (b2 ^ (b2 >>> 7)) & 0x00aa00aa;
      b2 = b2 ^ t ^ (t << 7);
      t = (a2 ^ (a2 >>> 14)) & 0x0000cccc;
      a2 = a2 ^ t ^ (t << 14);
      t = (b2 ^ (b2 >>> 14)) & 0x0000cccc;
      b2 = b2 ^ t ^ (t << 14);
      t = (a2 ^ ((a2 >>> 28) | (b2 << 4))) & 0xf0f0f0f0;
      a2 ^= t;
      b2 ^= t >>> 4;
      t = (a3 ^ (a3 >>> 7)) & 0x00aa00aa;
      a3 = a3 ^ t ^ (t << 7);
      t = (b3 ^ (b3 >>> 7)) & 0x00aa00aa;
      b3 = b3 ^ t ^ (t << 7);
      t = (a3 ^ (a3 >>> 14)) & 0x0000cccc;
      a3 = a3 ^ t ^ (t << 14);
      t = (b3 ^ (b3 >>> 14)) & 0x0000cccc;
      b3 = b3 ^ t ^ (t << 14);
      t = (a3 ^ ((a3 >>> 28) | (b3 << 4))) & 0xf0f0f0f0;
      a3 ^= t;
      b3 ^= t >>> 4;
      // 4x4 byte transposes: swap bytes between word pairs, then 16-bit halves.
      t = ((a0 >>> 8) ^ a1) & 0x00ff00ff;
      a1 ^= t;
      a0 ^= t << 8;
      t = ((a2 >>> 8) ^ a3) & 0x00ff00ff;
      a3 ^= t;
      a2 ^= t << 8;
      t = ((a0 >>> 16) ^ a2) & 0x0000ffff;
      a2 ^= t;
      a0 ^= t << 16;
      t = ((a1 >>> 16) ^ a3) & 0x0000ffff;
      a3 ^= t;
      a1 ^= t << 16;
      t = ((b0 >>> 8) ^ b1) & 0x00ff00ff;
      b1 ^= t;
      b0 ^= t << 8;
      t = ((b2 >>> 8) ^ b3) & 0x00ff00ff;
      b3 ^= t;
      b2 ^= t << 8;
      t = ((b0 >>> 16) ^ b2) & 0x0000ffff;
      b2 ^= t;
      b0 ^= t << 16;
      t = ((b1 >>> 16) ^ b3) & 0x0000ffff;
      b3 ^= t;
      b1 ^= t << 16;
      d32[q] = a0;
      d32[q + rw] = a1;
      d32[q + 2 * rw] = a2;
      d32[q + 3 * rw] = a3;
      d32[q + 4 * rw] = b0;
      d32[q + 5 * rw] = b1;
      d32[q + 6 * rw] = b2;
      d32[q + 7 * rw] = b3;
    }
    g = rowBytes;
  }
  for (; g < rowBytes; g++) {
    const s = po + 8 * g;
    let lo = p[s]! | (p[s + 1]! << 8) | (p[s + 2]! << 16) | (p[s + 3]! << 24);
    let hi = p[s + 4]! | (p[s + 5]! << 8) | (p[s + 6]! << 16) | (p[s + 7]! << 24);
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
    const row = d0 + g;
    d[row] = lo & 0xff;
    d[row + rowBytes] = (lo >>> 8) & 0xff;
    d[row + 2 * rowBytes] = (lo >>> 16) & 0xff;
    d[row + 3 * rowBytes] = lo >>> 24;
    d[row + 4 * rowBytes] = hi & 0xff;
    d[row + 5 * rowBytes] = (hi >>> 8) & 0xff;
    d[row + 6 * rowBytes] = (hi >>> 16) & 0xff;
    d[row + 7 * rowBytes] = hi >>> 24;
  }
}

/**
 * Where a frame's blocks go: `input(n)` gives room for the filtered block (written in place by the
 * shuffle), `compress()` returns the compressed block as a view valid until the next `input()`,
 * `lastInput()` views the filtered block again. Direct wasm compressors are synchronous.
 */
interface BlockSink {
  input(n: number): Uint8Array;
  lastInput(): Uint8Array;
  compress(): Uint8Array | Promise<Uint8Array>;
}

function lz4Acceleration(p: BloscParams): number {
  // c-blosc uses acceleration 10 - clevel for lz4; lz4hc output is plain lz4 block format.
  return p.cname === "lz4" ? Math.max(1, 10 - p.clevel) : 1;
}

function zstdLevel(p: BloscParams): number {
  // c-blosc's zstd level mapping.
  return p.clevel === 8 ? 20 : p.clevel < 9 ? p.clevel * 2 - 1 : 22;
}

function directSink(m: DirectModule, args: readonly number[], skip: number): BlockSink {
  return {
    input: (n) => m.input(n),
    lastInput: () => m.lastInput(),
    compress: () => m.call("compress", args).subarray(skip),
  };
}

/** Sink over numcodecs' wrappers or node:zlib (JS scratch; wasm through embind). */
function wrapperSink(p: BloscParams, blocksize: number): BlockSink {
  const tmp = new Uint8Array(blocksize);
  let last = tmp.subarray(0, 0);
  const input = (n: number) => {
    last = tmp.subarray(0, n);
    return last;
  };
  const lastInput = () => last;
  switch (p.cname) {
    case "lz4":
    case "lz4hc": {
      const lz4 = numcodecsCodec("lz4", { id: "lz4", acceleration: lz4Acceleration(p) });
      // numcodecs' LZ4 prefixes the raw block with its uncompressed size (4 bytes): strip it.
      return { input, lastInput, compress: async () => (await lz4.encode(last)).subarray(4) };
    }
    case "zstd": {
      const zstd = numcodecsCodec("zstd", { id: "zstd", level: zstdLevel(p) });
      return { input, lastInput, compress: () => zstd.encode(last) };
    }
    case "zlib":
      return {
        input,
        lastInput,
        compress: () => {
          const out = deflateSync(last, { level: p.clevel });
          return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
        },
      };
    case "blosclz":
      throw blosclzError(p);
  }
}

function blosclzError(p: BloscParams): UnsupportedError {
  return new UnsupportedError(
    "blosc blosclz",
    `blosc cname "blosclz" can only be written with typesize 4 (got ${p.typesize}); use "lz4" or "zstd"`,
  );
}

/** The direct wasm sink for `p`, or undefined when its module is unavailable (or zlib). */
async function directSinkFor(p: BloscParams): Promise<BlockSink | undefined> {
  if (p.cname === "lz4" || p.cname === "lz4hc") {
    const m = directModuleNow("lz4") ?? (await useDirect("lz4"));
    return m === null ? undefined : directSink(m, [lz4Acceleration(p)], 4);
  }
  if (p.cname === "zstd") {
    const m = directModuleNow("zstd") ?? (await useDirect("zstd"));
    return m === null ? undefined : directSink(m, [zstdLevel(p)], 0);
  }
  return undefined;
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

// Frame assembly scratch shared by synchronous (direct wasm) encodes: nothing can interleave.
const shared = new ByteScratch();

/**
 * Encode with our own frame (any typesize; cname lz4, lz4hc, zstd or zlib). Blocks are shuffled
 * straight into the compressor's input (wasm memory when bound directly). Without `scratch` the
 * result is a fresh buffer of exactly the frame's size; with it, the frame is assembled in (and
 * returned as a view of) `scratch`, valid until the scratch is reused.
 * @throws {UnsupportedError} for cname blosclz.
 */
export async function encodeBloscFrame(
  source: Uint8Array | Rows,
  p: BloscParams,
  scratch?: ByteScratch,
): Promise<Uint8Array> {
  if (p.cname === "blosclz") throw blosclzError(p);
  let flags = (COMPFORMAT[p.cname] << 5) | BLOSC_FLAGS.dontSplit;
  if (p.shuffle === "shuffle") flags |= BLOSC_FLAGS.shuffle;
  if (p.shuffle === "bitshuffle") flags |= BLOSC_FLAGS.bitshuffle;
  // Rows (see rows.ts) are read in place where the byte shuffle can; anything else is gathered.
  const rows = source instanceof Uint8Array ? undefined : source;
  const whole = (): Uint8Array => {
    if (rows === undefined) return source as Uint8Array;
    const out = new Uint8Array(rowsLength(rows));
    gatherRows(rows, 0, out.length, out);
    return out;
  };
  if (rows !== undefined && !(p.shuffle === "shuffle" && p.typesize > 1)) {
    return encodeBloscFrame(whole(), p, scratch);
  }
  const src = rows === undefined ? (source as Uint8Array) : undefined;
  const nbytes = rows === undefined ? src!.length : rowsLength(rows);
  if (nbytes < MIN_BUFFERSIZE || p.clevel === 0) return memcpyed(whole(), p, flags);
  const blocksize = computeBlocksize(p, nbytes);
  const nblocks = Math.ceil(nbytes / blocksize);
  // Worst case that is still worth keeping: anything larger is stored memcpyed instead.
  const limit = nbytes + HEADER;
  const size = limit + 4 * nblocks + 4;
  const direct = await directSinkFor(p);
  const sink = direct ?? wrapperSink(p, blocksize);
  // From here on a direct sink never awaits, so the shared scratch cannot be used by anyone else.
  const copyOut = scratch === undefined && direct !== undefined;
  const out = scratch?.get(size) ?? (copyOut ? shared.get(size) : new Uint8Array(size));
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  let pos = HEADER + 4 * nblocks;
  for (let b = 0; b < nblocks; b++) {
    const lo = b * blocksize;
    const hi = Math.min(nbytes, (b + 1) * blocksize);
    const t = sink.input(hi - lo);
    if (src === undefined) shuffleRows(rows!, lo, hi, t, p.typesize);
    else {
      const block = src.subarray(lo, hi);
      if (p.shuffle === "shuffle" && p.typesize > 1) byteShuffle(block, t, p.typesize);
      else if (p.shuffle === "bitshuffle" && block.length >= p.typesize)
        bitShuffle(block, t, p.typesize);
      else t.set(block);
    }
    const r = sink.compress();
    let c = r instanceof Uint8Array ? r : await r;
    // Incompressible block: stored raw, which the decoder recognises by cbytes == block size.
    if (c.length === 0 || c.length >= hi - lo) c = sink.lastInput();
    if (pos + 4 + c.length > limit) return memcpyed(whole(), p, flags);
    dv.setUint32(HEADER + 4 * b, pos, true);
    dv.setUint32(pos, c.length, true);
    out.set(c, pos + 4);
    pos += 4 + c.length;
  }
  writeHeader(out, flags, p, nbytes, blocksize, pos);
  return copyOut ? out.slice(0, pos) : out.subarray(0, pos);
}

const nativeCache = new Map<string, NumcodecsCodec>();

/**
 * Blosc-compress `src` so that the header carries `p.shuffle` and `p.typesize`. Returns a buffer
 * the caller owns, or with `scratch` possibly a view of it (valid until the scratch is reused).
 * @throws {UnsupportedError} for cname blosclz with a typesize other than 4.
 */
export async function bloscEncode(
  source: Uint8Array | Rows,
  p: BloscParams,
  scratch?: ByteScratch,
): Promise<Uint8Array> {
  if (p.typesize !== 4) return encodeBloscFrame(source, p, scratch);
  let src: Uint8Array;
  if (source instanceof Uint8Array) src = source;
  else {
    src = new Uint8Array(rowsLength(source));
    gatherRows(source, 0, src.length, src);
  }
  // numcodecs' c-blosc compresses with typesize 4, which is the truth here.
  const m = directModuleNow("blosc") ?? (await useDirect("blosc"));
  if (m !== null) {
    m.input(src.length).set(src);
    const v = m.call("compress", [p.cname, p.clevel, SHUFFLE_CODE[p.shuffle], p.blocksize]);
    return scratch === undefined ? v.slice() : copyInto(v, scratch);
  }
  const key = `${p.cname}/${p.clevel}/${p.shuffle}/${p.blocksize}`;
  let codec = nativeCache.get(key);
  if (codec === undefined) {
    codec = numcodecsCodec("blosc", {
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

const decoder = numcodecsCodec("blosc", { id: "blosc" });

/** Decompress any blosc v1 buffer (c-blosc through numcodecs wasm) into a buffer the caller owns. */
export async function bloscDecode(src: Uint8Array): Promise<Uint8Array> {
  return bloscDecodeWith(src, (raw) => raw.slice());
}

/**
 * Decompress any blosc v1 buffer and call `use` with the result, a view that is valid only
 * during the call (no copy out of wasm memory or of our decode scratch). Frames we wrote
 * ourselves are decoded by blosc-decode.ts, everything else by c-blosc.
 */
export async function bloscDecodeWith<T>(src: Uint8Array, use: (raw: Uint8Array) => T): Promise<T> {
  // A frame cut short (a torn or truncated chunk file) must fail: c-blosc trusts the header's
  // compressed size and would read past the end of the buffer, returning garbage.
  const cbytes =
    src.length < 16 ? -1 : new DataView(src.buffer, src.byteOffset).getUint32(12, true);
  if (cbytes < 16 || cbytes > src.length) {
    throw new Error(
      `truncated blosc frame: ${src.length} bytes, ${cbytes < 0 ? "no complete header" : `the header says ${cbytes}`}`,
    );
  }
  const own = frameCodec(src);
  if (own !== undefined) {
    const cm = directModuleNow(own) ?? (await useDirect(own));
    const raw = cm === null ? undefined : decodeOwnFrame(src, cm);
    if (raw !== undefined) return use(raw);
  }
  const m = directModuleNow("blosc") ?? (await useDirect("blosc"));
  if (m !== null) {
    m.input(src.length).set(src);
    return use(m.call("decompress"));
  }
  return use(await decoder.decode(src));
}
