/**
 * ngff-writer: write OME-Zarr (OME-NGFF 0.4 on Zarr v2, 0.5 on Zarr v3) from Node and build
 * multiscale pyramids. This is the one public entry; everything public is exported here, grouped.
 */

// Errors
export {
  AlreadyExistsError,
  InvalidMetadataError,
  isOmeZarrError,
  LayoutMismatchError,
  type MetadataIssue,
  NotFoundError,
  OmeZarrError,
  type OmeZarrErrorByTag,
  type OmeZarrErrorTag,
  PyramidStateError,
  ReadOnlyError,
  ShapeMismatchError,
  UnsafePathError,
  UnsupportedError,
  WorkerTaskError,
} from "./errors.js";

// Metadata models (zod) and builders
export {
  type DimSpec,
  formatLocation,
  type MultiscaleFromDimsOptions,
  multiscaleFromDims,
  type NgffVersion,
  v04,
  v05,
} from "./schema/index.js";

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
