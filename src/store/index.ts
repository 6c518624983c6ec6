/**
 * The store layer: byte stores (local directory, memory), Zarr v2/v3 metadata, codecs, shards
 * and array region I/O. Importing this module registers our codecs in zarrita's registry
 * (idempotent), so every process or worker that imports the store layer encodes truthfully.
 */
import { registerCodecs } from "./zarrita-codecs.js";

registerCodecs();

export type { ZarrArray } from "./array.js";
export { blockKeyOf, createArray, openArray, withBlockLocks, withShape } from "./array.js";
export type { BloscHeader } from "./blosc.js";
export { readBloscHeader } from "./blosc.js";
export { DEFAULT_CONCURRENCY } from "./concurrency.js";
export { crc32c } from "./crc32c.js";
export type { NodeInfo } from "./hierarchy.js";
export {
  createGroup,
  listChildren,
  readAttributes,
  readNode,
  removeNode,
  writeAttributes,
} from "./hierarchy.js";
export { cleanupTempFiles, tempNameFor } from "./local-store.js";
export type { LockOptions } from "./lock.js";
export type {
  FileStoreRef,
  HttpStoreRef,
  MemoryStoreRef,
  S3StoreRef,
  StoreKind,
  StoreRef,
} from "./ref.js";
export { isShareableRef, refKey, refLabel, refName } from "./ref.js";
export type { OpenStoreOptions, S3UrlOptions, StoreOpener } from "./registry.js";
export {
  isStoreUrl,
  openStore,
  openStoreRef,
  parseStoreUrl,
  registerStoreOpener,
} from "./registry.js";
export type { S3StoreOptions } from "./s3/options.js";
export { assertSafeKey, assertSafeName, assertSafePath, TEMP_NAME_PATTERN } from "./safe-name.js";
export type { ByteRange, ZarrStore } from "./store.js";
export { createMemoryStore, openLocalStore } from "./store.js";
export type {
  AnyTypedArray,
  ArraySpec,
  BloscCname,
  BloscShuffle,
  CodecSpec,
  DataType,
  Region,
  TypedArrayFor,
  ZarrFormat,
} from "./types.js";
export { DATA_TYPES, dtypeByteSize, INTEGER_DATA_TYPES, typedArrayFor } from "./types.js";
export type { ZarritaStore } from "./zarrita-adapter.js";
export { asZarritaStore } from "./zarrita-adapter.js";
export { registerCodecs } from "./zarrita-codecs.js";
