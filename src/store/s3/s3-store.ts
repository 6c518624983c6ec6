/**
 * The S3 {@link ZarrStore}: keys are objects under the reference's prefix (`prefix/key`), every
 * value is one PutObject (atomic by S3's rules; multipart above the threshold, still all or
 * nothing), listings are ListObjectsV2 with delimiter `/`, and `lock()` is a lock object
 * (conditional-write servers) or a single-writer lease (others). See src/store/README.md,
 * "S3 stores".
 */
import {
  AlreadyExistsError,
  NotFoundError,
  ReadOnlyError,
  StoreAccessError,
  UnsafePathError,
} from "../../errors.js";
import { forEachBounded, withLock } from "../concurrency.js";
import { refKey, refLabel, type S3StoreRef } from "../ref.js";
import { assertSafeKey } from "../safe-name.js";
import type { ByteRange, ZarrStore } from "../store.js";
import type { BucketIO, Fetched, ListedObject } from "./bucket-io.js";
import type { ConditionalLocks } from "./cond-lock.js";
import { errorStatus } from "./errors.js";
import { isHiddenName, type KeyMap, OWN_PREFIX } from "./keys.js";
import type { Lease } from "./lease.js";

/** How `lock()` works on this store. */
export type S3LockMode =
  /** Lock objects created with `If-None-Match: *` (several writer processes). */
  | "conditional"
  /** One writer process per store, claimed with a lease object. */
  | "single-writer"
  /** No `lock()` (read-only, or opened with `lock: false`). */
  | "none";

/** Requests a rename or prefix deletion keeps in flight. */
const TREE_CONCURRENCY = 32;

/** `Content-Range: bytes <start>-<end>/<size>`, parsed. */
function parseContentRange(v: string | undefined): { start: number; size: number } | undefined {
  const m = v === undefined ? null : /^bytes (\d+)-(\d+)\/(\d+)$/.exec(v.trim());
  return m === null ? undefined : { start: Number(m[1]), size: Number(m[3]) };
}

/** ETags of multipart uploads (`"<md5>-<parts>"`) change when the object is copied. */
function sameObject(a: ListedObject, b: ListedObject): boolean {
  if (a.size !== b.size) return false;
  const multipart = (e: string | undefined) => e !== undefined && /-\d+"?$/.test(e);
  return a.etag === b.etag || multipart(a.etag) || multipart(b.etag);
}

export interface S3StoreParts {
  ref: S3StoreRef;
  readOnly: boolean;
  io: BucketIO;
  keys: KeyMap;
  lockMode: S3LockMode;
  conditionalWrites: boolean | undefined;
  lease: Lease | undefined;
  locks: ConditionalLocks | undefined;
}

export class S3Store implements ZarrStore {
  readonly kind = "s3" as const;
  readonly root = undefined;
  readonly ref: S3StoreRef;
  readonly readOnly: boolean;
  /** How `lock()` works here. */
  readonly lockMode: S3LockMode;
  /** What the probe found (undefined when it did not run: read-only or `lock: false`). */
  readonly conditionalWrites: boolean | undefined;
  readonly lock: (<T>(lockKey: string, fn: () => Promise<T>) => Promise<T>) | undefined;
  readonly #io: BucketIO;
  readonly #keys: KeyMap;
  readonly #label: string;
  readonly #lease: Lease | undefined;
  readonly #locks: ConditionalLocks | undefined;

  constructor(p: S3StoreParts) {
    this.ref = p.ref;
    this.readOnly = p.readOnly;
    this.lockMode = p.lockMode;
    this.conditionalWrites = p.conditionalWrites;
    this.#io = p.io;
    this.#keys = p.keys;
    this.#label = refLabel(p.ref);
    this.#lease = p.lease;
    this.#locks = p.locks;
    const domain = `s3-lock:${refKey(p.ref)}\u0000`;
    this.lock =
      p.lockMode === "none"
        ? undefined
        : async <T>(lockKey: string, fn: () => Promise<T>): Promise<T> => {
            assertSafeKey(lockKey);
            this.#assertWritable(lockKey);
            return withLock(domain + lockKey, () =>
              this.#locks !== undefined
                ? this.#locks.run(this.#keys.full(lockKey), fn)
                : this.#lease!.use(fn),
            );
          };
  }

  #assertWritable(key: string): void {
    if (this.readOnly) {
      throw new ReadOnlyError(
        key,
        `cannot write "${key}": the store ${this.#label} was opened read-only; open it without readOnly to write`,
      );
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    assertSafeKey(key);
    return (await this.#io.get(this.#keys.full(key)))?.body;
  }

  /** A range GET; "unsatisfiable" for 416 (the object exists, the range lies beyond its end). */
  async #range(full: string, range: string): Promise<Fetched | undefined | "unsatisfiable"> {
    try {
      return await this.#io.get(full, range);
    } catch (e) {
      if (errorStatus(e) === 416) return "unsatisfiable";
      throw e;
    }
  }

  async #emptyIfExists(full: string): Promise<Uint8Array | undefined> {
    return (await this.#io.head(full)) === undefined ? undefined : new Uint8Array(0);
  }

  async getRange(key: string, range: ByteRange): Promise<Uint8Array | undefined> {
    assertSafeKey(key);
    const full = this.#keys.full(key);
    if ("suffixLength" in range) {
      const n = range.suffixLength;
      if (!(n > 0)) return this.#emptyIfExists(full);
      const f = await this.#range(full, `bytes=-${n}`);
      if (f === undefined || f === "unsatisfiable")
        return f === undefined ? undefined : new Uint8Array(0);
      const cr = parseContentRange(f.contentRange);
      if (cr === undefined) return f.body.length > n ? f.body.slice(f.body.length - n) : f.body;
      const want = Math.max(0, cr.size - n);
      if (cr.start === want) return f.body;
      // The server read "bytes=-N" as "bytes=0-N" (s3rver does): ask for the explicit range.
      return this.getRange(key, { offset: want, length: cr.size - want });
    }
    const { offset, length } = range;
    if (!(length > 0)) return this.#emptyIfExists(full);
    const f = await this.#range(full, `bytes=${offset}-${offset + length - 1}`);
    if (f === undefined || f === "unsatisfiable") {
      return f === undefined ? undefined : new Uint8Array(0);
    }
    // Where the body starts: the Content-Range start, or 0 when the server sent the whole
    // object (no Content-Range) or more than asked (s3rver reads "bytes=0-0" as everything).
    const start = parseContentRange(f.contentRange)?.start ?? 0;
    if (start === offset && f.body.length <= length) return f.body;
    if (start > offset) {
      throw new StoreAccessError(
        this.#io.target(full),
        `S3 GetObject of ${this.#io.target(full)} answered bytes from ${start} for a range from ${offset}; the server mishandles Range requests`,
      );
    }
    return f.body.slice(offset - start, offset - start + length);
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    assertSafeKey(key);
    this.#assertWritable(key);
    await this.#io.put(this.#keys.full(key), value);
  }

  async delete(key: string): Promise<void> {
    assertSafeKey(key);
    this.#assertWritable(key);
    await this.#io.delete(this.#keys.full(key));
  }

  async has(key: string): Promise<boolean> {
    assertSafeKey(key);
    return (await this.#io.head(this.#keys.full(key))) !== undefined;
  }

  async list(prefix: string): Promise<{ dirs: string[]; files: string[] }> {
    assertSafeKey(prefix, true);
    const under = this.#keys.under(prefix);
    const dirs = new Set<string>();
    const files = new Set<string>();
    let token: string | undefined;
    do {
      const page = await this.#io.listPage(under, "/", token);
      for (const p of page.prefixes) {
        const name = p.slice(under.length, -1);
        if (name !== "" && !name.includes("/") && !isHiddenName(name)) dirs.add(name);
      }
      for (const o of page.objects) {
        const name = o.key.slice(under.length);
        if (name !== "" && !name.includes("/") && !isHiddenName(name)) files.add(name);
      }
      token = page.next;
    } while (token !== undefined);
    return { dirs: [...dirs].sort(), files: [...files].sort() };
  }

  /** True for the store's own objects at its root (lease, probe): they outlive deletePrefix(""). */
  #isOwnRootObject(full: string): boolean {
    const name = full.slice(this.#keys.under("").length);
    return name.startsWith(OWN_PREFIX) && !name.includes("/");
  }

  async deletePrefix(prefix: string): Promise<void> {
    assertSafeKey(prefix, true);
    this.#assertWritable(prefix);
    const under = this.#keys.under(prefix);
    // Everything is listed first, then deleted in batches. A listing of several pages is made
    // again afterwards (at most 5 rounds): a writer that added keys meanwhile, or a server whose
    // pages are not in key order (s3rver across directories), may have left some.
    for (let round = 0; round < 5; round++) {
      const doomed: string[] = round === 0 && prefix !== "" ? [this.#keys.full(prefix)] : [];
      let pages = 0;
      let token: string | undefined;
      do {
        const page = await this.#io.listPage(under, undefined, token);
        pages++;
        for (const o of page.objects) {
          if (prefix !== "" || !this.#isOwnRootObject(o.key)) doomed.push(o.key);
        }
        token = page.next;
      } while (token !== undefined);
      if (doomed.length > 0) await this.#io.deleteMany(doomed, TREE_CONCURRENCY);
      if (pages === 1) return;
    }
  }

  /** Every object of the subtree (or value) `key`, by its key relative to `key` (`""` = itself). */
  async #tree(key: string): Promise<Map<string, ListedObject>> {
    const full = this.#keys.full(key);
    const [children, self] = await Promise.all([this.#io.listAll(`${full}/`), this.#io.head(full)]);
    const out = new Map<string, ListedObject>();
    if (self !== undefined) out.set("", { key: full, ...self });
    for (const o of children) out.set(o.key.slice(full.length), o);
    return out;
  }

  /**
   * Move a subtree (or one value): CopyObject each object, then delete the sources. Not atomic
   * on S3: readers may meanwhile see both trees, or part of the target. An interrupted rename
   * is completed by running it again: a target that holds only identical copies of source
   * objects (what an interruption leaves) is not "taken"; the missing objects are copied and
   * the sources deleted. Lock objects under the source are deleted, not moved.
   */
  async rename(from: string, to: string): Promise<void> {
    assertSafeKey(from);
    assertSafeKey(to);
    this.#assertWritable(to);
    if (to === from || to.startsWith(`${from}/`)) {
      throw new UnsafePathError(to, `cannot move "${from}" into itself`, { what: "rename target" });
    }
    const visible = (m: Map<string, ListedObject>) =>
      new Map([...m].filter(([rel]) => rel === "" || !rel.split("/").some(isHiddenName)));
    const srcAll = await this.#tree(from);
    const src = visible(srcAll);
    if (src.size === 0) {
      throw new NotFoundError(from, `cannot rename "${from}" in ${this.#label}: it does not exist`);
    }
    const dst = visible(await this.#tree(to));
    if (dst.size > 0) {
      const sameWhereBoth = [...dst].every(
        ([rel, o]) => !src.has(rel) || sameObject(src.get(rel)!, o),
      );
      const dstInSrc = [...dst.keys()].every((rel) => src.has(rel));
      const srcInDst = [...src.keys()].every((rel) => dst.has(rel));
      if (!(sameWhereBoth && (dstInSrc || srcInDst))) {
        throw new AlreadyExistsError(
          to,
          `cannot rename "${from}" to "${to}" in ${this.#label}: the target exists; remove it first`,
        );
      }
    }
    const fromFull = this.#keys.full(from);
    const toFull = this.#keys.full(to);
    const missing = [...src.keys()].filter((rel) => !dst.has(rel));
    await forEachBounded(missing, TREE_CONCURRENCY, (rel) =>
      this.#io.copy(fromFull + rel, toFull + rel),
    );
    await this.#io.deleteMany(
      [...srcAll.values()].map((o) => o.key),
      TREE_CONCURRENCY,
    );
  }

  /**
   * Give up the single-writer lease and any lingering lock objects now (instead of when idle
   * or at exit), and close the client's sockets. The store must not be used afterwards.
   */
  async close(): Promise<void> {
    try {
      await Promise.all([this.#lease?.release(), this.#locks?.releaseAll()]);
    } finally {
      this.#io.client.destroy();
    }
  }
}
