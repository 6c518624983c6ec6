/** NGFF 0.5 plate: `attributes.ome` of an HCS plate group. */
import { z } from "zod";
import { checkPlateWells, plateFields, strictPlateFields } from "../common/plate.js";
import { Version } from "./version.js";

/** The 0.5 `plate` object. */
export const PlateDef = z.looseObject(plateFields).superRefine(checkPlateWells);
/** `plate` as `strict_plate` wants it: `name`, named acquisitions with counts. */
export const StrictPlateDef = z
  .looseObject({ ...plateFields, ...strictPlateFields })
  .superRefine(checkPlateWells);
export type PlateDef = z.infer<typeof PlateDef>;

/** The `ome` namespace of a 0.5 plate group. */
export const PlateOme = z.looseObject({ version: Version, plate: PlateDef });
/** The same, strict. */
export const StrictPlateOme = z.looseObject({ version: Version, plate: StrictPlateDef });
export type PlateOme = z.infer<typeof PlateOme>;

/** `attributes` of a 0.5 plate group. */
export const Plate = z.looseObject({ ome: PlateOme });
/** The same, strict. */
export const StrictPlate = z.looseObject({ ome: StrictPlateOme });
export type Plate = z.infer<typeof Plate>;
