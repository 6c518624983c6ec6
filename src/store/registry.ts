/**
 * The one registry that opens a store from its reference ({@link StoreRef}) or from a URL,
 * in any thread or process. File, memory, S3 and HTTP stores are built in; S3 and HTTP load
 * lazily (the AWS SDK is imported only when an `s3://` store is opened).
 */
import * as nodePath from "node:path";
import { fileURLToPath } from "node:url";
import { UnsupportedError } from "../errors.js";
import type { LockOptions } from "./lock.js";
import { findMemoryStore } from "./memory-store.js";
import type { HttpStoreRef, MemoryStoreRef, S3StoreRef, StoreKind, StoreRef } from "./ref.js";
import type { S3StoreOptions } from "./s3/options.js";
import { openLocalStore, type ZarrStore } from "./store.js";

/** How to open a store; each kind uses what applies to it. */
export interface OpenStoreOptions {
  /** Refuse every write with `ReadOnlyError` (HTTP stores always are). Default false. */
  readOnly?: boolean;
  /** Create the store root when missing (a directory; nothing to create on S3). Default false. */
  create?: boolean;
  /** File stores: cross-process lock timing, or `false` for one writer process. */
  lock?: LockOptions | false;
  /** File stores: synchronous file calls on the calling thread (pool workers). */
  syncIO?: boolean;
  /** S3 stores: requests in flight, retries, multipart sizes, timeouts (`S3StoreOptions`). */
  s3?: S3StoreOptions;
}

/** Opens one kind of reference. */
export type StoreOpener<R extends StoreRef = StoreRef> = (
  ref: R,
  opts: OpenStoreOptions,
) => Promise<ZarrStore>;

const openers = new Map<StoreKind, StoreOpener>([
  ["file", (ref, o) => openLocalStore((ref as { path: string }).path, o)],
  [
    "memory",
    async (ref) => {
      const store = findMemoryStore((ref as MemoryStoreRef).id);
      if (store === undefined) {
        throw new UnsupportedError(
          "memory store reference",
          `cannot open ${JSON.stringify(ref)}: memory stores live in the thread that created ` +
            "them (and only while it holds them); use a file or S3 store to share data across threads",
        );
      }
      return store;
    },
  ],
  [
    "s3",
    async (ref, o) => {
      const { openS3Store } = await import("./s3/index.js");
      return openS3Store(ref as S3StoreRef, o);
    },
  ],
  [
    "http",
    async (ref, o) => {
      const { openHttpStore } = await import("./http-store.js");
      return openHttpStore(ref as HttpStoreRef, o);
    },
  ],
]);

/**
 * Replace the opener of one kind of reference (tests, or a store of your own under an existing
 * kind). Returns the previous opener.
 */
export function registerStoreOpener(kind: StoreKind, opener: StoreOpener): StoreOpener | undefined {
  const prev = openers.get(kind);
  openers.set(kind, opener);
  return prev;
}

/**
 * Open the store a reference names.
 *
 * @throws {NotFoundError} a missing directory without `create`.
 * @throws {StoreAccessError} a remote store that cannot be reached, authenticated or found.
 * @throws {UnsupportedError} an unknown kind, or a memory store of another thread.
 */
export function openStoreRef(ref: StoreRef, opts: OpenStoreOptions = {}): Promise<ZarrStore> {
  const opener = openers.get(ref.kind);
  if (opener === undefined) {
    return Promise.reject(
      new UnsupportedError(
        `store kind ${String(ref.kind)}`,
        `unknown store kind ${JSON.stringify(ref.kind)}; expected file, s3, http or memory`,
      ),
    );
  }
  return opener(ref, opts);
}

/** Options of S3 stores named by URL (they end up in the reference, so never secrets). */
export interface S3UrlOptions {
  endpoint?: string;
  region?: string;
  forcePathStyle?: boolean;
  profile?: string;
}

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\//;

/** True when `s` is a URL with a scheme (`s3://`, `https://`, `file://`), not a plain path. */
export function isStoreUrl(s: string): boolean {
  // A Windows drive letter (`C:\`) is not a scheme: schemes here are followed by `//`.
  return SCHEME.test(s);
}

function trimSlashes(s: string): string {
  return s.replace(/^\/+/, "").replace(/\/+$/, "");
}

/**
 * The reference a path or URL names:
 * - a plain path or `file://` URL → a file store (absolute path);
 * - `s3://bucket/prefix` → an S3 store; the endpoint, region, path-style and profile come from
 *   `s3` options, else the URL's query (`?endpoint=http://127.0.0.1:9000&region=eu-west-1&
 *   forcePathStyle=true&profile=name`), else the environment (`AWS_ENDPOINT_URL_S3`,
 *   `AWS_ENDPOINT_URL`, `AWS_REGION`, `AWS_PROFILE`); a custom endpoint defaults to path-style;
 * - `http://…` or `https://…` → a read-only HTTP store.
 *
 * @throws {UnsupportedError} another scheme, or an S3 URL without a bucket.
 */
export function parseStoreUrl(
  url: string,
  opts: { s3?: S3UrlOptions; env?: NodeJS.ProcessEnv } = {},
): StoreRef {
  const m = SCHEME.exec(url);
  if (m === null) return { kind: "file", path: nodePath.resolve(url) };
  const scheme = m[1]!.toLowerCase();
  if (scheme === "file") return { kind: "file", path: fileURLToPath(url) };
  if (scheme === "http" || scheme === "https") {
    const u = new URL(url);
    return { kind: "http", url: u.href.replace(/\/+$/, "") };
  }
  if (scheme === "s3") {
    const rest = url.slice(m[0].length);
    const q = rest.indexOf("?");
    const path = q < 0 ? rest : rest.slice(0, q);
    const query = new URLSearchParams(q < 0 ? "" : rest.slice(q + 1));
    const slash = path.indexOf("/");
    const bucket = slash < 0 ? path : path.slice(0, slash);
    const prefix = trimSlashes(slash < 0 ? "" : path.slice(slash + 1));
    if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
      throw new UnsupportedError(
        "S3 bucket name",
        `${JSON.stringify(url)} does not name a valid S3 bucket (found ${JSON.stringify(bucket)}); ` +
          "expected s3://bucket/prefix with a bucket of 3-63 lower-case letters, digits, '.' or '-'",
      );
    }
    const env = opts.env ?? process.env;
    const s3 = opts.s3 ?? {};
    const endpoint =
      s3.endpoint ??
      query.get("endpoint") ??
      env.AWS_ENDPOINT_URL_S3 ??
      env.AWS_ENDPOINT_URL ??
      undefined;
    const region = s3.region ?? query.get("region") ?? env.AWS_REGION ?? undefined;
    const profile = s3.profile ?? query.get("profile") ?? undefined;
    const style = s3.forcePathStyle ?? parseBool(query.get("forcePathStyle"));
    const ref: S3StoreRef = { kind: "s3", bucket, prefix };
    if (endpoint !== undefined && endpoint !== "") ref.endpoint = endpoint.replace(/\/+$/, "");
    if (region !== undefined && region !== "") ref.region = region;
    if (profile !== undefined && profile !== "") ref.profile = profile;
    const pathStyle = style ?? (ref.endpoint !== undefined ? true : undefined);
    if (pathStyle !== undefined) ref.forcePathStyle = pathStyle;
    return ref;
  }
  throw new UnsupportedError(
    `URL scheme ${scheme}`,
    `unsupported store URL ${JSON.stringify(url)}: the scheme "${scheme}:" is not one we open; ` +
      "use a local path, file://, s3://bucket/prefix, or http(s):// (read-only)",
  );
}

function parseBool(v: string | null): boolean | undefined {
  if (v === null) return undefined;
  return v === "" || v === "1" || v.toLowerCase() === "true";
}

/**
 * Open a store by path or URL (see {@link parseStoreUrl}) or by reference. For `s3://` URLs,
 * `opts.s3` may carry both the URL's options (endpoint, region, …) and the store's tuning.
 */
export async function openStore(
  target: string | StoreRef,
  opts: OpenStoreOptions & { s3?: S3UrlOptions & S3StoreOptions } = {},
): Promise<ZarrStore> {
  const ref =
    typeof target === "string" ? parseStoreUrl(target, opts.s3 ? { s3: opts.s3 } : {}) : target;
  return openStoreRef(ref, opts);
}
