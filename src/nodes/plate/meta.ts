/**
 * Plate and well metadata (NGFF `plate` and `well`), pure: parse, validate, edit and serialize.
 * No I/O here; the Plate and Well nodes read and write through the store layer.
 *
 * On-disk spelling is the spec's. Key order follows iohub's models (version, name, acquisitions,
 * rows, columns, wells, field_count; version then images), so files written by the node API
 * and by the function-style writers are identical.
 *
 * Versions: 0.4 writes `version` inside `plate` and inside `well`. 0.5 carries the version in
 * `attributes.ome.version`; like ome-zarr-py we still write `plate.version` (readers such as
 * ome-zarr-models expect it) but not `well.version` (as in the spec's 0.5 examples).
 */
import { InvalidMetadataError, type MetadataIssue } from "../../errors.js";
import {
  parseModel,
  plateIssues as plateModelIssues,
  throwIssues,
  wellIssues as wellModelIssues,
} from "../../schema/check.js";
import type * as schemaPlate from "../../schema/common/plate.js";
import type { FieldOfView } from "../../schema/common/well.js";
import * as v05 from "../../schema/v05/index.js";
import type { NgffVersion } from "../context.js";
import { compareWellPaths } from "./order.js";

/** One metadata issue (a {@link MetadataIssue} literal). */
export function issue(
  code: string,
  location: string,
  message: string,
  expected?: string,
): MetadataIssue {
  return expected === undefined
    ? { code, location, message }
    : { code, location, message, expected };
}

const WELL_PATH = /^([^/]+)\/([^/]+)$/;

/** Split `row/column` into its two names; `undefined` when the path is not of that form. */
export function splitWellPath(path: string): [row: string, column: string] | undefined {
  const m = WELL_PATH.exec(path);
  return m ? [m[1]!, m[2]!] : undefined;
}

/**
 * Every spec violation in a plate (checked by the schema's `plate` model, `src/schema`):
 * issues located under `plate`.
 */
export function plateIssues(plate: PlateMeta, version: NgffVersion = "0.5"): MetadataIssue[] {
  return plateModelIssues(plateToJson(plate, version), version);
}

/** Every spec violation in a well (the schema's `well` model), located under `well`. */
export function wellIssues(well: WellMeta, version: NgffVersion = "0.5"): MetadataIssue[] {
  return wellModelIssues(wellToJson(well, version), version);
}

/**
 * Throw when `plate` breaks the spec (the schema's `plate` model).
 * @throws {InvalidMetadataError} listing every problem with its location.
 */
export function assertValidPlate(plate: PlateMeta, source?: string, version?: NgffVersion): void {
  throwIssues(plateIssues(plate, version), { source });
}

/**
 * Throw when `well` breaks the spec (the schema's `well` model).
 * @throws {InvalidMetadataError} listing every problem with its location.
 */
export function assertValidWell(well: WellMeta, source?: string, version?: NgffVersion): void {
  throwIssues(wellIssues(well, version), { source });
}

/** One acquisition of a plate (`plate.acquisitions[]`): the schema's `Acquisition`. */
export type Acquisition = schemaPlate.Acquisition;

/** A well entry of the plate (`plate.wells[]`): the schema's `PlateWell`. */
export type PlateWell = schemaPlate.PlateWell;

/** The `plate` object. */
export interface PlateMeta {
  name?: string;
  acquisitions?: Acquisition[];
  rows: { name: string }[];
  columns: { name: string }[];
  wells: PlateWell[];
  /** The maximum number of fields per well across the plate. */
  field_count?: number;
  /** Keys written by other tools, kept as found. */
  extra?: Record<string, unknown>;
}

/** A field of view of a well (`well.images[]`): the schema's `FieldOfView`. */
export type WellImage = FieldOfView;

/** The `well` object. */
export interface WellMeta {
  images: WellImage[];
  extra?: Record<string, unknown>;
}

/** The default `name` of acquisition `id` (the strict schemas want every acquisition named). */
export function defaultAcquisitionName(id: number): string {
  return `Acquisition ${id}`;
}

/** `a` with a default `name` when it has none (a copy). */
export function withAcquisitionDefaults(a: Acquisition): Acquisition {
  return a.name === undefined ? { ...a, name: defaultAcquisitionName(a.id) } : { ...a };
}

/**
 * The default plate name: the store's (or, for a plate below the root, the group's) last path
 * segment without a `.ome.zarr` / `.zarr` suffix, e.g. `"plate"` for `/data/plate.ome.zarr`
 * (and `plate.zarr.partial-123`, a store staged beside its target, is named after the target).
 * `storeName` is `refName(store.ref)`; undefined when nothing is left (a memory store).
 */
export function defaultPlateName(storeName: string, groupPath = ""): string | undefined {
  const base = groupPath === "" ? storeName : (groupPath.split("/").pop() ?? "");
  // A store being written beside its target (`<output>.partial-<pid>`, see src/staged-output.ts)
  // is named after the target.
  const name = base
    .replace(/\.(partial|old)-\d+$/, "")
    .replace(/\.ome\.zarr$/i, "")
    .replace(/\.zarr$/i, "");
  return name === "" ? undefined : name;
}

/**
 * Raise each acquisition's `maximumfieldcount` to the number of fields `images` (one well's
 * fields of view) have in it, when that is larger. Fields without an `acquisition` count for the
 * plate's only acquisition. Returns whether anything changed.
 */
export function raiseFieldCounts(plate: PlateMeta, images: readonly WellImage[]): boolean {
  const acqs = plate.acquisitions ?? [];
  let changed = false;
  for (const a of acqs) {
    const n = images.filter(
      (i) => i.acquisition === a.id || (i.acquisition === undefined && acqs.length === 1),
    ).length;
    if (n > 0 && n > (a.maximumfieldcount ?? 0)) {
      a.maximumfieldcount = n;
      changed = true;
    }
  }
  return changed;
}

/**
 * Set each acquisition's `maximumfieldcount` to the largest number of its fields in any of the
 * wells (`wells`: every well's fields of view); an acquisition with no field keeps no count.
 */
export function recountFieldCounts(
  plate: PlateMeta,
  wells: readonly (readonly WellImage[])[],
): void {
  for (const a of plate.acquisitions ?? []) delete a.maximumfieldcount;
  for (const images of wells) raiseFieldCounts(plate, images);
}

const ACQ_KEYS = [
  "id",
  "name",
  "maximumfieldcount",
  "description",
  "starttime",
  "endtime",
] as const;

/** The `plate` JSON object for `version`, keys in a fixed order. */
export function plateToJson(plate: PlateMeta, version: NgffVersion): Record<string, unknown> {
  const out: Record<string, unknown> = { version };
  if (plate.name !== undefined) out.name = plate.name;
  if (plate.acquisitions !== undefined) {
    out.acquisitions = plate.acquisitions.map((a) => {
      const o: Record<string, unknown> = {};
      for (const k of ACQ_KEYS) if (a[k] !== undefined) o[k] = a[k];
      return o;
    });
  }
  out.rows = plate.rows.map((r) => ({ name: r.name }));
  out.columns = plate.columns.map((c) => ({ name: c.name }));
  out.wells = plate.wells.map((w) => ({
    path: w.path,
    rowIndex: w.rowIndex,
    columnIndex: w.columnIndex,
  }));
  if (plate.field_count !== undefined) out.field_count = plate.field_count;
  if (plate.extra) for (const [k, v] of Object.entries(plate.extra)) if (!(k in out)) out[k] = v;
  return out;
}

/** The `well` JSON object for `version`, keys in a fixed order. */
export function wellToJson(well: WellMeta, version: NgffVersion): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (version === "0.4") out.version = version;
  out.images = well.images.map((i) =>
    i.acquisition === undefined ? { path: i.path } : { acquisition: i.acquisition, path: i.path },
  );
  if (well.extra)
    for (const [k, v] of Object.entries(well.extra)) if (!(k in out) && k !== "version") out[k] = v;
  return out;
}

/**
 * Read a `plate` JSON object (as found in `.zattrs` or `attributes.ome`) into a {@link PlateMeta},
 * after parsing it with the schema's `plate` model. Unknown keys are kept in `extra`; `version`
 * is dropped (the node knows its version).
 * @throws {InvalidMetadataError} when the object breaks the spec.
 */
export function parsePlate(raw: unknown, source?: string): PlateMeta {
  const p = parseModel(v05.PlateDef, raw, { at: "plate", source });
  const known = new Set([
    "version",
    "name",
    "acquisitions",
    "rows",
    "columns",
    "wells",
    "field_count",
  ]);
  const plate: PlateMeta = {
    rows: p.rows.map((r) => ({ name: r.name })),
    columns: p.columns.map((c) => ({ name: c.name })),
    wells: p.wells.map((w) => ({ path: w.path, rowIndex: w.rowIndex, columnIndex: w.columnIndex })),
  };
  if (p.name !== undefined) plate.name = p.name;
  if (p.acquisitions !== undefined) {
    plate.acquisitions = p.acquisitions.map((a) => {
      const o: Acquisition = { id: a.id };
      for (const k of ACQ_KEYS)
        if (k !== "id" && a[k] !== undefined) (o as Record<string, unknown>)[k] = a[k];
      return o;
    });
  }
  if (p.field_count !== undefined) plate.field_count = p.field_count;
  const extra = Object.fromEntries(Object.entries(p).filter(([k]) => !known.has(k)));
  if (Object.keys(extra).length > 0) plate.extra = extra;
  return plate;
}

/**
 * Read a `well` JSON object into a {@link WellMeta} after parsing it with the schema's `well`
 * model (unknown keys kept in `extra`).
 * @throws {InvalidMetadataError} when the object breaks the spec.
 */
export function parseWell(raw: unknown, source?: string): WellMeta {
  const w = parseModel(v05.WellDef, raw, { at: "well", source });
  const well: WellMeta = {
    images: w.images.map((img) =>
      img.acquisition === undefined
        ? { path: img.path }
        : { acquisition: img.acquisition, path: img.path },
    ),
  };
  const extra = Object.fromEntries(
    Object.entries(w).filter(([k]) => k !== "images" && k !== "version"),
  );
  if (Object.keys(extra).length > 0) well.extra = extra;
  return well;
}

/** Deep copy (metadata objects are small; edits never alias the caller's objects). */
export function clonePlate(p: PlateMeta): PlateMeta {
  return structuredClone(p);
}

/** Options for placing a new well in the plate's row and column lists. */
export interface WellIndexOptions {
  /** Index of the row in `plate.rows`; default: the row's index when listed, else appended. */
  rowIndex?: number;
  /** Index of the column in `plate.columns`; default: the column's index when listed, else appended. */
  colIndex?: number;
}

function placeAxis(
  list: { name: string }[],
  name: string,
  index: number | undefined,
  what: "row" | "column",
  option: string,
): number {
  const found = list.findIndex((e) => e.name === name);
  if (found >= 0) {
    if (index !== undefined && index !== found) {
      throw new InvalidMetadataError([
        issue(
          "well_path_mismatch",
          `plate.${what}s[${found}]`,
          `${option} ${index} was given for ${what} ${JSON.stringify(name)}, which is already listed at index ${found}; omit ${option} or pass ${found}`,
          String(found),
        ),
      ]);
    }
    return found;
  }
  if (index !== undefined && index !== list.length) {
    const at = list[index]?.name;
    throw new InvalidMetadataError([
      issue(
        "well_path_mismatch",
        `plate.${what}s`,
        at !== undefined
          ? `${option} ${index} for new ${what} ${JSON.stringify(name)} is already ${what} ${JSON.stringify(at)}; ` +
              `a new ${what} goes at index ${list.length} — declare the full ${what} list up front with Plate.create({ ${what}s }) to fix indices`
          : `${option} ${index} for new ${what} ${JSON.stringify(name)} would leave a gap in plate.${what}s (length ${list.length}); ` +
              `declare the full ${what} list up front with Plate.create({ ${what}s })`,
        String(list.length),
      ),
    ]);
  }
  list.push({ name });
  return list.length - 1;
}

/**
 * Add well `row/column` to `plate` in place (rows and columns appended when new), and return its
 * entry. Index options must agree with the row and column lists.
 * @throws {InvalidMetadataError} when an index option disagrees with the lists.
 */
export function addWell(
  plate: PlateMeta,
  row: string,
  column: string,
  opts: WellIndexOptions = {},
): PlateWell {
  const rowIndex = placeAxis(plate.rows, row, opts.rowIndex, "row", "rowIndex");
  const columnIndex = placeAxis(plate.columns, column, opts.colIndex, "column", "colIndex");
  const entry = { path: `${row}/${column}`, rowIndex, columnIndex };
  plate.wells.push(entry);
  return entry;
}

/**
 * Check that index options agree with where `row` and `column` are (or would be appended),
 * without changing `plate`.
 * @throws {InvalidMetadataError} when an index option disagrees with the lists.
 */
export function checkWellIndex(
  plate: PlateMeta,
  row: string,
  column: string,
  opts: WellIndexOptions,
): void {
  placeAxis([...plate.rows], row, opts.rowIndex, "row", "rowIndex");
  placeAxis([...plate.columns], column, opts.colIndex, "column", "colIndex");
}

/**
 * Drop rows and columns no well uses any more, renumbering every well's indices. Used after
 * a rename so the lists stay consistent; rows declared up front but never used are kept
 * unless `prune` names them.
 */
export function dropAxisNames(
  plate: PlateMeta,
  prune: { rows?: string[]; columns?: string[] },
): void {
  const usedRows = new Set(plate.wells.map((w) => splitWellPath(w.path)?.[0]));
  const usedCols = new Set(plate.wells.map((w) => splitWellPath(w.path)?.[1]));
  const dropRows = new Set((prune.rows ?? []).filter((r) => !usedRows.has(r)));
  const dropCols = new Set((prune.columns ?? []).filter((c) => !usedCols.has(c)));
  if (dropRows.size === 0 && dropCols.size === 0) return;
  plate.rows = plate.rows.filter((r) => !dropRows.has(r.name));
  plate.columns = plate.columns.filter((c) => !dropCols.has(c.name));
  reindexWells(plate);
}

/** Recompute every well's `rowIndex` and `columnIndex` from its path and the current lists. */
export function reindexWells(plate: PlateMeta): void {
  const ri = new Map(plate.rows.map((r, i) => [r.name, i]));
  const ci = new Map(plate.columns.map((c, i) => [c.name, i]));
  for (const w of plate.wells) {
    const [r, c] = splitWellPath(w.path) ?? ["", ""];
    w.rowIndex = ri.get(r) ?? w.rowIndex;
    w.columnIndex = ci.get(c) ?? w.columnIndex;
  }
}

/** Wells of the plate in natural order (rows, then columns). */
export function sortedWellPaths(plate: PlateMeta): string[] {
  return plate.wells.map((w) => w.path).sort(compareWellPaths);
}

/**
 * Rename well `from` to `to` in place: the well's path and indices follow, a new row or column
 * is appended when needed, and the old row or column is dropped when no well uses it any more
 * (iohub's behaviour), renumbering the other wells.
 * @throws {InvalidMetadataError} when `from` is not listed or `to` already is.
 */
export function renameWellMeta(plate: PlateMeta, from: string, to: string): void {
  const entry = plate.wells.find((w) => w.path === from);
  const [oldRow, oldCol] = splitWellPath(from) ?? ["", ""];
  const [newRow, newCol] = splitWellPath(to) ?? ["", ""];
  if (!entry) {
    throw new InvalidMetadataError([
      issue(
        "unknown_well",
        "plate.wells",
        `well ${JSON.stringify(from)} is not listed in the plate`,
      ),
    ]);
  }
  if (plate.wells.some((w) => w.path === to)) {
    throw new InvalidMetadataError([
      issue(
        "duplicate_well_path",
        "plate.wells",
        `well ${JSON.stringify(to)} is already listed in the plate`,
      ),
    ]);
  }
  entry.path = to;
  if (!plate.rows.some((r) => r.name === newRow)) plate.rows.push({ name: newRow });
  if (!plate.columns.some((c) => c.name === newCol)) plate.columns.push({ name: newCol });
  reindexWells(plate);
  dropAxisNames(plate, { rows: [oldRow], columns: [oldCol] });
}
