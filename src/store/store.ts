/**
 * The byte-level store interface every part of ngff-writer writes through, and its two
 * implementations: a local directory ({@link openLocalStore}) and memory ({@link createMemoryStore}).
 */
import { openLocalStoreImpl } from "./local-store.js";
import type { LockOptions } from "./lock.js";
import { MemoryStore } from "./memory-store.js";
import type { StoreRef } from "./ref.js";

/** A byte range: `offset`/`length`, or the last `suffixLength` bytes. */
export type ByteRange = { offset: number; length: number } | { suffixLength: number };

/**
 * A key/value store of bytes with `/`-separated keys relative to the root (`"A/1/zarr.json"`).
 *
 * Every key is checked with `assertSafeKey` before any I/O (rejects with `UnsafePathError`);
 * on a local store, writes that would go through a symlink resolving outside the root are
 * refused with `UnsafePathError`. Writes through a read-only store reject with `ReadOnlyError`.
 */
export interface ZarrStore {
  /** `"local"` (a directory), `"memory"`, `"s3"` or `"http"` (read-only). */
  readonly kind: "local" | "memory" | "s3" | "http";
  /** Absolute directory for `"local"`, undefined for the others. */
  readonly root: string | undefined;
  /**
   * The serializable reference that reopens this store in another thread or process (through
   * `openStoreRef`); memory stores' references reopen in this thread only.
   */
  readonly ref: StoreRef;
  readonly readOnly: boolean;
  /** The value, or undefined when the key does not exist. */
  get(key: string): Promise<Uint8Array | undefined>;
  /**
   * Write a value atomically: a crash leaves the old value or the new one, never a torn file.
   * The store is done with `value` when the promise settles (it copies what it keeps), so the
   * caller may reuse the buffer afterwards; the array layer relies on this.
   */
  set(key: string, value: Uint8Array): Promise<void>;
  /** Delete one key; no error when it is missing. */
  delete(key: string): Promise<void>;
  /** True when the key holds a value. */
  has(key: string): Promise<boolean>;
  /** Direct children of `prefix` (`""` = root): sub-directories and values, each sorted. Temp files are hidden. */
  list(prefix: string): Promise<{ dirs: string[]; files: string[] }>;
  /** Recursively delete everything under `prefix` (`""` = everything; the root itself stays). */
  deletePrefix(prefix: string): Promise<void>;
  /** Move a subtree (or one value). Rejects with NotFoundError / AlreadyExistsError. */
  rename(from: string, to: string): Promise<void>;
  /** Optional: part of a value (undefined when the key is missing). Both stores implement it. */
  getRange?(key: string, range: ByteRange): Promise<Uint8Array | undefined>;
  /**
   * Optional: run `fn` holding the cross-process lock file `lockKey` (see `lock.ts`; use
   * `withStoreLock`). Local stores implement it; without it a store is single-process.
   */
  lock?: (<T>(lockKey: string, fn: () => Promise<T>) => Promise<T>) | undefined;
  /**
   * Optional: give up what the store holds (an S3 store's writer lease and lingering locks, its
   * sockets). The store must not be used afterwards. Nodes opened from a path or URL call it
   * when the root node is closed.
   */
  close?(): Promise<void>;
}

/**
 * Open a local directory as a store.
 *
 * Temp files are named `.<name>.tmp-<pid>-<rand>` next to their target and renamed over it;
 * listings hide them and `cleanupTempFiles` removes leftovers of crashed writers.
 *
 * @param opts.readOnly - refuse every write with `ReadOnlyError` (default false).
 * @param opts.create - create the directory (and parents) when missing (default false).
 * @param opts.lock - timing of the cross-process locks (plate/well metadata, partial chunks), or
 *   `false` to run without them (one writer process only). Default `{}` (see `LockOptions`).
 * @param opts.syncIO - `get` and `set` make their file calls synchronously on the calling thread
 *   (default false): for worker threads doing CPU work between small files (the pyramid
 *   workers), where async calls would queue on libuv's threadpool shared by every thread of the
 *   process. Same atomic temp-file + rename, checks and locks; it blocks the calling thread.
 * @throws {NotFoundError} when the directory is missing and `create` is not set.
 * @throws {UnsupportedError} when the path exists and is not a directory.
 */
export function openLocalStore(
  path: string,
  opts?: { readOnly?: boolean; create?: boolean; lock?: LockOptions | false; syncIO?: boolean },
): Promise<ZarrStore> {
  return openLocalStoreImpl(path, opts);
}

/** A new empty in-memory store (values are copied in and out, so callers may reuse buffers). */
export function createMemoryStore(): ZarrStore {
  return new MemoryStore();
}
