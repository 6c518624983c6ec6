/** NGFF 0.5 label image: `image-label` metadata on a multiscale group under `labels/`. */
import { z } from "zod";
import { LabelColorV05, LabelProperties, LabelSource, labelColors } from "../common/labels.js";
import { OmeroV05 } from "../common/omero.js";
import { Multiscales, StrictMultiscales } from "./multiscale.js";
import { Version } from "./version.js";

const fields = {
  colors: labelColors(LabelColorV05).optional(),
  properties: LabelProperties.optional(),
  source: LabelSource.optional(),
};

/** The 0.5 `image-label` object: colors, properties, source. */
export const ImageLabel = z.looseObject(fields);
/** `image-label` as the official `strict_label` schema wants it (`colors` required). */
export const StrictImageLabel = z.looseObject({ ...fields, colors: labelColors(LabelColorV05) });
export type ImageLabel = z.infer<typeof ImageLabel>;

// "The `zarr.json` file for the label image MUST implement the multiscales specification." The
// official schema and its suite accept `image-label` alone, so validateStore checks presence.
/** The `ome` namespace of a 0.5 label image group. */
export const LabelImageOme = z.looseObject({
  version: Version,
  "image-label": ImageLabel,
  multiscales: Multiscales.optional(),
  omero: OmeroV05.optional(),
});
/**
 * The same, strict: `image-label` as `strict_label` wants it, and the label's `multiscales` with
 * the SHOULDs of `strict_image` (a label image is a multiscale image).
 */
export const StrictLabelImageOme = z.looseObject({
  version: Version,
  "image-label": StrictImageLabel,
  multiscales: StrictMultiscales.optional(),
  omero: OmeroV05.optional(),
});
export type LabelImageOme = z.infer<typeof LabelImageOme>;

/** `attributes` of a 0.5 label image group. */
export const LabelImage = z.looseObject({ ome: LabelImageOme });
/** The same, strict. */
export const StrictLabelImage = z.looseObject({ ome: StrictLabelImageOme });
export type LabelImage = z.infer<typeof LabelImage>;
