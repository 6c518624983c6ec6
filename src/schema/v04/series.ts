/** NGFF 0.4 `OME` group of a bioformats2raw collection: the `series` list. */
import { z } from "zod";

// ""series" MUST be a list of string objects, each of which is a path to an image group."
/** `.zattrs` of a 0.4 `OME` group. */
export const Series = z.looseObject({ series: z.array(z.string()) });
export type Series = z.infer<typeof Series>;
