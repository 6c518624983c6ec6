/**
 * Validation and normalisation of {@link ArraySpec} (done once, before anything is written):
 * defaults filled in, every number checked, unsupported combinations refused.
 */
import { InvalidMetadataError, UnsupportedError } from "../errors.js";
import type { ArraySpec, CodecSpec, DataType, ZarrFormat } from "./types.js";
import { DATA_TYPES, dtypeByteSize, isBigIntType } from "./types.js";

/** A codec with every parameter filled in. */
export type ResolvedCodec =
  | {
      name: "blosc";
      cname: "lz4" | "lz4hc" | "zstd" | "zlib" | "blosclz";
      clevel: number;
      shuffle: "noshuffle" | "shuffle" | "bitshuffle";
      blocksize: number;
    }
  | { name: "zstd"; level: number }
  | { name: "lz4"; acceleration: number }
  | { name: "gzip"; level: number }
  | { name: "zlib"; level: number }
  | { name: "none" };

/** Everything the store layer needs to know about an array (from a spec or from disk). */
export interface ArrayMeta {
  format: ZarrFormat;
  shape: number[];
  dtype: DataType;
  /** Chunk shape (inner chunks when sharded). */
  chunks: number[];
  /** Shard shape (v3 sharding_indexed), or undefined. */
  shards: number[] | undefined;
  fillValue: number | bigint | boolean;
  codec: ResolvedCodec;
  dimensionNames: string[] | undefined;
  /** Chunk key separator (we always write "/"; "." is read). */
  separator: "/" | ".";
  /** v3 chunk key encoding ("default" → `c/0/0`; "v2" → `0/0`). v2 arrays always use "v2". */
  keyEncoding: "default" | "v2";
  /** Sharded arrays: whether the index carries a crc32c checksum. */
  indexCrc: boolean;
  attributes: Record<string, unknown>;
}

function bad(location: string, message: string, expected?: string): InvalidMetadataError {
  return new InvalidMetadataError(
    [{ code: "invalid_array_spec", location, message, ...(expected ? { expected } : {}) }],
    { summary: "invalid array spec" },
  );
}

function isInt(x: unknown): x is number {
  return typeof x === "number" && Number.isSafeInteger(x);
}

const CNAMES = new Set(["lz4", "lz4hc", "zstd", "zlib", "blosclz"]);
const SHUFFLES = new Set(["noshuffle", "shuffle", "bitshuffle"]);

/** The default codec of a format: v2 blosc lz4/5/shuffle, v3 blosc zstd/1/bitshuffle. */
export function defaultCodec(format: ZarrFormat): ResolvedCodec {
  return format === 2
    ? { name: "blosc", cname: "lz4", clevel: 5, shuffle: "shuffle", blocksize: 0 }
    : { name: "blosc", cname: "zstd", clevel: 1, shuffle: "bitshuffle", blocksize: 0 };
}

/**
 * Fill in and check a codec choice.
 * @throws {InvalidMetadataError} on an unknown codec or an out-of-range parameter.
 * @throws {UnsupportedError} for blosc `blosclz` with elements that are not 4 bytes wide.
 */
export function resolveCodec(
  codec: CodecSpec | undefined,
  format: ZarrFormat,
  dtype: DataType,
): ResolvedCodec {
  if (codec === undefined) return defaultCodec(format);
  const loc = "codec";
  switch (codec.name) {
    case "blosc": {
      const d = defaultCodec(format) as Extract<ResolvedCodec, { name: "blosc" }>;
      const cname = codec.cname ?? d.cname;
      const clevel = codec.clevel ?? d.clevel;
      const shuffle = codec.shuffle ?? d.shuffle;
      const blocksize = codec.blocksize ?? 0;
      if (!CNAMES.has(cname))
        throw bad(
          `${loc}.cname`,
          `unknown blosc cname ${JSON.stringify(cname)}`,
          [...CNAMES].join(" | "),
        );
      if (!isInt(clevel) || clevel < 0 || clevel > 9)
        throw bad(`${loc}.clevel`, `blosc clevel ${clevel} is out of range`, "an integer 0..9");
      if (!SHUFFLES.has(shuffle))
        throw bad(
          `${loc}.shuffle`,
          `unknown blosc shuffle ${JSON.stringify(shuffle)}`,
          [...SHUFFLES].join(" | "),
        );
      if (!isInt(blocksize) || blocksize < 0)
        throw bad(
          `${loc}.blocksize`,
          `blosc blocksize ${blocksize} is invalid`,
          "an integer >= 0 (0 = automatic)",
        );
      if (cname === "blosclz" && dtypeByteSize(dtype) !== 4) {
        throw new UnsupportedError(
          "blosc blosclz",
          `blosc cname "blosclz" can only be written for 4-byte data types here (got ${dtype}): ` +
            'the only blosclz encoder available (numcodecs wasm) always uses typesize 4; use cname "lz4" or "zstd"',
        );
      }
      return { name: "blosc", cname, clevel, shuffle, blocksize };
    }
    case "zstd": {
      const level = codec.level ?? 3;
      if (!isInt(level) || level < -131072 || level > 22)
        throw bad(`${loc}.level`, `zstd level ${level} is out of range`, "an integer -131072..22");
      return { name: "zstd", level };
    }
    case "lz4": {
      const acceleration = codec.acceleration ?? 1;
      if (!isInt(acceleration) || acceleration < 1)
        throw bad(
          `${loc}.acceleration`,
          `lz4 acceleration ${acceleration} is invalid`,
          "an integer >= 1",
        );
      return { name: "lz4", acceleration };
    }
    case "gzip": {
      const level = codec.level ?? 5;
      if (!isInt(level) || level < 0 || level > 9)
        throw bad(`${loc}.level`, `gzip level ${level} is out of range`, "an integer 0..9");
      return { name: "gzip", level };
    }
    case "zlib": {
      const level = codec.level ?? 5;
      if (!isInt(level) || level < -1 || level > 9)
        throw bad(`${loc}.level`, `zlib level ${level} is out of range`, "an integer -1..9");
      return { name: "zlib", level };
    }
    case "none":
      return { name: "none" };
    default:
      throw bad(
        `${loc}.name`,
        `unknown codec ${JSON.stringify((codec as { name: unknown }).name)}`,
        "blosc | zstd | lz4 | gzip | zlib | none",
      );
  }
}

/**
 * Check a fill value against the data type and return it in canonical form
 * (boolean for bool, bigint for 64-bit integers, number otherwise).
 * @throws {InvalidMetadataError} when the value does not fit the data type.
 */
export function resolveFillValue(
  dtype: DataType,
  v: number | bigint | boolean | undefined,
): number | bigint | boolean {
  if (v === undefined) return dtype === "bool" ? false : isBigIntType(dtype) ? 0n : 0;
  const fail = () => bad("fillValue", `fill value ${String(v)} does not fit data type ${dtype}`);
  if (dtype === "bool") {
    if (typeof v === "boolean") return v;
    if (v === 0 || v === 1 || v === 0n || v === 1n) return Boolean(v);
    throw fail();
  }
  if (isBigIntType(dtype)) {
    if (typeof v === "boolean") throw fail();
    if (typeof v === "number" && !Number.isInteger(v)) throw fail();
    const b = BigInt(v);
    const ok = dtype === "int64" ? b >= -(2n ** 63n) && b < 2n ** 63n : b >= 0n && b < 2n ** 64n;
    if (!ok) throw fail();
    return b;
  }
  const n = typeof v === "bigint" ? Number(v) : typeof v === "boolean" ? Number(v) : v;
  if (dtype === "float32" || dtype === "float64") return n;
  const bits = dtypeByteSize(dtype) * 8;
  const signed = dtype.startsWith("int");
  const lo = signed ? -(2 ** (bits - 1)) : 0;
  const hi = signed ? 2 ** (bits - 1) - 1 : 2 ** bits - 1;
  if (!Number.isInteger(n) || n < lo || n > hi) throw fail();
  return n;
}

/**
 * Validate a spec and fill in its defaults.
 * @throws {InvalidMetadataError} for bad shapes, chunks, codec parameters or fill values.
 * @throws {UnsupportedError} for shards on v2, zero-dimensional arrays, or blosclz on non-4-byte types.
 */
export function resolveArraySpec(format: ZarrFormat, spec: ArraySpec): ArrayMeta {
  if (format !== 2 && format !== 3)
    throw bad("format", `unknown Zarr format ${String(format)}`, "2 | 3");
  if (!DATA_TYPES.includes(spec.dtype))
    throw bad("dtype", `unknown data type ${JSON.stringify(spec.dtype)}`, DATA_TYPES.join(" | "));
  const shape = [...spec.shape];
  const chunks = [...spec.chunks];
  if (shape.length === 0)
    throw new UnsupportedError(
      "zero-dimensional arrays",
      "zero-dimensional arrays are not supported; give at least one axis",
    );
  shape.forEach((s, i) => {
    if (!isInt(s) || s < 0)
      throw bad(`shape[${i}]`, `shape entry ${s} is not a non-negative integer`);
  });
  if (chunks.length !== shape.length)
    throw bad(
      "chunks",
      `chunks has ${chunks.length} entries for a ${shape.length}-dimensional shape`,
    );
  chunks.forEach((c, i) => {
    if (!isInt(c) || c < 1) throw bad(`chunks[${i}]`, `chunk size ${c} is not a positive integer`);
  });
  let shards: number[] | undefined;
  if (spec.shards !== undefined) {
    if (format === 2) {
      throw new UnsupportedError(
        "shards on Zarr v2",
        "sharding needs Zarr v3 (NGFF 0.5); drop `shards` or use format 3",
      );
    }
    shards = [...spec.shards];
    if (shards.length !== shape.length)
      throw bad(
        "shards",
        `shards has ${shards.length} entries for a ${shape.length}-dimensional shape`,
      );
    shards.forEach((s, i) => {
      if (!isInt(s) || s < 1 || s % chunks[i]! !== 0) {
        throw bad(
          `shards[${i}]`,
          `shard size ${s} is not a positive multiple of the chunk size ${chunks[i]}`,
        );
      }
    });
  }
  let dimensionNames: string[] | undefined;
  if (spec.dimensionNames !== undefined && format === 3) {
    dimensionNames = [...spec.dimensionNames];
    if (
      dimensionNames.length !== shape.length ||
      dimensionNames.some((n) => typeof n !== "string")
    ) {
      throw bad("dimensionNames", `dimensionNames must be ${shape.length} strings`);
    }
  }
  return {
    format,
    shape,
    dtype: spec.dtype,
    chunks,
    shards,
    fillValue: resolveFillValue(spec.dtype, spec.fillValue),
    codec: resolveCodec(spec.codec, format, spec.dtype),
    dimensionNames,
    separator: "/",
    keyEncoding: format === 2 ? "v2" : "default",
    indexCrc: true,
    attributes: spec.attributes ?? {},
  };
}
