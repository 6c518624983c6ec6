/** Bounded concurrency and per-key serialisation for chunk I/O within one process. */

/** Default number of chunk operations in flight. */
export const DEFAULT_CONCURRENCY = 8;

/**
 * Run `fn` for each item with at most `limit` in flight, pulling items lazily (an iterator of
 * millions of chunks is fine). On the first failure no new items start; the in-flight ones
 * finish and the first error is rethrown. `lane` (0 ≤ lane < limit) names the runner: calls with
 * the same lane never overlap, so a lane may own scratch buffers.
 */
export async function forEachBounded<T>(
  items: Iterable<T>,
  limit: number,
  fn: (item: T, lane: number) => Promise<void>,
): Promise<void> {
  const it = items[Symbol.iterator]();
  let failed = false;
  let firstError: unknown;
  const runner = async (lane: number) => {
    for (;;) {
      if (failed) return;
      const next = it.next();
      if (next.done) return;
      try {
        await fn(next.value, lane);
      } catch (e) {
        if (!failed) {
          failed = true;
          firstError = e;
        }
        return;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, (_, lane) => runner(lane)));
  if (failed) throw firstError;
}

const locks = new Map<string, Promise<void>>();

/**
 * Run `fn` while holding the lock named `id`; callers with the same id run one after another
 * in call order. Used to serialise read-modify-write of one chunk or shard.
 */
export async function withLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
  const prev = locks.get(id);
  let release!: () => void;
  const mine = new Promise<void>((r) => {
    release = r;
  });
  const tail = prev === undefined ? mine : prev.then(() => mine);
  locks.set(id, tail);
  if (prev !== undefined) await prev;
  try {
    return await fn();
  } finally {
    release();
    if (locks.get(id) === tail) locks.delete(id);
  }
}

/** Number of lock names currently held or waited for (tests). */
export function activeLockCount(): number {
  return locks.size;
}

/**
 * A counting semaphore: {@link Semaphore.run} waits until fewer than `limit` calls are running,
 * then runs `fn` (first come, first served). Remote stores bound their requests in flight with
 * one per store object.
 */
export class Semaphore {
  readonly limit: number;
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number) {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new RangeError(`semaphore limit must be a positive integer, found ${limit}`);
    }
    this.limit = limit;
  }

  /** Calls running now. */
  get active(): number {
    return this.#active;
  }

  /** Calls waiting for a slot. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Run `fn` once a slot is free; the slot is released when it settles. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#active < this.limit) this.#active++;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await fn();
    } finally {
      // Hand the slot straight to the next waiter (the count stays), or free it.
      const next = this.#waiting.shift();
      if (next !== undefined) next();
      else this.#active--;
    }
  }
}
