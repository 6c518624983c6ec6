/**
 * Options of `position.createStream` and their checks (all before anything is written).
 */
import type { Piscina } from "piscina";
import type { DownsampleMethod } from "../../native-free-kernels/index.js";
import { checkMethod } from "../engine/method.js";
import { InvalidOptionsError } from "../errors.js";
import { defaultChunks } from "../nodes/chunking.js";
import type { PyramidDims } from "../nodes/pyramid-ops.js";
import type { Transform } from "../nodes/transforms.js";
import { type CodecSpec, DATA_TYPES, type DataType } from "../store/index.js";

/**
 * Frames' worth of planes that may wait in the pool by default (`maxQueuedFrames`): enough to
 * keep two threads busy while the caller's next frame comes in (a 2048² uint16 frame with a
 * 5-level pyramid is 10.7 MB).
 */
export const DEFAULT_MAX_QUEUED_FRAMES = 4;

/** The pyramid a stream keeps live (see `createStream`). */
export interface StreamPyramidOptions {
  /** Total number of levels, level 0 included (1 = no pyramid). */
  levels: number;
  /** Downsampling method (default "mean"). */
  method?: DownsampleMethod;
  /**
   * Axes to downsample, as for `computePyramid` (default: the space axes by 2). The append axis
   * must not be among them.
   */
  dims?: PyramidDims;
}

/** Progress of a stream, reported after each slab written. */
export interface StreamProgress {
  /** Frames accepted so far (in this writer, resumed frames included). */
  frames: number;
  /** Extent of the append axis every level holds completely (what readers are shown). */
  completeExtent: number;
  /** Encoded bytes written so far by this writer. */
  bytes: number;
}

/** Options of `position.createStream`. */
export interface CreateStreamOptions {
  dtype: DataType;
  /**
   * Level-0 shape. The append axis' entry is its maximum, or `Infinity` for an open-ended
   * stream; the store starts with 0 along it and grows as frames complete.
   */
  shape: readonly number[];
  /**
   * The axis frames are appended along (name or index; default the first axis). Any axis but the
   * last two; it is never downsampled.
   */
  appendAxis?: number | string;
  /** Chunk shape (default: one Z-Y-X stack halved to at most 8 MiB, 1 on the append axis). */
  chunks?: readonly number[];
  /** Chunks per shard along each axis (NGFF 0.5 only). */
  shardsRatio?: readonly number[];
  /** Compression, as `createImage` takes it; every level uses it. */
  codec?: CodecSpec;
  /** Coordinate transformations of level 0 (default identity scale). */
  transform?: readonly Transform[];
  /** The live pyramid (default: none, level 0 only). */
  pyramid?: StreamPyramidOptions;
  /** Worker threads encoding and writing (default: the cores; 0 = on the calling thread). */
  workers?: number;
  /** A caller-owned pool from `createPyramidPool` (not closed). */
  pool?: Piscina;
  /** Aborting makes every later call reject with the reason; flushed frames stay durable. */
  signal?: AbortSignal;
  onProgress?: (p: StreamProgress) => void;
  /**
   * Back-pressure, in frames: `write()` resolves once its frame is in memory and at most this
   * many frames' worth of planes (all levels) wait in the pool to be computed, encoded and
   * written (default {@link DEFAULT_MAX_QUEUED_FRAMES}). Memory in flight is bounded by it
   * whatever the geometry; planes kept for partners along downsampled axes come on top.
   */
  maxQueuedFrames?: number;
  /**
   * Growing metadata cadence: each level's array metadata is rewritten (level 0 first) at most
   * this often as steps complete (default 1000 ms), and always at `flush()` and `close()`.
   */
  metadataIntervalMs?: number;
}

/** The checked, resolved options. */
export interface ResolvedStreamOptions {
  dtype: DataType;
  /** Level-0 shape with the append axis' cap (`Infinity` when open-ended). */
  shape: number[];
  appendAxis: number;
  chunks: number[];
  levels: number;
  method: DownsampleMethod;
  maxQueuedFrames: number;
  metadataIntervalMs: number;
}

function isPositiveInt(x: unknown): x is number {
  return typeof x === "number" && Number.isInteger(x) && x >= 1;
}

/**
 * Check the options that do not need the node (axes are passed in).
 * @throws {InvalidOptionsError} for any bad option.
 */
export function resolveStreamOptions(
  opts: CreateStreamOptions,
  axisNames: readonly string[],
): ResolvedStreamOptions {
  if (typeof opts !== "object" || opts === null) {
    throw new InvalidOptionsError("options", opts, "an object with at least dtype and shape");
  }
  if (!DATA_TYPES.includes(opts.dtype)) {
    throw new InvalidOptionsError("dtype", opts.dtype, `one of ${DATA_TYPES.join(", ")}`);
  }
  const nd = axisNames.length;
  const shapeIn = opts.shape;
  if (!Array.isArray(shapeIn) || shapeIn.length !== nd || nd < 3) {
    throw new InvalidOptionsError(
      "shape",
      shapeIn,
      `${nd} sizes, one per axis (${axisNames.join(", ")}), at least 3 axes`,
      { hint: "A stream appends planes over the last two axes along one of the others." },
    );
  }
  let appendAxis = 0;
  if (typeof opts.appendAxis === "string") {
    appendAxis = axisNames.findIndex(
      (a) => a.toLowerCase() === String(opts.appendAxis).toLowerCase(),
    );
  } else if (opts.appendAxis !== undefined) {
    appendAxis = Number.isInteger(opts.appendAxis) ? opts.appendAxis : -1;
  }
  if (appendAxis < 0 || appendAxis >= nd - 2) {
    throw new InvalidOptionsError(
      "appendAxis",
      opts.appendAxis,
      `one of the leading axes (${axisNames.slice(0, nd - 2).join(", ")}), by name or index`,
    );
  }
  const shape = shapeIn.map((n, i) => (i === appendAxis && n === undefined ? Infinity : n));
  shape.forEach((n, i) => {
    const ok =
      i === appendAxis
        ? n === Infinity || (Number.isInteger(n) && n >= 1)
        : Number.isInteger(n) && n >= 1;
    if (!ok) {
      throw new InvalidOptionsError(
        `shape[${i}]`,
        n,
        i === appendAxis
          ? "an integer >= 1 (the maximum) or Infinity (open-ended) on the append axis"
          : "an integer >= 1",
      );
    }
  });
  let chunks: number[];
  if (opts.chunks === undefined) {
    chunks = defaultChunks(
      shape.map((n, i) => (i === appendAxis ? 1 : n)),
      opts.dtype,
    );
  } else {
    if (
      !Array.isArray(opts.chunks) ||
      opts.chunks.length !== nd ||
      !opts.chunks.every(isPositiveInt)
    ) {
      throw new InvalidOptionsError("chunks", opts.chunks, `${nd} integers >= 1`);
    }
    chunks = [...opts.chunks];
  }
  const levels = opts.pyramid?.levels ?? 1;
  if (!isPositiveInt(levels)) {
    throw new InvalidOptionsError("pyramid.levels", levels, "an integer >= 1 (level 0 included)");
  }
  const method = opts.pyramid?.method ?? "mean";
  checkMethod(method, "pyramid.method");
  if (opts.workers !== undefined && !(Number.isInteger(opts.workers) && opts.workers >= 0)) {
    throw new InvalidOptionsError("workers", opts.workers, "an integer >= 0 (0 = this thread)");
  }
  const maxQueuedFrames = opts.maxQueuedFrames ?? DEFAULT_MAX_QUEUED_FRAMES;
  if (!isPositiveInt(maxQueuedFrames)) {
    throw new InvalidOptionsError("maxQueuedFrames", maxQueuedFrames, "an integer >= 1");
  }
  const metadataIntervalMs = opts.metadataIntervalMs ?? 1000;
  if (typeof metadataIntervalMs !== "number" || !(metadataIntervalMs >= 0)) {
    throw new InvalidOptionsError("metadataIntervalMs", metadataIntervalMs, "a number >= 0");
  }
  if (opts.onProgress !== undefined && typeof opts.onProgress !== "function") {
    throw new InvalidOptionsError("onProgress", opts.onProgress, "a function");
  }
  return {
    dtype: opts.dtype,
    shape,
    appendAxis,
    chunks,
    levels,
    method,
    maxQueuedFrames,
    metadataIntervalMs,
  };
}
