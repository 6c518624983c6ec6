/**
 * Coordinate transformations of NGFF 0.4/0.5 (`scale` and `translation`, the schema's types;
 * checked by the schema, see `src/schema/check.ts`) and the effective scale/translation
 * arithmetic of iohub's `get_effective_scale`.
 */
import type { CoordinateTransform } from "../schema/common/transforms.js";

/** One coordinate transformation (the schema's `CoordinateTransform`: scale or translation). */
export type Transform = CoordinateTransform;

export { checkTransforms, cloneTransform } from "../schema/check.js";
/** A scale transformation. */
export type { ScaleTransform, TranslationTransform } from "../schema/common/transforms.js";

/** The identity scale for `ndim` axes: `[{ type: "scale", scale: [1, …] }]`. */
export function identityTransforms(ndim: number): Transform[] {
  return [{ type: "scale", scale: new Array<number>(ndim).fill(1) }];
}

/** Product of every scale in `lists` (per axis), starting from ones. */
export function combinedScale(
  ndim: number,
  ...lists: readonly (readonly Transform[] | undefined)[]
): number[] {
  const out = new Array<number>(ndim).fill(1);
  for (const list of lists) {
    for (const t of list ?? []) {
      if (t.type !== "scale") continue;
      for (const [i, v] of t.scale.entries()) out[i] = (out[i] ?? 1) * v;
    }
  }
  return out;
}

/** Sum of every translation in `lists` (per axis), starting from zeros. */
export function combinedTranslation(
  ndim: number,
  ...lists: readonly (readonly Transform[] | undefined)[]
): number[] {
  const out = new Array<number>(ndim).fill(0);
  for (const list of lists) {
    for (const t of list ?? []) {
      if (t.type !== "translation") continue;
      for (const [i, v] of t.translation.entries()) out[i] = (out[i] ?? 0) + v;
    }
  }
  return out;
}
