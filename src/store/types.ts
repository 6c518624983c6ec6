/**
 * Shared types of the store layer: data types, codec choices, array specs and regions.
 * Binding contract: /work/briefs/store-contract.md.
 */

/** Zarr format version: 2 (NGFF 0.4) or 3 (NGFF 0.5). */
export type ZarrFormat = 2 | 3;

/** Numeric data types the store layer writes and reads. */
export type DataType =
  | "bool"
  | "int8"
  | "int16"
  | "int32"
  | "int64"
  | "uint8"
  | "uint16"
  | "uint32"
  | "uint64"
  | "float32"
  | "float64";

/** Every {@link DataType}, in a stable order (useful for tests and validation). */
export const DATA_TYPES: readonly DataType[] = [
  "bool",
  "int8",
  "int16",
  "int32",
  "int64",
  "uint8",
  "uint16",
  "uint32",
  "uint64",
  "float32",
  "float64",
];

/** The integer data types (what label images may use). */
export const INTEGER_DATA_TYPES: readonly DataType[] = DATA_TYPES.filter(
  (d) => d.startsWith("int") || d.startsWith("uint"),
);

/** The typed array that holds elements of data type `D` (bool is one byte per element). */
export type TypedArrayFor<D extends DataType> = D extends "bool"
  ? Uint8Array
  : D extends "int8"
    ? Int8Array
    : D extends "int16"
      ? Int16Array
      : D extends "int32"
        ? Int32Array
        : D extends "int64"
          ? BigInt64Array
          : D extends "uint8"
            ? Uint8Array
            : D extends "uint16"
              ? Uint16Array
              : D extends "uint32"
                ? Uint32Array
                : D extends "uint64"
                  ? BigUint64Array
                  : D extends "float32"
                    ? Float32Array
                    : D extends "float64"
                      ? Float64Array
                      : never;

/** Any typed array the store layer reads or writes. */
export type AnyTypedArray =
  | Uint8Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array
  | Float32Array
  | Float64Array;

/** A box in array coordinates: `[start, stop)` per axis. */
export type Region = readonly (readonly [start: number, stop: number])[];

/** Blosc inner compressor names. */
export type BloscCname = "lz4" | "lz4hc" | "zstd" | "zlib" | "blosclz";

/** Blosc shuffle modes, by their Zarr v3 names. */
export type BloscShuffle = "noshuffle" | "shuffle" | "bitshuffle";

/** Codec choice, camelCase in, spec-exact JSON out (see `metadata.ts`). */
export type CodecSpec =
  | {
      name: "blosc";
      cname?: BloscCname;
      clevel?: number;
      shuffle?: BloscShuffle;
      blocksize?: number;
    }
  | { name: "zstd"; level?: number }
  | { name: "lz4"; acceleration?: number }
  | { name: "gzip"; level?: number }
  | { name: "zlib"; level?: number }
  | { name: "none" };

/** What to create: shape, data type, chunking, codec, fill value and attributes. */
export interface ArraySpec {
  shape: readonly number[];
  dtype: DataType;
  chunks: readonly number[];
  /** v3 only: shard shape (a multiple of `chunks` per axis); on v2 → UnsupportedError. */
  shards?: readonly number[];
  /** Default: v2 blosc lz4 clevel 5 shuffle; v3 blosc zstd clevel 1 bitshuffle. */
  codec?: CodecSpec;
  /** Default 0 (false for bool). */
  fillValue?: number | bigint | boolean;
  /** v3 `dimension_names`; ignored (not written) for v2. */
  dimensionNames?: readonly string[];
  attributes?: Record<string, unknown>;
}

const BYTE_SIZE: Record<DataType, number> = {
  bool: 1,
  int8: 1,
  uint8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  float32: 4,
  int64: 8,
  uint64: 8,
  float64: 8,
};

/** Bytes per element of `d` (bool: 1). */
export function dtypeByteSize(d: DataType): number {
  return BYTE_SIZE[d];
}

/** A new zero-filled typed array of `length` elements for data type `d`. */
export function typedArrayFor(d: DataType, length: number): AnyTypedArray {
  switch (d) {
    case "bool":
    case "uint8":
      return new Uint8Array(length);
    case "int8":
      return new Int8Array(length);
    case "int16":
      return new Int16Array(length);
    case "uint16":
      return new Uint16Array(length);
    case "int32":
      return new Int32Array(length);
    case "uint32":
      return new Uint32Array(length);
    case "int64":
      return new BigInt64Array(length);
    case "uint64":
      return new BigUint64Array(length);
    case "float32":
      return new Float32Array(length);
    case "float64":
      return new Float64Array(length);
  }
}

/** A typed array view of data type `d` over `bytes` (copied first when misaligned). */
export function typedArrayView(d: DataType, bytes: Uint8Array): AnyTypedArray {
  const size = BYTE_SIZE[d];
  if (bytes.byteOffset % size !== 0) bytes = bytes.slice();
  const n = bytes.byteLength / size;
  switch (d) {
    case "bool":
    case "uint8":
      return bytes;
    case "int8":
      return new Int8Array(bytes.buffer, bytes.byteOffset, n);
    case "int16":
      return new Int16Array(bytes.buffer, bytes.byteOffset, n);
    case "uint16":
      return new Uint16Array(bytes.buffer, bytes.byteOffset, n);
    case "int32":
      return new Int32Array(bytes.buffer, bytes.byteOffset, n);
    case "uint32":
      return new Uint32Array(bytes.buffer, bytes.byteOffset, n);
    case "int64":
      return new BigInt64Array(bytes.buffer, bytes.byteOffset, n);
    case "uint64":
      return new BigUint64Array(bytes.buffer, bytes.byteOffset, n);
    case "float32":
      return new Float32Array(bytes.buffer, bytes.byteOffset, n);
    case "float64":
      return new Float64Array(bytes.buffer, bytes.byteOffset, n);
  }
}

/** The bytes of a typed array (a view, no copy). */
export function bytesOf(a: AnyTypedArray): Uint8Array {
  return a instanceof Uint8Array ? a : new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** True when a typed array holds elements of data type `d`. */
export function isTypedArrayOf(d: DataType, a: AnyTypedArray): boolean {
  switch (d) {
    case "bool":
    case "uint8":
      return a instanceof Uint8Array;
    case "int8":
      return a instanceof Int8Array;
    case "int16":
      return a instanceof Int16Array;
    case "uint16":
      return a instanceof Uint16Array;
    case "int32":
      return a instanceof Int32Array;
    case "uint32":
      return a instanceof Uint32Array;
    case "int64":
      return a instanceof BigInt64Array;
    case "uint64":
      return a instanceof BigUint64Array;
    case "float32":
      return a instanceof Float32Array;
    case "float64":
      return a instanceof Float64Array;
  }
}

/** True for the 64-bit integer types, whose elements are bigints. */
export function isBigIntType(d: DataType): d is "int64" | "uint64" {
  return d === "int64" || d === "uint64";
}

/** Number of elements in a box of `shape`. */
export function product(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}
