/**
 * "labels" and "image-label" pieces shared by 0.4 and 0.5. The version-specific `ImageLabel`
 * objects are assembled in `v04/label-image.ts` and `v05/label-image.ts`.
 */
import { z } from "zod";
import { checkUniqueField, checkUniqueItems } from "./checks.js";

// "the "rgba" key MAY be present, the value for which is an RGBA unsigned-int 4-tuple"
/** An RGBA color: four integers 0–255. */
export const Rgba = z.array(z.int().min(0).max(255)).min(4).max(4);

// 0.4: "Each entry in the list MUST contain the key "label-value" with the pixel value for that
// label." The 0.4 schema types it as a number.
/** One entry of `colors` (0.4): a label value and its display color. */
export const LabelColorV04 = z.looseObject({
  "label-value": z.number(),
  rgba: Rgba.optional(),
});
// 0.5: "Each of these objects MUST contain the `label-value` key, whose value MUST be the integer
// corresponding to a particular label."
/** One entry of `colors` (0.5): an integer label value and its display color. */
export const LabelColorV05 = z.looseObject({
  "label-value": z.int(),
  rgba: Rgba.optional(),
});
export type LabelColorV04 = z.infer<typeof LabelColorV04>;
export type LabelColorV05 = z.infer<typeof LabelColorV05>;

// "Each object in the `properties` array MUST contain the `label-value` key, whose value again
// MUST be an integer specifying the pixel value for that label."
/** One entry of `properties`: a label value plus any number of free keys. */
export const LabelProperty = z.looseObject({ "label-value": z.int() });
export type LabelProperty = z.infer<typeof LabelProperty>;

// "This object MAY include a key `image`, whose value MUST be a string specifying the relative
// path to a Zarr image group."
/** The image a label image derives from (`image` defaults to `"../../"`). */
export const LabelSource = z.looseObject({ image: z.string().optional() });
export type LabelSource = z.infer<typeof LabelSource>;

/** `colors`: at least one entry, "All `label-value`s must be unique." */
export function labelColors<T extends z.ZodType<{ "label-value": number }>>(color: T) {
  return z
    .array(color)
    .min(1)
    .superRefine((list, ctx) =>
      checkUniqueField(
        list as readonly { "label-value": number }[],
        "label-value",
        ctx,
        "duplicate_label_value",
        "label-value",
      ),
    );
}

/** `properties`: at least one entry, entries unique (official schema). */
export const LabelProperties = z
  .array(LabelProperty)
  .min(1)
  .superRefine((list, ctx) => checkUniqueItems(list, ctx, "property"));

// "The "labels" group ... MUST contain a JSON object with the key `labels`, whose value is a JSON
// array of paths to the labeled multiscale image(s)." There is no official schema for it.
/** The paths of the label images listed in a `labels` group. */
export const LabelPaths = z.array(z.string());
