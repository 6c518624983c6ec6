/**
 * Our codecs in zarrita's codec registry, so that zarrita itself encodes gzip, zlib, crc32c and
 * truthful blosc in every process that imports the store layer (`registerCodecs()` runs on
 * import of `index.ts`). Its own module: the only one that loads zarrita, which pool threads
 * (workers/pyramid-task.ts) never use.
 */
import { registry } from "zarrita";
import { type BytesCodec, bloscCodec, gzipCodec, zlibCodec } from "./codecs.js";
import { crc32c } from "./crc32c.js";
import type { BloscCname, BloscShuffle, DataType } from "./types.js";
import { DATA_TYPES, dtypeByteSize } from "./types.js";

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
