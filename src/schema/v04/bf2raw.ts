/** NGFF 0.4 bioformats2raw layout (transitional): the root of a bioformats2raw collection. */
import { z } from "zod";
import { Bf2RawLayout } from "../common/bf2raw.js";
import { PlateDef, StrictPlateDef } from "./plate.js";

// "MUST have the value "3" for the "bioformats2raw.layout" key". "If the top-level group
// represents a plate, the `bioformats2raw.layout` metadata will be present but the "plate" key
// MUST also be present" — so a plate here is validated as a plate.
/** `.zattrs` of a 0.4 bioformats2raw root. */
export const Bf2Raw = z.looseObject({
  "bioformats2raw.layout": Bf2RawLayout,
  plate: PlateDef.optional(),
});
/** The same, with a strict plate. */
export const StrictBf2Raw = z.looseObject({
  "bioformats2raw.layout": Bf2RawLayout,
  plate: StrictPlateDef.optional(),
});
export type Bf2Raw = z.infer<typeof Bf2Raw>;
