/**
 * Messages between the pyramid engine and its task handler (`workers/pyramid-task.ts`), imported
 * by both sides. A task names regions, never carries pixels: the handler reads and writes the
 * store itself. Results carry errors as plain data, because custom Error classes do not survive
 * the structured clone across the thread boundary.
 */
import type { DownsampleMethod } from "../../native-free-kernels/index.js";
import type { StoreRef } from "../store/ref.js";
import type { DataType } from "../store/types.js";
import type { ConvertTiffTask } from "./convert-task.js";
import type { StreamBlocksTask, StreamChainTask, StreamFrameTask } from "./stream-task.js";

/** One pool task: compute some target blocks of one level from the level before it. */
export interface PyramidTask {
  /** Task kind (absent in tasks from earlier versions: a pyramid task). */
  kind?: "pyramid";
  /**
   * Identifies one `computeLevels` run. Workers cache opened stores and arrays by path and drop
   * the cache when the run changes, so metadata rewritten between runs is never used stale.
   */
  runId: string;
  /** The store (workers reopen it through the store registry: `openStoreRef`). */
  store: StoreRef;
  /** Array path of the source level (k−1), relative to the store root. */
  sourcePath: string;
  /** Array path of the target level (k), relative to the store root. */
  targetPath: string;
  /** Target block grid coordinates (chunk grid, or shard grid when sharded), in C order. */
  blocks: number[][];
  /** Integer downsampling factor per axis, target vs source. */
  factors: number[];
  method: DownsampleMethod;
  /** Dtype both arrays must have; a mismatch fails the task. */
  dtype: DataType;
}

/**
 * One pool task: encode and write whole blocks (chunks, or shards when sharded) of one array
 * from pixel data the caller already holds in memory (`createImage` of a big image). The data
 * crosses the thread boundary through shared memory, packed once by the sender, never cloned:
 * the elements of `slab`, a box of the array made of the task's blocks, in C order (a few long
 * copies for the sender; the worker cuts the blocks out of it).
 */
export interface WriteBlocksTask {
  kind: "write-blocks";
  /** Identifies one write (workers cache the opened array per run, as for pyramid tasks). */
  runId: string;
  /** The store (reopened through the store registry). */
  store: StoreRef;
  /** Array path, relative to the store root. */
  arrayPath: string;
  /** Dtype the array must have; a mismatch fails the task. */
  dtype: DataType;
  /** Block grid coordinates, each block wholly written by this task, all inside `slab`. */
  blocks: number[][];
  /** The box of the array that `data` holds, `[start, stop)` per axis. */
  slab: [number, number][];
  /**
   * Holds the slab's elements from byte 0: a slot of shared memory the sender reuses once the
   * task's result arrived (or a transferred buffer).
   */
  data: SharedArrayBuffer | ArrayBuffer;
  /** Bytes of `data` that hold the slab's elements. */
  byteLength: number;
}

/**
 * One pool task: copy whole blocks (chunks, or shards when sharded) of one array into another
 * array of the same shape and dtype, possibly in another store, Zarr format, chunk encoding or
 * sharding (`convertStore`). Per target block: read the block's region from the source (each
 * source chunk it touches decoded once), encode and write the block once. No pixels cross the
 * thread boundary.
 */
export interface CopyBlocksTask {
  kind: "copy-blocks";
  /** Identifies one conversion (workers cache opened stores and arrays per run). */
  runId: string;
  /** The source store (reopened read-only through the store registry). */
  source: StoreRef;
  /** Array path in the source store. */
  sourcePath: string;
  /** The target store (reopened through the store registry). */
  store: StoreRef;
  /** Array path in the target store. */
  targetPath: string;
  /** Dtype both arrays must have; a mismatch fails the task. */
  dtype: DataType;
  /** Target block grid coordinates, each block wholly written by this task. */
  blocks: number[][];
}

/** Any task the pool's handler runs. */
export type PoolTask =
  | PyramidTask
  | WriteBlocksTask
  | CopyBlocksTask
  | ConvertTiffTask
  | StreamBlocksTask
  | StreamChainTask
  | StreamFrameTask;

/** An error as plain data (survives structured clone). */
export interface SerializedError {
  name: string;
  message: string;
  stack: string;
  /** A Node error code (`ENOENT`) or an ngff-writer error tag (`NotFound`), when there is one. */
  code?: string;
}

/** What a task returns: timings and bytes written, or the error as data. */
export type PyramidTaskResult =
  | { ok: true; bytes: number; readMs: number; kernelMs: number; writeMs: number }
  | { ok: false; error: SerializedError };

/** Turn any thrown value into a {@link SerializedError}. */
export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    const out: SerializedError = { name: err.name, message: err.message, stack: err.stack ?? "" };
    const e = err as { code?: unknown; _tag?: unknown };
    const code = typeof e.code === "string" ? e.code : typeof e._tag === "string" ? e._tag : null;
    if (code !== null) out.code = code;
    return out;
  }
  return { name: "Error", message: String(err), stack: "" };
}

/**
 * Rebuild an `Error` from a {@link SerializedError} (a plain Error with the original name,
 * message, stack and `code`), to serve as the `cause` of a `WorkerTaskError`.
 */
export function deserializeError(data: SerializedError): Error {
  const err = new Error(data.message) as Error & { code?: string };
  err.name = data.name;
  if (data.stack) err.stack = data.stack;
  if (data.code !== undefined) err.code = data.code;
  return err;
}
