/** NGFF 0.5 well: `attributes.ome` of an HCS well group. */
import { z } from "zod";
import { WellImages } from "../common/well.js";
import { Version } from "./version.js";

/** The 0.5 `well` object (the official `strict_well` adds nothing for 0.5). */
export const WellDef = z.looseObject({ images: WellImages });
export type WellDef = z.infer<typeof WellDef>;

/** The `ome` namespace of a 0.5 well group. */
export const WellOme = z.looseObject({ version: Version, well: WellDef });
export type WellOme = z.infer<typeof WellOme>;

/** `attributes` of a 0.5 well group. */
export const Well = z.looseObject({ ome: WellOme });
export type Well = z.infer<typeof Well>;
