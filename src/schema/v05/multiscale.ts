/** NGFF 0.5 "multiscales" entries (no per-object `version`: it lives in `ome.version`). */
import { z } from "zod";
import {
  checkMultiscale,
  multiscaleFields,
  multiscalesList,
  strictMultiscaleFields,
} from "../common/multiscale.js";

/** One 0.5 multiscale image: axes, datasets (levels), optional transformations. */
export const Multiscale = z.looseObject(multiscaleFields).superRefine(checkMultiscale);
/** A 0.5 multiscale with the SHOULD fields that `strict_image` requires. */
export const StrictMultiscale = z
  .looseObject({ ...multiscaleFields, ...strictMultiscaleFields })
  .superRefine(checkMultiscale);
export type Multiscale = z.infer<typeof Multiscale>;

/** The `multiscales` list. */
export const Multiscales = multiscalesList(Multiscale);
/** The `multiscales` list, strict. */
export const StrictMultiscales = multiscalesList(StrictMultiscale);
