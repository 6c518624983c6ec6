/**
 * Byte codecs (compressors) used for chunks, and their registration in zarrita's codec registry
 * so that zarrita itself encodes gzip, zlib, crc32c and truthful blosc in every process or
 * worker that imports the store layer (`registerCodecs()` runs on import of `index.ts`).
 */
import { deflateSync, gunzipSync, gzipSync, inflateSync } from "node:zlib";
import LZ4 from "numcodecs/lz4";
import Zstd from "numcodecs/zstd";
import { registry } from "zarrita";
import { bloscDecode, bloscEncode } from "./blosc.js";
import { crc32c } from "./crc32c.js";
import type { ResolvedCodec } from "./spec.js";
import type { BloscCname, BloscShuffle } from "./types.js";

/** A bytes-to-bytes codec. */
export interface BytesCodec {
  encode(bytes: Uint8Array): Promise<Uint8Array>;
  decode(bytes: Uint8Array): Promise<Uint8Array>;
}

function view(b: Buffer): Uint8Array {
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** gzip through `node:zlib`. */
export function gzipCodec(level: number): BytesCodec {
  return {
    encode: async (b) => view(gzipSync(b, { level })),
    decode: async (b) => view(gunzipSync(b)),
  };
}

/** zlib (deflate with zlib header) through `node:zlib`, as numcodecs `zlib` writes it. */
export function zlibCodec(level: number): BytesCodec {
  return {
    encode: async (b) => view(deflateSync(b, { level })),
    decode: async (b) => view(inflateSync(b)),
  };
}

/** zstd frames through numcodecs' wasm. */
export function zstdCodec(level: number): BytesCodec {
  const z = Zstd.fromConfig({ id: "zstd", level });
  return { encode: async (b) => z.encode(b), decode: async (b) => z.decode(b) };
}

/** numcodecs LZ4 (4-byte little-endian size, then an LZ4 block) through numcodecs' wasm. */
export function lz4Codec(acceleration: number): BytesCodec {
  const z = LZ4.fromConfig({ id: "lz4", acceleration });
  return { encode: async (b) => z.encode(b), decode: async (b) => z.decode(b) };
}

/** Blosc with the shuffle and typesize the metadata claims (see blosc.ts). */
export function bloscCodec(p: {
  cname: BloscCname;
  clevel: number;
  shuffle: BloscShuffle;
  typesize: number;
  blocksize: number;
}): BytesCodec {
  return { encode: (b) => bloscEncode(b, p), decode: (b) => bloscDecode(b) };
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

const ZARRITA_ITEMSIZE: Record<string, number> = {
  bool: 1,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  float16: 2,
  int32: 4,
  uint32: 4,
  float32: 4,
  int64: 8,
  uint64: 8,
  float64: 8,
};

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
    const typesize = numberOr(cfg.typesize, ZARRITA_ITEMSIZE[meta?.dataType ?? ""] ?? 1);
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
