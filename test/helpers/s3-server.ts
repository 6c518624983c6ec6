/**
 * An s3rver (S3-compatible test server, in this process) on 127.0.0.1 with an ephemeral port
 * and a fresh temp directory. `stop()` drops every connection (in-flight requests fail at once);
 * `restart()` serves the same directory on the same port again (fault tests).
 *
 * s3rver checks only that the access key id exists ("S3RVER"); it does not verify V4
 * signatures, so a wrong secret passes and a wrong key id is refused (403). It has no
 * conditional writes (`If-None-Match`/`If-Match` on PUT are ignored); see latency-proxy.ts.
 * It reads a suffix range `bytes=-N` as `bytes=0-N` (the store detects that from
 * Content-Range and asks again).
 *
 * s3rver 3.7.1's ListObjects misses common prefixes whose objects lie more than one level below
 * them (it does not descend there) and pages in file-system order, not key order; this helper
 * replaces it with a listing that walks everything under the prefix and sorts keys as S3 does
 * (UTF-8 byte order), keeping s3rver's paging (continuation after the last object key). Its
 * ListObjectsV2 continuation tokens are DES-encrypted, which OpenSSL 3 (Node 17+) refuses (every
 * truncated listing answers 500), so the bucket GET is replaced too, with base64url tokens.
 */
import * as fsSync from "node:fs";
import * as fs from "node:fs/promises";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import * as os from "node:os";
import * as path from "node:path";

/** s3rver's built-in credentials. */
export const S3RVER_ACCESS_KEY = "S3RVER";
export const S3RVER_SECRET_KEY = "S3RVER";

interface S3rverInstance {
  run(): Promise<{ port: number; address: string }>;
  close(): Promise<void>;
  on(event: "event", listener: (e: unknown) => void): void;
  httpServer?: Server;
}
type S3rverCtor = new (opts: Record<string, unknown>) => S3rverInstance;

const require = createRequire(import.meta.url);
const S3rver = require("s3rver") as S3rverCtor;

interface FsStoreProto {
  getBucketPath(bucket: string): string;
  getResourcePath(bucket: string, key: string, resource: string): string;
  deleteObject(bucket: string, key: string): Promise<void>;
  getMetadata(bucket: string, key: string): Promise<Record<string, unknown>>;
  listObjects(bucket: string, options: ListOptions): Promise<unknown>;
}
interface ListOptions {
  delimiter?: string;
  startAfter?: string;
  prefix?: string;
  maxKeys?: number;
}
type S3ObjectCtor = new (bucket: string, key: string, content: null, meta: unknown) => unknown;

const OBJECT_SUFFIX = "._S3rver_object";

function patchListing(): void {
  const FilesystemStore = require("s3rver/lib/stores/filesystem") as { prototype: FsStoreProto };
  const S3Object = require("s3rver/lib/models/object") as S3ObjectCtor;
  FilesystemStore.prototype.listObjects = async function listObjects(
    this: FsStoreProto,
    bucket: string,
    options: ListOptions,
  ) {
    const delimiter = options.delimiter ?? "";
    const startAfter = options.startAfter ?? "";
    const prefix = options.prefix ?? "";
    const maxKeys = options.maxKeys ?? Number.POSITIVE_INFINITY;
    const keys: string[] = [];
    const walk = (dir: string, rel: string): void => {
      let entries: fsSync.Dirent[];
      try {
        entries = fsSync.readdirSync(dir, { withFileTypes: true });
      } catch {
        return; // removed meanwhile (a concurrent delete)
      }
      for (const ent of entries) {
        if (ent.isDirectory()) {
          const relDir = `${rel}${ent.name}/`;
          if (relDir.startsWith(prefix) || prefix.startsWith(relDir)) {
            walk(path.join(dir, ent.name), relDir);
          }
        } else if (ent.name.endsWith(OBJECT_SUFFIX)) {
          const key = rel + ent.name.slice(0, -OBJECT_SUFFIX.length);
          if (key.startsWith(prefix) && key > startAfter) keys.push(key);
        }
      }
    };
    walk(this.getBucketPath(bucket), "");
    keys.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    const commonPrefixes = new Set<string>();
    const objects: string[] = [];
    let isTruncated = false;
    for (const key of keys) {
      const idx = delimiter === "" ? -1 : key.slice(prefix.length).indexOf(delimiter);
      if (idx >= 0) commonPrefixes.add(key.slice(0, prefix.length + idx + 1));
      else if (objects.length < maxKeys) objects.push(key);
      else {
        isTruncated = true;
        break;
      }
    }
    const metas = await Promise.all(
      objects.map((k) => this.getMetadata(bucket, k).catch(() => undefined)),
    );
    return {
      objects: objects.flatMap((k, i) =>
        metas[i] === undefined ? [] : [new S3Object(bucket, k, null, metas[i])],
      ),
      commonPrefixes: [...commonPrefixes].sort(),
      isTruncated,
    };
  };
}
interface KoaCtx {
  query: Record<string, string | undefined>;
  params: { bucket: string };
  store: FsStoreProto;
  body: unknown;
}
interface ListedS3Object {
  key: string;
  size: number;
  lastModifiedDate: Date;
  metadata: Record<string, string>;
}

/** The bucket GET (ListObjects V1 and V2) with tokens s3rver can make under OpenSSL 3. */
function patchBucketGet(): void {
  const bucketCtrl = require("s3rver/lib/controllers/bucket") as {
    getBucket: (ctx: KoaCtx) => Promise<void>;
  };
  bucketCtrl.getBucket = async function getBucket(ctx: KoaCtx) {
    const q = ctx.query;
    const v2 = q["list-type"] === "2";
    const token = q["continuation-token"];
    const startAfter = v2
      ? token
        ? Buffer.from(token, "base64url").toString("utf8")
        : q["start-after"]
      : q.marker;
    const maxKeys = Math.min(1000, q["max-keys"] === undefined ? 1000 : Number(q["max-keys"]));
    const options: ListOptions = { maxKeys };
    if (q.delimiter) options.delimiter = q.delimiter;
    if (q.prefix) options.prefix = q.prefix;
    if (startAfter) options.startAfter = startAfter;
    const result = (await ctx.store.listObjects(ctx.params.bucket, options)) as {
      objects: ListedS3Object[];
      commonPrefixes: string[];
      isTruncated: boolean;
    };
    const last = result.objects[result.objects.length - 1]?.key;
    ctx.body = {
      ListBucketResult: {
        "@": { xmlns: "http://doc.s3.amazonaws.com/2006-03-01/" },
        Name: ctx.params.bucket,
        Prefix: q.prefix ?? "",
        ...(v2
          ? {
              ContinuationToken: token,
              NextContinuationToken:
                result.isTruncated && last !== undefined
                  ? Buffer.from(last, "utf8").toString("base64url")
                  : undefined,
              KeyCount: result.objects.length,
            }
          : {
              Marker: startAfter ?? "",
              NextMarker: result.isTruncated ? last : undefined,
            }),
        MaxKeys: maxKeys,
        Delimiter: q.delimiter || undefined,
        IsTruncated: result.isTruncated,
        Contents: result.objects.map((o) => ({
          Key: o.key,
          LastModified: o.lastModifiedDate.toISOString(),
          ETag: o.metadata.etag,
          Size: o.size,
          StorageClass: "STANDARD",
        })),
        CommonPrefixes: result.commonPrefixes.map((p) => ({ Prefix: p })),
      },
    };
  };
}
/**
 * s3rver's deleteObject reads the whole directory after each delete to remove it when empty
 * (quadratic in a directory of thousands, and racy under concurrent deletes: 500s); this one
 * just tries rmdir up the path and stops at the first directory that is not empty.
 */
function patchDelete(): void {
  const FilesystemStore = require("s3rver/lib/stores/filesystem") as { prototype: FsStoreProto };
  FilesystemStore.prototype.deleteObject = async function deleteObject(
    this: FsStoreProto,
    bucket: string,
    key: string,
  ) {
    await Promise.all(
      ["object", "object.md5", "metadata.json"].map((r) =>
        fs.rm(this.getResourcePath(bucket, key, r), { force: true }),
      ),
    );
    const parts = key.split("/").slice(0, -1);
    for (; parts.length > 0; parts.pop()) {
      try {
        await fs.rmdir(path.join(this.getBucketPath(bucket), ...parts));
      } catch {
        return; // not empty (or gone already)
      }
    }
  };
}
patchListing();
patchBucketGet();
patchDelete();

/**
 * Point the AWS SDK's default credential chain of this process (and of processes it spawns) at
 * s3rver: its access key pair, a region, and no instance-metadata lookups.
 */
export function useS3rverCredentials(): void {
  process.env.AWS_ACCESS_KEY_ID = S3RVER_ACCESS_KEY;
  process.env.AWS_SECRET_ACCESS_KEY = S3RVER_SECRET_KEY;
  process.env.AWS_EC2_METADATA_DISABLED = "true";
  // The SDK warns once per process that its 2027 releases need Node 22; tests print nothing.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  delete process.env.AWS_SESSION_TOKEN;
  delete process.env.AWS_PROFILE;
}

export interface S3TestServer {
  /** `http://127.0.0.1:<port>` */
  endpoint: string;
  port: number;
  /** s3rver's data directory (one sub-directory per bucket). */
  dir: string;
  /** Create a bucket (a directory s3rver serves). */
  createBucket(name: string): Promise<void>;
  /** Call `listener` for every object event (put, copy, delete) of the running server. */
  onEvent(listener: () => void): void;
  /** Stop serving: close the listener and drop every connection. */
  stop(): Promise<void>;
  /** Serve the same directory on the same port again. */
  restart(): Promise<void>;
  /** Stop (if running) and remove the directory. */
  dispose(): Promise<void>;
}

/** Start s3rver with `buckets` created. */
export async function startS3Server(buckets: readonly string[] = []): Promise<S3TestServer> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), "ngff-s3rver-"));
  for (const b of buckets) await fs.mkdir(path.join(dir, b));
  const listeners: (() => void)[] = [];
  let instance: S3rverInstance | undefined;
  let port = 0;
  const start = async () => {
    const s = new S3rver({ address: "127.0.0.1", port, directory: dir, silent: true });
    // s3rver closes its (silent) logger on close; requests still finishing would then make
    // winston complain on the console. Keep it open.
    const logger = (s as unknown as { logger: { close: () => unknown } }).logger;
    logger.close = () => logger;
    s.on("event", () => {
      for (const l of listeners) l();
    });
    port = (await s.run()).port;
    instance = s;
  };
  await start();
  const stop = async () => {
    const s = instance;
    if (s === undefined) return;
    instance = undefined;
    const closed = s.close();
    s.httpServer?.closeAllConnections();
    await closed;
  };
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    dir,
    createBucket: (name) =>
      fs.mkdir(path.join(dir, name), { recursive: true }).then(() => undefined),
    onEvent: (l) => {
      listeners.push(l);
    },
    stop,
    restart: async () => {
      await stop();
      await start();
    },
    dispose: async () => {
      await stop();
      await fs.rm(dir, { recursive: true, force: true });
    },
  };
}
