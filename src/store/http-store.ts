/**
 * Read-only {@link ZarrStore} over HTTP(S) with Node's global `fetch` (see README "HTTP stores").
 *
 * - Keys are checked with `assertSafeKey` and URL-encoded per segment below the root URL (its
 *   query string, e.g. a token, is kept on every request).
 * - Missing: 404 and 410, a redirect of `key` to `key/` (a directory), and 403 unless `forbiddenAsMissing: false` (S3 and its kin answer 403
 *   for a key that does not exist when listing is not public). 401 and other 4xx statuses are
 *   a `StoreAccessError`.
 * - 5xx, 429, 408 and network failures (not DNS or TLS errors) are retried with exponential
 *   backoff (honouring `Retry-After` up to 5 s), then a `StoreAccessError`.
 * - `list` parses the server's HTML directory index when it serves one, else derives the
 *   children from the Zarr/OME metadata (`http-list.ts`; chunks are not listed).
 * - Every write rejects with `ReadOnlyError`; opening for writing too.
 */
import { NotFoundError, ReadOnlyError, StoreAccessError, UnsupportedError } from "../errors.js";
import { Semaphore } from "./concurrency.js";
import { type Listing, listFromMetadata, METADATA_FILES, parseIndexHtml } from "./http-list.js";
import type { HttpStoreRef } from "./ref.js";
import type { OpenStoreOptions } from "./registry.js";
import { assertSafeKey, joinKey } from "./safe-name.js";
import type { ByteRange, ZarrStore } from "./store.js";

/** Options of {@link openHttpStore} beyond the registry's. */
export interface HttpStoreOptions extends OpenStoreOptions {
  /** Requests in flight at most (per store object). Default 16. */
  concurrency?: number;
  /** Retries of a failed request (5xx, 429, 408, network errors). Default 3. */
  retries?: number;
  /** First retry delay in ms, doubled per retry (±50% jitter). Default 100. */
  retryDelayMs?: number;
  /** Timeout of one attempt (headers and body), in ms. Default 30 000. */
  timeoutMs?: number;
  /** Read 403 Forbidden as a missing key (S3 without public listing). Default true. */
  forbiddenAsMissing?: boolean;
}

const RETRY_STATUS = new Set([408, 429, 500, 502, 503, 504]);
const MISSING_STATUS = new Set([404, 410]);
/** Network failures a retry cannot fix: DNS, TLS, bad URLs. */
const PERMANENT_CODE =
  /^(ENOTFOUND|EAI_|ERR_TLS|ERR_INVALID_URL|CERT_|UNABLE_TO_|DEPTH_ZERO|SELF_SIGNED|ERR_SSL)/;
const MAX_RETRY_DELAY_MS = 5000;

type Answer = { status: number; statusText: string; headers: Headers; body?: Uint8Array };

function errorCode(err: unknown): string | undefined {
  const e = err as { code?: unknown; name?: unknown; cause?: { code?: unknown; name?: unknown } };
  const code = e?.cause?.code ?? e?.code;
  if (typeof code === "string") return code;
  const name = e?.name === "TypeError" ? e?.cause?.name : e?.name;
  return typeof name === "string" ? name : undefined;
}

function causeText(err: unknown): string {
  const e = err as { message?: string; cause?: { message?: string } };
  const inner = e?.cause?.message;
  const outer = e?.message ?? String(err);
  return inner !== undefined && inner !== outer ? `${outer}: ${inner}` : outer;
}

/** A request for `…/name` redirected to `…/name/`: the server's way of saying "a directory". */
function isDirectoryRedirect(asked: URL, res: Response): boolean {
  if (!res.redirected || asked.pathname.endsWith("/")) return false;
  const final = new URL(res.url);
  return final.pathname === `${asked.pathname}/`;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function readOnly(url: string, what: string): ReadOnlyError {
  return new ReadOnlyError(
    url,
    `cannot ${what}: ${url} is an HTTP store, and HTTP stores are read-only; ` +
      'open it with mode "r", or write to a local path or an s3:// URL',
  );
}

/** The read-only HTTP store. Create with {@link openHttpStore}. */
export class HttpStore implements ZarrStore {
  readonly kind = "http" as const;
  readonly root = undefined;
  readonly ref: HttpStoreRef;
  readonly readOnly = true;
  readonly #base: URL;
  readonly #slots: Semaphore;
  readonly #retries: number;
  readonly #retryDelayMs: number;
  readonly #timeoutMs: number;
  readonly #forbiddenAsMissing: boolean;
  /** Whether the server serves directory indexes: unknown until a listing tells. */
  #indexes: boolean | undefined;

  constructor(ref: HttpStoreRef, opts: HttpStoreOptions = {}) {
    this.ref = { kind: "http", url: ref.url };
    const base = new URL(ref.url);
    if (!base.pathname.endsWith("/")) base.pathname += "/";
    base.hash = "";
    this.#base = base;
    this.#slots = new Semaphore(opts.concurrency ?? 16, "concurrency");
    this.#retries = opts.retries ?? 3;
    this.#retryDelayMs = opts.retryDelayMs ?? 100;
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
    this.#forbiddenAsMissing = opts.forbiddenAsMissing ?? true;
  }

  /** The URL of a key (`""` = the root directory); `dir` adds a trailing `/`. */
  urlOf(key: string, dir = false): URL {
    const u = new URL(this.#base.href);
    const path = key === "" ? "" : key.split("/").map(encodeURIComponent).join("/");
    u.pathname = `${this.#base.pathname}${path}${dir && path !== "" ? "/" : ""}`;
    return u;
  }

  /**
   * One request with retries; the body of a 200/206 answer is read inside the retry loop (a
   * connection dropped mid-body is retried too). Other bodies are discarded.
   */
  async #request(method: "GET" | "HEAD", url: URL, headers: Record<string, string> = {}) {
    for (let attempt = 0; ; attempt++) {
      let answer: Answer | undefined;
      let failure: unknown;
      await this.#slots.run(async () => {
        try {
          const res = await fetch(url, {
            method,
            headers,
            redirect: "follow",
            signal: AbortSignal.timeout(this.#timeoutMs),
          });
          answer = { status: res.status, statusText: res.statusText, headers: res.headers };
          if (isDirectoryRedirect(url, res)) {
            // `key` → `key/` (python, nginx): a directory, which holds no value (as on disk).
            answer.status = 404;
            answer.statusText = "Not Found (a directory)";
          }
          if (method === "GET" && (answer.status === 200 || answer.status === 206)) {
            answer.body = new Uint8Array(await res.arrayBuffer());
          } else await res.body?.cancel();
        } catch (err) {
          failure = err;
          answer = undefined;
        }
      });
      const a = answer as Answer | undefined;
      if (a !== undefined && !RETRY_STATUS.has(a.status)) return a;
      const code = a === undefined ? errorCode(failure) : undefined;
      const permanent = code !== undefined && PERMANENT_CODE.test(code);
      if (attempt >= this.#retries || permanent) {
        const tries = `${attempt + 1} attempt${attempt === 0 ? "" : "s"}`;
        if (a !== undefined) {
          throw new StoreAccessError(
            url.href,
            `${method} ${url.href} answered ${a.status} ${a.statusText} after ${tries}; the server is ` +
              "failing or overloaded: try again later, or open the store with a lower concurrency",
            { status: a.status },
          );
        }
        throw new StoreAccessError(
          url.href,
          `cannot reach ${url.href} (${method}, ${tries}): ${causeText(failure)}; ` +
            "check the URL and that the server is up",
          { cause: failure, code },
        );
      }
      const header = a?.headers.get("retry-after") ?? null;
      const after = header === null || header.trim() === "" ? Number.NaN : Number(header);
      const delay = Number.isFinite(after)
        ? after * 1000
        : this.#retryDelayMs * 2 ** attempt * (0.5 + Math.random());
      await sleep(Math.min(MAX_RETRY_DELAY_MS, Math.max(0, delay)));
    }
  }

  /** Missing, present, or a StoreAccessError for statuses that are neither. */
  #check(
    a: Answer,
    method: string,
    url: URL,
    forbiddenAsMissing = this.#forbiddenAsMissing,
  ): boolean {
    if (a.status >= 200 && a.status < 300) return true;
    if (MISSING_STATUS.has(a.status) || (a.status === 403 && forbiddenAsMissing)) return false;
    const hint =
      a.status === 401 || a.status === 403
        ? "the server refuses access: use a public URL, or one that carries its access token"
        : "check the URL";
    throw new StoreAccessError(
      url.href,
      `${method} ${url.href} answered ${a.status} ${a.statusText}; expected 200, 206 or 404: ${hint}`,
      { status: a.status },
    );
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    assertSafeKey(key);
    const url = this.urlOf(key);
    const a = await this.#request("GET", url);
    return this.#check(a, "GET", url) ? (a.body ?? new Uint8Array(0)) : undefined;
  }

  async getRange(key: string, range: ByteRange): Promise<Uint8Array | undefined> {
    assertSafeKey(key);
    const suffix = "suffixLength" in range;
    const n = suffix ? range.suffixLength : range.length;
    const offset = suffix ? 0 : range.offset;
    if (!Number.isSafeInteger(n) || n < 0 || !Number.isSafeInteger(offset) || offset < 0) {
      throw new UnsupportedError(
        "byte range",
        `invalid byte range ${JSON.stringify(range)} for ${key}; expected non-negative integers`,
      );
    }
    if (n === 0) return (await this.has(key)) ? new Uint8Array(0) : undefined;
    const url = this.urlOf(key);
    const spec = suffix ? `bytes=-${n}` : `bytes=${offset}-${offset + n - 1}`;
    // identity: a range of a compressed transfer would be a range of the compressed bytes.
    const a = await this.#request("GET", url, { range: spec, "accept-encoding": "identity" });
    if (a.status === 416) return (await this.has(key)) ? new Uint8Array(0) : undefined;
    if (!this.#check(a, "GET", url)) return undefined;
    const body = a.body ?? new Uint8Array(0);
    if (a.status === 206) {
      // A server may answer more than asked; keep what was asked for.
      return body.length <= n
        ? body
        : suffix
          ? body.subarray(body.length - n)
          : body.subarray(0, n);
    }
    // 200: the server ignored Range and sent the whole value.
    return suffix ? body.subarray(Math.max(0, body.length - n)) : body.subarray(offset, offset + n);
  }

  async has(key: string): Promise<boolean> {
    assertSafeKey(key);
    return this.#exists(this.urlOf(key));
  }

  /**
   * Check the root holds Zarr metadata (the store's open check).
   * @throws {StoreAccessError} unreachable, failing, or every metadata file refused (401/403).
   * @throws {NotFoundError} none of the metadata files is there.
   */
  async probeRoot(): Promise<void> {
    const url = this.ref.url;
    // 403 counts as an error here: a root whose every metadata file is forbidden is an access problem.
    const found = await Promise.allSettled(
      METADATA_FILES.map((f) => this.#exists(this.urlOf(f), false)),
    );
    if (found.some((r) => r.status === "fulfilled" && r.value)) return;
    const failed = found.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed !== undefined) {
      const err = failed.reason as Error;
      const status = err instanceof StoreAccessError ? err.status : undefined;
      if (status !== 401 && status !== 403) throw err;
      throw new StoreAccessError(
        url,
        `cannot open ${url}: the server answered ${status} (access refused) for the Zarr metadata ` +
          "of the root; use a public URL, or one that carries its access token",
        { status, cause: err },
      );
    }
    throw new NotFoundError(
      url,
      `no Zarr group or array at ${url}: none of ${METADATA_FILES.join(", ")} is there; ` +
        "check that the URL points at the root of the store (the directory holding zarr.json or .zgroup)",
    );
  }

  async #exists(url: URL, forbiddenAsMissing = this.#forbiddenAsMissing): Promise<boolean> {
    let a = await this.#request("HEAD", url);
    if (a.status === 405 || a.status === 501) {
      // No HEAD (e.g. a URL signed for GET only): ask for one byte instead.
      a = await this.#request("GET", url, { range: "bytes=0-0", "accept-encoding": "identity" });
      if (a.status === 416) return true; // an empty value
    }
    return this.#check(a, "HEAD", url, forbiddenAsMissing);
  }

  async list(prefix: string): Promise<Listing> {
    assertSafeKey(prefix, true);
    let indexFailed = false;
    if (this.#indexes !== false) {
      const url = this.urlOf(prefix, true);
      const a = await this.#request("GET", url, { accept: "text/html" });
      const type = a.headers.get("content-type") ?? "";
      if (a.status === 200 && a.body !== undefined && /html/i.test(type)) {
        const listing = parseIndexHtml(new TextDecoder().decode(a.body), url);
        if (listing !== undefined) {
          this.#indexes = true;
          return this.#withHiddenMetadata(prefix, listing);
        }
      }
      indexFailed = true;
    }
    const derived = await listFromMetadata(this, prefix);
    // A node answered by metadata but not by an index: this server serves no indexes.
    if (indexFailed && derived.found && this.#indexes === undefined) this.#indexes = false;
    return { dirs: derived.dirs, files: derived.files };
  }

  /**
   * Some indexes hide dot files (nginx's autoindex), so a v2 node's `.zgroup` / `.zarray` /
   * `.zattrs` are missing from them: when a listing shows no dot file and no `zarr.json`, probe them.
   */
  async #withHiddenMetadata(prefix: string, listing: Listing): Promise<Listing> {
    const { files } = listing;
    if (files.includes("zarr.json") || [...files, ...listing.dirs].some((f) => f.startsWith("."))) {
      return listing;
    }
    const v2 = METADATA_FILES.filter((f) => f.startsWith("."));
    const present = await Promise.all(v2.map((f) => this.has(joinKey(prefix, f))));
    const extra = v2.filter((_, i) => present[i]);
    return extra.length === 0 ? listing : { ...listing, files: [...files, ...extra].sort() };
  }

  async set(key: string, _value: Uint8Array): Promise<void> {
    throw readOnly(this.ref.url, `write "${key}"`);
  }

  async delete(key: string): Promise<void> {
    throw readOnly(this.ref.url, `delete "${key}"`);
  }

  async deletePrefix(prefix: string): Promise<void> {
    throw readOnly(this.ref.url, `delete "${prefix || "/"}"`);
  }

  async rename(from: string, to: string): Promise<void> {
    throw readOnly(this.ref.url, `rename "${from}" to "${to}"`);
  }

  lock = async <T>(lockKey: string, _fn: () => Promise<T>): Promise<T> => {
    throw readOnly(this.ref.url, `take the lock "${lockKey}"`);
  };
}

/**
 * Open a store served over HTTP(S), read-only: the root must answer with Zarr metadata
 * (`zarr.json`, `.zgroup`, `.zarray` or `.zattrs`).
 *
 * @throws {ReadOnlyError} when opened for writing (`readOnly: false` or `create: true`).
 * @throws {UnsupportedError} a URL that is not http(s).
 * @throws {StoreAccessError} the server cannot be reached, refuses access or keeps failing.
 * @throws {NotFoundError} the root holds no Zarr group or array.
 */
export async function openHttpStore(
  ref: HttpStoreRef,
  opts: HttpStoreOptions = {},
): Promise<ZarrStore> {
  if (opts.readOnly === false || opts.create === true) {
    throw readOnly(ref.url, opts.create === true ? "create a store there" : "open it for writing");
  }
  let proto: string;
  try {
    proto = new URL(ref.url).protocol;
  } catch (cause) {
    throw new UnsupportedError("HTTP store URL", `${JSON.stringify(ref.url)} is not a URL`, {
      cause,
    });
  }
  if (proto !== "http:" && proto !== "https:") {
    throw new UnsupportedError(
      `URL scheme ${proto}`,
      `an HTTP store needs an http:// or https:// URL, found ${JSON.stringify(ref.url)}`,
    );
  }
  const store = new HttpStore(ref, opts);
  await store.probeRoot();
  return store;
}
