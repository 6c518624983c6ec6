/**
 * Order keys: every value maps to a signed int32 (types of at most 4 bytes) or to a pair of
 * signed int32 (8-byte types) whose plain signed order is the kernels' value order, and back.
 * Order statistics (min, max, median, mode) run on keys, so one integer code path serves signed,
 * unsigned and float types, and the result is the exact bit pattern of a source element.
 *
 * The float order is the one of `TypedArray.prototype.sort`: -Infinity < … < -0 < +0 < … <
 * +Infinity < NaN, and all NaNs are one value (they map to the largest key). So min ignores NaN
 * unless every element is NaN, max is NaN if any element is NaN, median and mode count NaN as
 * the largest value, and -0 and +0 are distinct values (min(-0, +0) is -0).
 */

/** Parameters of the 32-bit key transform (see `toKey32`). */
export interface Key32Params {
  /** Bits flipped in negative values: 0x7fffffff for floats (sign-magnitude), else 0. */
  readonly a: number;
  /** Bits flipped in every value: the sign bit for unsigned types, else 0. */
  readonly c: number;
  /** Largest non-NaN magnitude: 0x7f800000 for float32, else 0x7fffffff (no NaN). */
  readonly n: number;
}

const SIGN = -0x80000000;

/** Values of at most 16 bits, and int32: the key is the value itself. */
export const IDENTITY_KEY32: Key32Params = { a: 0, c: 0, n: 0x7fffffff };
/** uint32 read through an Int32Array view. */
export const UINT32_KEY32: Key32Params = { a: 0, c: SIGN, n: 0x7fffffff };
/** float32 bits read through an Int32Array view. */
export const FLOAT32_KEY32: Key32Params = { a: 0x7fffffff, c: 0, n: 0x7f800000 };

/**
 * Key of one value (or of float32 bits `b` read as int32). The NaN mask `m` is -1 exactly when
 * |b| > n, which only float32 NaNs reach; NaNs then map to 0x7fffffff.
 */
export function toKey32(b: number, a: number, c: number, n: number): number {
  const m = (n - (b & 0x7fffffff)) >> 31;
  return ((b ^ (((b >> 31) & a) ^ c)) & ~m) | (m & 0x7fffffff);
}

/** Inverse of `toKey32` (NaN comes back as the quiet NaN 0x7fffffff). */
export function fromKey32(k: number, a: number, c: number): number {
  return k ^ (((k >> 31) & a) ^ c);
}

/** Parameters of the 64-bit pair key transform (see `toPairKey`). */
export interface PairKeyParams {
  /** -1 for float64 (sign-magnitude, NaN), else 0. */
  readonly float: number;
  /** Bits flipped in the high word of every value: the sign bit for uint64, else 0. */
  readonly hc: number;
}

export const INT64_PAIR: PairKeyParams = { float: 0, hc: 0 };
export const UINT64_PAIR: PairKeyParams = { float: 0, hc: SIGN };
export const FLOAT64_PAIR: PairKeyParams = { float: -1, hc: 0 };

/** Index of the low and high 32-bit word of a 64-bit element in an Int32Array view. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
export const LO_WORD = LITTLE_ENDIAN ? 0 : 1;
export const HI_WORD = LITTLE_ENDIAN ? 1 : 0;

/**
 * High key word of a 64-bit value given its words (`hi` and `lo` as int32). The low key word is
 * `lowPairKey`; together they compare as (high signed, then low signed).
 */
export function highPairKey(hi: number, lo: number, float: number, hc: number): number {
  if (float !== 0 && isNaN64(hi, lo)) return 0x7fffffff;
  return hi ^ ((hi >> 31) & float & 0x7fffffff) ^ hc;
}

/** Low key word, see `highPairKey`. */
export function lowPairKey(hi: number, lo: number, float: number): number {
  if (float !== 0 && isNaN64(hi, lo)) return 0x7fffffff;
  return lo ^ ((hi >> 31) & float) ^ SIGN;
}

/** High word of the value of a pair key. */
export function highFromPairKey(hk: number, float: number, hc: number): number {
  return hk ^ ((hk >> 31) & float & 0x7fffffff) ^ hc;
}

/** Low word of the value of a pair key. */
export function lowFromPairKey(hk: number, lk: number, float: number): number {
  return lk ^ SIGN ^ ((hk >> 31) & float);
}

function isNaN64(hi: number, lo: number): boolean {
  const m = hi & 0x7fffffff;
  return m > 0x7ff00000 || (m === 0x7ff00000 && lo !== 0);
}
