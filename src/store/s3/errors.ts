/**
 * SDK errors → {@link StoreAccessError}: no raw SDK error leaves an S3 store. Messages say what
 * happened (operation, key, service code, HTTP status) and what to check.
 */
import { StoreAccessError } from "../../errors.js";

/** The service's error code (`NoSuchKey`, `PreconditionFailed`) or the network error code. */
export function errorCode(e: unknown): string | undefined {
  if (typeof e !== "object" || e === null) return undefined;
  const o = e as { code?: unknown; Code?: unknown; name?: unknown; $metadata?: unknown };
  if (typeof o.code === "string") return o.code;
  if (typeof o.Code === "string") return o.Code;
  // The SDK names errors without a body (HEAD) "Unknown"/"UnknownError": no code then.
  if (typeof o.name === "string" && !["Error", "Unknown", "UnknownError"].includes(o.name)) {
    return o.name;
  }
  return undefined;
}

/** The HTTP status of the server's answer, when it answered. */
export function errorStatus(e: unknown): number | undefined {
  if (typeof e !== "object" || e === null) return undefined;
  if (e instanceof StoreAccessError) return e.status;
  const md = (e as { $metadata?: { httpStatusCode?: unknown } }).$metadata;
  const s = md?.httpStatusCode;
  return typeof s === "number" ? s : undefined;
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "TimeoutError",
  "RequestTimeout",
]);

const CREDENTIAL_CODES = new Set([
  "InvalidAccessKeyId",
  "SignatureDoesNotMatch",
  "AccessDenied",
  "Forbidden",
  "ExpiredToken",
  "InvalidToken",
  "TokenRefreshRequired",
  "CredentialsProviderError",
]);

/** True for "the key does not exist" answers (GET/HEAD/range of a missing object). */
export function isMissingKey(e: unknown): boolean {
  const code = errorCode(e);
  return (
    code === "NoSuchKey" ||
    code === "NotFound" ||
    (errorStatus(e) === 404 && code !== "NoSuchBucket")
  );
}

/**
 * True for a response body that broke off after the headers arrived (the connection dropped
 * mid-body: Node's "aborted", a reset, a premature close). The SDK retries failed requests but
 * not a body that fails while it is read, so the caller asks again.
 */
export function isBodyCutOff(e: unknown): boolean {
  if (typeof e !== "object" || e === null) return false;
  const o = e as { code?: unknown; message?: unknown };
  return (
    o.message === "aborted" ||
    o.code === "ECONNRESET" ||
    o.code === "ERR_STREAM_PREMATURE_CLOSE" ||
    o.code === "ECONNABORTED"
  );
}

/** True when a conditional write was refused (`412`, or AWS's `409 ConditionalRequestConflict`). */
export function isConditionRefused(e: unknown): boolean {
  const code = errorCode(e);
  const status = errorStatus(e);
  return status === 412 || code === "PreconditionFailed" || code === "ConditionalRequestConflict";
}

/** What to do about an error of this kind (a sentence fragment), given where the store is. */
function advice(code: string | undefined, status: number | undefined, endpoint: string): string {
  if (code !== undefined && NETWORK_CODES.has(code)) {
    return `check the endpoint URL (${endpoint}) and that the server is running and reachable`;
  }
  if (code === "CredentialsProviderError") {
    return (
      "no AWS credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or " +
      "name a profile (AWS_PROFILE or the store's profile) with credentials"
    );
  }
  if ((code !== undefined && CREDENTIAL_CODES.has(code)) || status === 401 || status === 403) {
    return (
      "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the profile's credentials) and " +
      "that they may read and write this bucket"
    );
  }
  if (code === "NoSuchBucket") {
    return "create the bucket first (stores never create buckets) or fix its name";
  }
  if (code === "PermanentRedirect" || code === "AuthorizationHeaderMalformed" || status === 301) {
    return "the bucket is in another region: set the store's region (AWS_REGION or ?region=)";
  }
  if (code === "SlowDown" || status === 503 || (status !== undefined && status >= 500)) {
    return "the server kept failing after the retries (NGFF_S3_MAX_ATTEMPTS); retry later";
  }
  return "see the cause for the server's answer";
}

/**
 * Wrap `e` (from the SDK) in a {@link StoreAccessError} for operation `op` on `target`
 * (`s3://bucket/prefix/key`). A `StoreAccessError` passes through unchanged.
 */
export function toStoreError(
  e: unknown,
  op: string,
  target: string,
  endpoint: string,
): StoreAccessError {
  if (e instanceof StoreAccessError) return e;
  const code = errorCode(e);
  const status = errorStatus(e);
  const detail =
    e instanceof Error && e.message !== "" && e.message !== code ? `: ${e.message}` : "";
  const what =
    status !== undefined
      ? `the server answered HTTP ${status}${code === undefined ? "" : ` ${code}`}${detail}`
      : `no answer from the server (${code ?? "unknown error"}${detail})`;
  return new StoreAccessError(
    target,
    `S3 ${op} of ${target} failed: ${what}; ${advice(code, status, endpoint)}`,
    { cause: e, status, code },
  );
}
