/**
 * Byte codecs (compressors) used for chunks. Their registration in zarrita's codec registry is
 * in zarrita-codecs.ts (`registerCodecs()`, run on import of the store layer's `index.ts`).
 */
import { deflateSync, gunzipSync, gzipSync, inflateSync } from "node:zlib";
import { bloscDecode, bloscDecodeWith, bloscEncode } from "./blosc.js";
import { numcodecsCodec } from "./numcodecs-lazy.js";
import type { Rows } from "./rows.js";
import { type ByteScratch, copyInto } from "./scratch.js";
import type { ResolvedCodec } from "./spec.js";
import type { BloscCname, BloscShuffle } from "./types.js";
import type { DirectModuleName } from "./wasm-direct.js";
import { directModuleNow, useDirect } from "./wasm-direct.js";

/** A bytes-to-bytes codec. Results of `encode` and `decode` belong to the caller. */
export interface BytesCodec {
  encode(bytes: Uint8Array): Promise<Uint8Array>;
  /** Encode into `scratch` when that saves an allocation: the result is valid until it is reused. */
  encodeTo(bytes: Uint8Array, scratch: ByteScratch): Promise<Uint8Array>;
  /**
   * Encode bytes laid out as rows of a bigger buffer (rows.ts), read in place: present only
   * where that saves the copy (blosc's own frame with a byte shuffle). Same bytes as `encodeTo`
   * of the gathered rows.
   */
  encodeRowsTo?(rows: Rows, scratch: ByteScratch): Promise<Uint8Array>;
  decode(bytes: Uint8Array): Promise<Uint8Array>;
  /** Decode and call `use` with a view of the result that is valid only during the call. */
  decodeWith<T>(bytes: Uint8Array, use: (raw: Uint8Array) => T): Promise<T>;
}

function view(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** A codec from owned encode/decode functions (decodeWith simply passes the owned result). */
function ownedCodec(
  encode: (b: Uint8Array) => Promise<Uint8Array>,
  decode: (b: Uint8Array) => Promise<Uint8Array>,
): BytesCodec {
  return { encode, encodeTo: encode, decode, decodeWith: async (b, use) => use(await decode(b)) };
}

/** gzip through `node:zlib`. */
export function gzipCodec(level: number): BytesCodec {
  return ownedCodec(
    async (b) => view(gzipSync(b, { level })),
    async (b) => view(gunzipSync(b)),
  );
}

/** zlib (deflate with zlib header) through `node:zlib`, as numcodecs `zlib` writes it. */
export function zlibCodec(level: number): BytesCodec {
  return ownedCodec(
    async (b) => view(deflateSync(b, { level })),
    async (b) => view(inflateSync(b)),
  );
}

/**
 * A numcodecs wasm codec, called directly (see wasm-direct.ts) when it binds, else through
 * numcodecs' wrapper. `arg` is the compression parameter (level or acceleration).
 */
function wasmCodec(
  name: DirectModuleName,
  wrapper: {
    encode(b: Uint8Array): Promise<Uint8Array>;
    decode(b: Uint8Array): Promise<Uint8Array>;
  },
  arg: number,
): BytesCodec {
  const decodeWith = async <T>(b: Uint8Array, use: (raw: Uint8Array) => T): Promise<T> => {
    const m = directModuleNow(name) ?? (await useDirect(name));
    if (m === null) return use(await wrapper.decode(b));
    m.input(b.length).set(b);
    return use(m.call("decompress"));
  };
  const encodeTo = async (b: Uint8Array, scratch?: ByteScratch): Promise<Uint8Array> => {
    const m = directModuleNow(name) ?? (await useDirect(name));
    if (m === null) return wrapper.encode(b);
    m.input(b.length).set(b);
    const v = m.call("compress", [arg]);
    return scratch === undefined ? v.slice() : copyInto(v, scratch);
  };
  return {
    encode: (b) => encodeTo(b),
    encodeTo,
    decode: (b) => decodeWith(b, (raw) => raw.slice()),
    decodeWith,
  };
}

/** zstd frames through numcodecs' wasm. */
export function zstdCodec(level: number): BytesCodec {
  // numcodecs clamps the level to 1..22 (0 and negatives mean 1); so do we on the direct path.
  return wasmCodec(
    "zstd",
    numcodecsCodec("zstd", { id: "zstd", level }),
    level <= 0 ? 1 : Math.min(level, 22),
  );
}

/** numcodecs LZ4 (4-byte little-endian size, then an LZ4 block) through numcodecs' wasm. */
export function lz4Codec(acceleration: number): BytesCodec {
  return wasmCodec(
    "lz4",
    numcodecsCodec("lz4", { id: "lz4", acceleration }),
    acceleration <= 0 ? 1 : acceleration,
  );
}

/** Blosc with the shuffle and typesize the metadata claims (see blosc.ts). */
export function bloscCodec(p: {
  cname: BloscCname;
  clevel: number;
  shuffle: BloscShuffle;
  typesize: number;
  blocksize: number;
}): BytesCodec {
  const codec: BytesCodec = {
    encode: (b) => bloscEncode(b, p),
    encodeTo: (b, scratch) => bloscEncode(b, p, scratch),
    decode: (b) => bloscDecode(b),
    decodeWith: (b, use) => bloscDecodeWith(b, use),
  };
  // Typesize 4 goes through c-blosc (see bloscEncode), which needs the bytes contiguous.
  if (p.shuffle === "shuffle" && p.typesize > 1 && p.typesize !== 4) {
    codec.encodeRowsTo = (rows, scratch) => bloscEncode(rows, p, scratch);
  }
  return codec;
}

/** The compressor of a resolved codec (undefined for `none`); `typesize` = bytes per element. */
export function compressorFor(codec: ResolvedCodec, typesize: number): BytesCodec | undefined {
  switch (codec.name) {
    case "blosc":
      return bloscCodec({ ...codec, typesize });
    case "zstd":
      return zstdCodec(codec.level);
    case "lz4":
      return lz4Codec(codec.acceleration);
    case "gzip":
      return gzipCodec(codec.level);
    case "zlib":
      return zlibCodec(codec.level);
    case "none":
      return undefined;
  }
}
