/**
 * S3 (and S3-compatible) stores: `openS3Store(ref, opts)`, called by the store registry for
 * `s3://bucket/prefix` references. See src/store/README.md, "S3 stores".
 */
import { StoreAccessError, UnsupportedError } from "../../errors.js";
import type { LockOptions } from "../lock.js";
import { refLabel, type S3StoreRef } from "../ref.js";
import type { OpenStoreOptions } from "../registry.js";
import { assertSafeKey } from "../safe-name.js";
import type { ZarrStore } from "../store.js";
import { BucketIO } from "./bucket-io.js";
import { createS3Client, resolveRegion } from "./client.js";
import { ConditionalLocks } from "./cond-lock.js";
import { errorCode, errorStatus } from "./errors.js";
import { KeyMap, LEASE_NAME, probeName } from "./keys.js";
import { Lease } from "./lease.js";
import { resolveS3Options, type S3StoreOptions } from "./options.js";
import { newTag } from "./owner.js";
import { probeConditionalWrites } from "./probe.js";
import { type S3LockMode, S3Store } from "./s3-store.js";

export type { S3StoreOptions } from "./options.js";
export type { S3LockMode } from "./s3-store.js";
export { S3Store } from "./s3-store.js";

/** Options of {@link openS3Store}: the registry's, plus the S3 tuning (`s3`). */
export type OpenS3StoreOptions = OpenStoreOptions & { s3?: S3StoreOptions };

const DEFAULT_TTL_MS = 30_000;
const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_LINGER_MS = 20;

const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** The open-time failure, with what to do about it. */
function openFailure(e: unknown, ref: S3StoreRef): StoreAccessError {
  const label = refLabel(ref);
  const endpoint = ref.endpoint ?? "AWS S3";
  const status = errorStatus(e);
  const code = e instanceof StoreAccessError ? e.code : errorCode(e);
  const cause = e instanceof StoreAccessError && e.cause !== undefined ? e.cause : e;
  let why: string;
  if (status === 404 || code === "NoSuchBucket") {
    why =
      `the bucket "${ref.bucket}" does not exist at ${endpoint} (HTTP 404); create it first ` +
      "(opening a store, even with create, never creates buckets) or fix the bucket name";
  } else if (status === 401 || status === 403) {
    why =
      `${endpoint} refused our credentials for bucket "${ref.bucket}" (HTTP ${status}${code === undefined ? "" : ` ${code}`}); ` +
      "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY" +
      (ref.profile === undefined ? " (or AWS_PROFILE)" : ` (or profile "${ref.profile}")`) +
      " and that they may use this bucket";
  } else if (status === 301 || code === "PermanentRedirect") {
    why = `the bucket "${ref.bucket}" is in another region; set the store's region (AWS_REGION or ?region=)`;
  } else if (e instanceof StoreAccessError) {
    why = e.message;
  } else {
    why = String(e);
  }
  return new StoreAccessError(label, `cannot open the S3 store ${label}: ${why}`, {
    cause,
    status,
    code,
  });
}

/**
 * Open an S3 (or S3-compatible) bucket prefix as a store.
 *
 * Before anything is written, HeadBucket checks that the endpoint answers, the credentials
 * (from the SDK's default chain: environment, `ref.profile`, SSO, instance roles) are accepted
 * and the bucket exists. A writable store then probes whether the server supports conditional
 * writes (three small requests on a hidden key) to pick its lock mode: lock objects, or one
 * writer process per store (a lease). `opts.create` creates nothing: buckets must exist.
 *
 * @param opts.readOnly - refuse every write with `ReadOnlyError`; no probe, no `lock()`.
 * @param opts.lock - lock timing (`staleMs` = expiry of lock and lease objects, renewed while
 *   held; `timeoutMs`; `lingerMs`), or `false` for no `lock()` at all (one writer, no locks).
 * @param opts.s3 - retries, in-flight bound, multipart sizes, timeouts (see `S3StoreOptions`).
 * @throws {StoreAccessError} unreachable endpoint, refused credentials, missing bucket.
 * @throws {UnsafePathError} a prefix that is not a safe key path.
 * @throws {UnsupportedError} an invalid bucket name or option.
 */
export async function openS3Store(
  ref: S3StoreRef,
  opts: OpenS3StoreOptions = {},
): Promise<ZarrStore> {
  if (!BUCKET.test(ref.bucket)) {
    throw new UnsupportedError(
      "S3 bucket name",
      `invalid S3 bucket name ${JSON.stringify(ref.bucket)}: expected 3-63 lower-case letters, digits, '.' or '-'`,
    );
  }
  assertSafeKey(ref.prefix, true);
  const o = resolveS3Options(opts.s3);
  const readOnly = opts.readOnly ?? false;
  const lockOpts: LockOptions | false = opts.lock ?? {};
  const client = createS3Client(ref, await resolveRegion(ref), o);
  const io = new BucketIO(client, ref.bucket, ref.endpoint ?? "AWS S3", o);
  const keys = new KeyMap(ref.prefix);
  const tag = newTag();
  try {
    try {
      await io.headBucket();
    } catch (e) {
      throw openFailure(e, ref);
    }
    let lockMode: S3LockMode = "none";
    let conditional: boolean | undefined;
    let lease: Lease | undefined;
    let locks: ConditionalLocks | undefined;
    if (!readOnly && lockOpts !== false) {
      conditional =
        o.conditionalWrites ?? (await probeConditionalWrites(io, keys.full(probeName(tag))));
      const ttlMs = lockOpts.staleMs ?? DEFAULT_TTL_MS;
      if (conditional) {
        lockMode = "conditional";
        locks = new ConditionalLocks(
          io,
          {
            ttlMs,
            timeoutMs: lockOpts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
            lingerMs: lockOpts.lingerMs ?? DEFAULT_LINGER_MS,
          },
          tag,
        );
      } else {
        lockMode = "single-writer";
        lease = new Lease(io, keys.full(LEASE_NAME), refLabel(ref), ttlMs, tag);
      }
    }
    return new S3Store({
      ref,
      readOnly,
      io,
      keys,
      lockMode,
      conditionalWrites: conditional,
      lease,
      locks,
    });
  } catch (e) {
    client.destroy();
    throw e;
  }
}
