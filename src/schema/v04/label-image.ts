/** NGFF 0.4 label image: `image-label` metadata on a multiscale group under `labels/`. */
import { z } from "zod";
import { LabelColorV04, LabelProperties, LabelSource, labelColors } from "../common/labels.js";
import { OmeroV04, StrictOmeroV04 } from "../common/omero.js";
import { versionString } from "../common/version.js";
import { Multiscales, StrictMultiscales } from "./multiscale.js";

const fields = {
  colors: labelColors(LabelColorV04).optional(),
  properties: LabelProperties.optional(),
  source: LabelSource.optional(),
  version: versionString("0.4").optional(),
};

/** The 0.4 `image-label` object: colors, properties, source, version. */
export const ImageLabel = z.looseObject(fields);
/** `image-label` as the official `strict_label` schema wants it (`version` and `colors`). */
export const StrictImageLabel = z.looseObject({
  ...fields,
  colors: labelColors(LabelColorV04),
  version: versionString("0.4"),
});
export type ImageLabel = z.infer<typeof ImageLabel>;

// "`image-label` groups MUST also contain `multiscales` metadata" — the official schema and its
// test suite accept `image-label` alone, so presence of `multiscales` is checked by
// validateStore; when present here it is validated as an image's.
/** `.zattrs` of a 0.4 label image group. */
export const LabelImage = z.looseObject({
  "image-label": ImageLabel,
  multiscales: Multiscales.optional(),
  omero: OmeroV04.optional(),
});
/**
 * The same, strict: `image-label` as `strict_label` wants it, and the label's `multiscales` with
 * the SHOULDs of `strict_image` (a label image is a multiscale image).
 */
export const StrictLabelImage = z.looseObject({
  "image-label": StrictImageLabel,
  multiscales: StrictMultiscales.optional(),
  omero: StrictOmeroV04.optional(),
});
export type LabelImage = z.infer<typeof LabelImage>;
