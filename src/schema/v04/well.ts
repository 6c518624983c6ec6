/** NGFF 0.4 well: the `.zattrs` of an HCS well group. */
import { z } from "zod";
import { versionString } from "../common/version.js";
import { WellImages } from "../common/well.js";

/** The 0.4 `well` object: its fields of view and version. */
export const WellDef = z.looseObject({
  images: WellImages,
  version: versionString("0.4").optional(),
});
/** `well` as `strict_well` wants it (`version` required). */
export const StrictWellDef = z.looseObject({ images: WellImages, version: versionString("0.4") });
export type WellDef = z.infer<typeof WellDef>;

/** `.zattrs` of a 0.4 well group. */
export const Well = z.looseObject({ well: WellDef });
/** The same, strict. */
export const StrictWell = z.looseObject({ well: StrictWellDef });
export type Well = z.infer<typeof Well>;
