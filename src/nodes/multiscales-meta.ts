/**
 * The `multiscales` metadata of an image or label image: types, a lenient parser of what other
 * tools wrote (unknown keys are kept), and serialization with the on-disk key order of iohub
 * (version (0.4 only), axes, datasets, name, coordinateTransformations, type, metadata).
 */
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

/** The on-disk JSON of one multiscale (0.4 carries `version: "0.4"`; 0.5 has it in `ome.version`). */
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
  if (m.type !== undefined) out.type = m.type;
  if (m.metadata !== undefined) out.metadata = structuredClone(m.metadata);
  if (m.extra !== undefined) Object.assign(out, structuredClone(m.extra));
  return out;
}
