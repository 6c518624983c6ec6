/** NGFF 0.5 image: `attributes.ome` of an image group's `zarr.json`. */
import { z } from "zod";
import { OmeroV05 } from "../common/omero.js";
import { Multiscales, StrictMultiscales } from "./multiscale.js";
import { Version } from "./version.js";

/** The `ome` namespace of a 0.5 image group. */
export const ImageOme = z.looseObject({
  version: Version,
  multiscales: Multiscales,
  omero: OmeroV05.optional(),
});
/** The same, with the SHOULDs of the official `strict_image` schema. */
export const StrictImageOme = z.looseObject({
  version: Version,
  multiscales: StrictMultiscales,
  omero: OmeroV05.optional(),
});
export type ImageOme = z.infer<typeof ImageOme>;

/** `attributes` of a 0.5 image group. */
export const Image = z.looseObject({ ome: ImageOme });
/** The same, strict. */
export const StrictImage = z.looseObject({ ome: StrictImageOme });
export type Image = z.infer<typeof Image>;
