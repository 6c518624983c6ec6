/**
 * The conditional-write probe run when a writable S3 store opens: put a hidden object twice
 * with `If-None-Match: *`. A server that refuses the second put (412, or 409 on AWS under
 * contention) supports conditional writes, so locks can be lock objects (`cond-lock.ts`); one
 * that accepts it (s3rver) or rejects the header (400/501) does not, so the store is
 * single-writer (`lease.ts`). The probe object is deleted afterwards.
 */
import type { BucketIO } from "./bucket-io.js";
import { errorStatus, isConditionRefused } from "./errors.js";

const BODY = new TextEncoder().encode("ngff-writer conditional-write probe; safe to delete\n");

/** True when the server rejected the header itself (it does not implement it). */
function headerUnsupported(e: unknown): boolean {
  const s = errorStatus(e);
  return s === 400 || s === 501 || s === 405;
}

/** Whether the server behind `io` supports conditional writes, tested at full key `key`. */
export async function probeConditionalWrites(io: BucketIO, key: string): Promise<boolean> {
  try {
    for (let i = 0; i < 2; i++) {
      try {
        await io.put(key, BODY, { ifNoneMatch: "*" });
      } catch (e) {
        if (isConditionRefused(e)) return true;
        if (headerUnsupported(e)) return false;
        throw e;
      }
    }
    return false;
  } finally {
    await io.delete(key).catch(() => undefined);
  }
}
