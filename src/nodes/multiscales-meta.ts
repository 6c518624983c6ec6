/**
 * The `multiscales` metadata of an image or label image: types, a lenient parser of what other
 * tools wrote (unknown keys are kept), and serialization with the on-disk key order of iohub
 * (version (0.4 only), axes, datasets, name, coordinateTransformations, type, metadata).
 */
import { packageVersion } from "../cli/version.js";
import { InvalidMetadataError, type MetadataIssue } from "../errors.js";
import { type AxisSpec, axesIssues, cloneAxis } from "./axes.js";
import type { NgffVersion } from "./context.js";
import { cloneTransform, type Transform, transformIssues } from "./transforms.js";

/** One resolution level: its array path and coordinate transformations. */
export interface DatasetMeta {
  path: string;
  coordinateTransformations: Transform[];
}

/** One `multiscales[]` entry. */
export interface MultiscaleMeta {
  axes: AxisSpec[];
  datasets: DatasetMeta[];
  name?: string;
  coordinateTransformations?: Transform[];
  /** Downscaling method (e.g. `"mean"`). */
  type?: string;
  metadata?: Record<string, unknown>;
  /** Keys other tools wrote, kept as found. */
  extra?: Record<string, unknown>;
}

const KNOWN = new Set([
  "version",
  "axes",
  "datasets",
  "name",
  "coordinateTransformations",
  "type",
  "metadata",
]);

/**
 * Parse `multiscales` from OME attributes.
 * @throws {InvalidMetadataError} when it is missing or malformed (with locations).
 */
export function parseMultiscales(value: unknown, source?: string): MultiscaleMeta[] {
  const issues: MetadataIssue[] = [];
  if (!Array.isArray(value) || value.length === 0) {
    throw new InvalidMetadataError(
      [
        {
          code: "multiscales",
          location: "multiscales",
          message: "multiscales must be a non-empty array",
          expected: "[{ axes, datasets, … }]",
        },
      ],
      source === undefined ? {} : { source },
    );
  }
  const out: MultiscaleMeta[] = [];
  value.forEach((m: unknown, k: number) => {
    const loc = `multiscales[${k}]`;
    if (typeof m !== "object" || m === null) {
      issues.push({ code: "invalid_type", location: loc, message: "must be an object" });
      return;
    }
    const r = m as Record<string, unknown>;
    const axes = r.axes;
    if (
      !Array.isArray(axes) ||
      !axes.every(
        (a) => typeof a === "object" && a !== null && typeof (a as AxisSpec).name === "string",
      )
    ) {
      issues.push({
        code: "axes",
        location: `${loc}.axes`,
        message: "axes must be an array of { name, type?, unit? }",
      });
      return;
    }
    // The spec's axes rules (2–5 axes, 2–3 space, order, unique names) hold for stored
    // metadata too: a store that breaks them is refused on open, not written through.
    const axisProblems = axesIssues(axes, `${loc}.axes`);
    if (axisProblems.length > 0) {
      issues.push(...axisProblems);
      return;
    }
    const ndim = axes.length;
    const datasets = r.datasets;
    if (!Array.isArray(datasets) || datasets.length === 0) {
      issues.push({
        code: "datasets",
        location: `${loc}.datasets`,
        message: "datasets must be a non-empty array",
      });
      return;
    }
    const ds: DatasetMeta[] = [];
    datasets.forEach((d: unknown, i: number) => {
      const dl = `${loc}.datasets[${i}]`;
      const dr = (typeof d === "object" && d !== null ? d : {}) as Record<string, unknown>;
      if (typeof dr.path !== "string") {
        issues.push({
          code: "dataset_path",
          location: `${dl}.path`,
          message: "path must be a string",
        });
        return;
      }
      const ti = transformIssues(
        dr.coordinateTransformations,
        ndim,
        `${dl}.coordinateTransformations`,
      );
      issues.push(...ti);
      if (ti.length === 0) {
        ds.push({
          path: dr.path,
          coordinateTransformations: (dr.coordinateTransformations as Transform[]).map(
            cloneTransform,
          ),
        });
      }
    });
    const meta: MultiscaleMeta = { axes: (axes as AxisSpec[]).map(cloneAxis), datasets: ds };
    if (typeof r.name === "string") meta.name = r.name;
    if (r.coordinateTransformations !== undefined) {
      const ti = transformIssues(
        r.coordinateTransformations,
        ndim,
        `${loc}.coordinateTransformations`,
      );
      issues.push(...ti);
      if (ti.length === 0)
        meta.coordinateTransformations = (r.coordinateTransformations as Transform[]).map(
          cloneTransform,
        );
    }
    if (typeof r.type === "string") meta.type = r.type;
    if (typeof r.metadata === "object" && r.metadata !== null)
      meta.metadata = r.metadata as Record<string, unknown>;
    const extra = Object.fromEntries(Object.entries(r).filter(([key]) => !KNOWN.has(key)));
    if (Object.keys(extra).length > 0) meta.extra = extra;
    out.push(meta);
  });
  if (issues.length > 0)
    throw new InvalidMetadataError(issues, source === undefined ? {} : { source });
  return out;
}

/** The library that writes the stores, as recorded in `multiscales[].metadata.library`. */
export const LIBRARY_NAME = "ngff-writer";

let cachedVersion: string | undefined;
/** ngff-writer's version (package.json), recorded in `multiscales[].metadata.version`. */
export function libraryVersion(): string {
  cachedVersion ??= packageVersion();
  return cachedVersion;
}

/**
 * `multiscales[].metadata` for a pyramid computed by ngff-writer, in the manner of ome-zarr-py's
 * scaler record (`{ method, version, args }`) and the spec's example: the downsampling method,
 * the library and its version, and the parameters used — the integer factor per axis of each
 * level step (`factors[k]` takes level k to level k + 1).
 */
export function pyramidMetadata(
  method: string,
  factors: readonly (readonly number[])[],
): Record<string, unknown> {
  return {
    description: `levels 1 and up computed from the level before by ${LIBRARY_NAME}'s ${method} downsampling`,
    method,
    library: LIBRARY_NAME,
    version: libraryVersion(),
    args: { factors: factors.map((f) => [...f]) },
  };
}

/** `type` values that ngff-writer writes when it did not compute the pyramid itself. */
const PLACEHOLDER_TYPES: readonly string[] = ["none", "unknown"];

function isPlaceholder(m: MultiscaleMeta): boolean {
  if (m.type === undefined) return true;
  return PLACEHOLDER_TYPES.includes(m.type) && m.metadata?.library === LIBRARY_NAME;
}

/**
 * The `type` and `metadata` to write for `m` (the SHOULD fields of the strict schemas). A type
 * set by a pyramid computation, by the caller or by another tool is kept as it is. Otherwise
 * ngff-writer records what it knows: `"none"` for a single level (nothing was downsampled), and
 * `"unknown"` for several levels it did not compute (levels written by the caller, or empty
 * levels that `computePyramid` has not filled yet), with `metadata` naming the library.
 */
export function downscalingOf(m: MultiscaleMeta): {
  type: string | undefined;
  metadata: Record<string, unknown> | undefined;
} {
  if (!isPlaceholder(m)) return { type: m.type, metadata: m.metadata };
  const single = m.datasets.length <= 1;
  const type = single ? "none" : "unknown";
  return {
    type,
    metadata: {
      description: single
        ? "a single resolution level: nothing was downsampled"
        : "resolution levels not computed by ngff-writer (written by the caller, or not computed yet)",
      method: type,
      library: LIBRARY_NAME,
      version: libraryVersion(),
    },
  };
}

/**
 * The on-disk JSON of one multiscale (0.4 carries `version: "0.4"`; 0.5 has it in `ome.version`).
 * `type` and `metadata` are always written (see {@link downscalingOf}).
 */
export function serializeMultiscale(
  m: MultiscaleMeta,
  version: NgffVersion,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (version === "0.4") out.version = "0.4";
  out.axes = m.axes.map(cloneAxis);
  out.datasets = m.datasets.map((d) => ({
    path: d.path,
    coordinateTransformations: d.coordinateTransformations.map(cloneTransform),
  }));
  if (m.name !== undefined) out.name = m.name;
  if (m.coordinateTransformations !== undefined) {
    out.coordinateTransformations = m.coordinateTransformations.map(cloneTransform);
  }
  const { type, metadata } = downscalingOf(m);
  if (type !== undefined) out.type = type;
  if (metadata !== undefined) out.metadata = structuredClone(metadata);
  if (m.extra !== undefined) Object.assign(out, structuredClone(m.extra));
  return out;
}
