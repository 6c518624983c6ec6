/**
 * Running a command's items (positions, input files) several at once on one worker pool, with
 * results reported in the items' order.
 */
import { availableParallelism } from "node:os";
import { forEachBounded } from "../store/concurrency.js";

/**
 * Items run at once unless `--jobs` says otherwise: one more than the worker threads (at least
 * 2), so that another item's tasks fill the pool while one item waits at a barrier between
 * levels or writes metadata.
 */
export function defaultJobs(workers: number | undefined): number {
  return Math.max(2, (workers ?? availableParallelism()) + 1);
}

/**
 * Run `fn` on each item, at most `limit` at once, and hand the results to `emit` in the items'
 * order as soon as every earlier one is done. On a failure no new item starts and the ones
 * running finish; results are emitted up to the first item that failed, then its error is
 * thrown.
 */
export async function forEachInOrder<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
  emit: (result: R) => void,
): Promise<void> {
  const results = new Map<number, R>();
  let emitted = 0;
  const flush = () => {
    while (results.has(emitted)) {
      emit(results.get(emitted)!);
      results.delete(emitted++);
    }
  };
  await forEachBounded(
    items.map((item, i) => [item, i] as const),
    limit,
    async ([item, i]) => {
      results.set(i, await fn(item));
      flush();
    },
  );
}
