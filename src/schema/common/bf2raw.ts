/** The bioformats2raw layout marker (transitional in 0.4 and 0.5). */
import { z } from "zod";

/** The value of `bioformats2raw.layout` that the spec allows, and ngff-writer's default. */
export const BF2RAW_LAYOUT = 3;

// 0.4 / 0.5 "bioformats2raw.layout": "MUST have the value "3" for the "bioformats2raw.layout"
// key".
/** The `bioformats2raw.layout` marker: the integer 3. */
export const Bf2RawLayout = z.literal(BF2RAW_LAYOUT);
export type Bf2RawLayout = z.infer<typeof Bf2RawLayout>;
