/**
 * Array shapes changed in this process (`ImageArray.resize` / `append`), so that no wrapper of
 * the same array is ever stale: every `ImageArray` of an array compares its generation with the
 * one here on each read, write and `shape`, and reopens its store array when the array grew.
 * Keyed by store reference and array path, so two stores opened on the same directory share
 * entries. Entries are a few numbers each and only exist for resized arrays.
 */
import { refKey, type ZarrArray } from "../store/index.js";

/** The latest known shape of one array and a counter bumped at every change. */
export interface ShapeEntry {
  readonly generation: number;
  readonly shape: readonly number[];
}

const entries = new Map<string, ShapeEntry>();

function keyOf(array: Pick<ZarrArray, "store" | "path">): string {
  return `${refKey(array.store.ref)}\u0000${array.path}`;
}

/** The entry of `array`, or undefined when it was never resized in this process. */
export function shapeEntry(array: Pick<ZarrArray, "store" | "path">): ShapeEntry | undefined {
  return entries.get(keyOf(array));
}

/** Record that `array` now has `shape` (after its metadata was written). */
export function recordShape(array: Pick<ZarrArray, "store" | "path">, shape: readonly number[]) {
  const key = keyOf(array);
  const generation = (entries.get(key)?.generation ?? 0) + 1;
  entries.set(key, { generation, shape: Object.freeze([...shape]) });
}
