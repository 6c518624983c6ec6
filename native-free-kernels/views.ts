/** Same-memory views of a typed array with another element type (no copy). */
import type { KernelArray } from "./types.js";

/** Int32Array over the same bytes (4- and 8-byte element types; 8-byte ones give 2 words each). */
export function int32View(a: KernelArray): Int32Array {
  return new Int32Array(a.buffer, a.byteOffset, a.byteLength >> 2);
}

/** Uint16Array over the same bytes (2-byte element types). */
export function uint16View(a: KernelArray): Uint16Array {
  return new Uint16Array(a.buffer, a.byteOffset, a.byteLength >> 1);
}

/** Uint8Array over the same bytes (1-byte element types). */
export function uint8View(a: KernelArray): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}
