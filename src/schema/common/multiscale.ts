/**
 * The parts of "multiscales" that 0.4 and 0.5 share: datasets, the shared fields, and the
 * refinements that need both the axes and the transformations.
 */
import { z } from "zod";
import { Axes, axisKind } from "./axes.js";
import { addIssue, checkUniqueItems } from "./checks.js";
import { CoordinateTransformations, checkTransformLengths } from "./transforms.js";

// "Each dictionary in "datasets" MUST contain the field "path"" and "MUST contain the field
// "coordinateTransformations""
/** One resolution level: the array path and its transformations. */
export const Dataset = z.looseObject({
  path: z.string(),
  coordinateTransformations: CoordinateTransformations,
});
export type Dataset = z.infer<typeof Dataset>;

/** Free-form information about the downscaling method ("metadata" of a multiscale). */
export const MultiscaleMetadata = z.record(z.string(), z.unknown());

/** Fields of a multiscale common to 0.4 and 0.5 (non-strict: SHOULD fields are optional). */
export const multiscaleFields = {
  // "Each "multiscales" dictionary SHOULD contain the field "name"."
  name: z.string().optional(),
  // "Each "multiscales" dictionary MUST contain the field "axes""
  axes: Axes,
  // The official schema adds `"minItems": 1` to "datasets".
  datasets: z.array(Dataset).min(1),
  // "Each "multiscales" dictionary MAY contain the field "coordinateTransformations" ... The
  // transformations MUST follow the same rules about allowed types, order, etc."
  coordinateTransformations: CoordinateTransformations.optional(),
  // "SHOULD contain the field "type", which gives the type of downscaling method"
  type: z.string().optional(),
  // "It SHOULD contain the field "metadata", which contains a dictionary"
  metadata: MultiscaleMetadata.optional(),
};

/** The fields that the official `strict_image` schemas require (besides 0.4's `version`). */
export const strictMultiscaleFields = {
  name: z.string(),
  type: z.string(),
  metadata: MultiscaleMetadata,
};

interface MultiscaleLike {
  axes: readonly { name: string; type?: string | undefined }[];
  datasets: readonly Dataset[];
  coordinateTransformations?: CoordinateTransformations | undefined;
}

/** Refinements of one multiscale that need its axes and its transformations together. */
export function checkMultiscale(ms: MultiscaleLike, ctx: z.RefinementCtx): void {
  const n = ms.axes.length;
  ms.datasets.forEach((ds, i) => {
    checkTransformLengths(ds.coordinateTransformations, n, ctx, [
      "datasets",
      i,
      "coordinateTransformations",
    ]);
  });
  if (ms.coordinateTransformations) {
    checkTransformLengths(ms.coordinateTransformations, n, ctx, ["coordinateTransformations"]);
  }
  // "The "path"s MUST be ordered from largest (i.e. highest resolution) to smallest." Seen from
  // the metadata: the scale of every space axis never decreases from one level to the next.
  const space = ms.axes.flatMap((a, i) => (axisKind(a) === "space" ? [i] : []));
  let prev: readonly number[] | undefined;
  ms.datasets.forEach((ds, i) => {
    const scale = ds.coordinateTransformations.find((t) => t.type === "scale");
    const cur = scale?.type === "scale" && scale.scale.length === n ? scale.scale : undefined;
    if (prev !== undefined && cur !== undefined) {
      const before = prev;
      const bad = space.find((k) => cur[k]! < before[k]!);
      if (bad !== undefined) {
        addIssue(
          ctx,
          "dataset_order",
          ["datasets", i],
          `dataset ${i} ("${ds.path}") has a finer ${ms.axes[bad]!.name} scale ` +
            `(${cur[bad]}) than dataset ${i - 1} (${before[bad]})`,
          "datasets ordered from highest to lowest resolution",
        );
      }
    }
    prev = cur;
  });
}

/** `multiscales` list rules of the official schema: at least one entry, entries unique. */
export function multiscalesList<T extends z.ZodType>(item: T) {
  return z
    .array(item)
    .min(1)
    .superRefine((list, ctx) => checkUniqueItems(list, ctx, "multiscale"));
}
