/** NGFF 0.5 bioformats2raw layout (transitional). */
import { z } from "zod";
import { Bf2RawLayout } from "../common/bf2raw.js";
import { PlateDef, StrictPlateDef } from "./plate.js";
import { Version } from "./version.js";

// "MUST have the value "3" for the "bioformats2raw.layout" key in their OME-Zarr Metadata".
// "If the top-level group represents a plate ... the "plate" key MUST also be present, takes
// precedence" — a plate here is validated as a plate.
/** The `ome` namespace of a 0.5 bioformats2raw root. */
export const Bf2RawOme = z.looseObject({
  version: Version,
  "bioformats2raw.layout": Bf2RawLayout,
  plate: PlateDef.optional(),
});
/** The same, with a strict plate. */
export const StrictBf2RawOme = z.looseObject({
  version: Version,
  "bioformats2raw.layout": Bf2RawLayout,
  plate: StrictPlateDef.optional(),
});
export type Bf2RawOme = z.infer<typeof Bf2RawOme>;

/** `attributes` of a 0.5 bioformats2raw root. */
export const Bf2Raw = z.looseObject({ ome: Bf2RawOme });
/** The same, strict. */
export const StrictBf2Raw = z.looseObject({ ome: StrictBf2RawOme });
export type Bf2Raw = z.infer<typeof Bf2Raw>;
