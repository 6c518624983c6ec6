/**
 * "coordinateTransformations" of datasets and multiscales (identical in 0.4 and 0.5).
 * The length rule (vector length = number of axes) needs the axes, so it lives on the
 * multiscale (see `multiscale.ts`).
 */
import { z } from "zod";
import { addIssue, plural } from "./checks.js";

// "scale vector, stored either as a list of floats (`scale`) or as binary data" — the official
// schemas accept only the list form, and so do we.
/** A `scale` transformation: physical size per pixel along each axis. */
export const ScaleTransform = z.looseObject({
  type: z.literal("scale"),
  scale: z.array(z.number()),
});
/** A `translation` transformation: physical offset of the origin along each axis. */
export const TranslationTransform = z.looseObject({
  type: z.literal("translation"),
  translation: z.array(z.number()),
});
// "The transformation MUST only be of type `translation` or `scale`."
/** One coordinate transformation (scale or translation). */
export const CoordinateTransform = z.discriminatedUnion("type", [
  ScaleTransform,
  TranslationTransform,
]);

export type ScaleTransform = z.infer<typeof ScaleTransform>;
export type TranslationTransform = z.infer<typeof TranslationTransform>;
export type CoordinateTransform = z.infer<typeof CoordinateTransform>;

function checkTransforms(list: readonly CoordinateTransform[], ctx: z.RefinementCtx): void {
  // "They MUST contain exactly one `scale` transformation"
  const scales: number[] = [];
  const translations: number[] = [];
  list.forEach((t, i) => {
    (t.type === "scale" ? scales : translations).push(i);
  });
  if (scales.length !== 1) {
    addIssue(
      ctx,
      "scale_count",
      scales.length === 0 ? [] : [scales[1]!],
      `found ${plural(scales.length, "scale transformation")}, expected exactly one`,
      "exactly one scale transformation",
    );
  }
  // "It MAY contain exactly one `translation`"
  if (translations.length > 1) {
    addIssue(
      ctx,
      "translation_count",
      [translations[1]!],
      `found ${translations.length} translation transformations, expected at most one`,
      "at most one translation transformation",
    );
  }
  // "If `translation` is given it MUST be listed after `scale`"
  const firstScale = scales[0];
  const firstTranslation = translations[0];
  if (firstScale !== undefined && firstTranslation !== undefined && firstTranslation < firstScale) {
    addIssue(
      ctx,
      "transform_order",
      [firstTranslation],
      `translation at index ${firstTranslation} comes before the scale at index ${firstScale}`,
      "the scale first, then the translation",
    );
  }
}

/** A list of coordinate transformations: exactly one scale, then at most one translation. */
export const CoordinateTransformations = z.array(CoordinateTransform).superRefine(checkTransforms);
export type CoordinateTransformations = z.infer<typeof CoordinateTransformations>;

/** The vector of a transformation (its `scale` or `translation`). */
export function transformVector(t: CoordinateTransform): readonly number[] {
  return t.type === "scale" ? t.scale : t.translation;
}

// "The length of the `scale` and `translation` array MUST be the same as the length of "axes"."
/**
 * Report every transformation in `list` whose vector does not have `n` values (one per axis);
 * `path` locates `list` relative to the refined value.
 */
export function checkTransformLengths(
  list: readonly CoordinateTransform[],
  n: number,
  ctx: z.RefinementCtx,
  path: PropertyKey[],
): void {
  list.forEach((t, j) => {
    const len = transformVector(t).length;
    if (len !== n) {
      addIssue(
        ctx,
        "transform_length",
        [...path, j],
        `${t.type} has ${len} values but there are ${n} axes`,
        `${n} values, one per axis`,
      );
    }
  });
}

/**
 * The transformations of one dataset of an image with `n` axes: the list rules plus the length
 * rule (which needs the axes, so a plain list cannot check it).
 */
export function coordinateTransformationsFor(n: number) {
  return CoordinateTransformations.superRefine((list, ctx) =>
    checkTransformLengths(list, n, ctx, []),
  );
}

// 0.4 and 0.5 "coordinateTransformations": "scale ... stored either as a list of floats (`scale`)
// or as binary data at a location in this container (`path`)", and the same for translation.
// The official JSON schemas of both versions accept only the list form (`scale` / `translation`
// are required in every transformation), so the path form is modelled here, for readers that
// meet it, but is not accepted in `coordinateTransformations` (validation follows the official
// schemas: a path-only transformation is `missing_key`).
/** A `scale` transformation whose vector is stored as binary data at `path` (spec text only). */
export const PathScale = z.looseObject({ type: z.literal("scale"), path: z.string() });
/** A `translation` transformation whose vector is stored at `path` (spec text only). */
export const PathTranslation = z.looseObject({
  type: z.literal("translation"),
  path: z.string(),
});
export type PathScale = z.infer<typeof PathScale>;
export type PathTranslation = z.infer<typeof PathTranslation>;
