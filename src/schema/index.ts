/** The OME-NGFF metadata models (zod 4) and builders. */

export {
  type Bf2RawOptions,
  bf2rawAttributes,
  DEFAULT_PYRAMID_LEVELS,
  type DimSpec,
  type MultiscaleFromDimsOptions,
  multiscaleFromDims,
  shapeFromDims,
} from "./builders.js";
export type { NgffVersion } from "./common/version.js";
export { formatLocation } from "./issues.js";
export * as v04 from "./v04/index.js";
export * as v05 from "./v05/index.js";
