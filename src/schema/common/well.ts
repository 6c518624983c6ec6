/** "well" pieces shared by 0.4 and 0.5; the version rules are in `v04/well.ts`, `v05/well.ts`. */
import { z } from "zod";
import { checkUniqueField } from "./checks.js";

// "Each image object MUST contain a `path` key ... The `path` MUST contain only alphanumeric
// characters, MUST be case-sensitive, and MUST NOT be a duplicate of any other `path` in the
// `images` list. If multiple acquisitions were performed in the plate, it MUST contain an
// `acquisition` key whose value MUST be an integer"
/** One field of view of a well. */
export const FieldOfView = z.looseObject({
  acquisition: z.int().optional(),
  path: z.string().regex(/^[A-Za-z0-9]+$/),
});
export type FieldOfView = z.infer<typeof FieldOfView>;

/** `images`: at least one field of view, paths unique. */
export const WellImages = z
  .array(FieldOfView)
  .min(1)
  .superRefine((list, ctx) =>
    checkUniqueField(list, "path", ctx, "duplicate_image_path", "image path"),
  );
