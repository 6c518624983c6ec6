/**
 * Planning a batch of new positions (pure), which the plate then applies: every check runs
 * before the first write, so bad input leaves the store untouched, and metadata is then written
 * once per well and once for the plate.
 */
import { AlreadyExistsError, InvalidMetadataError, UnsafePathError } from "../../errors.js";
import { plateNameIssues, throwIssues } from "../../schema/check.js";
import { assertSafeName } from "../../store/safe-name.js";
import {
  addWell,
  checkWellIndex,
  type PlateMeta,
  raiseFieldCounts,
  type WellImage,
  type WellIndexOptions,
  type WellMeta,
} from "./meta.js";
import { compareWellPaths, naturalCompare, naturalSort } from "./order.js";

/**
 * Check a row, column or field name: one safe path segment (no `..`, `/`, empty, …) that the
 * spec allows (letters and digits only).
 * @throws {UnsafePathError} when the name could escape its group or is empty.
 * @throws {InvalidMetadataError} when the name is safe but not alphanumeric.
 */
export function assertPlateName(name: string, what: "row" | "column" | "field"): void {
  try {
    assertSafeName(name, `${what} name`);
  } catch (err) {
    // The generic hint allows '.', '_' and '-', which a plate name may not contain.
    if (!(err instanceof UnsafePathError)) throw err;
    throw new UnsafePathError(err.path, err.reason, {
      what: `${what} name`,
      hint: "use letters and digits only (OME-NGFF plate layout), e.g. A, B, 1, 12",
    });
  }
  throwIssues(plateNameIssues(name, what), {
    summary: `invalid ${what} name ${JSON.stringify(name)} (OME-NGFF plate layout: letters and digits only)`,
  });
}

/** One position to create: row, column and field names, and where the well goes. */
export interface PositionSpec extends WellIndexOptions {
  row: string;
  col: string;
  pos: string;
  /** Acquisition id recorded in the well's image list (default 0, as in iohub). */
  acqIndex?: number;
}

/** Normalize `"A/1/0"` or a {@link PositionSpec} (validating names). */
export function toPositionSpec(spec: string | PositionSpec): PositionSpec {
  if (typeof spec !== "string") {
    assertPlateName(spec.row, "row");
    assertPlateName(spec.col, "column");
    assertPlateName(spec.pos, "field");
    return spec;
  }
  const parts = spec.split("/");
  if (parts.length !== 3) {
    throw new InvalidMetadataError(
      [
        {
          code: "position_path_format",
          location: "positions",
          message: `position path ${JSON.stringify(spec)} is not of the form "row/column/field"`,
          expected: "row/column/field",
        },
      ],
      { summary: `invalid position path ${JSON.stringify(spec)}` },
    );
  }
  const [row, col, pos] = parts as [string, string, string];
  return toPositionSpec({ row, col, pos });
}

/**
 * Check an acquisition id: a non-negative integer, and one of the plate's acquisitions when it lists any.
 * @throws {InvalidMetadataError} otherwise.
 */
export function checkAcquisition(plate: PlateMeta, acq: number, where: string): void {
  if (!Number.isInteger(acq) || acq < 0) {
    throw new InvalidMetadataError(
      [
        {
          code: "invalid_type",
          location: where,
          message: `acqIndex must be a non-negative integer, found ${acq}`,
        },
      ],
      { summary: `invalid acqIndex ${acq}` },
    );
  }
  const ids = plate.acquisitions?.map((a) => a.id);
  if (ids && ids.length > 0 && !ids.includes(acq)) {
    throw new InvalidMetadataError(
      [
        {
          code: "unknown_acquisition",
          location: where,
          message: `acquisition ${acq} is not one of the plate's acquisitions [${ids.join(", ")}]; add it first with plate.addAcquisition({ id: ${acq} })`,
          expected: `one of ${ids.join(", ")}`,
        },
      ],
      { summary: `unknown acquisition ${acq}` },
    );
  }
}

/** What a batch changes, computed before any write. */
export interface PositionPlan {
  /** The plate metadata after the batch. */
  plate: PlateMeta;
  /** Row groups to create (rows no listed well used before). */
  newRows: string[];
  /** Well paths (`row/col`) to create. */
  newWells: string[];
  /** Per touched well: its metadata after the batch and the images the batch adds. */
  wells: Map<string, { meta: WellMeta; added: WellImage[] }>;
  /** Every position to create, in input order, with its well path. */
  positions: { well: string; spec: PositionSpec }[];
}

/**
 * Plan the creation of `specs` on top of `plate` (not modified). `existingWell(path)` returns
 * the current metadata of a listed well (undefined when it has none yet).
 * @throws {AlreadyExistsError} when a position exists or appears twice in the batch.
 * @throws {InvalidMetadataError} for index options that disagree with the plate's lists and for unknown acquisitions.
 * @throws {UnsafePathError} for unsafe names.
 */
export function planPositions(
  plate: PlateMeta,
  existingWell: (path: string) => WellMeta | undefined,
  specs: readonly (string | PositionSpec)[],
): PositionPlan {
  const next = structuredClone(plate);
  const listed = new Set(plate.wells.map((w) => w.path));
  const usedRows = new Set(plate.wells.map((w) => w.path.split("/")[0]));
  const newRows: string[] = [];
  const newWells: string[] = [];
  const wells = new Map<string, { meta: WellMeta; added: WellImage[] }>();
  const positions: { well: string; spec: PositionSpec }[] = [];
  const normalized = specs.map(toPositionSpec);
  // Without explicit indices, a batch lists its new rows, columns and wells in natural order
  // (A before B, 2 before 10) whatever order the positions come in.
  const natural = !normalized.some((s) => s.rowIndex !== undefined || s.colIndex !== undefined);
  if (natural) {
    const newR = new Set<string>();
    const newC = new Set<string>();
    for (const s of normalized) {
      if (listed.has(`${s.row}/${s.col}`)) continue;
      if (!next.rows.some((r) => r.name === s.row)) newR.add(s.row);
      if (!next.columns.some((c) => c.name === s.col)) newC.add(s.col);
    }
    next.rows.push(...naturalSort(newR).map((name) => ({ name })));
    next.columns.push(...naturalSort(newC).map((name) => ({ name })));
  }
  normalized.forEach((spec, i) => {
    const well = `${spec.row}/${spec.col}`;
    const acq = spec.acqIndex ?? 0;
    checkAcquisition(next, acq, `positions[${i}].acqIndex`);
    let entry = wells.get(well);
    if (!entry) {
      if (listed.has(well)) {
        const current = existingWell(well);
        entry = { meta: current ? structuredClone(current) : { images: [] }, added: [] };
        checkWellIndex(plate, spec.row, spec.col, spec);
      } else {
        const opts: WellIndexOptions = {};
        if (spec.rowIndex !== undefined) opts.rowIndex = spec.rowIndex;
        if (spec.colIndex !== undefined) opts.colIndex = spec.colIndex;
        addWell(next, spec.row, spec.col, opts);
        newWells.push(well);
        if (!usedRows.has(spec.row)) {
          usedRows.add(spec.row);
          newRows.push(spec.row);
        }
        entry = { meta: { images: [] }, added: [] };
      }
      wells.set(well, entry);
    } else if (spec.rowIndex !== undefined || spec.colIndex !== undefined) {
      // A later position of the same well: its indexes must agree with the well's too.
      checkWellIndex(listed.has(well) ? plate : next, spec.row, spec.col, spec);
    }
    if (entry.meta.images.some((img) => img.path === spec.pos)) {
      const fresh = entry.added.some((img) => img.path === spec.pos);
      throw new AlreadyExistsError(
        `${well}/${spec.pos}`,
        fresh
          ? `position ${JSON.stringify(`${well}/${spec.pos}`)} appears twice in the batch; list each position once`
          : `position ${JSON.stringify(`${well}/${spec.pos}`)} already exists; pick another field name or open it with plate.getPosition()`,
      );
    }
    const image: WellImage = { acquisition: acq, path: spec.pos };
    entry.meta.images.push(image);
    entry.added.push(image);
    positions.push({ well, spec });
  });
  // The strict schemas want each acquisition's maximumfieldcount: raise it from the wells touched.
  for (const { meta } of wells.values()) raiseFieldCounts(next, meta.images);
  if (natural) {
    const added = next.wells
      .splice(plate.wells.length)
      .sort((a, b) => compareWellPaths(a.path, b.path));
    next.wells.push(...added);
    newRows.sort(naturalCompare);
    newWells.sort(compareWellPaths);
  }
  return { plate: next, newRows, newWells, wells, positions };
}
