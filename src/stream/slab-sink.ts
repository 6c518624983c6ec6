/**
 * Where the fold's work goes: each complete slab is one "stream-blocks" task, and each frame's
 * planes of the levels above (when no leading axis is downsampled) one "stream-chain" task, in
 * the worker pool (the slabs' shared memory crosses the thread boundary, no copy), or on this
 * thread without a pool.
 */
import { randomUUID } from "node:crypto";
import type { Piscina } from "piscina";
import type { DownsampleMethod } from "../../native-free-kernels/index.js";
import { pyramidWorkerFile } from "../engine/pool.js";
import { deserializeError, type PyramidTaskResult } from "../engine/protocol.js";
import {
  runStreamBlocksTask,
  runStreamChainTask,
  type StreamBlocksTask,
  type StreamChainTask,
  type StreamFrameTask,
} from "../engine/stream-task.js";
import { WorkerTaskError } from "../errors.js";
import type { ZarrArray, ZarrStore } from "../store/index.js";
import { type AnyTypedArray, dtypeByteSize } from "../store/types.js";
import type { EmittedSlab } from "./fold.js";
import type { LeadBox, StreamGeometry } from "./geometry.js";

/** Runs slab writes and keeps count of them (see the module comment). */
export class SlabSink {
  readonly runId = randomUUID();
  readonly #inFlight = new Set<Promise<void>>();
  #error: unknown;
  /** Encoded bytes written. */
  bytes = 0;
  /** Bytes of planes handed to the pool and not written yet (slabs, and frames being chained). */
  #queuedBytes = 0;
  /** Bytes of one frame at every level: the unit of {@link below}. */
  readonly #frameBytes: number;
  /** Slab buffers a frame task wrote, with the bytes to count for them (see `chain`). */
  readonly #written = new Map<ArrayBufferLike, number>();

  constructor(
    private readonly g: StreamGeometry,
    private readonly store: ZarrStore,
    private readonly paths: readonly string[],
    private readonly arrays: () => readonly ZarrArray[],
    private readonly pool: Piscina | undefined,
  ) {
    const bpe = dtypeByteSize(g.dtype);
    this.#frameBytes = g.levels.reduce((n, l) => n + l.plane[0] * l.plane[1] * bpe, 0);
  }

  /** The first failure (a WorkerTaskError), if any. */
  get error(): unknown {
    return this.#error;
  }

  /** Frames' worth of planes in flight (slab bytes not written yet, over a frame's bytes). */
  get queuedFrames(): number {
    return this.#queuedBytes / this.#frameBytes;
  }

  /**
   * Write `slab` against the level's shape with `end` along the append axis; `done` runs after
   * it is on disk (not after a failure).
   */
  submit(slab: EmittedSlab, end: number, done: (bytes: number) => void): void {
    const pre = this.#written.get(slab.data.buffer);
    if (pre !== undefined) {
      // Written by its frame's task already (see `chain`).
      this.#written.delete(slab.data.buffer);
      this.bytes += pre;
      done(pre);
      return;
    }
    const k = slab.level;
    const task = this.#blocksTask(k, slab.box, slab.data, end);
    const run: Promise<PyramidTaskResult> =
      this.pool === undefined
        ? runStreamBlocksTask(task, this.arrays()[k]!)
        : (this.pool.run(task, { filename: pyramidWorkerFile() }) as Promise<PyramidTaskResult>);
    this.#track(
      run,
      slab.data.byteLength,
      (r) => {
        this.bytes += r.bytes;
        done(r.bytes);
      },
      (err) => slabError(k, task.slab, this.paths[k]!, err),
    );
  }

  /** The stream-blocks task writing `data` (the planes of `box` at level `k`) up to `end`. */
  #blocksTask(k: number, box: LeadBox, data: AnyTypedArray, end: number): StreamBlocksTask {
    const g = this.g;
    const l = g.levels[k]!;
    return {
      kind: "stream-blocks",
      runId: this.runId,
      store: this.store.ref,
      arrayPath: this.paths[k]!,
      dtype: g.dtype,
      lead: box.map(([s], i) => Math.floor(s / l.leadBlock[i]!)),
      planeGrid: [l.planeGrid[0], l.planeGrid[1]],
      slab: [...box.map(([s, e]): [number, number] => [s, e]), [0, l.plane[0]], [0, l.plane[1]]],
      data: data.buffer as SharedArrayBuffer,
      byteLength: data.byteLength,
      shape: [...l.lead.map((n, i) => (i === g.appendAxis ? end : n)), ...l.plane],
    };
  }

  /**
   * Compute a frame's planes of levels 1… from its level-0 plane (`planes[0]`, views into slab
   * memory: see `StreamChainTask`) in the pool; `done` runs once they are there, while the task
   * still counts as in flight (what it submits is waited for by `drain`); not after a failure
   * (recorded as {@link error}).
   */
  chain(
    planes: readonly AnyTypedArray[],
    method: DownsampleMethod,
    done: () => void,
    single?: readonly LeadBox[],
  ): void {
    const g = this.g;
    const chain: StreamChainTask = {
      kind: "stream-chain",
      runId: this.runId,
      method,
      dtype: g.dtype,
      factors: [g.factors.at(-2)!, g.factors.at(-1)!],
      planes: planes.map((v, k) => ({
        buffer: v.buffer as SharedArrayBuffer,
        byteOffset: v.byteOffset,
        shape: [...g.levels[k]!.plane],
      })),
    };
    // Every level's slab is this plane alone: one task computes and writes them all, and the
    // slabs the fold then emits are taken as written (see `submit`).
    const frame: StreamFrameTask | undefined =
      single === undefined || this.pool === undefined
        ? undefined
        : {
            ...chain,
            kind: "stream-frame",
            writes: single.map((box, k) =>
              this.#blocksTask(k, box, planes[k]!, box[g.appendAxis]![1]),
            ),
          };
    const run: Promise<PyramidTaskResult> =
      this.pool === undefined
        ? Promise.resolve(runStreamChainTask(chain))
        : (this.pool.run(frame ?? chain, {
            filename: pyramidWorkerFile(),
          }) as Promise<PyramidTaskResult>);
    // The frame counts as queued, all levels, until its slabs take over (see `below`).
    this.#track(
      run,
      this.#frameBytes,
      (r) => {
        if (frame !== undefined) {
          for (const [k, p] of planes.entries()) this.#written.set(p.buffer, k === 0 ? r.bytes : 0);
        }
        done();
      },
      (err) =>
        new WorkerTaskError(
          1,
          [],
          `stream: computing a frame's pyramid planes (levels 1–${planes.length - 1}) failed: ${describe(err)}. What was flushed is durable; fix the cause and continue with openStream`,
          { cause: err },
        ),
    );
  }

  /**
   * Count `run` in flight until it settled; `ok` runs with its result before it stops counting
   * (so what `ok` submits is waited for by `drain`). A failure is recorded (the first wins).
   */
  #track(
    run: Promise<PyramidTaskResult>,
    bytes: number,
    ok: (r: Extract<PyramidTaskResult, { ok: true }>) => void,
    fail: (err: unknown) => unknown,
  ): void {
    this.#queuedBytes += bytes;
    const p: Promise<void> = run
      .then((r) => {
        if (!r.ok) throw deserializeError(r.error);
        ok(r);
      })
      .catch((err: unknown) => {
        this.#error ??= fail(err);
      })
      .finally(() => {
        this.#queuedBytes -= bytes;
        this.#inFlight.delete(p);
      });
    this.#inFlight.add(p);
  }

  /**
   * Back-pressure, counted in frames (so memory is bounded the same way for any geometry and
   * level count): wait until at most `frames` frames' worth of planes are queued in the pool
   * (or one task failed).
   */
  async below(frames: number): Promise<void> {
    while (this.queuedFrames > frames && this.#error === undefined) {
      await Promise.race(this.#inFlight);
    }
  }

  /** Wait for every write; rejects with the first failure. */
  async drain(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
    if (this.#error !== undefined) throw this.#error;
  }
}

function slabError(
  level: number,
  slab: readonly (readonly [number, number])[],
  path: string,
  cause: unknown,
) {
  return new WorkerTaskError(
    level,
    slab,
    `stream level ${level} ("${path}"), region [${slab.map(([a, b]) => `${a}:${b}`).join(", ")}] ` +
      `failed: ${describe(cause)}. What was flushed is durable; fix the cause and continue with openStream`,
    { cause },
  );
}

function describe(cause: unknown): string {
  return cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
}
