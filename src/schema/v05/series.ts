/** NGFF 0.5 `OME` group of a bioformats2raw collection: the `series` list. */
import { z } from "zod";
import { Version } from "./version.js";

// ""series" MUST be a list of string objects, each of which is a path to an image group."
/** The `ome` namespace of a 0.5 `OME` group. */
export const SeriesOme = z.looseObject({ version: Version, series: z.array(z.string()) });
export type SeriesOme = z.infer<typeof SeriesOme>;

/** `attributes` of a 0.5 `OME` group. */
export const Series = z.looseObject({ ome: SeriesOme });
export type Series = z.infer<typeof Series>;
