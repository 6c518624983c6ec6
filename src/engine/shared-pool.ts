/**
 * The process's shared worker pools: what `createImage` and `computePyramid` use when the caller
 * passes no pool. Starting a pool costs ~0.15-0.2 s (threads booting, the store and codecs
 * loading in each); a pipeline writing many images pays it once. One pool per thread count,
 * started on first use. Idle workers do not keep the process alive (Piscina unrefs them);
 * `closeSharedPools()` ends the threads when the caller wants their memory back.
 */
import { availableParallelism } from "node:os";
import type { Piscina } from "piscina";
import { InvalidOptionsError } from "../errors.js";
import { isShareableRef, type StoreRef } from "../store/ref.js";
import type { ZarrStore } from "../store/store.js";
import { createPyramidPool } from "./pool.js";

/** Shared pools by thread count and tasks per worker (`"4"`, `"4x8"`). */
const pools = new Map<string, Piscina>();

/**
 * Tasks one worker interleaves on a remote store (S3): its tasks wait on the network most of
 * the time, so each thread keeps several in flight (measured in bench/s3.bench.ts). File stores
 * keep the pool's default (one, with synchronous file calls).
 */
export const REMOTE_TASKS_PER_WORKER = 8;

/** Tasks per worker for work on `ref`'s store: undefined (the default) for files. */
export function tasksPerWorkerFor(ref: StoreRef): number | undefined {
  return ref.kind === "file" || ref.kind === "memory" ? undefined : REMOTE_TASKS_PER_WORKER;
}

function poolKey(threads: number, tasksPerWorker: number | undefined): string {
  return tasksPerWorker === undefined ? String(threads) : `${threads}x${tasksPerWorker}`;
}

function checkThreads(workers: number): number {
  if (!Number.isInteger(workers) || workers < 1) {
    throw new InvalidOptionsError("workers", workers, "an integer >= 1 for a pool");
  }
  return workers;
}

/**
 * The shared pool with `workers` threads (default: the available cores) and, when given,
 * `tasksPerWorker` tasks interleaved per thread (remote stores), started on first call. Do not
 * destroy it: call {@link closeSharedPools}.
 */
export function sharedPool(
  workers: number = availableParallelism(),
  tasksPerWorker?: number,
): Piscina {
  const n = checkThreads(workers);
  const key = poolKey(n, tasksPerWorker);
  let pool = pools.get(key);
  if (pool === undefined) {
    pool = createPyramidPool(
      tasksPerWorker === undefined ? { workers: n } : { workers: n, tasksPerWorker },
    );
    pools.set(key, pool);
  }
  return pool;
}

/** True when the shared pool with `workers` threads (and `tasksPerWorker`) is running. */
export function hasSharedPool(workers?: number, tasksPerWorker?: number): boolean {
  return pools.has(poolKey(workers ?? availableParallelism(), tasksPerWorker));
}

/**
 * End the threads of every shared pool (they start again on next use). Resolves when they
 * are gone; tasks still running finish first, but a write or pyramid still submitting tasks to
 * a closed pool fails (WorkerTaskError), so call it when no such call is under way.
 */
export async function closeSharedPools(): Promise<void> {
  const all = [...pools.values()];
  pools.clear();
  await Promise.all(all.map((p) => p.close()));
}

/**
 * The pool a node operation uses: the caller's `pool` (it wins over `workers`), else the shared
 * pool of `workers` threads (default: the cores), else none for `workers: 0`. A memory store
 * gets none (workers reopen stores by reference, and a memory store lives in one thread): the
 * work runs on the calling thread.
 */
export function poolFor(
  store: Pick<ZarrStore, "ref">,
  opts: { workers?: number | undefined; pool?: Piscina | undefined },
): Piscina | undefined {
  if (!isShareableRef(store.ref)) return undefined;
  if (opts.pool !== undefined) return opts.pool;
  if (opts.workers === 0) return undefined;
  return sharedPool(opts.workers ?? availableParallelism(), tasksPerWorkerFor(store.ref));
}
