/** S3 store (placeholder until the S3 store lands). */
import { UnsupportedError } from "../../errors.js";
import type { S3StoreRef } from "../ref.js";
import type { OpenStoreOptions } from "../registry.js";
import type { ZarrStore } from "../store.js";

/** Open an S3 (or S3-compatible) bucket prefix as a store. */
export async function openS3Store(ref: S3StoreRef, _opts: OpenStoreOptions): Promise<ZarrStore> {
  throw new UnsupportedError("s3", `S3 stores are not available yet (${ref.bucket})`);
}
