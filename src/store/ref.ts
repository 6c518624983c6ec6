/**
 * Serializable store references: what names a store across threads, processes and hosts.
 * A reference never holds secrets (S3 credentials come from the AWS SDK's provider chain where
 * the store is opened). The registry in `registry.ts` reopens a reference.
 */

/** A local directory (absolute path). */
export interface FileStoreRef {
  kind: "file";
  path: string;
}

/** An S3 (or S3-compatible) bucket and key prefix. */
export interface S3StoreRef {
  kind: "s3";
  bucket: string;
  /** Key prefix of the store root, without leading or trailing `/` (`""` = bucket root). */
  prefix: string;
  /** Endpoint URL of an S3-compatible server (`http://127.0.0.1:9000`); default: AWS. */
  endpoint?: string;
  /** Region; default: the SDK's (AWS_REGION, profile), else `us-east-1`. */
  region?: string;
  /** Path-style addressing (`endpoint/bucket/key`), as most S3-compatible servers need. */
  forcePathStyle?: boolean;
  /** AWS shared-config profile to take credentials from (a name, not a secret). */
  profile?: string;
}

/** A store served over HTTP(S): read-only. */
export interface HttpStoreRef {
  kind: "http";
  /** URL of the store root, without a trailing `/`. */
  url: string;
}

/**
 * An in-memory store of this thread: `id` finds it in this thread's registry only (other threads
 * and processes cannot reopen it, so work on memory stores stays on the calling thread).
 */
export interface MemoryStoreRef {
  kind: "memory";
  id: string;
}

/** Any store reference. */
export type StoreRef = FileStoreRef | S3StoreRef | HttpStoreRef | MemoryStoreRef;

/** The kind of store a reference names. */
export type StoreKind = StoreRef["kind"];

/** True when another thread or process can reopen the store (everything but memory). */
export function isShareableRef(ref: StoreRef): boolean {
  return ref.kind !== "memory";
}

/**
 * A stable string for a reference: the same store gives the same string in every thread and
 * process (lock domains, worker caches, messages). For S3: `s3://bucket/prefix` plus the
 * endpoint when one is set.
 */
export function refKey(ref: StoreRef): string {
  switch (ref.kind) {
    case "file":
      return `file://${ref.path}`;
    case "s3": {
      const at = ref.endpoint === undefined ? "" : ` @${ref.endpoint}`;
      return `s3://${ref.bucket}${ref.prefix === "" ? "" : `/${ref.prefix}`}${at}`;
    }
    case "http":
      return ref.url;
    case "memory":
      return `memory://${ref.id}`;
  }
}

/** A short human label for messages: the path, or the URL. */
export function refLabel(ref: StoreRef): string {
  switch (ref.kind) {
    case "file":
      return ref.path;
    case "s3":
      return `s3://${ref.bucket}${ref.prefix === "" ? "" : `/${ref.prefix}`}`;
    case "http":
      return ref.url;
    case "memory":
      return "the in-memory store";
  }
}

/**
 * The store's own name: the last segment of its directory, S3 prefix (else the bucket) or URL
 * path; `""` for memory stores. Stores of one name get the same default metadata names
 * wherever they live.
 */
export function refName(ref: StoreRef): string {
  const last = (s: string) => s.split(/[\\/]/).filter(Boolean).pop() ?? "";
  switch (ref.kind) {
    case "file":
      return last(ref.path);
    case "s3":
      return last(ref.prefix) || ref.bucket;
    case "http":
      return decodeURIComponent(last(new URL(ref.url).pathname));
    case "memory":
      return "";
  }
}
