/**
 * `writeRegionInPool`: write a big in-memory region of a local array with the encoding and file
 * writes spread over a worker pool (the pyramid pool; tasks of kind "write-blocks"). The main
 * thread only copies each task's slab (a box of whole blocks) into a slot of shared memory, in
 * a few long copies, no clone, no buffer per task; the workers cut the blocks out. Blocks the
 * region covers in part are read-modify-written on the main thread as `writeRegion` does.
 */
import { randomUUID } from "node:crypto";
import type { Piscina } from "piscina";
import { ShapeMismatchError, UnsupportedError, WorkerTaskError } from "../errors.js";
import { DEFAULT_CONCURRENCY, forEachBounded } from "../store/concurrency.js";
import { isShareableRef, withBlockLocks, type ZarrArray } from "../store/index.js";
import { assertRegion, blocksInRegion, copyBox, intersect, regionShape } from "../store/region.js";
import {
  type AnyTypedArray,
  dtypeByteSize,
  isTypedArrayOf,
  product,
  type Region,
  typedArrayFor,
  typedArrayView,
} from "../store/types.js";
import { planTasks } from "./plan.js";
import { pyramidWorkerFile } from "./pool.js";
import { deserializeError, type PyramidTaskResult, type WriteBlocksTask } from "./protocol.js";

/** Options of {@link writeRegionInPool}. */
export interface PoolWriteOptions {
  pool: Piscina;
  /** Group blocks until a task carries this many bytes (default 1 MiB: ~5-10 ms of work). */
  taskBytes?: number;
  signal?: AbortSignal;
  /**
   * Called after each task (and each block covered in part) with the blocks written so far,
   * their total, and the bytes written so far (encoded, as stored).
   */
  onProgress?: (p: { done: number; total: number; bytes: number }) => void;
}

const DEFAULT_TASK_BYTES = 1 << 20;
/** Shared-memory slots in flight per call stay under this (unless one task per thread exceeds it). */
const SLOT_BUDGET = 64 << 20;

/**
 * Write C-order `data` covering `region` of `array` (a local store's array). Whole blocks are
 * encoded and written by the pool's workers, at most two tasks per thread in flight (memory: one
 * slot of ~`taskBytes`, or one block when blocks are bigger, per task in flight, at most 64 MiB
 * unless one task per thread needs more, whatever the region's size); blocks the region covers
 * in part are read-modify-written on this thread meanwhile. Resolves when every block is on disk.
 *
 * Rejects with ShapeMismatchError for data of the wrong type or length (nothing written),
 * UnsupportedError for a memory store, WorkerTaskError (level -1, the failed task's region,
 * cause) when a task fails, after the tasks in flight settled; blocks written before stay.
 */
export async function writeRegionInPool(
  array: ZarrArray,
  region: Region,
  data: AnyTypedArray,
  opts: PoolWriteOptions,
): Promise<void> {
  const ref = array.store.ref;
  if (!isShareableRef(ref)) {
    throw new UnsupportedError(
      "pool writes to a memory store",
      "workers reopen the store by reference, and a memory store lives in one thread: write it " +
        "with writeRegion instead",
    );
  }
  assertRegion(region, array.shape);
  const want = product(regionShape(region));
  if (!isTypedArrayOf(array.dtype, data) || data.length !== want) {
    throw new ShapeMismatchError(
      `${want} elements of ${array.dtype}`,
      `${data?.length} elements (${data?.constructor?.name})`,
      `data for region [${regionShape(region).join(", ")}] of "${array.path}" must be ${want} ` +
        `elements of ${array.dtype}; convert or reshape it first`,
    );
  }
  if (want === 0) return;
  const block = array.shards ?? array.chunks;
  const perTask = Math.max(1, opts.taskBytes ?? DEFAULT_TASK_BYTES);
  const bpe = dtypeByteSize(array.dtype);

  // Whole blocks form a box of the block grid (a block clipped by the array's edge is whole
  // when the region reaches that edge). Tasks are boxes of it, grouped like pyramid tasks: a run
  // of blocks along the last axis, then whole rows... (planTasks on the box as an array of its
  // own). Each task's slab, the box of elements its blocks cover, is packed in a few long copies.
  const lo = region.map(([a], i) => Math.ceil(a / block[i]!));
  const hi = region.map(([, b], i) =>
    b === array.shape[i] ? Math.ceil(b / block[i]!) : Math.floor(b / block[i]!),
  );
  const origin = lo.map((l, i) => l * block[i]!);
  const wholeShape = hi.map((h, i) =>
    Math.max(0, Math.min(h * block[i]!, array.shape[i]!) - origin[i]!),
  );
  const tasks: { blocks: number[][]; slab: [number, number][] }[] = planTasks(wholeShape, block, {
    bytesPerElement: bpe,
    minTaskBytes: perTask,
  }).map((t) => ({
    blocks: t.blocks.map((c) => c.map((x, i) => x + lo[i]!)),
    slab: t.region.map(([a, b], i) => [a + origin[i]!, b + origin[i]!]),
  }));
  const isWhole = (c: readonly number[]) => c.every((x, i) => x >= lo[i]! && x < hi[i]!);
  // Blocks the region covers in part, lazily (a huge region touches millions of blocks).
  const partial = function* () {
    for (const c of blocksInRegion(region, block)) if (!isWhole(c)) yield c;
  };
  const touched = product(
    region.map(([a, b], i) => Math.ceil(b / block[i]!) - Math.floor(a / block[i]!)),
  );
  let slotBytes = 0;
  for (const t of tasks) slotBytes = Math.max(slotBytes, product(regionShape(t.slab)) * bpe);

  const pool = opts.pool;
  // Two tasks per thread in flight (one running, one queued), fewer when tasks are big (large
  // shards): at most SLOT_BUDGET bytes of slots, but never less than one task per thread.
  const perThread = 2 * pool.maxThreads * Math.max(1, pool.options.concurrentTasksPerWorker);
  const limit = Math.max(
    pool.maxThreads,
    Math.min(perThread, Math.floor(SLOT_BUDGET / Math.max(1, slotBytes))),
  );
  // One slot of shared memory per task in flight, reused: no buffer per task on either side.
  const slots = takeSlots(pool, Math.min(limit, tasks.length), slotBytes);
  const regionSize = regionShape(region);
  const regionStart = region.map(([a]) => a);
  /** Copy the slab's elements into `slot` (whole rows in one copy); returns the bytes used. */
  const pack = (slab: Region, slot: SharedArrayBuffer): number => {
    const size = regionShape(slab);
    const n = product(size);
    copyBox(
      data,
      regionSize,
      slab.map(([a], i) => a - regionStart[i]!),
      typedArrayView(array.dtype, new Uint8Array(slot, 0, n * bpe)),
      size,
      size.map(() => 0),
      size,
    );
    return n * bpe;
  };

  const runId = randomUUID();
  const filename = pyramidWorkerFile();
  const total = touched;
  let done = 0;
  let bytes = 0;
  const fail = (slab: Region, cause: unknown) => {
    const c = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    return new WorkerTaskError(
      -1,
      slab,
      `writing "${array.path}" region [${slab.map(([a, b]) => `${a}:${b}`).join(", ")}] in a ` +
        `worker failed: ${c}. Blocks already written are intact; fix the cause and write again`,
      { cause },
    );
  };
  const whole = forEachBounded(
    tasks,
    limit,
    async ({ blocks, slab }, _lane, stop) => {
      // At most `limit` tasks are in flight, so a slot is always free here.
      const slot = slots.pop()!;
      const task: WriteBlocksTask = {
        kind: "write-blocks",
        runId,
        store: ref,
        arrayPath: array.path,
        dtype: array.dtype,
        blocks,
        slab,
        data: slot,
        byteLength: pack(slab, slot),
      };
      // Hold this process's locks of the blocks while a worker rewrites them: a concurrent
      // read-modify-write of one of them (writeRegion on this thread) waits, as it would for a
      // writeRegion of the same blocks.
      const r = await withBlockLocks(
        array,
        blocks,
        () => pool.run(task, { filename }) as Promise<PyramidTaskResult>,
      )
        .catch((err: unknown) => {
          throw fail(slab, err);
        })
        .finally(() => slots.push(slot));
      // After a failure or an abort, results still arriving are not reported.
      if (stop.aborted) return;
      if (!r.ok) throw fail(slab, deserializeError(r.error));
      done += blocks.length;
      bytes += r.bytes;
      opts.onProgress?.({ done, total, bytes });
    },
    { signal: opts.signal },
  );
  // Blocks covered in part: read-modify-write on this thread while the pool works (each
  // takes its block's lock, so they never meet the pool's blocks, which are other blocks).
  const parts = forEachBounded(partial(), DEFAULT_CONCURRENCY, async (coords) => {
    opts.signal?.throwIfAborted();
    const inter = intersect(array.blockRegion(coords), region)!;
    const size = regionShape(inter);
    const part = typedArrayFor(array.dtype, product(size));
    copyBox(
      data,
      regionSize,
      inter.map(([a], i) => a - regionStart[i]!),
      part,
      size,
      size.map(() => 0),
      size,
    );
    // Not `bytes += await …`: that reads `bytes` before the await and loses the tasks' bytes
    // counted meanwhile.
    const written = await array.writeRegion(inter, part);
    bytes += written;
    done++;
    opts.onProgress?.({ done, total, bytes });
  });
  const [a, b] = await Promise.allSettled([whole, parts]);
  // Every task settled: no worker reads the slots any more.
  giveSlots(pool, slots, limit);
  if (a.status === "rejected") throw a.reason;
  if (b.status === "rejected") throw b.reason;
}

/**
 * Slots kept per pool between calls. A worker that received a slot keeps it alive until its own
 * garbage collection, which rarely runs in a worker that allocates little: fresh slots per call
 * piled up (+160 MB converting a 1 GiB TIFF in 32 MiB slabs). Reused slots never pile up.
 */
const slotCache = new WeakMap<Piscina, SharedArrayBuffer[]>();

function takeSlots(pool: Piscina, n: number, bytes: number): SharedArrayBuffer[] {
  const cached = slotCache.get(pool) ?? [];
  const out: SharedArrayBuffer[] = [];
  while (out.length < n && cached.length > 0) {
    const s = cached.pop()!;
    if (s.byteLength >= bytes) out.push(s);
  }
  while (out.length < n) out.push(new SharedArrayBuffer(bytes));
  return out;
}

function giveSlots(pool: Piscina, slots: SharedArrayBuffer[], keep: number): void {
  const cached = slotCache.get(pool) ?? [];
  cached.push(...slots);
  // The biggest ones, at most `keep` (a pool's slots in flight at once).
  cached.sort((x, y) => y.byteLength - x.byteLength).length = Math.min(cached.length, keep);
  slotCache.set(pool, cached);
}

/** @internal The shared-memory slots cached for `pool` (tests). */
export function _cachedSlots(pool: Piscina): readonly SharedArrayBuffer[] {
  return slotCache.get(pool) ?? [];
}
