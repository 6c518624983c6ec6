/**
 * Byte codecs (compressors) used for chunks, and their registration in zarrita's codec registry
 * so that zarrita itself encodes gzip, zlib, crc32c and truthful blosc in every process or
 * worker that imports the store layer (`registerCodecs()` runs on import of `index.ts`).
 */
import { deflateSync, gunzipSync, gzipSync, inflateSync } from "node:zlib";
import LZ4 from "numcodecs/lz4";
import Zstd from "numcodecs/zstd";
import { registry } from "zarrita";
import { bloscDecode, bloscDecodeWith, bloscEncode } from "./blosc.js";
import { crc32c } from "./crc32c.js";
import { type ByteScratch, copyInto } from "./scratch.js";
import type { ResolvedCodec } from "./spec.js";
import type { BloscCname, BloscShuffle, DataType } from "./types.js";
import { DATA_TYPES, dtypeByteSize } from "./types.js";
import type { DirectModuleName } from "./wasm-direct.js";
import { directModuleNow, useDirect } from "./wasm-direct.js";

/** A bytes-to-bytes codec. Results of `encode` and `decode` belong to the caller. */
export interface BytesCodec {
  encode(bytes: Uint8Array): Promise<Uint8Array>;
  /** Encode into `scratch` when that saves an allocation: the result is valid until it is reused. */
  encodeTo(bytes: Uint8Array, scratch: ByteScratch): Promise<Uint8Array>;
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
    Zstd.fromConfig({ id: "zstd", level }),
    level <= 0 ? 1 : Math.min(level, 22),
  );
}

/** numcodecs LZ4 (4-byte little-endian size, then an LZ4 block) through numcodecs' wasm. */
export function lz4Codec(acceleration: number): BytesCodec {
  return wasmCodec(
    "lz4",
    LZ4.fromConfig({ id: "lz4", acceleration }),
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
  return {
    encode: (b) => bloscEncode(b, p),
    encodeTo: (b, scratch) => bloscEncode(b, p, scratch),
    decode: (b) => bloscDecode(b),
    decodeWith: (b, use) => bloscDecodeWith(b, use),
  };
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

// ------------------------------------------------------------------ zarrita registry

/** Element size of a zarrita data type: ours, plus float16 (which zarrita can read). */
function zarritaItemSize(dataType: string | undefined): number {
  if (dataType === "float16") return 2;
  return (DATA_TYPES as readonly string[]).includes(dataType ?? "")
    ? dtypeByteSize(dataType as DataType)
    : 1;
}

type ZarritaMeta = { dataType?: string };
type Config = Record<string, unknown>;

function numberOr(v: unknown, d: number): number {
  return typeof v === "number" ? v : d;
}

const SHUFFLE_NAMES = ["noshuffle", "shuffle", "bitshuffle"] as const;

/** blosc for zarrita: v3 string or v2 integer `shuffle`, typesize from config or data type. */
class ZarritaBlosc {
  readonly kind = "bytes_to_bytes";
  readonly #codec: BytesCodec;
  constructor(cfg: Config, meta: ZarritaMeta | undefined) {
    const sh = cfg.shuffle;
    let shuffle: BloscShuffle = "shuffle";
    if (typeof sh === "string" && (SHUFFLE_NAMES as readonly string[]).includes(sh)) {
      shuffle = sh as BloscShuffle;
    } else if (typeof sh === "number" && sh >= 0 && sh <= 2) {
      shuffle = SHUFFLE_NAMES[sh]!;
    } else if (sh === -1 || sh !== undefined) {
      throw new Error(`blosc shuffle ${JSON.stringify(sh)} is not supported for encoding`);
    }
    const typesize = numberOr(cfg.typesize, zarritaItemSize(meta?.dataType));
    this.#codec = bloscCodec({
      cname: (typeof cfg.cname === "string" ? cfg.cname : "lz4") as BloscCname,
      clevel: numberOr(cfg.clevel, 5),
      shuffle,
      typesize,
      blocksize: numberOr(cfg.blocksize, 0),
    });
  }
  static fromConfig(cfg: Config, meta?: ZarritaMeta): ZarritaBlosc {
    return new ZarritaBlosc(cfg ?? {}, meta);
  }
  encode(b: Uint8Array): Promise<Uint8Array> {
    return this.#codec.encode(b);
  }
  decode(b: Uint8Array): Promise<Uint8Array> {
    return this.#codec.decode(b);
  }
}

function simpleZarritaCodec(make: (cfg: Config) => BytesCodec) {
  return class {
    readonly kind = "bytes_to_bytes";
    readonly #codec: BytesCodec;
    constructor(cfg: Config) {
      this.#codec = make(cfg ?? {});
    }
    static fromConfig(cfg: Config) {
      return new this(cfg);
    }
    encode(b: Uint8Array) {
      return this.#codec.encode(b);
    }
    decode(b: Uint8Array) {
      return this.#codec.decode(b);
    }
  };
}

const ZarritaGzip = simpleZarritaCodec((c) => gzipCodec(numberOr(c.level, 5)));
const ZarritaZlib = simpleZarritaCodec((c) => zlibCodec(numberOr(c.level, 1)));

/** crc32c for zarrita: appends / checks a little-endian CRC-32C. */
class ZarritaCrc32c {
  readonly kind = "bytes_to_bytes";
  static fromConfig(): ZarritaCrc32c {
    return new ZarritaCrc32c();
  }
  encode(b: Uint8Array): Uint8Array {
    const out = new Uint8Array(b.length + 4);
    out.set(b);
    new DataView(out.buffer).setUint32(b.length, crc32c(b), true);
    return out;
  }
  decode(b: Uint8Array): Uint8Array {
    const body = b.subarray(0, b.length - 4);
    const stored = new DataView(b.buffer, b.byteOffset + b.length - 4, 4).getUint32(0, true);
    if (crc32c(body) !== stored) throw new Error("crc32c checksum mismatch");
    return body;
  }
  computeEncodedSize(n: number): number {
    return n + 4;
  }
}

let registered = false;

/**
 * Register our encoders in zarrita's codec registry (idempotent): `blosc`/`numcodecs.blosc`
 * (truthful shuffle and typesize), `gzip`/`numcodecs.gzip`, `zlib`/`numcodecs.zlib`, `crc32c`.
 * Runs on import of the store layer's `index.ts`; call it in workers that import zarrita only.
 */
export function registerCodecs(): void {
  if (registered) return;
  registered = true;
  const r = registry as unknown as Map<string, () => unknown>;
  r.set("blosc", () => ZarritaBlosc);
  r.set("numcodecs.blosc", () => ZarritaBlosc);
  r.set("gzip", () => ZarritaGzip);
  r.set("numcodecs.gzip", () => ZarritaGzip);
  r.set("zlib", () => ZarritaZlib);
  r.set("numcodecs.zlib", () => ZarritaZlib);
  r.set("crc32c", () => ZarritaCrc32c);
}
