/**
 * Zarr v2 (`.zarray`, `.zgroup`, `.zattrs`) and v3 (`zarr.json`) metadata: written from an
 * {@link ArrayMeta} with explicit codecs and fill values, and parsed back.
 */
import { InvalidMetadataError, UnsupportedError } from "../errors.js";
import type { ArrayMeta, ResolvedCodec } from "./spec.js";
import { resolveFillValue } from "./spec.js";
import type { DataType, ZarrFormat } from "./types.js";
import { DATA_TYPES, dtypeByteSize } from "./types.js";

const BIGINT_TAG = "\u0000bigint:";

/**
 * JSON text for metadata: bigints become JSON integers (exact), non-finite floats become the
 * strings `"NaN"`, `"Infinity"`, `"-Infinity"` (as both Zarr specs require). Ends with a newline.
 */
export function stringifyMetadata(value: unknown, indent: number): string {
  const text = JSON.stringify(
    value,
    (_k, v: unknown) => {
      if (typeof v === "bigint") return `${BIGINT_TAG}${v.toString()}`;
      if (typeof v === "number" && !Number.isFinite(v)) {
        return Number.isNaN(v) ? "NaN" : v > 0 ? "Infinity" : "-Infinity";
      }
      return v;
    },
    indent,
  );
  return `${text.replace(/"\\u0000bigint:(-?\d+)"/g, "$1")}\n`;
}

/** UTF-8 bytes of {@link stringifyMetadata}. */
export function encodeMetadata(value: unknown, format: ZarrFormat): Uint8Array {
  return new TextEncoder().encode(stringifyMetadata(value, format === 2 ? 4 : 2));
}

/**
 * Parse a metadata file.
 * @throws {InvalidMetadataError} when it is not a JSON object.
 */
export function decodeMetadata(bytes: Uint8Array, source: string): Record<string, unknown> {
  let parsed: unknown;
  const text = new TextDecoder().decode(bytes);
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new InvalidMetadataError(
      [
        {
          code: "invalid_json",
          location: "",
          message: `not valid JSON: ${(cause as Error).message}`,
        },
      ],
      { source, cause, summary: `corrupt Zarr metadata in ${source}` },
    );
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new InvalidMetadataError(
      [
        {
          code: "invalid_type",
          location: "",
          message: "expected a JSON object",
          expected: "object",
        },
      ],
      { source, summary: `corrupt Zarr metadata in ${source}` },
    );
  }
  const obj = parsed as Record<string, unknown>;
  // JSON.parse rounds 64-bit integer fill values; recover the exact digits from the text.
  const fv = obj.fill_value;
  if (typeof fv === "number" && Number.isInteger(fv) && !Number.isSafeInteger(fv)) {
    const m = /"fill_value"\s*:\s*(-?\d+)\s*[,}]/.exec(text);
    if (m?.[1] !== undefined && Number(m[1]) === fv) obj.fill_value = BigInt(m[1]);
  }
  return obj;
}

const V2_DTYPE: Record<DataType, string> = {
  bool: "|b1",
  int8: "|i1",
  uint8: "|u1",
  int16: "<i2",
  uint16: "<u2",
  int32: "<i4",
  uint32: "<u4",
  int64: "<i8",
  uint64: "<u8",
  float32: "<f4",
  float64: "<f8",
};

const SHUFFLE_INT = { noshuffle: 0, shuffle: 1, bitshuffle: 2 } as const;
const SHUFFLE_NAME = ["noshuffle", "shuffle", "bitshuffle"] as const;

/** numcodecs-style v2 `compressor` object (or null for no compression). */
export function v2Compressor(codec: ResolvedCodec): Record<string, unknown> | null {
  switch (codec.name) {
    case "blosc":
      return {
        id: "blosc",
        cname: codec.cname,
        clevel: codec.clevel,
        shuffle: SHUFFLE_INT[codec.shuffle],
        blocksize: codec.blocksize,
      };
    case "zstd":
      return { id: "zstd", level: codec.level };
    case "lz4":
      return { id: "lz4", acceleration: codec.acceleration };
    case "gzip":
      return { id: "gzip", level: codec.level };
    case "zlib":
      return { id: "zlib", level: codec.level };
    case "none":
      return null;
  }
}

/** v3 codec list (array→bytes `bytes` little-endian, then the compressor, if any). */
export function v3Codecs(codec: ResolvedCodec, dtype: DataType): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [{ name: "bytes", configuration: { endian: "little" } }];
  switch (codec.name) {
    case "blosc":
      out.push({
        name: "blosc",
        configuration: {
          cname: codec.cname,
          clevel: codec.clevel,
          shuffle: codec.shuffle,
          typesize: dtypeByteSize(dtype),
          blocksize: codec.blocksize,
        },
      });
      break;
    case "zstd":
      out.push({ name: "zstd", configuration: { level: codec.level, checksum: false } });
      break;
    case "gzip":
      out.push({ name: "gzip", configuration: { level: codec.level } });
      break;
    case "lz4":
      out.push({ name: "numcodecs.lz4", configuration: { acceleration: codec.acceleration } });
      break;
    case "zlib":
      out.push({ name: "numcodecs.zlib", configuration: { level: codec.level } });
      break;
    case "none":
      break;
  }
  return out;
}

/** The `.zarray` object of a v2 array (keys sorted, like zarr-python). */
export function v2ArrayJson(m: ArrayMeta): Record<string, unknown> {
  return {
    chunks: m.chunks,
    compressor: v2Compressor(m.codec),
    dimension_separator: m.separator,
    dtype: V2_DTYPE[m.dtype],
    fill_value: m.fillValue,
    filters: null,
    order: "C",
    shape: m.shape,
    zarr_format: 2,
  };
}

/** The `zarr.json` object of a v3 array, attributes included. */
export function v3ArrayJson(m: ArrayMeta): Record<string, unknown> {
  const inner = v3Codecs(m.codec, m.dtype);
  const codecs =
    m.shards === undefined
      ? inner
      : [
          {
            name: "sharding_indexed",
            configuration: {
              chunk_shape: m.chunks,
              codecs: inner,
              index_codecs: [
                { name: "bytes", configuration: { endian: "little" } },
                ...(m.indexCrc ? [{ name: "crc32c" }] : []),
              ],
              index_location: "end",
            },
          },
        ];
  return {
    zarr_format: 3,
    node_type: "array",
    shape: m.shape,
    data_type: m.dtype,
    chunk_grid: { name: "regular", configuration: { chunk_shape: m.shards ?? m.chunks } },
    chunk_key_encoding:
      m.keyEncoding === "default"
        ? { name: "default", configuration: { separator: m.separator } }
        : { name: "v2", configuration: { separator: m.separator } },
    fill_value: m.fillValue,
    codecs,
    attributes: m.attributes,
    ...(m.dimensionNames === undefined ? {} : { dimension_names: m.dimensionNames }),
  };
}

// ---------------------------------------------------------------- parsing

function invalid(
  source: string,
  location: string,
  message: string,
  expected?: string,
): InvalidMetadataError {
  return new InvalidMetadataError(
    [{ code: "invalid_zarr_metadata", location, message, ...(expected ? { expected } : {}) }],
    { source, summary: `unsupported or invalid Zarr array metadata in ${source}` },
  );
}

function intArray(v: unknown, source: string, location: string): number[] {
  if (!Array.isArray(v) || v.some((x) => !Number.isSafeInteger(x) || (x as number) < 0)) {
    throw invalid(
      source,
      location,
      `expected an array of non-negative integers, found ${JSON.stringify(v)}`,
    );
  }
  return v as number[];
}

function parseFill(v: unknown, dtype: DataType, source: string): number | bigint | boolean {
  if (v === null || v === undefined) return resolveFillValue(dtype, undefined);
  if (v === "NaN") return Number.NaN;
  if (v === "Infinity") return Number.POSITIVE_INFINITY;
  if (v === "-Infinity") return Number.NEGATIVE_INFINITY;
  if (typeof v !== "number" && typeof v !== "boolean" && typeof v !== "bigint") {
    throw invalid(source, "fill_value", `unsupported fill value ${JSON.stringify(v)}`);
  }
  try {
    return resolveFillValue(dtype, v);
  } catch {
    throw invalid(source, "fill_value", `fill value ${JSON.stringify(v)} does not fit ${dtype}`);
  }
}

function codecFromNumcodecs(
  c: Record<string, unknown>,
  id: string,
  source: string,
  location: string,
): ResolvedCodec {
  const num = (k: string, d: number) => (typeof c[k] === "number" ? (c[k] as number) : d);
  switch (id) {
    case "blosc": {
      const sh = c.shuffle;
      const shuffle =
        typeof sh === "string"
          ? sh
          : typeof sh === "number" && sh >= 0 && sh <= 2
            ? SHUFFLE_NAME[sh]
            : "shuffle";
      if (shuffle !== "noshuffle" && shuffle !== "shuffle" && shuffle !== "bitshuffle") {
        throw invalid(
          source,
          `${location}.shuffle`,
          `unsupported blosc shuffle ${JSON.stringify(sh)}`,
        );
      }
      const cname = typeof c.cname === "string" ? c.cname : "lz4";
      if (!["lz4", "lz4hc", "zstd", "zlib", "blosclz"].includes(cname)) {
        throw invalid(
          source,
          `${location}.cname`,
          `unsupported blosc cname ${JSON.stringify(cname)}`,
        );
      }
      return {
        name: "blosc",
        cname: cname as "lz4",
        clevel: num("clevel", 5),
        shuffle,
        blocksize: num("blocksize", 0),
      };
    }
    case "zstd":
      return { name: "zstd", level: num("level", 0) };
    case "lz4":
      return { name: "lz4", acceleration: num("acceleration", 1) };
    case "gzip":
      return { name: "gzip", level: num("level", 5) };
    case "zlib":
      return { name: "zlib", level: num("level", 1) };
    default:
      throw new UnsupportedError(
        `codec ${id}`,
        `cannot read ${source}: codec "${id}" is not supported`,
      );
  }
}

function parseDtypeV2(v: unknown, source: string): DataType {
  const entry = Object.entries(V2_DTYPE).find(
    ([, s]) => s === v || (s.startsWith("<") && `|${s.slice(1)}` === v),
  );
  if (entry !== undefined) return entry[0] as DataType;
  if (typeof v === "string" && v.startsWith(">")) {
    throw new UnsupportedError(
      "big-endian data",
      `cannot read ${source}: big-endian dtype ${v} is not supported`,
    );
  }
  throw invalid(
    source,
    "dtype",
    `unsupported dtype ${JSON.stringify(v)}`,
    "a numeric little-endian dtype",
  );
}

/**
 * Parse a `.zarray` (plus attributes from `.zattrs`).
 * @throws {InvalidMetadataError} / {UnsupportedError} for metadata this layer cannot read.
 */
export function parseV2Array(
  j: Record<string, unknown>,
  attributes: Record<string, unknown>,
  source: string,
): ArrayMeta {
  if (j.zarr_format !== 2)
    throw invalid(source, "zarr_format", `expected 2, found ${JSON.stringify(j.zarr_format)}`);
  const dtype = parseDtypeV2(j.dtype, source);
  const shape = intArray(j.shape, source, "shape");
  const chunks = intArray(j.chunks, source, "chunks");
  if (j.order !== undefined && j.order !== "C") {
    throw new UnsupportedError(
      "order F",
      `cannot read ${source}: only C-order arrays are supported`,
    );
  }
  if (Array.isArray(j.filters) && j.filters.length > 0) {
    throw new UnsupportedError("v2 filters", `cannot read ${source}: filters are not supported`);
  }
  const sep = j.dimension_separator ?? ".";
  if (sep !== "/" && sep !== ".")
    throw invalid(source, "dimension_separator", `unsupported separator ${JSON.stringify(sep)}`);
  const comp = j.compressor;
  const codec: ResolvedCodec =
    comp === null || comp === undefined
      ? { name: "none" }
      : codecFromNumcodecs(
          comp as Record<string, unknown>,
          String((comp as Record<string, unknown>).id),
          source,
          "compressor",
        );
  return {
    format: 2,
    shape,
    dtype,
    chunks,
    shards: undefined,
    fillValue: parseFill(j.fill_value, dtype, source),
    codec,
    dimensionNames: undefined,
    separator: sep,
    keyEncoding: "v2",
    indexCrc: false,
    attributes,
  };
}

function parseV3CodecList(list: unknown, source: string, location: string): ResolvedCodec {
  if (!Array.isArray(list)) throw invalid(source, location, "expected a list of codecs");
  let codec: ResolvedCodec = { name: "none" };
  let sawBytes = false;
  list.forEach((raw: unknown, i) => {
    const c = raw as { name?: unknown; configuration?: Record<string, unknown> };
    const loc = `${location}[${i}]`;
    const cfg = c.configuration ?? {};
    if (c.name === "bytes") {
      if (cfg.endian === "big")
        throw new UnsupportedError(
          "big-endian data",
          `cannot read ${source}: big-endian bytes codec`,
        );
      sawBytes = true;
      return;
    }
    if (!sawBytes)
      throw new UnsupportedError(
        `codec ${String(c.name)}`,
        `cannot read ${source}: codec "${String(c.name)}" before "bytes" is not supported`,
      );
    if (codec.name !== "none")
      throw new UnsupportedError(
        "several compressors",
        `cannot read ${source}: more than one bytes-to-bytes codec`,
      );
    const name = String(c.name).replace(/^numcodecs\./, "");
    codec = codecFromNumcodecs(cfg, name, source, loc);
  });
  if (!sawBytes) throw invalid(source, location, 'no "bytes" codec found');
  return codec;
}

/**
 * Parse a v3 array `zarr.json`.
 * @throws {InvalidMetadataError} / {UnsupportedError} for metadata this layer cannot read.
 */
export function parseV3Array(j: Record<string, unknown>, source: string): ArrayMeta {
  const dtype = j.data_type as DataType;
  if (!DATA_TYPES.includes(dtype))
    throw invalid(source, "data_type", `unsupported data type ${JSON.stringify(j.data_type)}`);
  const shape = intArray(j.shape, source, "shape");
  const grid = j.chunk_grid as
    | { name?: unknown; configuration?: { chunk_shape?: unknown } }
    | undefined;
  if (grid?.name !== "regular")
    throw invalid(source, "chunk_grid", "only regular chunk grids are supported");
  const gridShape = intArray(
    grid.configuration?.chunk_shape,
    source,
    "chunk_grid.configuration.chunk_shape",
  );
  const cke = (j.chunk_key_encoding ?? {}) as {
    name?: unknown;
    configuration?: { separator?: unknown };
  };
  const keyEncoding = cke.name === "v2" ? "v2" : "default";
  if (cke.name !== "default" && cke.name !== "v2")
    throw invalid(source, "chunk_key_encoding", `unsupported encoding ${JSON.stringify(cke.name)}`);
  const sep = cke.configuration?.separator ?? (keyEncoding === "default" ? "/" : ".");
  if (sep !== "/" && sep !== ".")
    throw invalid(source, "chunk_key_encoding", `unsupported separator ${JSON.stringify(sep)}`);
  const codecs = j.codecs as Array<{ name?: unknown; configuration?: Record<string, unknown> }>;
  let chunks = gridShape;
  let shards: number[] | undefined;
  let codec: ResolvedCodec;
  let indexCrc = false;
  if (Array.isArray(codecs) && codecs.length === 1 && codecs[0]?.name === "sharding_indexed") {
    const cfg = codecs[0].configuration ?? {};
    shards = gridShape;
    chunks = intArray(cfg.chunk_shape, source, "codecs[0].configuration.chunk_shape");
    if ((cfg.index_location ?? "end") !== "end") {
      throw new UnsupportedError(
        "shard index at start",
        `cannot read ${source}: index_location "start" is not supported`,
      );
    }
    codec = parseV3CodecList(cfg.codecs, source, "codecs[0].configuration.codecs");
    const idx = (cfg.index_codecs ?? []) as Array<{
      name?: unknown;
      configuration?: Record<string, unknown>;
    }>;
    for (const c of idx) {
      if (c.name === "crc32c") indexCrc = true;
      else if (c.name !== "bytes" || c.configuration?.endian === "big") {
        throw new UnsupportedError(
          "shard index codecs",
          `cannot read ${source}: index codec ${JSON.stringify(c)} is not supported`,
        );
      }
    }
  } else {
    codec = parseV3CodecList(codecs, source, "codecs");
  }
  const names = j.dimension_names;
  return {
    format: 3,
    shape,
    dtype,
    chunks,
    shards,
    fillValue: parseFill(j.fill_value, dtype, source),
    codec,
    dimensionNames: Array.isArray(names) ? names.map((n) => String(n)) : undefined,
    separator: sep,
    keyEncoding,
    indexCrc,
    attributes: (j.attributes as Record<string, unknown> | undefined) ?? {},
  };
}
