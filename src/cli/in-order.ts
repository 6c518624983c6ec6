/**
 * How many of a command's items (positions, input files) run at once on one worker pool. They
 * run with `forEachBounded` / `mapBounded` (src/store/concurrency.ts; `mapBounded`'s `onResult`
 * reports results in the items' order).
 */
import { availableParallelism } from "node:os";

/**
 * Items run at once unless `--jobs` says otherwise: one more than the worker threads (at least
 * 2), so that another item's tasks fill the pool while one item waits at a barrier between
 * levels or writes metadata.
 */
export function defaultJobs(workers: number | undefined): number {
  return Math.max(2, (workers ?? availableParallelism()) + 1);
}
