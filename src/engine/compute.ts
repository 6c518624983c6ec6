/**
 * `computeLevels`: fill the pixel data of existing pyramid level arrays, level by level, each
 * level computed from the previous one as written on disk (DESIGN.md section 5). The node
 * classes create the level arrays and write the `multiscales` metadata; this only computes.
 */
import { randomUUID } from "node:crypto";
import { availableParallelism } from "node:os";
import type { Piscina } from "piscina";
import type { DownsampleMethod } from "../../native-free-kernels/index.js";
import {
  InvalidOptionsError,
  PyramidStateError,
  ReadOnlyError,
  WorkerTaskError,
} from "../errors.js";
import { forEachBounded } from "../store/concurrency.js";
import {
  dtypeByteSize,
  isShareableRef,
  openArray,
  refLabel,
  type ZarrArray,
  type ZarrStore,
} from "../store/index.js";
import { checkMethod } from "./method.js";
import { blockShapeOf, downsampleShape, type PlannedTask, planTasks } from "./plan.js";
import { createPyramidPool, pyramidWorkerFile } from "./pool.js";
import { deserializeError, type PyramidTask, type PyramidTaskResult } from "./protocol.js";
import { runPyramidTask } from "./run-task.js";
import { tasksPerWorkerFor } from "./shared-pool.js";

/** Progress of one level: `done` of `total` tasks finished, `bytes` written so far. */
export interface PyramidProgress {
  level: number;
  done: number;
  total: number;
  bytes: number;
}

/** Options of {@link computeLevels}. */
export interface ComputeLevelsOptions {
  /** The store holding the levels; a local store is reopened by path in the workers. */
  store: ZarrStore;
  /** Array paths of levels 0..n, all already created (e.g. with `createArray`). */
  levelPaths: readonly string[];
  /** Per target level k ≥ 1 (index k−1): integer factor per axis vs level k−1. */
  factors: readonly (readonly number[])[];
  method: DownsampleMethod;
  /** First target level to compute (default 1); earlier levels are left as they are. */
  fromLevel?: number;
  /** Worker threads (default `os.availableParallelism()`); 0 = in-process. */
  workers?: number;
  /** A caller-owned pool from `createPyramidPool`, used instead of a new one and not closed. */
  pool?: Piscina;
  signal?: AbortSignal;
  onProgress?: (p: PyramidProgress) => void;
  /**
   * Runs each level's planned tasks somewhere else than this process's pool (the BullMQ queue of
   * `src/queue`). Planning, level checks, the barrier between levels and progress stay here;
   * `workers` and `pool` are ignored.
   */
  runner?: LevelRunner;
}

/** One level's work, handed to a {@link LevelRunner}. */
export interface LevelWork {
  /** Target level (k ≥ 1). */
  level: number;
  source: ZarrArray;
  target: ZarrArray;
  /** The level's tasks: their regions tile the target level without overlap. */
  tasks: readonly PlannedTask[];
  /** The serializable task of a planned task (what a worker runs). */
  toTask(t: PlannedTask): PyramidTask;
  signal: AbortSignal | undefined;
  /** Call once per task that finished, with the bytes it wrote (counts progress). */
  done(t: PlannedTask, bytes: number): void;
  /** Count a task finished earlier (by a previous run that was interrupted) as done. */
  skipped(t: PlannedTask): void;
  /** The error naming a failed task (level, target region, cause). */
  failure(t: PlannedTask, cause: unknown): WorkerTaskError;
}

/**
 * Runs one level's tasks; resolves once every task is done (the barrier), rejects with a typed
 * error naming the failed tasks.
 */
export interface LevelRunner {
  /** Tasks it runs at once, about: small levels are split into at least 2 tasks per slot. */
  readonly parallelism: number;
  /** Source bytes per task instead of the default (2 MiB, less for small levels). */
  readonly taskBytes?: number | undefined;
  runLevel(work: LevelWork): Promise<void>;
}

/** What was computed, per level. */
export interface PyramidReport {
  levels: { level: number; tasks: number; bytes: number; seconds: number }[];
  /**
   * Run through a queue (`computePyramid({ queue })`): jobs added, tasks found done already (a
   * resumed run), jobs added again after Redis lost them.
   */
  queue?: { added: number; resumed: number; readded: number };
}

/** Group blocks until a task reads this much source data: a few ms of decode+kernel+encode. */
const MIN_TASK_BYTES = 2 << 20;
/** ...but split small levels into at least two tasks per thread, down to this size. */
const MIN_SMALL_TASK_BYTES = 64 << 10;

/**
 * Source bytes per task for a level read from `source`: MIN_TASK_BYTES, or less for a small
 * level so that every thread gets work (the last levels of a pyramid otherwise run as one task
 * on one thread while the others wait at the barrier).
 */
function taskBytesFor(source: ZarrArray, bpe: number, threads: number): number {
  const levelBytes = source.shape.reduce((p, n) => p * n, bpe);
  const share = Math.floor(levelBytes / (2 * Math.max(1, threads)));
  return Math.max(MIN_SMALL_TASK_BYTES, Math.min(MIN_TASK_BYTES, share));
}

/**
 * Compute levels `fromLevel..n` of a pyramid, each from the level before it, in a worker pool
 * (or in-process for `workers: 0` and memory stores, with identical results). A barrier
 * separates levels. Every task rewrites whole target blocks, so running again after an
 * interrupted run completes the pyramid with the same bytes as an uninterrupted run.
 *
 * Rejects with: TypeError/RangeError for malformed options; ReadOnlyError for a read-only store;
 * NotFoundError when a level array is missing; PyramidStateError when level shapes or dtypes
 * do not follow from level 0 and the factors; WorkerTaskError (level, target region, cause)
 * when a task fails, after the tasks in flight settled; `signal.reason` when aborted, after the
 * tasks in flight settled.
 */
export async function computeLevels(opts: ComputeLevelsOptions): Promise<PyramidReport> {
  const { store, levelPaths, factors, method, signal, onProgress } = opts;
  const fromLevel = opts.fromLevel ?? 1;
  const workers = opts.workers ?? availableParallelism();
  validateOptions(opts, fromLevel, workers);
  if (store.readOnly) {
    // Workers reopen the store by reference, writable: refuse here, before any task runs.
    throw new ReadOnlyError(
      refLabel(store.ref),
      `cannot compute pyramid levels in ${refLabel(store.ref)}: it is opened read-only; ` +
        "open it writable (mode r+ or a)",
    );
  }
  signal?.throwIfAborted();
  const report: PyramidReport = { levels: [] };
  if (levelPaths.length < 2) return report;

  const arrays = await Promise.all(levelPaths.slice(fromLevel - 1).map((p) => openArray(store, p)));
  checkLevels(arrays, factors.slice(fromLevel - 1), fromLevel);
  const bpe = dtypeByteSize(arrays[0]!.dtype);
  const runner = opts.runner;
  const inProcess =
    runner === undefined &&
    (!isShareableRef(store.ref) || (opts.pool === undefined && workers === 0));
  const threads = runner?.parallelism ?? (inProcess ? 1 : (opts.pool?.maxThreads ?? workers));
  const plans = arrays.slice(1).map((target, i) =>
    planTasks(target.shape, blockShapeOf(target), {
      factors: factors[fromLevel - 1 + i]!,
      bytesPerElement: bpe,
      minTaskBytes: runner?.taskBytes ?? taskBytesFor(arrays[i]!, bpe, threads),
    }),
  );

  const mostTasks = Math.max(0, ...plans.map((p) => p.length));
  let pool = opts.pool;
  let ownedPool: Piscina | undefined;
  const runId = randomUUID();
  try {
    for (let i = 0; i < plans.length; i++) {
      const level = fromLevel + i;
      const source = arrays[i]!;
      const target = arrays[i + 1]!;
      const tasks = plans[i]!;
      const started = performance.now();
      const toTask = (t: PlannedTask): PyramidTask => ({
        runId,
        store: store.ref,
        sourcePath: source.path,
        targetPath: target.path,
        blocks: t.blocks,
        factors: [...factors[level - 1]!],
        method,
        dtype: target.dtype,
      });
      let done = 0;
      let bytes = 0;
      onProgress?.({ level, done, total: tasks.length, bytes });
      if (runner !== undefined) {
        await runner.runLevel({
          level,
          source,
          target,
          tasks,
          toTask,
          signal,
          done: (_t, written) => {
            done++;
            bytes += written;
            onProgress?.({ level, done, total: tasks.length, bytes });
          },
          skipped: () => {
            done++;
            onProgress?.({ level, done, total: tasks.length, bytes });
          },
          failure: (t, cause) => taskError(level, t, source, target, cause),
        });
        signal?.throwIfAborted();
        report.levels.push({
          level,
          tasks: tasks.length,
          bytes,
          seconds: (performance.now() - started) / 1000,
        });
        continue;
      }
      let run: (t: PlannedTask) => Promise<PyramidTaskResult>;
      let limit: number;
      if (inProcess) {
        // Two in flight overlap one task's file I/O with the other's CPU work.
        run = (t) => runPyramidTask(toTask(t), source, target);
        limit = 2;
      } else {
        if (pool === undefined) {
          const perWorker = tasksPerWorkerFor(store.ref);
          pool = ownedPool = createPyramidPool({
            workers: Math.max(1, Math.min(workers, mostTasks)),
            ...(perWorker === undefined ? {} : { tasksPerWorker: perWorker }),
          });
        }
        const p = pool;
        // Naming the handler per task lets any Piscina pool run it, not only ours.
        const filename = pyramidWorkerFile();
        run = (t) => p.run(toTask(t), { filename }) as Promise<PyramidTaskResult>;
        // Backpressure: the running tasks plus about as many queued.
        limit = 2 * p.maxThreads * Math.max(1, p.options.concurrentTasksPerWorker);
      }
      await forEachBounded(
        tasks,
        limit,
        async (t, _lane, stop) => {
          const r = await run(t).catch((err: unknown) => {
            // The pool itself failed (worker crashed or could not load): same treatment.
            throw taskError(level, t, source, target, err);
          });
          // After a failure or an abort, results still arriving are not reported.
          if (stop.aborted) return;
          if (!r.ok) throw taskError(level, t, source, target, deserializeError(r.error));
          done++;
          bytes += r.bytes;
          onProgress?.({ level, done, total: tasks.length, bytes });
        },
        { signal },
      );
      report.levels.push({
        level,
        tasks: tasks.length,
        bytes,
        seconds: (performance.now() - started) / 1000,
      });
    }
  } finally {
    await ownedPool?.destroy();
  }
  return report;
}

/** The error of a failed pyramid task: level, target region, cause, and what to do. */
export function taskError(
  level: number,
  task: PlannedTask,
  source: ZarrArray,
  target: ZarrArray,
  cause: unknown,
): WorkerTaskError {
  const c = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
  const where = task.region.map(([a, b]) => `${a}:${b}`).join(", ");
  return new WorkerTaskError(
    level,
    task.region,
    `pyramid level ${level} ("${target.path}" from "${source.path}"), target region [${where}] ` +
      `failed: ${c}. Blocks already written are intact; fix the cause and compute the pyramid ` +
      "again to complete it",
    { cause },
  );
}

function validateOptions(opts: ComputeLevelsOptions, fromLevel: number, workers: number): void {
  const n = opts.levelPaths.length - 1;
  if (typeof opts.store?.ref?.kind !== "string") {
    throw new InvalidOptionsError("store", opts.store, "a ZarrStore", {
      hint: "open one with openStore, openLocalStore or createMemoryStore",
    });
  }
  if (opts.factors.length !== n) {
    throw new InvalidOptionsError(
      "factors",
      opts.factors,
      `one entry per target level (${n} for ${opts.levelPaths.length} level paths)`,
    );
  }
  opts.factors.forEach((f, k) => {
    if (!f.every((x) => Number.isInteger(x) && x >= 1)) {
      throw new InvalidOptionsError(`factors[${k}]`, f, "integers >= 1 (1 = not downsampled)");
    }
  });
  checkMethod(opts.method);
  if (n > 0 && !(Number.isInteger(fromLevel) && fromLevel >= 1 && fromLevel <= n)) {
    throw new InvalidOptionsError("fromLevel", fromLevel, `an integer from 1 to ${n}`);
  }
  if (!(Number.isInteger(workers) && workers >= 0)) {
    throw new InvalidOptionsError("workers", workers, "an integer >= 0 (0 = in-process)");
  }
}

/** Level shapes and dtypes must follow from the first (source) level and the factors. */
function checkLevels(
  arrays: readonly ZarrArray[],
  factors: readonly (readonly number[])[],
  fromLevel: number,
): void {
  const first = arrays[0]!;
  for (let i = 1; i < arrays.length; i++) {
    const a = arrays[i]!;
    const prev = arrays[i - 1]!;
    const f = factors[i - 1]!;
    const level = fromLevel - 1 + i;
    if (a.dtype !== first.dtype) {
      throw new PyramidStateError(
        `level ${level} ("${a.path}") has dtype ${a.dtype} but "${first.path}" has ${first.dtype}; ` +
          "every level must have the same dtype: delete and reinitialize the pyramid",
      );
    }
    if (f.length !== prev.shape.length) {
      throw new PyramidStateError(
        `factors for level ${level} have ${f.length} axes but "${prev.path}" has ` +
          `${prev.shape.length}; give one factor per axis`,
      );
    }
    const want = downsampleShape(prev.shape, f);
    if (a.shape.length !== want.length || want.some((x, j) => x !== a.shape[j])) {
      throw new PyramidStateError(
        `level ${level} ("${a.path}") has shape [${a.shape.join(", ")}], expected ` +
          `[${want.join(", ")}] = ceil([${prev.shape.join(", ")}] / [${f.join(", ")}]); ` +
          "delete and reinitialize the pyramid",
      );
    }
  }
}
