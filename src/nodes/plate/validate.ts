/**
 * Spec checks of plate and well metadata (pure): each problem as a {@link MetadataIssue} with its
 * location, and `assertValid*` that throw them together.
 */
import { InvalidMetadataError, type MetadataIssue } from "../../errors.js";
import type { PlateMeta, WellMeta } from "./meta.js";

const ALNUM = /^[A-Za-z0-9]+$/;
const WELL_PATH = /^([A-Za-z0-9]+)\/([A-Za-z0-9]+)$/;

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function isNonNegInt(v: unknown): v is number {
  return typeof v === "number" && Number.isInteger(v) && v >= 0;
}

/** One metadata issue. */
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

/** Split `row/column` into its two names; `undefined` when the path is not of that form. */
export function splitWellPath(path: string): [row: string, column: string] | undefined {
  const m = WELL_PATH.exec(path);
  return m ? [m[1]!, m[2]!] : undefined;
}

function namedListIssues(list: unknown, key: "rows" | "columns"): MetadataIssue[] {
  const out: MetadataIssue[] = [];
  if (!Array.isArray(list) || list.length === 0) {
    out.push(issue(`plate_${key}_empty`, `plate.${key}`, `plate.${key} must be a non-empty list`));
    return out;
  }
  const seen = new Set<string>();
  list.forEach((entry, i) => {
    const loc = `plate.${key}[${i}].name`;
    const name = isRecord(entry) ? entry.name : undefined;
    if (typeof name !== "string") {
      out.push(issue("invalid_type", loc, `expected a string name, found ${JSON.stringify(name)}`));
      return;
    }
    if (!ALNUM.test(name)) {
      out.push(
        issue(
          "name_not_alphanumeric",
          loc,
          `${JSON.stringify(name)} must contain only letters and digits`,
          "^[A-Za-z0-9]+$",
        ),
      );
    }
    if (seen.has(name)) {
      out.push(
        issue("duplicate_name", loc, `${JSON.stringify(name)} appears twice in plate.${key}`),
      );
    }
    seen.add(name);
  });
  return out;
}

/**
 * Every spec violation in a plate object: non-empty unique alphanumeric rows and columns,
 * a non-empty list of unique `row/column` well paths whose `rowIndex`/`columnIndex` point at
 * the row and column named in the path, unique non-negative acquisition ids, positive counts.
 */
export function plateIssues(plate: PlateMeta): MetadataIssue[] {
  const out = [
    ...namedListIssues(plate.rows, "rows"),
    ...namedListIssues(plate.columns, "columns"),
  ];
  const rows = Array.isArray(plate.rows) ? plate.rows : [];
  const cols = Array.isArray(plate.columns) ? plate.columns : [];
  if (!Array.isArray(plate.wells) || plate.wells.length === 0) {
    out.push(issue("plate_wells_empty", "plate.wells", "plate.wells must be a non-empty list"));
  } else {
    const seen = new Set<string>();
    plate.wells.forEach((w, i) => {
      const loc = `plate.wells[${i}]`;
      const parts = typeof w.path === "string" ? splitWellPath(w.path) : undefined;
      if (!parts) {
        out.push(
          issue(
            "well_path_format",
            `${loc}.path`,
            `well path ${JSON.stringify(w.path)} is not of the form "row/column" (letters and digits)`,
            "row/column",
          ),
        );
        return;
      }
      if (seen.has(w.path)) {
        out.push(
          issue("duplicate_well", `${loc}.path`, `well ${JSON.stringify(w.path)} is listed twice`),
        );
      }
      seen.add(w.path);
      const [row, col] = parts;
      const checks = [
        ["rowIndex", w.rowIndex, rows, row, "row"],
        ["columnIndex", w.columnIndex, cols, col, "column"],
      ] as const;
      for (const [key, index, list, name, what] of checks) {
        if (!isNonNegInt(index)) {
          out.push(
            issue(
              "invalid_type",
              `${loc}.${key}`,
              `${key} must be a non-negative integer, found ${JSON.stringify(index)}`,
            ),
          );
        } else if (list[index]?.name !== name) {
          out.push(
            issue(
              `well_${what}_index_mismatch`,
              `${loc}.${key}`,
              `${key} ${index} points at ${what} ${JSON.stringify(list[index]?.name ?? null)} but the path names ${what} ${JSON.stringify(name)}`,
              `the index of ${what} ${JSON.stringify(name)}`,
            ),
          );
        }
      }
    });
  }
  if (plate.acquisitions !== undefined) {
    const ids = new Set<number>();
    plate.acquisitions.forEach((a, i) => {
      const loc = `plate.acquisitions[${i}]`;
      if (!isNonNegInt(a.id)) {
        out.push(
          issue(
            "invalid_type",
            `${loc}.id`,
            `acquisition id must be a non-negative integer, found ${JSON.stringify(a.id)}`,
          ),
        );
      } else if (ids.has(a.id)) {
        out.push(
          issue("duplicate_acquisition", `${loc}.id`, `acquisition id ${a.id} appears twice`),
        );
      } else ids.add(a.id);
      if (
        a.maximumfieldcount !== undefined &&
        !(isNonNegInt(a.maximumfieldcount) && a.maximumfieldcount > 0)
      ) {
        out.push(
          issue(
            "invalid_type",
            `${loc}.maximumfieldcount`,
            "maximumfieldcount must be a positive integer",
          ),
        );
      }
      for (const k of ["starttime", "endtime"] as const) {
        if (a[k] !== undefined && !isNonNegInt(a[k])) {
          out.push(
            issue(
              "invalid_type",
              `${loc}.${k}`,
              `${k} must be a non-negative integer (epoch seconds)`,
            ),
          );
        }
      }
    });
  }
  if (
    plate.field_count !== undefined &&
    !(isNonNegInt(plate.field_count) && plate.field_count > 0)
  ) {
    out.push(issue("invalid_type", "plate.field_count", "field_count must be a positive integer"));
  }
  return out;
}

/** Every spec violation in a well object: a non-empty list of unique alphanumeric paths. */
export function wellIssues(well: WellMeta): MetadataIssue[] {
  const out: MetadataIssue[] = [];
  if (!Array.isArray(well.images) || well.images.length === 0) {
    out.push(issue("well_images_empty", "well.images", "well.images must be a non-empty list"));
    return out;
  }
  const seen = new Set<string>();
  well.images.forEach((img, i) => {
    const loc = `well.images[${i}]`;
    if (typeof img.path !== "string" || !ALNUM.test(img.path)) {
      out.push(
        issue(
          "name_not_alphanumeric",
          `${loc}.path`,
          `field path ${JSON.stringify(img.path)} must contain only letters and digits`,
          "^[A-Za-z0-9]+$",
        ),
      );
    } else if (seen.has(img.path)) {
      out.push(
        issue(
          "duplicate_image",
          `${loc}.path`,
          `field ${JSON.stringify(img.path)} is listed twice`,
        ),
      );
    } else seen.add(img.path);
    if (img.acquisition !== undefined && !Number.isInteger(img.acquisition)) {
      out.push(issue("invalid_type", `${loc}.acquisition`, "acquisition must be an integer"));
    }
  });
  return out;
}

/**
 * Throw when `plate` breaks the spec.
 * @throws {InvalidMetadataError} listing every problem with its location.
 */
export function assertValidPlate(plate: PlateMeta, source?: string): void {
  const issues = plateIssues(plate);
  if (issues.length > 0) {
    throw new InvalidMetadataError(issues, source === undefined ? {} : { source });
  }
}

/**
 * Throw when `well` breaks the spec.
 * @throws {InvalidMetadataError} listing every problem with its location.
 */
export function assertValidWell(well: WellMeta, source?: string): void {
  const issues = wellIssues(well);
  if (issues.length > 0) {
    throw new InvalidMetadataError(issues, source === undefined ? {} : { source });
  }
}
