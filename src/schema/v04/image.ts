/** NGFF 0.4 image: the `.zattrs` of an image group (OME keys at the top level). */
import { z } from "zod";
import { OmeroV04, StrictOmeroV04 } from "../common/omero.js";
import { Multiscales, StrictMultiscales } from "./multiscale.js";

/** `.zattrs` of a 0.4 image group: `multiscales` and optional `omero`. */
export const Image = z.looseObject({ multiscales: Multiscales, omero: OmeroV04.optional() });
/** The same, with the SHOULDs of the official `strict_image` schema. */
export const StrictImage = z.looseObject({
  multiscales: StrictMultiscales,
  omero: StrictOmeroV04.optional(),
});
export type Image = z.infer<typeof Image>;
