/** Helpers of the stream tests: a position per store, the batch reference, seeded frames. */

import type { Position } from "../../../src/nodes/position.js";
import type { PyramidMethod } from "../../../src/nodes/pyramid-ops.js";
import { openOmeZarr } from "../../../src/open.js";
import {
  createMemoryStore,
  type DataType,
  typedArrayFor,
  type ZarrStore,
} from "../../../src/store/index.js";
import type { AnyTypedArray } from "../../../src/store/types.js";

/** One stream vs batch case. */
export interface Case {
  version: "0.4" | "0.5";
  dtype: DataType;
  method: PyramidMethod;
  shape: number[];
  chunks: number[];
  shardsRatio?: number[];
  levels: number;
  dims: string[];
  order: "in" | "reversed" | "random";
  seed: number;
  /** Channels (default 1). */
  channels?: number;
}

/** A new position (TCZYX, one channel) in `store`. */
export function newPosition(
  store: ZarrStore,
  version: "0.4" | "0.5",
  channels = 1,
): Promise<Position> {
  return openOmeZarr(store, {
    layout: "fov",
    mode: "w",
    channelNames: Array.from({ length: channels }, (_, i) => `C${i}`),
    version,
  }) as Promise<Position>;
}

/** {@link seeded} data for a whole image of `c`'s shape. */
export function caseData(c: { dtype: DataType; shape: readonly number[]; seed: number }) {
  return seeded(
    c.dtype,
    c.shape.reduce((p, n) => p * n, 1),
    c.seed,
  );
}

/** Deterministic noisy data of `n` elements (values spread over the dtype's range). */
export function seeded(dtype: DataType, n: number, seed: number): AnyTypedArray {
  const out = typedArrayFor(dtype, n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    const u = (s >>> 0) / 2 ** 32;
    if (dtype === "float32" || dtype === "float64") (out as Float32Array)[i] = (u - 0.3) * 1000;
    else if (dtype === "uint8") (out as Uint8Array)[i] = Math.floor(u * 256);
    else if (dtype === "uint16") (out as Uint16Array)[i] = Math.floor(u * 65536);
    else if (dtype === "uint32") (out as Uint32Array)[i] = Math.floor(u * 2 ** 32);
    else (out as Uint8Array)[i] = Math.floor(u * 100);
  }
  return out;
}

/** Frame numbers 0..n−1 in the case's order. */
export function frameOrder(n: number, order: Case["order"], seed: number): number[] {
  const idx = Array.from({ length: n }, (_, i) => i);
  if (order === "reversed") return idx.reverse();
  if (order === "random") {
    let s = seed + 7;
    for (let i = n - 1; i > 0; i--) {
      s = (s * 1103515245 + 12345) >>> 0;
      const j = s % (i + 1);
      [idx[i], idx[j]] = [idx[j]!, idx[i]!];
    }
  }
  return idx;
}

/** The batch reference: createImage + computePyramid into a memory store. */
export async function batchStore(c: Case, data: AnyTypedArray): Promise<ZarrStore> {
  const store = createMemoryStore();
  const pos = await newPosition(store, c.version, c.channels);
  await pos.createImage(
    "0",
    { data, shape: c.shape },
    { chunks: c.chunks, ...(c.shardsRatio ? { shardsRatio: c.shardsRatio } : {}) },
  );
  if (c.levels > 1) await pos.computePyramid({ levels: c.levels, method: c.method, dims: c.dims });
  return store;
}
