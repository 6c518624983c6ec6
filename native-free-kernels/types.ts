/** Downsampling methods, with TensorStore's semantics (see `downsample`). */
export type DownsampleMethod = "stride" | "mean" | "median" | "mode" | "min" | "max";

/** Element types the kernels accept. `bool` is a Uint8Array holding 0 or 1. */
export type KernelDType =
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

/** The typed arrays the kernels read and write, one per `KernelDType`. */
export type KernelArray =
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

/** 1-byte integer arrays (bool, int8, uint8). */
export type ByteArray = Uint8Array | Int8Array;
/** 2-byte integer arrays (int16, uint16). */
export type ShortArray = Uint16Array | Int16Array;
/** Typed arrays whose values fit comfortably in int32 arithmetic (|value| < 2^16). */
export type SmallIntArray = ByteArray | ShortArray;

/** Every supported method name, in documentation order. */
export const DOWNSAMPLE_METHODS: readonly DownsampleMethod[] = [
  "stride",
  "mean",
  "median",
  "mode",
  "min",
  "max",
];

/** Per-dtype facts the dispatcher needs. */
export interface DTypeInfo {
  /** Value of `Symbol.toStringTag` of the matching typed array. */
  readonly tag: string;
  /** Bytes per element. */
  readonly bytes: 1 | 2 | 4 | 8;
  readonly kind: "bool" | "int" | "uint" | "float";
  /** Allocates an array of this dtype. */
  readonly create: (length: number) => KernelArray;
}

/** The table of supported dtypes. */
export const DTYPES: Readonly<Record<KernelDType, DTypeInfo>> = {
  bool: { tag: "Uint8Array", bytes: 1, kind: "bool", create: (n) => new Uint8Array(n) },
  int8: { tag: "Int8Array", bytes: 1, kind: "int", create: (n) => new Int8Array(n) },
  uint8: { tag: "Uint8Array", bytes: 1, kind: "uint", create: (n) => new Uint8Array(n) },
  int16: { tag: "Int16Array", bytes: 2, kind: "int", create: (n) => new Int16Array(n) },
  uint16: { tag: "Uint16Array", bytes: 2, kind: "uint", create: (n) => new Uint16Array(n) },
  int32: { tag: "Int32Array", bytes: 4, kind: "int", create: (n) => new Int32Array(n) },
  uint32: { tag: "Uint32Array", bytes: 4, kind: "uint", create: (n) => new Uint32Array(n) },
  float32: { tag: "Float32Array", bytes: 4, kind: "float", create: (n) => new Float32Array(n) },
  int64: { tag: "BigInt64Array", bytes: 8, kind: "int", create: (n) => new BigInt64Array(n) },
  uint64: { tag: "BigUint64Array", bytes: 8, kind: "uint", create: (n) => new BigUint64Array(n) },
  float64: { tag: "Float64Array", bytes: 8, kind: "float", create: (n) => new Float64Array(n) },
};
