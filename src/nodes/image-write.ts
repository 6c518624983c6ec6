/**
 * How a node writes pixel data it was given in memory (`createImage`, `ImageArray.write`): on
 * this thread for small data or a memory store, else spread over a worker pool (encoding and
 * file writes are most of the cost: ~0.5 s of one core for a 134 MB uint16 image, blosc lz4).
 */
import type { Piscina } from "piscina";
import { InvalidOptionsError } from "../errors.js";
import { isShareableRef, type ZarrArray } from "../store/index.js";
import type { AnyTypedArray, Region } from "../store/types.js";

/** Images at least this big start the shared pool when none runs yet (~0.15 s to start). */
export const POOL_WRITE_MIN_BYTES = 16 << 20;
/** Below this a pool is not worth a round trip even when one is running. */
const POOL_WRITE_RUNNING_MIN_BYTES = 2 << 20;

/** Where a node's pixel work runs: `workers` threads (0 = this thread) or the caller's pool. */
export interface WorkerOptions {
  /**
   * Worker threads (default: the available cores); 0 = on the calling thread. Without `pool`,
   * the process's shared pool of this many threads is used (started on first use; see
   * `closeSharedPools`).
   */
  workers?: number;
  /** A caller-owned Piscina pool from `createPyramidPool` (not closed). */
  pool?: Piscina;
}

/**
 * Check `workers` before anything is written.
 * @throws {InvalidOptionsError} when it is not an integer >= 0.
 */
export function checkWorkers(workers: unknown): void {
  if (workers !== undefined && !(Number.isInteger(workers) && (workers as number) >= 0)) {
    throw new InvalidOptionsError(
      "workers",
      workers,
      "an integer >= 0 (0 = on the calling thread)",
    );
  }
}

/**
 * Write C-order `data` covering `region` of `array`: through a worker pool when one is worth it
 * (a caller's `pool`; else, on a file or S3 store, >= 16 MiB of data, or >= 2 MiB while the shared
 * pool runs), else with `array.writeRegion` on this thread. Same bytes either way.
 */
export async function writeRegionAuto(
  array: ZarrArray,
  region: Region,
  data: AnyTypedArray,
  opts: WorkerOptions = {},
): Promise<void> {
  const bytes = data.byteLength;
  const mayPool =
    isShareableRef(array.store.ref) &&
    opts.workers !== 0 &&
    (opts.pool !== undefined || bytes >= POOL_WRITE_RUNNING_MIN_BYTES);
  let pool: Piscina | undefined;
  if (mayPool) {
    const { hasSharedPool, poolFor, tasksPerWorkerFor } = await import("../engine/shared-pool.js");
    const worth =
      opts.pool !== undefined ||
      bytes >= POOL_WRITE_MIN_BYTES ||
      hasSharedPool(opts.workers, tasksPerWorkerFor(array.store.ref));
    pool = worth ? poolFor(array.store, opts) : undefined;
  }
  if (pool === undefined) {
    await array.writeRegion(region, data);
    return;
  }
  const { writeRegionInPool } = await import("../engine/pool-write.js");
  await writeRegionInPool(array, region, data, { pool });
}

/** Write `data` (C order, the array's whole shape) into `array` (see {@link writeRegionAuto}). */
export function writeWholeArray(
  array: ZarrArray,
  data: AnyTypedArray,
  opts: WorkerOptions,
): Promise<void> {
  return writeRegionAuto(
    array,
    array.shape.map((s): [number, number] => [0, s]),
    data,
    opts,
  );
}
