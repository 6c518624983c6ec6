/** NGFF 0.4 "multiscales" entries: the shared fields plus the per-object `version`. */
import { z } from "zod";
import {
  checkMultiscale,
  multiscaleFields,
  multiscalesList,
  strictMultiscaleFields,
} from "../common/multiscale.js";
import { versionString } from "../common/version.js";

// "It SHOULD contain the field "version", which indicates the version of the multiscale
// metadata of this image (current version is 0.4)." The schema allows only "0.4".
/** One 0.4 multiscale image: axes, datasets (levels), optional transformations and version. */
export const Multiscale = z
  .looseObject({ ...multiscaleFields, version: versionString("0.4").optional() })
  .superRefine(checkMultiscale);
/** A 0.4 multiscale with the SHOULD fields that `strict_image` requires. */
export const StrictMultiscale = z
  .looseObject({ ...multiscaleFields, ...strictMultiscaleFields, version: versionString("0.4") })
  .superRefine(checkMultiscale);
export type Multiscale = z.infer<typeof Multiscale>;

/** The `multiscales` list. */
export const Multiscales = multiscalesList(Multiscale);
/** The `multiscales` list, strict. */
export const StrictMultiscales = multiscalesList(StrictMultiscale);
