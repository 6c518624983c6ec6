/**
 * Bounded concurrency and in-process locking: the one module for both (issue 12). Every limiter
 * of the library is one of these four; do not add another.
 *
 * - {@link forEachBounded}: run a function over items, at most `limit` at once (lazy, fail-fast,
 *   abortable; results handled by the callback as they arrive).
 * - {@link mapBounded}: the same, collecting results in input order (and handing them over in
 *   input order as soon as every earlier one is done).
 * - {@link Semaphore}: a counting semaphore for calls that arrive one by one (requests of a
 *   remote store); `new Semaphore(1)` is a FIFO mutex (a node's metadata updates).
 * - {@link withLock}: serialise callers by a string key across the process (one chunk's
 *   read-modify-write).
 *
 * Cross-process store locks (lock files) are another concept: `src/store/lock.ts`.
 */
import { InvalidOptionsError } from "../errors.js";

/** Default number of chunk operations in flight. */
export const DEFAULT_CONCURRENCY = 8;

/** Options of {@link forEachBounded} and {@link mapBounded}. */
export interface BoundedOptions {
  /**
   * Stop starting items once aborted: the items in flight settle, then the call rejects with
   * `signal.reason` (unless an item failed first: then with that failure).
   */
  signal?: AbortSignal | undefined;
}

/** The number of runners for `limit`: at least 1, fractions rounded down, at most `count`. */
function lanesFor(limit: number, count: number | undefined): number {
  if (typeof limit !== "number" || Number.isNaN(limit)) {
    throw new InvalidOptionsError("limit", limit, "a number >= 1 (the most calls in flight)");
  }
  const capped = count === undefined ? limit : Math.min(limit, count);
  if (!Number.isFinite(capped)) {
    throw new InvalidOptionsError(
      "limit",
      limit,
      "a finite number for an iterable of unknown size",
      {
        hint: "pass an array, or a finite limit",
      },
    );
  }
  return count === 0 ? 0 : Math.max(1, Math.floor(capped));
}

/**
 * Run `fn` for each item with at most `limit` calls in flight, pulling items lazily in order (an
 * iterator of millions of chunks is fine). On the first failure (or when `opts.signal` aborts)
 * no new item starts; the calls in flight settle; then the first failure (else the abort reason)
 * is thrown. Later failures of calls in flight are dropped.
 *
 * `lane` (0 ≤ lane < limit) names the runner: calls with the same lane never overlap, so a lane
 * may own scratch buffers. `stop` aborts as soon as the run stops (a failure or the caller's
 * abort): a call still in flight can check it before reporting its result, or pass it on.
 *
 * `limit` below 1 counts as 1 and fractions round down; an array caps it at its length.
 * @throws {InvalidOptionsError} for a `limit` that is not a number (or infinite over an iterable
 *   that is not an array).
 */
export async function forEachBounded<T>(
  items: Iterable<T>,
  limit: number,
  fn: (item: T, lane: number, stop: AbortSignal) => Promise<void>,
  opts: BoundedOptions = {},
): Promise<void> {
  const lanes = lanesFor(limit, Array.isArray(items) ? items.length : undefined);
  const outer = opts.signal;
  const stop = new AbortController();
  let failure: { error: unknown } | undefined;
  const onAbort = () => stop.abort(outer?.reason);
  if (outer?.aborted) onAbort();
  else outer?.addEventListener("abort", onAbort, { once: true });
  const it = items[Symbol.iterator]();
  const runner = async (lane: number) => {
    while (!stop.signal.aborted) {
      const next = it.next();
      if (next.done) return;
      try {
        await fn(next.value, lane, stop.signal);
      } catch (error) {
        if (failure === undefined) {
          failure = { error };
          stop.abort(error);
        }
        return;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: lanes }, (_, lane) => runner(lane)));
  } finally {
    outer?.removeEventListener("abort", onAbort);
  }
  if (failure !== undefined) throw failure.error;
  if (outer?.aborted) throw outer.reason;
}

/** Options of {@link mapBounded}. */
export interface MapBoundedOptions<R> extends BoundedOptions {
  /**
   * Called with each result in input order, as soon as every earlier item has its result. After
   * a failure, results are still handed over up to the first item that failed (never past it).
   * A throw counts as a failure of that item.
   */
  onResult?: ((result: R, index: number) => void) | undefined;
}

/**
 * {@link forEachBounded} collecting results: `fn(item, index, stop)` for each item, at most
 * `limit` in flight, and the results in input order. Same fail-fast and abort behaviour; with
 * `opts.onResult`, results are also handed over in input order as they become available.
 * @throws {InvalidOptionsError} for a `limit` that is not a number.
 */
export async function mapBounded<T, R>(
  items: Iterable<T>,
  limit: number,
  fn: (item: T, index: number, stop: AbortSignal) => Promise<R>,
  opts: MapBoundedOptions<R> = {},
): Promise<R[]> {
  const results: R[] = [];
  const ready: boolean[] = [];
  let emitted = 0;
  const onResult = opts.onResult;
  function* indexed(): Generator<readonly [T, number]> {
    let i = 0;
    for (const item of items) yield [item, i++] as const;
  }
  const source = Array.isArray(items) ? items.map((item: T, i) => [item, i] as const) : indexed();
  await forEachBounded(
    source,
    limit,
    async ([item, i], _lane, stop) => {
      results[i] = await fn(item, i, stop);
      ready[i] = true;
      if (onResult === undefined) return;
      while (ready[emitted] === true) onResult(results[emitted]!, emitted++);
    },
    opts,
  );
  return results;
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
 * one per store object; `new Semaphore(1)` is a FIFO mutex (each node serialises its metadata
 * updates with one).
 */
export class Semaphore {
  readonly limit: number;
  #active = 0;
  readonly #waiting: (() => void)[] = [];

  /**
   * @param option - the option `limit` came from, named in the error (default `"limit"`).
   * @throws {InvalidOptionsError} when `limit` is not a positive integer.
   */
  constructor(limit: number, option = "limit") {
    if (!Number.isInteger(limit) || limit < 1) {
      throw new InvalidOptionsError(option, limit, "an integer >= 1 (the most calls in flight)");
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

  /** Run `fn` once a slot is free; the slot is released when it settles (even if it throws). */
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
