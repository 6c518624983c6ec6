/**
 * A plate's layout declared at creation (`openOmeZarr(path, { layout: "hcs", plate: { … } })`):
 * the full row and column lists, name, acquisitions and field count. Wells may then be created
 * in any order and get their final `rowIndex` / `columnIndex`; a well whose row or column was not
 * declared is refused. The spec wants at least one well in `plate` metadata, so the declaration
 * is persisted as its own group attribute ({@link PLATE_LAYOUT_ATTR}) from creation on: a plate
 * reopened before its first well keeps it, and a reopen with another declaration is refused.
 */
import { InvalidMetadataError, InvalidOptionsError, LayoutMismatchError } from "../../errors.js";
import { PlateLayoutDeclaration } from "../../schema/plate-layout.js";
import {
  type Acquisition,
  type PlateMeta,
  reindexWells,
  splitWellPath,
  withAcquisitionDefaults,
} from "./meta.js";

/** The declaration of a plate's layout (the `plate` option of `openOmeZarr`). */
export interface PlateLayout {
  /** Plate name (`plate.name`); default: the store's name without `.ome.zarr` / `.zarr`. */
  name?: string;
  /** Every row of the plate, in order, e.g. `["A", "B", …, "H"]` (letters and digits, unique). */
  rows: readonly string[];
  /** Every column of the plate, in order, e.g. `["1", …, "12"]` (letters and digits, unique). */
  columns: readonly string[];
  /**
   * Acquisitions (unique ids; default `[{ id: 0 }]`); one without a name gets
   * `"Acquisition <id>"`. `maximumfieldcount` is kept by the plate from the fields created.
   */
  acquisitions?: readonly Acquisition[];
  /** The number of fields per well (`plate.field_count`): a well may not get more. */
  fieldCount?: number;
}

/** A declaration checked and with its defaults filled in (the form persisted and compared). */
export interface DeclaredLayout {
  name?: string;
  rows: string[];
  columns: string[];
  acquisitions: Acquisition[];
  fieldCount?: number;
}

/**
 * The group attribute (beside the OME metadata: `.zattrs` on 0.4, `zarr.json` `attributes` on
 * 0.5) that holds a declared layout. Other readers ignore it; the official schemas allow it.
 */
export const PLATE_LAYOUT_ATTR = "ngff-writer:plate-layout";

function duplicate(list: readonly (string | number)[]): string | number | undefined {
  const seen = new Set<string | number>();
  for (const v of list) {
    if (seen.has(v)) return v;
    seen.add(v);
  }
  return undefined;
}

/**
 * Check a layout declaration (validated by the plate schema's row, column and acquisition
 * models) and fill in its defaults. Pure: nothing is read or written.
 * @param defaultName - the plate name when the declaration has none (the store's name).
 * @param option - the option's name in messages (default `plate`).
 * @throws {InvalidOptionsError} for anything that is not a valid declaration: not an object,
 *   unknown keys, empty, duplicate or non-alphanumeric row/column names, acquisitions without a
 *   non-negative integer id or with duplicate ids, a field count that is not a positive integer.
 */
export function checkPlateLayout(
  raw: unknown,
  defaultName: string | undefined,
  option = "plate",
): DeclaredLayout {
  const parsed = PlateLayoutDeclaration.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const at = issue.path.length === 0 ? option : `${option}.${issue.path.join(".")}`;
    let found: unknown = raw;
    for (const k of issue.path) {
      found =
        typeof found === "object" && found !== null
          ? (found as Record<PropertyKey, unknown>)[k as PropertyKey]
          : undefined;
    }
    throw new InvalidOptionsError(
      at,
      found,
      "{ name?, rows, columns, acquisitions?, fieldCount? } with rows and columns non-empty lists of letter-and-digit names, acquisitions with integer ids >= 0 and fieldCount an integer >= 1",
      { hint: `${issue.message}; e.g. { rows: ["A", "B"], columns: ["1", "2", "3"] }` },
    );
  }
  const d = parsed.data;
  for (const [key, list] of [
    ["rows", d.rows],
    ["columns", d.columns],
  ] as const) {
    const dup = duplicate(list);
    if (dup !== undefined) {
      throw new InvalidOptionsError(
        `${option}.${key}`,
        [...list],
        `unique ${key.slice(0, -1)} names`,
        {
          hint: `${JSON.stringify(dup)} is listed twice; list each ${key.slice(0, -1)} once.`,
        },
      );
    }
  }
  const acquisitions = (d.acquisitions ?? [{ id: 0 }]).map((a) =>
    withAcquisitionDefaults(a as Acquisition),
  );
  const dupId = duplicate(acquisitions.map((a) => a.id));
  if (dupId !== undefined) {
    throw new InvalidOptionsError(
      `${option}.acquisitions`,
      acquisitions.map((a) => a.id),
      "unique acquisition ids",
      { hint: `acquisition id ${dupId} is listed twice.` },
    );
  }
  const out: DeclaredLayout = { rows: [...d.rows], columns: [...d.columns], acquisitions };
  const name = d.name ?? defaultName;
  if (name !== undefined) out.name = name;
  if (d.fieldCount !== undefined) out.fieldCount = d.fieldCount;
  return out;
}

/** The JSON persisted in {@link PLATE_LAYOUT_ATTR} (keys in a fixed order). */
export function layoutToJson(layout: DeclaredLayout): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (layout.name !== undefined) out.name = layout.name;
  out.rows = [...layout.rows];
  out.columns = [...layout.columns];
  out.acquisitions = structuredClone(layout.acquisitions);
  if (layout.fieldCount !== undefined) out.fieldCount = layout.fieldCount;
  return out;
}

/**
 * The declared layout persisted in a plate group's attributes, or undefined when the plate was
 * created without one.
 * @throws {InvalidMetadataError} when the attribute is there but is not a valid declaration.
 */
export function readDeclaredLayout(
  attributes: Record<string, unknown>,
  source: string,
): DeclaredLayout | undefined {
  const raw = attributes[PLATE_LAYOUT_ATTR];
  if (raw === undefined) return undefined;
  try {
    return checkPlateLayout(raw, undefined, PLATE_LAYOUT_ATTR);
  } catch (err) {
    if (!(err instanceof InvalidOptionsError)) throw err;
    throw new InvalidMetadataError(
      [{ code: "invalid_plate_layout", location: PLATE_LAYOUT_ATTR, message: err.message }],
      { source, summary: `invalid declared plate layout in ${source}` },
    );
  }
}

/**
 * Refuse a declaration that differs from the one a plate was created with.
 * @throws {LayoutMismatchError} when `given` is not `declared` (or the plate declared none).
 */
export function assertSameLayout(
  declared: DeclaredLayout | undefined,
  given: DeclaredLayout,
  label: string,
): void {
  const want = JSON.stringify(layoutToJson(given));
  if (declared === undefined) {
    throw new LayoutMismatchError(
      want,
      "a plate without a declared layout",
      `the plate at ${label} was created without a declared layout, so the plate option cannot apply to it; open it without the plate option (rows and columns are then added as wells are created)`,
    );
  }
  const have = JSON.stringify(layoutToJson(declared));
  if (have !== want) {
    throw new LayoutMismatchError(
      have,
      want,
      `the plate at ${label} was declared with layout ${have}, but ${want} was given; open it without the plate option or with the same declaration`,
    );
  }
}

/** The plate metadata of a declared plate before its first well. */
export function layoutTemplate(layout: DeclaredLayout): PlateMeta {
  const t: PlateMeta = {
    acquisitions: structuredClone(layout.acquisitions),
    rows: layout.rows.map((name) => ({ name })),
    columns: layout.columns.map((name) => ({ name })),
    wells: [],
  };
  if (layout.name !== undefined) t.name = layout.name;
  if (layout.fieldCount !== undefined) t.field_count = layout.fieldCount;
  return t;
}

function undeclared(what: "row" | "column", name: string, declared: readonly string[]) {
  return new InvalidMetadataError(
    [
      {
        code: `undeclared_${what}`,
        location: `plate.${what}s`,
        message: `${what} ${JSON.stringify(name)} is not one of the plate's declared ${what}s ${JSON.stringify(declared)}; use one of them (the layout was declared when the plate was created)`,
        expected: `one of ${declared.join(", ")}`,
      },
    ],
    { summary: `${what} ${JSON.stringify(name)} is not declared` },
  );
}

/**
 * Hold a plate's metadata to its declared layout, in place: every well's row and column must be
 * declared; the row and column lists are the declared ones (an operation may not add or drop
 * any); well indexes follow them, and wells are listed in row-then-column order, so a plate
 * whose wells were created in any order has the same metadata as one created in order.
 * @throws {InvalidMetadataError} (codes `undeclared_row`, `undeclared_column`) for a well in a
 *   row or column that was not declared; the message lists the declared names.
 */
export function applyDeclaredLayout(plate: PlateMeta, layout: DeclaredLayout): void {
  const rows = new Set(layout.rows);
  const columns = new Set(layout.columns);
  for (const w of plate.wells) {
    const [r, c] = splitWellPath(w.path) ?? ["", ""];
    if (!rows.has(r)) throw undeclared("row", r, layout.rows);
    if (!columns.has(c)) throw undeclared("column", c, layout.columns);
  }
  plate.rows = layout.rows.map((name) => ({ name }));
  plate.columns = layout.columns.map((name) => ({ name }));
  reindexWells(plate);
  plate.wells.sort((a, b) => a.rowIndex - b.rowIndex || a.columnIndex - b.columnIndex);
}

/**
 * Refuse more fields in a well than the declared field count.
 * @throws {InvalidMetadataError} (code `field_count_exceeded`) when `count` > `layout.fieldCount`.
 */
export function assertFieldCount(
  layout: DeclaredLayout | undefined,
  well: string,
  count: number,
): void {
  if (layout?.fieldCount === undefined || count <= layout.fieldCount) return;
  throw new InvalidMetadataError(
    [
      {
        code: "field_count_exceeded",
        location: "plate.field_count",
        message: `well ${JSON.stringify(well)} would have ${count} fields, but the plate was declared with fieldCount ${layout.fieldCount}`,
        expected: `at most ${layout.fieldCount} fields per well`,
      },
    ],
    { summary: `too many fields in well ${JSON.stringify(well)}` },
  );
}
