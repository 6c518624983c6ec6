/**
 * Single-writer lease: for servers without conditional writes (s3rver, older MinIO/Ceph). The
 * first `lock()` of a store claims one lease object at the store root (`.ngff:lease`) holding
 * the owner (host, pid, tag) and an expiry; the holder refreshes it every `ttlMs / 3` while it
 * keeps locking, and deletes it once idle for `ttlMs / 3`. While another process holds a live
 * lease, `lock()` fails at once with `ConcurrentWriteError`.
 *
 * Claiming is read, write, wait, read back: the read refuses a live lease of another process,
 * and the read-back after a settle delay (twice our own read→write time, 25 ms–2 s) catches a
 * claimant that read before our write and wrote after it (the last writer wins; the other one
 * fails). The window that remains: a claimant whose read→write takes longer than our settle
 * delay (a stalled process), or a server whose reads are not read-after-write consistent. Both
 * writers would then believe they hold the store. Conditional-write servers avoid this
 * (`cond-lock.ts`).
 */
import { ConcurrentWriteError } from "../../errors.js";
import type { BucketIO } from "./bucket-io.js";
import {
  describeOwner,
  encodeRecord,
  isThisProcess,
  type OwnerRecord,
  ownRecord,
  parseRecord,
  staleReason,
} from "./owner.js";

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Lease {
  readonly #io: BucketIO;
  /** Full object key of the lease. */
  readonly key: string;
  /** The store, for messages. */
  readonly #label: string;
  readonly #ttlMs: number;
  readonly #tag: string;
  #held = false;
  #since = 0;
  #claiming: Promise<void> | undefined;
  #releasing: Promise<void> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #active = 0;
  #lastUse = 0;

  constructor(io: BucketIO, key: string, label: string, ttlMs: number, tag: string) {
    this.#io = io;
    this.key = key;
    this.#label = label;
    this.#ttlMs = ttlMs;
    this.#tag = tag;
  }

  /** True while this store object holds the lease. */
  get held(): boolean {
    return this.#held;
  }

  /**
   * Run `fn` as the store's single writer, claiming the lease first when not held.
   * @throws {ConcurrentWriteError} when another live process holds the lease.
   */
  async use<T>(fn: () => Promise<T>): Promise<T> {
    this.#active++;
    try {
      await this.#ensure();
      return await fn();
    } finally {
      this.#active--;
      this.#lastUse = Date.now();
    }
  }

  async #ensure(): Promise<void> {
    if (this.#releasing !== undefined) await this.#releasing;
    if (this.#held) return;
    this.#claiming ??= this.#claim().finally(() => {
      this.#claiming = undefined;
    });
    await this.#claiming;
  }

  #heldBy(r: OwnerRecord): ConcurrentWriteError {
    const target = this.#io.target(this.key);
    return new ConcurrentWriteError(
      target,
      `another writer holds ${this.#label}: ${describeOwner(r)}, with a lease until ` +
        `${new Date(r.expires).toISOString()} (renewed while it writes). This S3 server has no ` +
        "conditional writes, so a store takes one writer process at a time. Wait for that " +
        "writer to finish (a writer that died loses the lease when it expires, at once when it " +
        `ran on this host); if you are sure no writer is running, delete ${target}`,
    );
  }

  async #claim(): Promise<void> {
    const t0 = Date.now();
    const cur = await this.#io.get(this.key);
    const r = cur === undefined ? undefined : parseRecord(cur.body);
    if (r !== undefined && !isThisProcess(r) && staleReason(r) === undefined) throw this.#heldBy(r);
    const mine = ownRecord(this.#tag, this.#ttlMs);
    await this.#io.put(this.key, encodeRecord(mine));
    await sleep(Math.min(2_000, Math.max(25, 2 * (Date.now() - t0))));
    const back = await this.#io.get(this.key);
    const b = back === undefined ? undefined : parseRecord(back.body);
    if (b === undefined || !isThisProcess(b)) {
      if (b !== undefined) throw this.#heldBy(b);
      throw new ConcurrentWriteError(
        this.#io.target(this.key),
        `the single-writer lease of ${this.#label} vanished right after we wrote it: another ` +
          "process is deleting it; make sure only one writer process uses this store, then retry",
      );
    }
    this.#held = true;
    this.#since = mine.since;
    this.#lastUse = Date.now();
    this.#startTimer();
  }

  #startTimer(): void {
    const every = Math.max(10, Math.floor(this.#ttlMs / 3));
    this.#timer = setInterval(() => {
      void this.#tick(every).catch(() => undefined); // the next tick tries again
    }, every);
    this.#timer.unref();
  }

  #stopTimer(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #tick(idleMs: number): Promise<void> {
    if (!this.#held || this.#claiming !== undefined || this.#releasing !== undefined) return;
    if (this.#active === 0 && Date.now() - this.#lastUse >= idleMs) {
      await this.release();
      return;
    }
    const cur = await this.#io.get(this.key);
    const r = cur === undefined ? undefined : parseRecord(cur.body);
    if (r !== undefined && !isThisProcess(r)) {
      // Lost (we were frozen past the expiry and another writer took over): the next lock()
      // claims again, and fails while that writer is live.
      this.#held = false;
      this.#stopTimer();
      return;
    }
    // Ours, another store object's of this process, or deleted by one that went idle: renew.
    await this.#io.put(this.key, encodeRecord(ownRecord(this.#tag, this.#ttlMs, this.#since)));
  }

  /** Give the lease up (delete it when it is still ours). Later `lock()` calls claim it again. */
  release(): Promise<void> {
    if (!this.#held) return this.#releasing ?? Promise.resolve();
    this.#held = false;
    this.#stopTimer();
    this.#releasing = (async () => {
      const cur = await this.#io.get(this.key);
      const r = cur === undefined ? undefined : parseRecord(cur.body);
      // Only our own record: another store object of this process may hold it now.
      if (r !== undefined && isThisProcess(r) && r.tag === this.#tag)
        await this.#io.delete(this.key);
    })().finally(() => {
      this.#releasing = undefined;
    });
    return this.#releasing;
  }
}
