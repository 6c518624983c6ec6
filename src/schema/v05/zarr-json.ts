/** The Zarr v3 `zarr.json` document of a group, which carries the 0.5 OME attributes. */
import { z } from "zod";

/**
 * A `zarr.json` group document whose `attributes` follow `attributes` (e.g. `Image`).
 * Other keys of the document are kept.
 */
export function zarrJsonGroup<T extends z.ZodType>(attributes: T) {
  return z.looseObject({
    zarr_format: z.literal(3),
    node_type: z.literal("group"),
    attributes,
  });
}

/** A `zarr.json` group document with any attributes. */
export const ZarrJsonGroup = zarrJsonGroup(z.record(z.string(), z.unknown()));
/** The type of a `zarr.json` group document whose attributes are `A`. */
export type ZarrJsonGroup<A = Record<string, unknown>> = {
  zarr_format: 3;
  node_type: "group";
  attributes: A;
  [key: string]: unknown;
};
