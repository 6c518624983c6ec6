/**
 * Tuning of S3 stores: retries, in-flight requests, multipart sizes, timeouts and the lock mode.
 * Each comes from {@link S3StoreOptions}, else the environment (`NGFF_S3_*`), else a default.
 * None of it is a secret, and none of it is part of the store reference: a worker thread or
 * process that reopens the reference reads the same environment (or is passed the options).
 */
import { InvalidOptionsError } from "../../errors.js";

/** Options of one S3 store object. */
export interface S3StoreOptions {
  /** Attempts per request, the first included (SDK standard retry mode: backoff with jitter on
   * throttling, 5xx and network errors). Env `NGFF_S3_MAX_ATTEMPTS`; default 5. */
  maxAttempts?: number;
  /** Requests in flight per store object (and sockets per host). Env `NGFF_S3_MAX_INFLIGHT`;
   * default 64. */
  maxInflight?: number;
  /** Values of at least this many bytes are uploaded in parts. Env
   * `NGFF_S3_MULTIPART_THRESHOLD`; default 64 MiB. */
  multipartThreshold?: number;
  /** Part size of multipart uploads (S3: at least 5 MiB). Env `NGFF_S3_PART_SIZE`; default 16 MiB. */
  partSize?: number;
  /** Give up connecting after this long. Env `NGFF_S3_CONNECT_TIMEOUT_MS`; default 10 s. */
  connectTimeoutMs?: number;
  /** Give up on a request whose socket stays idle this long. Env `NGFF_S3_REQUEST_TIMEOUT_MS`;
   * default 120 s. */
  requestTimeoutMs?: number;
  /**
   * Whether the server refuses `If-None-Match: *` writes of existing objects (conditional
   * writes). Default: probed when a writable store is opened. Pass the probed value
   * (`store.conditionalWrites`) to stores reopened in workers to save the probe's requests.
   */
  conditionalWrites?: boolean;
}

/** Fully resolved options. */
export interface ResolvedS3Options {
  maxAttempts: number;
  maxInflight: number;
  multipartThreshold: number;
  partSize: number;
  connectTimeoutMs: number;
  requestTimeoutMs: number;
  conditionalWrites: boolean | undefined;
}

const MiB = 1024 * 1024;

const DEFAULTS = {
  maxAttempts: 5,
  maxInflight: 64,
  multipartThreshold: 64 * MiB,
  partSize: 16 * MiB,
  connectTimeoutMs: 10_000,
  requestTimeoutMs: 120_000,
} as const;

const ENV: Record<keyof typeof DEFAULTS, string> = {
  maxAttempts: "NGFF_S3_MAX_ATTEMPTS",
  maxInflight: "NGFF_S3_MAX_INFLIGHT",
  multipartThreshold: "NGFF_S3_MULTIPART_THRESHOLD",
  partSize: "NGFF_S3_PART_SIZE",
  connectTimeoutMs: "NGFF_S3_CONNECT_TIMEOUT_MS",
  requestTimeoutMs: "NGFF_S3_REQUEST_TIMEOUT_MS",
};

/**
 * Resolve options against the environment and the defaults.
 * @throws {InvalidOptionsError} a value (given or from the environment) that is not a positive
 *   integer; `option` names the option or the environment variable.
 */
export function resolveS3Options(
  opts: S3StoreOptions = {},
  env: NodeJS.ProcessEnv = process.env,
): ResolvedS3Options {
  const pick = (name: keyof typeof DEFAULTS): number => {
    const given = opts[name];
    const fromEnv = env[ENV[name]];
    const v = given ?? (fromEnv === undefined || fromEnv === "" ? DEFAULTS[name] : Number(fromEnv));
    if (!Number.isSafeInteger(v) || v < 1) {
      throw new InvalidOptionsError(
        given !== undefined ? name : ENV[name],
        given ?? fromEnv,
        "an integer >= 1",
        { hint: `Leave it unset for the default (${DEFAULTS[name]}).` },
      );
    }
    return v;
  };
  return {
    maxAttempts: pick("maxAttempts"),
    maxInflight: pick("maxInflight"),
    multipartThreshold: pick("multipartThreshold"),
    partSize: Math.max(5 * MiB, pick("partSize")),
    connectTimeoutMs: pick("connectTimeoutMs"),
    requestTimeoutMs: pick("requestTimeoutMs"),
    conditionalWrites: opts.conditionalWrites,
  };
}
