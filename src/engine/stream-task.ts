/**
 * The stream writer's pool tasks (see src/stream). Kind "stream-blocks": encode and write whole
 * blocks of one level from a slab in shared memory, like a write-blocks task, but against the
 * array's shape as the stream will advertise it (`shape`), which may be larger than the shape
 * its metadata says now: a stream writes data first and grows the metadata afterwards.
 */
import {
  type DownsampleMethod,
  downsample,
  type KernelArray,
  type KernelDType,
} from "../../native-free-kernels/index.js";
import type { ZarrArray } from "../store/array.js";
import { withShape } from "../store/array.js";
import { type DataType, dtypeByteSize, typedArrayView } from "../store/types.js";
import { type PyramidTaskResult, serializeError, type WriteBlocksTask } from "./protocol.js";
import { runWriteBlocksTask } from "./write-task.js";

/**
 * One pool task of a stream: a write-blocks task against the array at `shape`, whose blocks are
 * every block of a plane grid (a slab is whole planes), sent as that grid rather than listed
 * (a 2048² plane of 256² chunks is 64 blocks: a list was a third of what a stream allocated per
 * frame on the calling thread, and each was cloned into the message).
 */
export interface StreamBlocksTask extends Omit<WriteBlocksTask, "kind" | "blocks"> {
  kind: "stream-blocks";
  /** The array's shape to write against (its metadata may still say less). */
  shape: number[];
  /** Block coordinates along the leading axes (those before y, x). */
  lead: number[];
  /** Blocks along y and x: the task writes each `[...lead, r, c]` with r, c under these. */
  planeGrid: [number, number];
}

/** The blocks a stream-blocks task writes, row by row. */
export function streamBlocks(task: Pick<StreamBlocksTask, "lead" | "planeGrid">): number[][] {
  const blocks: number[][] = [];
  for (let r = 0; r < task.planeGrid[0]; r++)
    for (let c = 0; c < task.planeGrid[1]; c++) blocks.push([...task.lead, r, c]);
  return blocks;
}

/** Array handles at a stream's shapes, by run, path and shape (a few kept per thread). */
const views = new Map<string, ZarrArray>();
const KEEP_VIEWS = 32;
/** The extent a view takes along a growing axis (see {@link viewAt}): blocks of `b`, far out. */
const openExtent = (b: number) => Math.floor(2 ** 52 / b) * b;

/**
 * The handle of `array` at `shape`, cached (building one sets up its codec and buffers). A
 * stream's tasks each carry their slab's end along the append axis as the extent; where that
 * end is a whole number of blocks (every slab but the last one at close), any larger extent
 * cuts the task's blocks the same way, so those tasks share one handle with an open extent
 * instead of building one per frame.
 */
export function viewAt(runId: string, array: ZarrArray, shape: readonly number[]): ZarrArray {
  const block = array.shards ?? array.chunks;
  const at = shape.map((n, i) =>
    n !== array.shape[i] && n % block[i]! === 0 ? openExtent(block[i]!) : n,
  );
  const key = `${runId}\0${array.path}\0${at.join(",")}`;
  let v = views.get(key);
  if (v === undefined) {
    v = withShape(array, at);
    views.set(key, v);
    for (const old of views.keys()) {
      if (views.size <= KEEP_VIEWS) break;
      views.delete(old);
    }
  }
  return v;
}

/** Write the task's blocks of `array` at the task's shape. Never rejects (errors as data). */
export function runStreamBlocksTask(
  task: StreamBlocksTask,
  array: ZarrArray,
): Promise<PyramidTaskResult> {
  return runWriteBlocksTask(
    { ...task, kind: "write-blocks", blocks: streamBlocks(task) },
    viewAt(task.runId, array, task.shape),
  );
}

/** One plane of a stream chain: a view into the shared memory of a slab. */
export interface ChainPlane {
  /** The slab's shared memory. */
  buffer: SharedArrayBuffer;
  /** Where the plane starts in `buffer`. */
  byteOffset: number;
  /** `[y, x]` of the plane. */
  shape: [number, number];
}

/**
 * The stream writer's other pool task (kind "stream-chain"): one frame's planes at every level,
 * each computed from the one before it with the kernel, in place in the slabs' shared memory
 * (no leading axis is downsampled, so a frame alone makes its plane at every level). Plane 0
 * holds the frame; planes 1… are written. Nothing is read from or written to a store.
 */
export interface StreamChainTask {
  kind: "stream-chain";
  /** The stream (for messages). */
  runId: string;
  method: DownsampleMethod;
  dtype: DataType;
  /** Factors along y and x from one level to the next. */
  factors: [number, number];
  /** Level 0 first. */
  planes: ChainPlane[];
}

/** Run a chain task (on a pool thread, or on the caller's without a pool). Never throws. */
export function runStreamChainTask(task: StreamChainTask): PyramidTaskResult {
  try {
    const t0 = performance.now();
    const bpe = dtypeByteSize(task.dtype);
    const view = (p: ChainPlane) =>
      typedArrayView(
        task.dtype,
        new Uint8Array(p.buffer, p.byteOffset, p.shape[0] * p.shape[1] * bpe),
      ) as KernelArray;
    for (let k = 1; k < task.planes.length; k++) {
      const src = task.planes[k - 1]!;
      downsample(
        task.method,
        task.dtype as KernelDType,
        view(src),
        src.shape,
        task.factors,
        view(task.planes[k]!),
      );
    }
    return { ok: true, bytes: 0, readMs: 0, kernelMs: performance.now() - t0, writeMs: 0 };
  } catch (err) {
    return { ok: false, error: serializeError(err) };
  }
}

/**
 * A frame's whole work in one pool task (kind "stream-frame"): its chain (see
 * {@link StreamChainTask}), then each level's plane written as `writes[k]` says. Used when every
 * level's slab is this frame's plane alone (no chunk spans several frames along a leading axis),
 * so nothing waits for a partner: one task per frame instead of one per level and the chain, and
 * each plane is encoded while it is still in the cache.
 */
export interface StreamFrameTask extends Omit<StreamChainTask, "kind"> {
  kind: "stream-frame";
  /** One stream-blocks task per level, over the plane's slab. */
  writes: StreamBlocksTask[];
}

/** Run a frame task; `arrayOf` opens a write's array. Never rejects (errors as data). */
export async function runStreamFrameTask(
  task: StreamFrameTask,
  arrayOf: (write: StreamBlocksTask) => Promise<ZarrArray>,
): Promise<PyramidTaskResult> {
  const chain = runStreamChainTask({ ...task, kind: "stream-chain" });
  if (!chain.ok) return chain;
  let bytes = 0;
  let writeMs = 0;
  for (const w of task.writes) {
    let r: PyramidTaskResult;
    try {
      r = await runStreamBlocksTask(w, await arrayOf(w));
    } catch (err) {
      r = { ok: false, error: serializeError(err) };
    }
    if (!r.ok) return r;
    bytes += r.bytes;
    writeMs += r.writeMs;
  }
  return { ok: true, bytes, readMs: 0, kernelMs: chain.kernelMs, writeMs };
}
