/**
 * The models as the node API uses them: parse a value with a model and throw
 * {@link InvalidMetadataError} (issues with locations and the codes of `codes.ts`) when it breaks
 * the spec. Nodes build the JSON they are about to write, then parse it here; they have no
 * validators of their own.
 */
import { z } from "zod";
import { InvalidMetadataError, type MetadataIssue } from "../errors.js";
import { Axes, type Axis } from "./common/axes.js";
import { addIssue, checkUniqueField } from "./common/checks.js";
import { LabelColorV05, LabelProperty, labelColors } from "./common/labels.js";
import { type CoordinateTransform, coordinateTransformationsFor } from "./common/transforms.js";
import type { NgffVersion } from "./common/version.js";
import { toMetadataIssues } from "./issues.js";
import { detectKind, modelFor } from "./kinds.js";
import * as v04 from "./v04/index.js";
import * as v05 from "./v05/index.js";

/** Where a checked value sits and how the error names it. */
export interface CheckOptions {
  /** Location of the value, prefixed to every issue location (e.g. `"transform"`). */
  readonly at?: string;
  /** The file or object the value belongs to (e.g. `"A/1 (.zattrs)"`). */
  readonly source?: string | undefined;
  /** First line of the error message. */
  readonly summary?: string;
}

function prefix(at: string | undefined, location: string): string {
  if (at === undefined || at === "") return location;
  if (location === "") return at;
  return location.startsWith("[") ? `${at}${location}` : `${at}.${location}`;
}

/** The issues of `value` against `model` (empty when it conforms), located under `at`. */
export function modelIssues(model: z.ZodType, value: unknown, at?: string): MetadataIssue[] {
  const result = model.safeParse(value);
  if (result.success) return [];
  return toMetadataIssues(result.error.issues, value).map((i) => ({
    ...i,
    location: prefix(at, i.location),
  }));
}

/** Throw {@link InvalidMetadataError} for `issues` unless there are none. */
export function throwIssues(issues: readonly MetadataIssue[], opts: CheckOptions = {}): void {
  if (issues.length === 0) return;
  throw new InvalidMetadataError(issues, {
    ...(opts.source === undefined ? {} : { source: opts.source }),
    ...(opts.summary === undefined ? {} : { summary: opts.summary }),
  });
}

/**
 * Parse `value` with `model` and return the parsed value.
 * @throws {InvalidMetadataError} listing every problem, located under `opts.at`.
 */
export function parseModel<T>(model: z.ZodType<T>, value: unknown, opts: CheckOptions = {}): T {
  const result = model.safeParse(value);
  if (result.success) return result.data;
  throwIssues(
    toMetadataIssues(result.error.issues, value).map((i) => ({
      ...i,
      location: prefix(opts.at, i.location),
    })),
    opts,
  );
  return result.data as never;
}

/** A copy of an axis with the spec's key order (`name`, `type`, `unit`), other keys dropped. */
export function cloneAxis<A extends Axis>(a: A): A {
  const out: Record<string, unknown> = { name: a.name };
  if (a.type !== undefined) out.type = a.type;
  if (a.unit !== undefined) out.unit = a.unit;
  return out as A;
}

/**
 * Check an axes list given to the node API against the `axes` model (2–5 axes, 2–3 space, at
 * most one time, channel and custom axis, order, unique names) and return a normalized copy.
 * @throws {InvalidMetadataError} listing every problem (locations under `where`).
 */
export function checkAxes(axes: unknown, where = "axes"): Axis[] {
  return parseModel(Axes, axes, { at: where, summary: "invalid axes" }).map(cloneAxis);
}

/** A copy of a transformation with the on-disk key order (`type` first), other keys dropped. */
export function cloneTransform<T extends CoordinateTransform>(t: T): T {
  return (
    t.type === "scale"
      ? { type: "scale", scale: [...t.scale] }
      : { type: "translation", translation: [...t.translation] }
  ) as T;
}

/**
 * Check a transformation list that the node API will write for an image with `ndim` axes: the
 * spec's list rules (exactly one scale, first, then at most one translation), the length rule,
 * and one rule of ngff-writer's own (code `scale_not_positive`: the spec sets no sign, but a
 * pixel size of zero or less has no physical meaning and breaks pyramid arithmetic).
 * @throws {InvalidMetadataError} listing every problem (locations under `where`).
 */
export function checkTransforms(
  list: unknown,
  ndim: number,
  where = "transform",
): CoordinateTransform[] {
  const parsed = parseModel(writableTransforms(ndim), list, {
    at: where,
    summary: "invalid coordinate transformations",
  });
  return parsed.map(cloneTransform);
}

const writable = new Map<number, z.ZodType<CoordinateTransform[]>>();

/** The transformations ngff-writer writes for `ndim` axes (see {@link checkTransforms}). */
export function writableTransforms(ndim: number): z.ZodType<CoordinateTransform[]> {
  let model = writable.get(ndim);
  if (model === undefined) {
    model = coordinateTransformationsFor(ndim).superRefine((list, ctx) => {
      list.forEach((t, i) => {
        if (t.type === "scale" && !t.scale.every((v) => v > 0)) {
          addIssue(
            ctx,
            "scale_not_positive",
            [i, "scale"],
            `found scale ${JSON.stringify(t.scale)}`,
            "positive scale factors",
          );
        }
      });
    });
    writable.set(ndim, model);
  }
  return model;
}

/** One multiscale as read from a store (0.4 or 0.5 model, non-strict; unknown keys kept). */
export type MultiscaleJson = v04.Multiscale | v05.Multiscale;

/**
 * Parse a `multiscales` list read from a group of NGFF `version` with the version's model.
 * @throws {InvalidMetadataError} when it breaks the spec (locations `multiscales[0].axes[1]`, …).
 */
export function parseMultiscales(
  value: unknown,
  version: NgffVersion,
  source?: string,
): MultiscaleJson[] {
  const model = version === "0.4" ? v04.Multiscales : v05.Multiscales;
  return parseModel<MultiscaleJson[]>(model as z.ZodType<MultiscaleJson[]>, value, {
    at: "multiscales",
    source,
  });
}

/** The issues of a `plate` object (as written for `version`), located under `plate`. */
export function plateIssues(plate: unknown, version: NgffVersion): MetadataIssue[] {
  return modelIssues(version === "0.4" ? v04.PlateDef : v05.PlateDef, plate, "plate");
}

/** The issues of a `well` object (as written for `version`), located under `well`. */
export function wellIssues(well: unknown, version: NgffVersion): MetadataIssue[] {
  return modelIssues(version === "0.4" ? v04.WellDef : v05.WellDef, well, "well");
}

/**
 * Check the OME attributes a node is about to write (0.4: the OME keys of `.zattrs`; 0.5: the
 * `ome` namespace without `version`) with the version's model of the kind they describe. OME
 * objects of no known kind (none of the identifying keys) pass: there is nothing to check.
 * @throws {InvalidMetadataError} when they break the spec.
 */
export function checkOmeAttrs(
  version: NgffVersion,
  ome: Record<string, unknown>,
  source?: string,
): void {
  const kind = detectKind(ome);
  if (kind === undefined) return;
  const model = modelFor(version, kind, false, false);
  const value = version === "0.4" ? ome : { ome: { ...ome, version: "0.5" } };
  throwIssues(modelIssues(model, value), {
    source,
    summary: `ngff-writer refused to write invalid ${kind} metadata${source ? ` to ${source}` : ""}`,
  });
}

/**
 * The issues of one plate name as the node API takes it: a row or column name (the schema's
 * `Row`/`Column` name: letters and digits), a field of view path (the schema's `FieldOfView`
 * path), or a well path `row/column` (the schema's `PlateWell` path).
 */
export function plateNameIssues(
  name: unknown,
  what: "row" | "column" | "field" | "well",
): MetadataIssue[] {
  switch (what) {
    case "row":
      return modelIssues(v05.Row.shape.name, name, "plate.rows[].name");
    case "column":
      return modelIssues(v05.Column.shape.name, name, "plate.columns[].name");
    case "field":
      return modelIssues(v05.FieldOfView.shape.path, name, "well.images[].path");
    case "well":
      return modelIssues(v05.PlateWell.shape.path, name, "plate.wells[].path");
  }
}

// `colors` of `image-label` as ngff-writer writes it: the 0.5 form (integer label values, which
// 0.4 also accepts), at least one entry, label values unique.
const WritableLabelColors = labelColors(LabelColorV05);

// `properties` as ngff-writer writes them: the spec's entries (an integer `label-value` each),
// and one rule of ngff-writer's own: one entry per label value (code `duplicate_label_value`).
const WritableLabelProperties = z
  .array(LabelProperty)
  .superRefine((list, ctx) =>
    checkUniqueField(list, "label-value", ctx, "duplicate_label_value", "label-value"),
  );

/**
 * Check `image-label.colors` that the node API will write (the spec's list form).
 * @throws {InvalidMetadataError} listing every problem (locations under `colors`).
 */
export function checkLabelColors(list: unknown): LabelColorV05[] {
  return parseModel(WritableLabelColors, list, { at: "colors", summary: "invalid label colors" });
}

/**
 * Check `image-label.properties` that the node API will write (the spec's list form).
 * @throws {InvalidMetadataError} listing every problem (locations under `properties`).
 */
export function checkLabelProperties(list: unknown): LabelProperty[] {
  return parseModel(WritableLabelProperties, list, {
    at: "properties",
    summary: "invalid label properties",
  });
}
