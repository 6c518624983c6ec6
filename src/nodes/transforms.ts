/**
 * Coordinate transformations of NGFF 0.4/0.5 (`scale` and `translation`), their checks, and the
 * effective scale/translation arithmetic of iohub's `get_effective_scale`.
 */
import { InvalidMetadataError, type MetadataIssue } from "../errors.js";

/** A scale transformation: one positive factor per axis. */
export interface ScaleTransform {
  type: "scale";
  scale: number[];
}
/** A translation transformation: one offset per axis. */
export interface TranslationTransform {
  type: "translation";
  translation: number[];
}
/** One coordinate transformation. */
export type Transform = ScaleTransform | TranslationTransform;

/** Copy a transform with the on-disk key order (`type` first). */
export function cloneTransform(t: Transform): Transform {
  return t.type === "scale"
    ? { type: "scale", scale: [...t.scale] }
    : { type: "translation", translation: [...t.translation] };
}

/** The identity scale for `ndim` axes: `[{ type: "scale", scale: [1, …] }]`. */
export function identityTransforms(ndim: number): Transform[] {
  return [{ type: "scale", scale: new Array<number>(ndim).fill(1) }];
}

/**
 * Problems with a transformation list (spec: exactly one scale, first, then at most one
 * translation; every vector has `ndim` finite numbers; scales are positive).
 */
export function transformIssues(list: unknown, ndim: number, where: string): MetadataIssue[] {
  const found: MetadataIssue[] = [];
  const issues = {
    push(i: MetadataIssue) {
      found.push(
        i.expected === undefined ? i : { ...i, message: `${i.message}; expected ${i.expected}` },
      );
    },
  };
  if (!Array.isArray(list) || list.length === 0) {
    issues.push({
      code: "transforms",
      location: where,
      message: "coordinateTransformations must be a non-empty array",
      expected: "[{ type: 'scale', scale }, optional { type: 'translation', translation }]",
    });
    return found;
  }
  if (list.length > 2) {
    issues.push({
      code: "transforms",
      location: where,
      message: `found ${list.length} transformations`,
      expected: "one scale, then at most one translation",
    });
  }
  list.forEach((t: unknown, i: number) => {
    const loc = `${where}[${i}]`;
    const rec = (typeof t === "object" && t !== null ? t : {}) as Record<string, unknown>;
    const wanted = i === 0 ? "scale" : "translation";
    if (rec.type !== wanted) {
      issues.push({
        code: "transform_type",
        location: `${loc}.type`,
        message: `found type ${JSON.stringify(rec.type)}`,
        expected: `"${wanted}"`,
      });
      return;
    }
    const vec = rec[wanted];
    if (
      !Array.isArray(vec) ||
      vec.length !== ndim ||
      !vec.every((v) => typeof v === "number" && Number.isFinite(v))
    ) {
      issues.push({
        code: "transform_length",
        location: `${loc}.${wanted}`,
        message: `found ${JSON.stringify(vec)}`,
        expected: `${ndim} finite numbers (one per axis)`,
      });
      return;
    }
    if (wanted === "scale" && !vec.every((v: number) => v > 0)) {
      issues.push({
        code: "scale_not_positive",
        location: `${loc}.scale`,
        message: `found ${JSON.stringify(vec)}`,
        expected: "positive scale factors",
      });
    }
  });
  return found;
}

/**
 * Check a transformation list and return a normalized copy.
 * @throws {InvalidMetadataError} listing every problem.
 */
export function checkTransforms(list: unknown, ndim: number, where = "transform"): Transform[] {
  const issues = transformIssues(list, ndim, where);
  if (issues.length > 0)
    throw new InvalidMetadataError(issues, { summary: "invalid coordinate transformations" });
  return (list as Transform[]).map(cloneTransform);
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
