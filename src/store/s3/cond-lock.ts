/**
 * Lock objects for servers with conditional writes (AWS S3 since 2024, recent MinIO, R2, …).
 * A lock is an object at the lock key (`lock.ts`'s names: `.ngff-lock`, `<array>/.c.0.0.ngff-lock`)
 * created with `If-None-Match: *` and holding its owner and expiry. Waiters poll with backoff
 * (5 → 200 ms) and give up with `LockTimeoutError` after `timeoutMs`. An expired lock (or one of
 * a dead process on this host) is taken over with `If-Match` on the ETag that was read, so two
 * waiters never both take it. A holder renews its lock every `ttlMs / 3` (`If-Match` on its own
 * ETag) and deletes it when done; an idle lock lingers `lingerMs` for this store's next call.
 *
 * What remains: the release is a plain DELETE (S3 general-purpose buckets long had no
 * conditional delete), so a holder frozen past its expiry whose lock was taken over would
 * delete the new holder's lock. Renewal makes that need a freeze longer than `ttlMs`.
 */
import { LockTimeoutError } from "../../errors.js";
import type { BucketIO } from "./bucket-io.js";
import { isConditionRefused, isMissingKey } from "./errors.js";
import {
  describeOwner,
  encodeRecord,
  type OwnerRecord,
  ownRecord,
  parseRecord,
  staleReason,
} from "./owner.js";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Timing of lock objects (from `LockOptions`). */
export interface LockTiming {
  ttlMs: number;
  timeoutMs: number;
  lingerMs: number;
}

interface Held {
  etag: string | undefined;
  record: OwnerRecord;
  lost: boolean;
  beat: NodeJS.Timeout;
  linger: NodeJS.Timeout | undefined;
}

/** Every store's lingering locks, released when the process is about to exit. */
const lingering = new Set<ConditionalLocks>();
let exitHook = false;

export class ConditionalLocks {
  readonly #io: BucketIO;
  readonly #timing: LockTiming;
  readonly #tag: string;
  /** Locks this store object holds, by full object key. */
  readonly #held = new Map<string, Held>();

  constructor(io: BucketIO, timing: LockTiming, tag: string) {
    this.#io = io;
    this.#timing = timing;
    this.#tag = tag;
  }

  /**
   * Run `fn` holding the lock object at full key `key`. Callers serialise per key within the
   * process first (`withLock`), so one call at a time uses a key here.
   * @throws {LockTimeoutError} when a live holder keeps it longer than `timeoutMs`.
   */
  async run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    let h = this.#held.get(key);
    if (h !== undefined && h.linger !== undefined) {
      clearTimeout(h.linger);
      h.linger = undefined;
    }
    if (h !== undefined && (h.lost || h.record.expires <= Date.now())) {
      this.#forget(key, h);
      h = undefined;
    }
    h ??= await this.#acquire(key);
    try {
      return await fn();
    } finally {
      if (this.#timing.lingerMs > 0 && !h.lost) {
        h.linger = setTimeout(
          () => void this.#release(key).catch(() => undefined),
          this.#timing.lingerMs,
        );
        h.linger.unref();
        this.#hookExit();
      } else await this.#release(key);
    }
  }

  #hookExit(): void {
    lingering.add(this);
    if (exitHook) return;
    exitHook = true;
    // Lingering locks of a process that runs out of work are deleted on the way out (an
    // explicit process.exit() leaves them to expire, or to the dead-pid check on this host).
    process.on("beforeExit", () => {
      for (const s of [...lingering]) {
        lingering.delete(s);
        void s.releaseAll().catch(() => undefined);
      }
    });
  }

  /** Release every lock this store keeps lingering. */
  async releaseAll(): Promise<void> {
    await Promise.all([...this.#held.keys()].map((k) => this.#release(k)));
  }

  #forget(key: string, h: Held): void {
    clearInterval(h.beat);
    if (h.linger !== undefined) clearTimeout(h.linger);
    this.#held.delete(key);
  }

  async #release(key: string): Promise<void> {
    const h = this.#held.get(key);
    if (h === undefined) return;
    this.#forget(key, h);
    if (!h.lost) await this.#io.delete(key);
  }

  #hold(key: string, etag: string | undefined, record: OwnerRecord): Held {
    const h: Held = {
      etag,
      record,
      lost: false,
      beat: undefined as unknown as NodeJS.Timeout,
      linger: undefined,
    };
    h.beat = setInterval(
      () => void this.#renew(h, key).catch(() => undefined),
      Math.max(10, Math.floor(this.#timing.ttlMs / 3)),
    );
    h.beat.unref();
    this.#held.set(key, h);
    return h;
  }

  async #renew(h: Held, key: string): Promise<void> {
    if (h.lost || h.etag === undefined) return;
    const record = ownRecord(this.#tag, this.#timing.ttlMs, h.record.since);
    try {
      h.etag = await this.#io.put(key, encodeRecord(record), { ifMatch: h.etag });
      h.record = record;
    } catch (e) {
      if (isConditionRefused(e) || isMissingKey(e)) h.lost = true;
      else throw e;
    }
  }

  /** Put `record` under `key` if `cond` holds; the new ETag, or null when refused. */
  async #tryPut(
    key: string,
    record: OwnerRecord,
    cond: { ifNoneMatch: "*" } | { ifMatch: string },
  ): Promise<{ etag: string | undefined } | null> {
    try {
      return { etag: await this.#io.put(key, encodeRecord(record), cond) };
    } catch (e) {
      if (isConditionRefused(e) || isMissingKey(e)) return null;
      throw e;
    }
  }

  async #acquire(key: string): Promise<Held> {
    const started = Date.now();
    let delay = 5;
    for (;;) {
      const record = ownRecord(this.#tag, this.#timing.ttlMs);
      const created = await this.#tryPut(key, record, { ifNoneMatch: "*" });
      if (created !== null) return this.#hold(key, created.etag, record);
      const cur = await this.#io.get(key);
      if (cur === undefined) continue; // released meanwhile
      const holder = parseRecord(cur.body);
      const stale = holder === undefined ? "it holds no lock record" : staleReason(holder);
      if (stale !== undefined && cur.etag !== undefined) {
        const next = ownRecord(this.#tag, this.#timing.ttlMs);
        const taken = await this.#tryPut(key, next, { ifMatch: cur.etag });
        if (taken !== null) return this.#hold(key, taken.etag, next);
        continue; // someone else took it over or released it: look again
      }
      const waited = Date.now() - started;
      if (waited >= this.#timing.timeoutMs) {
        const target = this.#io.target(key);
        const who =
          holder === undefined
            ? "an unknown writer"
            : `${describeOwner(holder)} until ${new Date(holder.expires).toISOString()}`;
        throw new LockTimeoutError(
          target,
          waited,
          `waited ${waited} ms for the lock ${target}, held by ${who} (renewed while it ` +
            "writes); let that writer finish, or if no writer is running, delete the object " +
            "(it also expires by itself)",
        );
      }
      await sleep(delay * (0.5 + Math.random()));
      delay = Math.min(delay * 2, 200);
    }
  }
}
