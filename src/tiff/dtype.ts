/**
 * TIFF sample formats ↔ the Zarr data types the converter writes.
 */
import { UnsupportedError } from "../errors.js";

/** The data types a TIFF page can be converted to (a subset of the store layer's `DataType`). */
export type TiffDataType =
  | "uint8"
  | "int8"
  | "uint16"
  | "int16"
  | "uint32"
  | "int32"
  | "float32"
  | "float64";

/** A typed array holding samples of one {@link TiffDataType}. */
export type TiffTypedArray =
  | Uint8Array
  | Int8Array
  | Uint16Array
  | Int16Array
  | Uint32Array
  | Int32Array
  | Float32Array
  | Float64Array;

const SAMPLE_FORMAT_NAMES: Record<number, string> = {
  1: "unsigned integer",
  2: "signed integer",
  3: "IEEE float",
  4: "undefined",
  5: "complex integer",
  6: "complex float",
};

/**
 * The data type of TIFF samples with `SampleFormat` `format` (1 uint, 2 int, 3 float; default 1)
 * and `bits` bits per sample.
 * @throws {UnsupportedError} for bit depths other than 8/16/32 (64 for floats), float16,
 *   complex or undefined sample formats.
 */
export function tiffDataType(format: number, bits: number, where: string): TiffDataType {
  const key = `${format}:${bits}`;
  const table: Record<string, TiffDataType> = {
    "1:8": "uint8",
    "1:16": "uint16",
    "1:32": "uint32",
    "2:8": "int8",
    "2:16": "int16",
    "2:32": "int32",
    "3:32": "float32",
    "3:64": "float64",
    // SampleFormat 4 ("undefined") is read as unsigned, as libtiff and tifffile do.
    "4:8": "uint8",
    "4:16": "uint16",
    "4:32": "uint32",
  };
  const dtype = table[key];
  if (dtype !== undefined) return dtype;
  const name = SAMPLE_FORMAT_NAMES[format] ?? `SampleFormat ${format}`;
  throw new UnsupportedError(
    `TIFF sample format ${name} ${bits}-bit`,
    `${where}: unsupported sample format (${name}, ${bits} bits per sample); ` +
      "expected 8/16/32-bit integers or 32/64-bit floats; convert the file to one of those first",
  );
}

/** Bytes per sample of a {@link TiffDataType}. */
export function tiffDataTypeSize(dtype: TiffDataType): number {
  switch (dtype) {
    case "uint8":
    case "int8":
      return 1;
    case "uint16":
    case "int16":
      return 2;
    case "uint32":
    case "int32":
    case "float32":
      return 4;
    case "float64":
      return 8;
  }
}

/** A typed-array view of `dtype` over `buffer` (`length` elements from `byteOffset`). */
export function typedView(
  dtype: TiffDataType,
  buffer: ArrayBufferLike,
  byteOffset: number,
  length: number,
): TiffTypedArray {
  switch (dtype) {
    case "uint8":
      return new Uint8Array(buffer, byteOffset, length);
    case "int8":
      return new Int8Array(buffer, byteOffset, length);
    case "uint16":
      return new Uint16Array(buffer, byteOffset, length);
    case "int16":
      return new Int16Array(buffer, byteOffset, length);
    case "uint32":
      return new Uint32Array(buffer, byteOffset, length);
    case "int32":
      return new Int32Array(buffer, byteOffset, length);
    case "float32":
      return new Float32Array(buffer, byteOffset, length);
    case "float64":
      return new Float64Array(buffer, byteOffset, length);
  }
}

/** A new zero-filled typed array of `dtype` with `length` elements. */
export function allocTyped(dtype: TiffDataType, length: number): TiffTypedArray {
  return typedView(dtype, new ArrayBuffer(length * tiffDataTypeSize(dtype)), 0, length);
}

/** Reverse the byte order of every `size`-byte element of `bytes` in place (big-endian files). */
export function swapBytes(bytes: Uint8Array, size: number): void {
  if (size === 1) return;
  const n = bytes.length - (bytes.length % size);
  if (size === 2) {
    for (let i = 0; i < n; i += 2) {
      const a = bytes[i]!;
      bytes[i] = bytes[i + 1]!;
      bytes[i + 1] = a;
    }
    return;
  }
  const half = size >> 1;
  for (let i = 0; i < n; i += size) {
    for (let k = 0; k < half; k++) {
      const a = bytes[i + k]!;
      bytes[i + k] = bytes[i + size - 1 - k]!;
      bytes[i + size - 1 - k] = a;
    }
  }
}
