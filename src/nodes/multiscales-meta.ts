/**
 * The `multiscales` metadata of an image or label image: the node's form of the schema's
 * multiscale, parsing with the version's model (unknown keys are kept), and serialization with the on-disk key order of iohub
 * (version (0.4 only), axes, datasets, name, coordinateTransformations, type, metadata).
 */
import { packageVersion } from "../cli/version.js";
import {
  cloneAxis,
  cloneTransform,
  parseMultiscales as parseMultiscalesModel,
} from "../schema/check.js";
import type { Dataset } from "../schema/common/multiscale.js";
import type * as v05 from "../schema/v05/index.js";
import type { AxisSpec } from "./axes.js";
import type { NgffVersion } from "./context.js";
import type { Transform } from "./transforms.js";

/** One resolution level: its array path and coordinate transformations (the schema's `Dataset`). */
export type DatasetMeta = Pick<Dataset, "path" | "coordinateTransformations">;

/**
 * One `multiscales[]` entry as a node holds it: the schema's multiscale fields (without the
 * 0.4 `version`, which the node knows), with keys other tools wrote kept in `extra`.
 */
export interface MultiscaleMeta {
  axes: AxisSpec[];
  datasets: DatasetMeta[];
  name?: v05.Multiscale["name"];
  coordinateTransformations?: Transform[];
  /** Downscaling method (e.g. `"mean"`). */
  type?: v05.Multiscale["type"];
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
 * Parse `multiscales` from the OME attributes of a group of NGFF `version` with the version's
 * model (src/schema), into the node's form.
 * @throws {InvalidMetadataError} when it is missing or breaks the spec (with locations).
 */
export function parseMultiscales(
  value: unknown,
  source?: string,
  version: NgffVersion = "0.5",
): MultiscaleMeta[] {
  return parseMultiscalesModel(value, version, source).map((r) => {
    const meta: MultiscaleMeta = {
      axes: r.axes.map(cloneAxis),
      datasets: r.datasets.map((d) => ({
        path: d.path,
        coordinateTransformations: d.coordinateTransformations.map(cloneTransform),
      })),
    };
    if (r.name !== undefined) meta.name = r.name;
    if (r.coordinateTransformations !== undefined)
      meta.coordinateTransformations = r.coordinateTransformations.map(cloneTransform);
    if (r.type !== undefined) meta.type = r.type;
    if (r.metadata !== undefined) meta.metadata = r.metadata;
    const extra = Object.fromEntries(Object.entries(r).filter(([key]) => !KNOWN.has(key)));
    if (Object.keys(extra).length > 0) meta.extra = extra;
    return meta;
  });
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
