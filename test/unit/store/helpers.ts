import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import type { AnyTypedArray, DataType, ZarrStore } from "../../../src/store/index.js";
import { typedArrayFor } from "../../../src/store/index.js";

/** A fresh temp directory and its removal. */
export async function tempDir(
  prefix = "ngff-store-",
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), prefix));
  return { dir, cleanup: () => fs.rm(dir, { recursive: true, force: true }) };
}

/** Deterministic, non-trivial test data (a gradient plus pseudo-random noise) for a data type. */
export function sampleData(dtype: DataType, n: number, seed = 1): AnyTypedArray {
  const a = typedArrayFor(dtype, n);
  let s = seed >>> 0 || 1;
  const rnd = () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
  for (let i = 0; i < n; i++) {
    const v = Math.floor((i % 97) * 3 + rnd() * 20);
    switch (dtype) {
      case "bool":
        (a as Uint8Array)[i] = v & 1;
        break;
      case "int8":
      case "int16":
      case "int32":
        (a as Int32Array)[i] = v - 60;
        break;
      case "int64":
        (a as BigInt64Array)[i] = BigInt(v - 60) * 1_000_000_007n;
        break;
      case "uint64":
        (a as BigUint64Array)[i] = BigInt(v) * 1_000_000_007n;
        break;
      case "float32":
      case "float64":
        (a as Float64Array)[i] = (v - 60) * 0.37;
        break;
      default:
        (a as Uint16Array)[i] = v;
    }
  }
  return a;
}

/** Reference read of `region` from a whole C-order array of `shape`. */
export function sliceRef(
  whole: AnyTypedArray,
  shape: readonly number[],
  region: readonly (readonly [number, number])[],
): unknown[] {
  const out: unknown[] = [];
  const rec = (axis: number, offset: number) => {
    const stride = shape.slice(axis + 1).reduce((a, b) => a * b, 1);
    for (let i = region[axis]![0]; i < region[axis]![1]; i++) {
      if (axis === shape.length - 1) out.push(whole[offset + i]);
      else rec(axis + 1, offset + i * stride);
    }
  };
  rec(0, 0);
  return out;
}

/** Plain array of the elements of any typed array (for `toEqual`). */
export function toArray(a: AnyTypedArray): unknown[] {
  return Array.from(a as ArrayLike<unknown>);
}

/** A store that forwards to `inner`, with some methods replaced. */
export function wrapStore(inner: ZarrStore, overrides: Partial<ZarrStore>): ZarrStore {
  return {
    kind: inner.kind,
    root: inner.root,
    ref: inner.ref,
    readOnly: inner.readOnly,
    get: (k) => inner.get(k),
    set: (k, v) => inner.set(k, v),
    delete: (k) => inner.delete(k),
    has: (k) => inner.has(k),
    list: (p) => inner.list(p),
    deletePrefix: (p) => inner.deletePrefix(p),
    rename: (a, b) => inner.rename(a, b),
    getRange: (k, r) => inner.getRange!(k, r),
    ...overrides,
  };
}
