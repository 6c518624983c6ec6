/**
 * One bucket's requests: each SDK call of the S3 store goes through here, bounded by the store's
 * semaphore (at most `maxInflight` in flight) and with every SDK error mapped to a
 * `StoreAccessError` (`errors.ts`). Keys here are full object keys (store prefix included).
 */
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type PutObjectCommandInput,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { StoreAccessError } from "../../errors.js";
import { forEachBounded, Semaphore } from "../concurrency.js";
import { errorStatus, isBodyCutOff, isMissingKey, toStoreError } from "./errors.js";

/** Reads of one GET whose body breaks off mid-read before the error is reported. */
const BODY_ATTEMPTS = 3;

/** One object of a listing. */
export interface ListedObject {
  key: string;
  etag: string | undefined;
  size: number | undefined;
}

/** One page of ListObjectsV2. */
export interface ListPage {
  objects: ListedObject[];
  /** Common prefixes (with the delimiter at the end), when listed with a delimiter. */
  prefixes: string[];
  /** Continuation token of the next page, or undefined on the last one. */
  next: string | undefined;
}

/** A fetched object (or a range of it). */
export interface Fetched {
  body: Uint8Array;
  etag: string | undefined;
  /** `Content-Range` of a range request (`bytes 0-9/100`), when the server sent one. */
  contentRange: string | undefined;
}

/** Condition of a write: create only (`If-None-Match: *`) or replace only this version. */
export type WriteCondition = { ifNoneMatch: "*" } | { ifMatch: string };

/** Copy-source header value: bucket and key, each path segment URL-encoded. */
function copySource(bucket: string, key: string): string {
  return `${bucket}/${key.split("/").map(encodeURIComponent).join("/")}`;
}

export class BucketIO {
  readonly client: S3Client;
  readonly bucket: string;
  /** Endpoint named in error messages (the reference's, or "AWS S3"). */
  readonly endpoint: string;
  readonly limiter: Semaphore;
  /** Multipart threshold and part size. */
  readonly multipartThreshold: number;
  readonly partSize: number;
  /** False once the server answered DeleteObjects with "not implemented". */
  #bulkDelete = true;

  constructor(
    client: S3Client,
    bucket: string,
    endpoint: string,
    opts: { maxInflight: number; multipartThreshold: number; partSize: number },
  ) {
    this.client = client;
    this.bucket = bucket;
    this.endpoint = endpoint;
    this.limiter = new Semaphore(opts.maxInflight, "maxInflight");
    this.multipartThreshold = opts.multipartThreshold;
    this.partSize = opts.partSize;
  }

  /** `s3://bucket/key` for messages. */
  target(key: string): string {
    return key === "" ? `s3://${this.bucket}` : `s3://${this.bucket}/${key}`;
  }

  /** Run one request (`fn`) under the in-flight bound; map its errors. */
  async #run<T>(op: string, key: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await this.limiter.run(fn);
    } catch (e) {
      throw toStoreError(e, op, this.target(key), this.endpoint);
    }
  }

  /** HeadBucket: resolves when the bucket exists and the credentials may use it. */
  headBucket(): Promise<void> {
    return this.#run("HeadBucket", "", async () => {
      await this.client.send(new HeadBucketCommand({ Bucket: this.bucket }));
    });
  }

  /** The object (or `range` of it, an HTTP Range value), or undefined when it does not exist. */
  async get(key: string, range?: string): Promise<Fetched | undefined> {
    const op = range === undefined ? "GetObject" : `GetObject (Range ${range})`;
    return this.#run(op, key, async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          const res = await this.client.send(
            new GetObjectCommand({
              Bucket: this.bucket,
              Key: key,
              ...(range === undefined ? {} : { Range: range }),
            }),
          );
          const body =
            res.Body === undefined ? new Uint8Array(0) : await res.Body.transformToByteArray();
          return { body, etag: res.ETag, contentRange: res.ContentRange };
        } catch (e) {
          if (isMissingKey(e)) return undefined;
          // The body broke off mid-read: ask again (the SDK retried only the request itself).
          if (isBodyCutOff(e) && attempt < BODY_ATTEMPTS) {
            await new Promise((r) => setTimeout(r, 20 * attempt));
            continue;
          }
          throw e;
        }
      }
    });
  }

  /** Size and ETag of the object, or undefined when it does not exist. */
  async head(
    key: string,
  ): Promise<{ etag: string | undefined; size: number | undefined } | undefined> {
    return this.#run("HeadObject", key, async () => {
      try {
        const res = await this.client.send(
          new HeadObjectCommand({ Bucket: this.bucket, Key: key }),
        );
        return { etag: res.ETag, size: res.ContentLength };
      } catch (e) {
        if (isMissingKey(e)) return undefined;
        throw e;
      }
    });
  }

  /**
   * Write one object: one PutObject (atomic), or a multipart upload from `multipartThreshold`
   * bytes on (aborted on failure). Returns the new ETag when the server sent one. A refused
   * condition rejects with a `StoreAccessError` of status 412 (see `isConditionRefused`).
   */
  async put(key: string, body: Uint8Array, cond?: WriteCondition): Promise<string | undefined> {
    if (cond === undefined && body.byteLength >= this.multipartThreshold) {
      return this.#putMultipart(key, body);
    }
    const input: PutObjectCommandInput = {
      Bucket: this.bucket,
      Key: key,
      Body: body,
      ContentLength: body.byteLength,
      ContentType: "application/octet-stream",
    };
    if (cond !== undefined && "ifNoneMatch" in cond) input.IfNoneMatch = cond.ifNoneMatch;
    if (cond !== undefined && "ifMatch" in cond) input.IfMatch = cond.ifMatch;
    const op =
      cond === undefined
        ? "PutObject"
        : `PutObject (${"ifMatch" in cond ? "If-Match" : "If-None-Match"})`;
    return this.#run(op, key, async () => {
      const res = await this.client.send(new PutObjectCommand(input));
      return res.ETag;
    });
  }

  async #putMultipart(key: string, body: Uint8Array): Promise<string | undefined> {
    const created = await this.#run("CreateMultipartUpload", key, () =>
      this.client.send(
        new CreateMultipartUploadCommand({
          Bucket: this.bucket,
          Key: key,
          ContentType: "application/octet-stream",
        }),
      ),
    );
    const uploadId = created.UploadId;
    if (uploadId === undefined) {
      throw new StoreAccessError(
        this.target(key),
        `S3 CreateMultipartUpload of ${this.target(key)} returned no upload id; the server does ` +
          "not support multipart uploads: raise NGFF_S3_MULTIPART_THRESHOLD above the largest chunk",
      );
    }
    try {
      const n = Math.ceil(body.byteLength / this.partSize);
      const etags: (string | undefined)[] = new Array(n);
      await forEachBounded(
        Array.from({ length: n }, (_, i) => i),
        4,
        async (i) => {
          const part = body.subarray(
            i * this.partSize,
            Math.min(body.byteLength, (i + 1) * this.partSize),
          );
          const res = await this.#run(`UploadPart ${i + 1}/${n}`, key, () =>
            this.client.send(
              new UploadPartCommand({
                Bucket: this.bucket,
                Key: key,
                UploadId: uploadId,
                PartNumber: i + 1,
                Body: part,
                ContentLength: part.byteLength,
              }),
            ),
          );
          etags[i] = res.ETag;
        },
      );
      const done = await this.#run("CompleteMultipartUpload", key, () =>
        this.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.bucket,
            Key: key,
            UploadId: uploadId,
            MultipartUpload: { Parts: etags.map((ETag, i) => ({ ETag, PartNumber: i + 1 })) },
          }),
        ),
      );
      return done.ETag;
    } catch (e) {
      await this.#run("AbortMultipartUpload", key, () =>
        this.client.send(
          new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }),
        ),
      ).catch(() => undefined); // best effort: the first error is the one to report
      throw e;
    }
  }

  /** Delete one object (no error when it is missing). */
  async delete(key: string): Promise<void> {
    await this.#run("DeleteObject", key, async () => {
      try {
        await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }));
      } catch (e) {
        if (!isMissingKey(e)) throw e;
      }
    });
  }

  /**
   * Delete objects: DeleteObjects in batches of 1000, or one DeleteObject each when the server
   * lacks DeleteObjects (remembered). Rejects when any key could not be deleted.
   */
  async deleteMany(keys: readonly string[], concurrency: number): Promise<void> {
    const batches: string[][] = [];
    for (let i = 0; i < keys.length; i += 1000) batches.push(keys.slice(i, i + 1000));
    await forEachBounded(batches, Math.max(1, Math.min(4, concurrency)), async (batch) => {
      if (this.#bulkDelete) {
        try {
          await this.#deleteBatch(batch);
          return;
        } catch (e) {
          const status = errorStatus(e);
          const code = (e as StoreAccessError).code;
          if (
            !(
              status === 501 ||
              status === 405 ||
              code === "NotImplemented" ||
              code === "MethodNotAllowed"
            )
          ) {
            throw e;
          }
          this.#bulkDelete = false;
        }
      }
      await forEachBounded(batch, concurrency, (k) => this.delete(k));
    });
  }

  async #deleteBatch(batch: string[]): Promise<void> {
    const res = await this.#run(`DeleteObjects (${batch.length} keys)`, batch[0] ?? "", () =>
      this.client.send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true },
        }),
      ),
    );
    const failed = (res.Errors ?? []).filter((err) => err.Code !== "NoSuchKey");
    if (failed.length > 0) {
      const first = failed[0]!;
      throw new StoreAccessError(
        this.target(first.Key ?? ""),
        `S3 DeleteObjects could not delete ${failed.length} of ${batch.length} objects, e.g. ` +
          `${this.target(first.Key ?? "?")}: ${first.Code ?? "?"} ${first.Message ?? ""}; ` +
          "check the credentials' delete permission and rerun",
        { code: first.Code },
      );
    }
  }

  /** One page of ListObjectsV2 under `prefix` (with `delimiter`, common prefixes separately). */
  async listPage(
    prefix: string,
    delimiter: string | undefined,
    token: string | undefined,
  ): Promise<ListPage> {
    const res = await this.#run("ListObjectsV2", prefix, () =>
      this.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          ...(delimiter === undefined ? {} : { Delimiter: delimiter }),
          ...(token === undefined ? {} : { ContinuationToken: token }),
        }),
      ),
    );
    return {
      objects: (res.Contents ?? []).flatMap((o) =>
        o.Key === undefined ? [] : [{ key: o.Key, etag: o.ETag, size: o.Size }],
      ),
      prefixes: (res.CommonPrefixes ?? []).flatMap((p) =>
        p.Prefix === undefined ? [] : [p.Prefix],
      ),
      next: res.IsTruncated ? res.NextContinuationToken : undefined,
    };
  }

  /** Every object under `prefix` (all pages). */
  async listAll(prefix: string): Promise<ListedObject[]> {
    const out: ListedObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.listPage(prefix, undefined, token);
      out.push(...page.objects);
      token = page.next;
    } while (token !== undefined);
    return out;
  }

  /** Server-side copy of one object (up to 5 GB, S3's CopyObject limit). */
  async copy(from: string, to: string): Promise<void> {
    await this.#run(`CopyObject from ${this.target(from)}`, to, () =>
      this.client.send(
        new CopyObjectCommand({
          Bucket: this.bucket,
          Key: to,
          CopySource: copySource(this.bucket, from),
        }),
      ),
    );
  }
}
