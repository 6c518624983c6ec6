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

/** One pool task of a stream: a write-blocks task against the array at `shape`. */
export interface StreamBlocksTask extends Omit<WriteBlocksTask, "kind"> {
  kind: "stream-blocks";
  /** The array's shape to write against (its metadata may still say less). */
  shape: number[];
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
    { ...task, kind: "write-blocks" },
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

/**
 * Plane `k + 1` of a chain from plane `k`, or only its rows from plane `k`'s rows `[y0, y1)`
 * (`y0` a multiple of the y factor: every method reduces blocks of `factors` alone, so a band's
 * output rows equal those rows of the whole plane's). Returns the kernel's milliseconds.
 */
function chainStep(
  task: StreamChainTask,
  k: number,
  y0 = 0,
  y1 = task.planes[k]!.shape[0],
): number {
  const t0 = performance.now();
  const bpe = dtypeByteSize(task.dtype);
  const [fy] = task.factors;
  const view = (p: ChainPlane, r0: number, r1: number) =>
    typedArrayView(
      task.dtype,
      new Uint8Array(p.buffer, p.byteOffset + r0 * p.shape[1] * bpe, (r1 - r0) * p.shape[1] * bpe),
    ) as KernelArray;
  const src = task.planes[k]!;
  const out = task.planes[k + 1]!;
  downsample(
    task.method,
    task.dtype as KernelDType,
    view(src, y0, y1),
    [y1 - y0, src.shape[1]],
    task.factors,
    view(out, y0 / fy, Math.min(out.shape[0], Math.ceil(y1 / fy))),
  );
  return performance.now() - t0;
}

/** Run a chain task (on a pool thread, or on the caller's without a pool). Never throws. */
export function runStreamChainTask(task: StreamChainTask): PyramidTaskResult {
  try {
    let kernelMs = 0;
    for (let k = 0; k + 1 < task.planes.length; k++) kernelMs += chainStep(task, k);
    return { ok: true, bytes: 0, readMs: 0, kernelMs, writeMs: 0 };
  } catch (err) {
    return { ok: false, error: serializeError(err) };
  }
}

/**
 * A frame's whole work in one pool task (kind "stream-frame"): its chain (see
 * {@link StreamChainTask}) and each level's plane written as `writes[k]` says. Used when every
 * level's slab is this frame's plane alone (no chunk spans several frames along a leading axis),
 * so nothing waits for a partner: one task per frame instead of one per level and the chain.
 */
export interface StreamFrameTask extends Omit<StreamChainTask, "kind"> {
  kind: "stream-frame";
  /** One stream-blocks task per level, over the plane's slab. */
  writes: StreamBlocksTask[];
}

/** A row of a plane's blocks: plane rows `[y0, y1)` and the blocks there. */
interface Band {
  y0: number;
  y1: number;
  blocks: number[][];
}

/**
 * The blocks of `write` by block row, top to bottom, when they tile the plane (`height` rows)
 * in rows of `blockHeight`; otherwise one band of them all over the whole plane.
 */
function bandsOf(write: StreamBlocksTask, blockHeight: number, height: number): Band[] {
  const rows = new Map<number, number[][]>();
  for (const b of write.blocks) {
    const r = b.at(-2)!;
    const list = rows.get(r);
    if (list === undefined) rows.set(r, [b]);
    else list.push(b);
  }
  const bands: Band[] = [];
  for (let r = 0; r * blockHeight < height; r++) {
    const blocks = rows.get(r);
    if (blocks === undefined) return [{ y0: 0, y1: height, blocks: write.blocks }];
    bands.push({ y0: r * blockHeight, y1: Math.min(height, (r + 1) * blockHeight), blocks });
  }
  return bands.length === rows.size ? bands : [{ y0: 0, y1: height, blocks: write.blocks }];
}

/**
 * Run a frame task; `arrayOf` opens a write's array. Never rejects (errors as data). Level by
 * level, block row by block row: each row of blocks is downsampled into the next level's plane
 * and then encoded and written, so the encoder reads rows the kernel just brought into the
 * cache (a 2048² uint16 plane does not fit in it: the kernel and the encoder each read it from
 * memory when the chain ran first).
 */
export async function runStreamFrameTask(
  task: StreamFrameTask,
  arrayOf: (write: StreamBlocksTask) => Promise<ZarrArray>,
): Promise<PyramidTaskResult> {
  const chain: StreamChainTask = { ...task, kind: "stream-chain" };
  let bytes = 0;
  let writeMs = 0;
  let kernelMs = 0;
  try {
    for (let k = 0; k < task.planes.length; k++) {
      const w = task.writes[k];
      const height = task.planes[k]!.shape[0];
      const last = k + 1 === task.planes.length;
      if (w === undefined) {
        if (!last) kernelMs += chainStep(chain, k);
        continue;
      }
      const array = await arrayOf(w);
      const bands = bandsOf(w, (array.shards ?? array.chunks).at(-2)!, height);
      // Bands other than the last must start the next level's rows on a whole block of factors.
      const banded = bands.every((b, i) => i + 1 === bands.length || b.y1 % task.factors[0] === 0);
      if (!last && !banded) kernelMs += chainStep(chain, k);
      for (const band of bands) {
        if (!last && banded) kernelMs += chainStep(chain, k, band.y0, band.y1);
        const r = await runStreamBlocksTask({ ...w, blocks: band.blocks }, array);
        if (!r.ok) return r;
        bytes += r.bytes;
        writeMs += r.writeMs;
      }
    }
  } catch (err) {
    return { ok: false, error: serializeError(err) };
  }
  return { ok: true, bytes, readMs: 0, kernelMs, writeMs };
}
