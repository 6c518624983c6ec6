/** Shared set-up of the S3 store tests: one s3rver per test file, a fresh prefix per test. */
import { GetObjectCommand, PutObjectCommand, S3Client } from "@aws-sdk/client-s3";
import type { S3StoreRef } from "../../../src/store/ref.js";
import { isBodyCutOff } from "../../../src/store/s3/errors.js";
import { type OpenS3StoreOptions, openS3Store, type S3Store } from "../../../src/store/s3/index.js";
import type { ZarrStore } from "../../../src/store/store.js";
import { type S3TestServer, startS3Server, useS3rverCredentials } from "../../helpers/s3-server.js";

export const BUCKET = "ngff-test";

let prefixCount = 0;

/** A prefix no other test of this file uses. */
export function freshPrefix(name = "t"): string {
  return `${name}-${process.pid}-${++prefixCount}`;
}

export async function startServer(): Promise<S3TestServer> {
  useS3rverCredentials();
  return startS3Server([BUCKET]);
}

export function refFor(endpoint: string, prefix: string, bucket = BUCKET): S3StoreRef {
  return { kind: "s3", bucket, prefix, endpoint, forcePathStyle: true };
}

/** Open the store at `prefix` of the test bucket behind `endpoint`. */
export async function openAt(
  endpoint: string,
  prefix: string,
  opts: OpenS3StoreOptions = {},
): Promise<S3Store> {
  return (await openS3Store(refFor(endpoint, prefix), opts)) as S3Store;
}

/** A plain SDK client for the test bucket (to look at or plant objects behind a store). */
export function rawClient(endpoint: string): S3Client {
  return new S3Client({
    endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    // s3rver answers 500 to a GET that races a PUT of the same key (it writes the object and
    // its metadata as two files); real S3 never does. Retry that, as the SDK's default would.
    maxAttempts: 3,
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
  });
}

export async function rawPut(c: S3Client, key: string, body: Uint8Array | string): Promise<void> {
  await c.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }));
}

/**
 * The object, or undefined when missing. s3rver rewrites an object in place, so a GET racing a
 * PUT of the same key can see its body cut off ("aborted"): read again, as the store does.
 */
export async function rawGet(c: S3Client, key: string): Promise<Uint8Array | undefined> {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await c.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
      return await res.Body!.transformToByteArray();
    } catch (e) {
      if ((e as { name?: string }).name === "NoSuchKey") return undefined;
      if (isBodyCutOff(e) && attempt < 3) continue;
      throw e;
    }
  }
}

/** Every key of a store (recursively through `list`), sorted. */
export async function allKeys(store: ZarrStore, prefix = ""): Promise<string[]> {
  const { dirs, files } = await store.list(prefix);
  const join = (n: string) => (prefix === "" ? n : `${prefix}/${n}`);
  const out = files.map(join);
  for (const d of dirs) out.push(...(await allKeys(store, join(d))));
  return out.sort();
}

export const bytes = (...xs: number[]) => new Uint8Array(xs);
