/**
 * ngff-writer: write OME-Zarr (OME-NGFF 0.4 on Zarr v2, 0.5 on Zarr v3) from Node and build
 * multiscale pyramids. This is the one public entry; everything public is exported here, grouped.
 */

// Downsampling kernels (pure TypeScript; also usable on their own)
export {
  DOWNSAMPLE_METHODS,
  type DownsampleMethod,
  downsample,
  downsampledShape,
  type KernelArray,
  type KernelDType,
} from "../native-free-kernels/index.js";
// Whole-store conversion between NGFF versions
export {
  type ConvertStoreOptions,
  type ConvertStoreProgress,
  type ConvertStoreReport,
  convertStore,
} from "./convert-store.js";
// TIFF → OME-Zarr (what `ngff convert` does)
export {
  type ConvertTiffOptions,
  type ConvertTiffReport,
  convertTiff,
} from "./convert-tiff.js";
// Pyramid engine (pixel work of already-created levels; Position.computePyramid wraps it)
export {
  type ComputeLevelsOptions,
  computeLevels,
  type PyramidProgress,
  type PyramidReport,
} from "./engine/compute.js";
export { affectedTargets, planLevels } from "./engine/plan.js";
export { createPyramidPool, type PyramidPoolOptions } from "./engine/pool.js";
export { closeSharedPools, sharedPool } from "./engine/shared-pool.js";
// Errors
export {
  AlreadyExistsError,
  ConcurrentWriteError,
  InvalidMetadataError,
  InvalidOptionsError,
  isOmeZarrError,
  LayoutMismatchError,
  LockTimeoutError,
  type MetadataIssue,
  NotFoundError,
  OmeZarrError,
  type OmeZarrErrorByTag,
  type OmeZarrErrorTag,
  PyramidStateError,
  QueueAccessError,
  ReadOnlyError,
  ShapeMismatchError,
  StoreAccessError,
  UnsafePathError,
  UnsupportedError,
  WorkerTaskError,
} from "./errors.js";
export { type AxisSpec, DEFAULT_AXES } from "./nodes/axes.js";
// bioformats2raw collections (series images under one root)
export {
  Collection,
  type CollectionCreateOptions,
  type CreateSeriesOptions,
} from "./nodes/collection.js";
export type { OpenMode } from "./nodes/context.js";
export {
  type ChunkData,
  ImageArray,
  type WriteValue,
} from "./nodes/image-array.js";
export type { WorkerOptions } from "./nodes/image-write.js";
export {
  type CreateLabelOptions,
  defaultLabelColors,
  type ImageLabelUpdate,
  LABEL_COLORS_CAP,
  type LabelColor,
  LabelImage,
  type LabelInput,
} from "./nodes/labels.js";
export { NgffNode } from "./nodes/ngff-node.js";
export type { OmeroMeta, Window } from "./nodes/omero.js";
export type { NdArray, PixelInput } from "./nodes/pixel-data.js";
export type { PositionSpec } from "./nodes/plate/batch.js";
export type { FromPositionsOptions } from "./nodes/plate/from-positions.js";
export {
  type DeclaredLayout,
  PLATE_LAYOUT_ATTR,
  type PlateLayout,
} from "./nodes/plate/layout.js";
export type {
  Acquisition,
  PlateMeta,
  PlateWell,
  WellImage,
  WellIndexOptions,
  WellMeta,
} from "./nodes/plate/meta.js";
export { naturalCompare, naturalSort, rowLetters } from "./nodes/plate/order.js";
// Plates (HCS): plate, row, well
export {
  type BatchOptions,
  type CreatePositionOptions,
  type CreatePositionsOptions,
  type CreateWellOptions,
  Plate,
  type PlateCreateOptions,
  type PlateOpenOptions,
} from "./nodes/plate/plate.js";
export {
  type CreateImageOptions,
  type CreateZerosOptions,
  Position,
} from "./nodes/position.js";
export type {
  ComputePyramidOptions,
  LevelStorage,
  PyramidDims,
  PyramidMethod,
} from "./nodes/pyramid-ops.js";
export { Row } from "./nodes/row.js";
export type { AxisSelection, Selection } from "./nodes/selection.js";
export { TiledImageArray } from "./nodes/tiled-image-array.js";
export { type MakeTilesOptions, TiledPosition } from "./nodes/tiled-position.js";
export type { Transform } from "./nodes/transforms.js";
export { Well } from "./nodes/well.js";
// Opening stores and the node classes (iohub parity)
export {
  type Layout,
  type NodeForLayout,
  type OpenOmeZarrOptions,
  openOmeZarr,
} from "./open.js";
// Fan-out over BullMQ queues in Redis (DESIGN.md section 11): the coordinator is
// `computePyramid({ queue })`; a worker is `ngff worker` or `startQueueWorker`. These
// exports load BullMQ only when a worker starts.
export type { QueueConnection } from "./queue/connection.js";
export type { QueueRunStats } from "./queue/coordinator.js";
export { QUEUE_DEFAULTS, type QueueOptions } from "./queue/options.js";
export { DEFAULT_QUEUE_NAME, PROTOCOL_VERSION } from "./queue/protocol.js";
export type { QueueWorker, QueueWorkerOptions } from "./queue/worker.js";
// Metadata models (zod) and builders
export {
  type Bf2RawOptions,
  bf2rawAttributes,
  DEFAULT_PYRAMID_LEVELS,
  type DimSpec,
  formatLocation,
  type MultiscaleFromDimsOptions,
  multiscaleFromDims,
  type NgffVersion,
  shapeFromDims,
  v04,
  v05,
} from "./schema/index.js";
// Streaming acquisition (DESIGN.md section 10): Position.createStream / openStream
export type {
  CreateStreamOptions,
  FrameIndex,
  OpenStreamOptions,
  StreamProgress,
  StreamPyramidOptions,
  StreamWriter,
} from "./stream/index.js";

/**
 * Start a queue worker in this process (what `ngff worker` runs): takes pyramid tasks from the
 * BullMQ queue and runs them in its own pool; resolves once it is taking jobs. `close()` lets the
 * jobs in flight finish. Loads BullMQ on first use.
 * @throws {TypeError | RangeError | UnsupportedError} bad options.
 */
export async function startQueueWorker(
  opts: import("./queue/worker.js").QueueWorkerOptions,
): Promise<import("./queue/worker.js").QueueWorker> {
  const q = await import("./queue/worker.js");
  return q.startQueueWorker(opts);
}
// Stores (low level): local directories, memory, S3, HTTP (read-only); references; Zarr arrays
export {
  type AnyTypedArray,
  type ArraySpec,
  assertSafeName,
  assertSafePath,
  asZarritaStore,
  type CodecSpec,
  cleanupTempFiles,
  createArray,
  createMemoryStore,
  type DataType,
  type FileStoreRef,
  type HttpStoreRef,
  isStoreUrl,
  type LockOptions,
  type MemoryStoreRef,
  type OpenStoreOptions,
  openArray,
  openLocalStore,
  openStore,
  openStoreRef,
  parseStoreUrl,
  type Region,
  refLabel,
  type S3StoreRef,
  type S3UrlOptions,
  type StoreRef,
  type ZarrArray,
  type ZarrFormat,
  type ZarrStore,
} from "./store/index.js";
// Validation
export {
  ISSUE_CODES,
  type IssueCode,
  OME_KINDS,
  type OmeKind,
  type OmeValidationResult,
  type OmeValidationResultFor,
  type StoreIssue,
  type StoreValidationResult,
  toVersion,
  type ValidateOmeOptions,
  type ValidateStoreOptions,
  validateOmeJson,
  validateOmeObject,
  validateStore,
} from "./validate/index.js";
// ome-zarr-py style function writers
export {
  type AxesInput,
  type DatasetInput,
  type ImageMetadataInput,
  type ScalerOptions,
  type StorageOptions,
  type WriteImageOptions,
  type WriteLabelMetadataOptions,
  type WriteLabelsOptions,
  type WriteMultiscaleLabelsOptions,
  type WriteMultiscaleOptions,
  type WriterGroup,
  writeImage,
  writeLabelMetadata,
  writeLabels,
  writeMultiscale,
  writeMultiscaleLabels,
  writeMultiscalesMetadata,
  writePlateMetadata,
  writeWellMetadata,
} from "./writers.js";
