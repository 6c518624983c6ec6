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
import { InvalidMetadataError } from "../../errors.js";
import type { NgffVersion } from "../context.js";
import { compareWellPaths } from "./order.js";
import { assertValidPlate, assertValidWell, issue, splitWellPath } from "./validate.js";

export {
  assertValidPlate,
  assertValidWell,
  plateIssues,
  splitWellPath,
  wellIssues,
} from "./validate.js";

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** One acquisition of a plate (`plate.acquisitions[]`). */
export interface Acquisition {
  /** Unique non-negative integer id within the plate. */
  id: number;
  name?: string;
  /** The maximum number of fields of view for this acquisition (positive). */
  maximumfieldcount?: number;
  description?: string;
  /** Epoch seconds. */
  starttime?: number;
  /** Epoch seconds. */
  endtime?: number;
}

/** A well entry of the plate (`plate.wells[]`). */
export interface PlateWell {
  /** `row/column`. */
  path: string;
  /** Index of the row in `rows`. */
  rowIndex: number;
  /** Index of the column in `columns`. */
  columnIndex: number;
}

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

/** A field of view of a well (`well.images[]`). */
export interface WellImage {
  acquisition?: number;
  /** Name of the position group inside the well. */
  path: string;
}

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

function invalid(location: string, message: string, source?: string): InvalidMetadataError {
  return new InvalidMetadataError(
    [issue("invalid_type", location, message)],
    source === undefined ? {} : { source },
  );
}

function nameList(v: unknown, loc: string, source?: string): { name: string }[] {
  if (!Array.isArray(v))
    throw invalid(loc, `expected a list of {name}, found ${JSON.stringify(v)}`, source);
  return v.map((e, i) => {
    if (!isRecord(e) || typeof e.name !== "string") {
      throw invalid(
        `${loc}[${i}]`,
        `expected {"name": string}, found ${JSON.stringify(e)}`,
        source,
      );
    }
    return { name: e.name };
  });
}

/**
 * Read a `plate` JSON object (as found in `.zattrs` or `attributes.ome`) into a {@link PlateMeta}.
 * Unknown keys are kept in `extra`; `version` is dropped (the node knows its version).
 * @throws {InvalidMetadataError} when the object does not have the plate's shape or breaks the spec.
 */
export function parsePlate(raw: unknown, source?: string): PlateMeta {
  if (!isRecord(raw))
    throw invalid("plate", `expected an object, found ${JSON.stringify(raw)}`, source);
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
    rows: nameList(raw.rows, "plate.rows", source),
    columns: nameList(raw.columns, "plate.columns", source),
    wells: [],
  };
  if (!Array.isArray(raw.wells)) throw invalid("plate.wells", "expected a list of wells", source);
  plate.wells = raw.wells.map((w, i) => {
    if (!isRecord(w))
      throw invalid(`plate.wells[${i}]`, `expected an object, found ${JSON.stringify(w)}`, source);
    return {
      path: w.path as string,
      rowIndex: w.rowIndex as number,
      columnIndex: w.columnIndex as number,
    };
  });
  if (typeof raw.name === "string") plate.name = raw.name;
  if (raw.acquisitions !== undefined) {
    if (!Array.isArray(raw.acquisitions))
      throw invalid("plate.acquisitions", "expected a list", source);
    plate.acquisitions = raw.acquisitions.map((a, i) => {
      if (!isRecord(a)) throw invalid(`plate.acquisitions[${i}]`, "expected an object", source);
      const o: Acquisition = { id: a.id as number };
      for (const k of ACQ_KEYS)
        if (k !== "id" && a[k] !== undefined) (o as unknown as Record<string, unknown>)[k] = a[k];
      return o;
    });
  }
  if (raw.field_count !== undefined) plate.field_count = raw.field_count as number;
  const extra = Object.fromEntries(Object.entries(raw).filter(([k]) => !known.has(k)));
  if (Object.keys(extra).length > 0) plate.extra = extra;
  assertValidPlate(plate, source);
  return plate;
}

/**
 * Read a `well` JSON object into a {@link WellMeta} (unknown keys kept in `extra`).
 * @throws {InvalidMetadataError} when the object does not have the well's shape or breaks the spec.
 */
export function parseWell(raw: unknown, source?: string): WellMeta {
  if (!isRecord(raw))
    throw invalid("well", `expected an object, found ${JSON.stringify(raw)}`, source);
  if (!Array.isArray(raw.images)) throw invalid("well.images", "expected a list of images", source);
  const well: WellMeta = {
    images: raw.images.map((img, i) => {
      if (!isRecord(img)) throw invalid(`well.images[${i}]`, "expected an object", source);
      const o: WellImage = { path: img.path as string };
      if (img.acquisition !== undefined) o.acquisition = img.acquisition as number;
      return o;
    }),
  };
  const extra = Object.fromEntries(
    Object.entries(raw).filter(([k]) => k !== "images" && k !== "version"),
  );
  if (Object.keys(extra).length > 0) well.extra = extra;
  assertValidWell(well, source);
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
          `well_${what}_index_mismatch`,
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
        `well_${what}_index_mismatch`,
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
        "duplicate_well",
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
