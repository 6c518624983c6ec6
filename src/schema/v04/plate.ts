/** NGFF 0.4 plate: the `.zattrs` of an HCS plate group. */
import { z } from "zod";
import { checkPlateWells, plateFields, strictPlateFields } from "../common/plate.js";
import { versionString } from "../common/version.js";

/** The 0.4 `plate` object. */
export const PlateDef = z
  .looseObject({ ...plateFields, version: versionString("0.4").optional() })
  .superRefine(checkPlateWells);
/** `plate` as `strict_plate` wants it: `name`, `version`, named acquisitions with counts. */
export const StrictPlateDef = z
  .looseObject({ ...plateFields, ...strictPlateFields, version: versionString("0.4") })
  .superRefine(checkPlateWells);
export type PlateDef = z.infer<typeof PlateDef>;

/** `.zattrs` of a 0.4 plate group. */
export const Plate = z.looseObject({ plate: PlateDef });
/** The same, strict. */
export const StrictPlate = z.looseObject({ plate: StrictPlateDef });
export type Plate = z.infer<typeof Plate>;
