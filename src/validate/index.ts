/** Validation of OME-NGFF metadata documents and of whole stores. */
export { ISSUE_CODES, type IssueCode } from "./codes.js";
export { toVersion } from "./convert.js";
export { OME_KINDS, type OmeKind } from "./kinds.js";
export {
  type OmeValidationResult,
  type OmeValidationResultFor,
  type ValidateOmeOptions,
  validateOmeJson,
  validateOmeObject,
} from "./ome.js";
export {
  type StoreValidationResult,
  type ValidateStoreOptions,
  validateStore,
} from "./store.js";
export type { StoreIssue } from "./store-image.js";
