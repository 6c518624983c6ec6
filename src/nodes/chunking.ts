/**
 * Default chunking and the checks of user-given chunks and shard ratios.
 */
import { ShapeMismatchError, UnsupportedError } from "../errors.js";
import { type DataType, dtypeByteSize } from "../store/index.js";
import type { NgffVersion } from "./context.js";

/** Largest default chunk, in bytes (8 MiB). */
export const DEFAULT_MAX_CHUNK_BYTES = 8 * 1024 * 1024;

/**
 * iohub's default chunks: one stack of the last `lastDims` axes (Z, Y, X), 1 on the leading axes.
 * Unlike iohub, the stack is then reduced until a chunk holds at most `maxBytes`: Z is halved
 * first (rounding up) down to single planes, then the larger of Y and X, so a large volume does
 * not become one huge chunk and planes stay whole as long as they fit.
 */
export function defaultChunks(
  shape: readonly number[],
  dtype: DataType,
  opts: { lastDims?: number; maxBytes?: number } = {},
): number[] {
  const n = shape.length;
  const lastDims = Math.min(opts.lastDims ?? 3, n);
  const maxBytes = opts.maxBytes ?? DEFAULT_MAX_CHUNK_BYTES;
  const chunks = shape.map((s, i) => (i >= n - lastDims ? Math.max(1, s) : 1));
  const bytes = () => chunks.reduce((a, b) => a * b, dtypeByteSize(dtype));
  const planeStart = Math.max(n - 2, n - lastDims);
  for (let ax = n - lastDims; ax < planeStart && bytes() > maxBytes; ) {
    const c = chunks[ax] as number;
    if (c <= 1) ax++;
    else chunks[ax] = Math.ceil(c / 2);
  }
  while (bytes() > maxBytes) {
    let ax = -1;
    for (let i = planeStart; i < n; i++) {
      if ((chunks[i] as number) > 1 && (ax < 0 || (chunks[i] as number) > (chunks[ax] as number)))
        ax = i;
    }
    if (ax < 0) break;
    chunks[ax] = Math.ceil((chunks[ax] as number) / 2);
  }
  return chunks;
}

/**
 * Check user chunks against a shape: same length, positive integers. Chunks larger than the
 * shape are allowed (Zarr pads edge chunks).
 * @throws {ShapeMismatchError} when they do not fit.
 */
export function checkChunks(
  chunks: readonly number[],
  shape: readonly number[],
  what = "chunks",
): number[] {
  if (
    !Array.isArray(chunks) ||
    chunks.length !== shape.length ||
    !chunks.every((c) => Number.isInteger(c) && c > 0)
  ) {
    throw new ShapeMismatchError(
      [...shape],
      JSON.stringify(chunks),
      `${what} ${JSON.stringify(chunks)} must be ${shape.length} positive integers (one per axis of shape ${JSON.stringify(shape)})`,
    );
  }
  return [...chunks];
}

/**
 * Shard shape from a shard ratio (chunks per shard per axis).
 * @throws {UnsupportedError} on NGFF 0.4 (Zarr v2 has no sharding).
 * @throws {ShapeMismatchError} when the ratio is not one positive integer per axis.
 */
export function shardsFromRatio(
  ratio: readonly number[] | undefined,
  chunks: readonly number[],
  version: NgffVersion,
): number[] | undefined {
  if (ratio === undefined) return undefined;
  if (version === "0.4") {
    throw new UnsupportedError(
      "shardsRatio on NGFF 0.4",
      'sharding needs Zarr v3: shardsRatio is only supported on NGFF 0.5 stores; open or create the store with version "0.5", or drop shardsRatio',
    );
  }
  if (
    !Array.isArray(ratio) ||
    ratio.length !== chunks.length ||
    !ratio.every((r) => Number.isInteger(r) && r > 0)
  ) {
    throw new ShapeMismatchError(
      [...chunks],
      JSON.stringify(ratio),
      `shardsRatio ${JSON.stringify(ratio)} must be ${chunks.length} positive integers (chunks per shard along each axis)`,
    );
  }
  return chunks.map((c, i) => c * (ratio[i] as number));
}
