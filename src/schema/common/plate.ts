/**
 * "plate" pieces shared by 0.4 and 0.5; `v04/plate.ts` and `v05/plate.ts` add the version rules.
 * Spec sentences quoted from the 0.5 "plate" section (0.4 says the same in fewer words).
 */
import { z } from "zod";
import { addIssue, checkUniqueField, plural } from "./checks.js";

const ALNUM = /^[A-Za-z0-9]+$/;
const WELL_PATH = /^[A-Za-z0-9]+\/[A-Za-z0-9]+$/;

// "Each acquisition object MUST contain an `id` key whose value MUST be an unique integer
// identifier greater than or equal to 0"; "`maximumfieldcount` ... MUST be a positive integer";
// "`starttime` and/or `endtime` ... MUST be integer epoch timestamps".
/** One acquisition of a plate (non-strict: only `id` required). */
export const Acquisition = z.looseObject({
  id: z.int().min(0),
  maximumfieldcount: z.int().min(1).optional(),
  name: z.string().optional(),
  description: z.string().optional(),
  starttime: z.int().min(0).optional(),
  endtime: z.int().min(0).optional(),
});
/** An acquisition as the official `strict_plate` schemas want it (`name`, `maximumfieldcount`). */
export const StrictAcquisition = Acquisition.extend({
  name: z.string(),
  maximumfieldcount: z.int().min(1),
});
export type Acquisition = z.infer<typeof Acquisition>;

// "The `name` MUST contain only alphanumeric characters, MUST be case-sensitive, and MUST NOT be
// a duplicate of any other `name` in the `columns` list."
/** A plate column. */
export const Column = z.looseObject({ name: z.string().regex(ALNUM) });
/** A plate row (same rules as columns). */
export const Row = z.looseObject({ name: z.string().regex(ALNUM) });
export type Column = z.infer<typeof Column>;
export type Row = z.infer<typeof Row>;

// "The `path` MUST consist of a `name` in the `rows` list, a file separator (`/`), and a `name`
// from the `columns` list, in that order. The `path` MUST NOT contain additional leading or
// trailing directories."
/** A well reference of a plate: `path` is `"<row>/<column>"`, indices are 0-based. */
export const PlateWell = z.looseObject({
  path: z.string().regex(WELL_PATH),
  rowIndex: z.int().min(0),
  columnIndex: z.int().min(0),
});
export type PlateWell = z.infer<typeof PlateWell>;

function names(what: "row" | "column", schema: z.ZodType<{ name: string }>) {
  return z
    .array(schema)
    .min(1)
    .superRefine((list, ctx) =>
      checkUniqueField(
        list as readonly { name: string }[],
        "name",
        ctx,
        `duplicate_${what}_name`,
        `${what} name`,
      ),
    );
}

/** Fields of `plate` common to 0.4 and 0.5 (non-strict). */
export const plateFields = {
  acquisitions: z
    .array(Acquisition)
    .superRefine((list, ctx) =>
      checkUniqueField(list, "id", ctx, "duplicate_acquisition_id", "acquisition id"),
    )
    .optional(),
  // "SHOULD contain a `field_count` key whose value MUST be a positive integer"
  field_count: z.int().min(1).optional(),
  // "SHOULD contain a `name` key whose value MUST be a string"
  name: z.string().optional(),
  columns: names("column", Column),
  rows: names("row", Row),
  wells: z
    .array(PlateWell)
    .min(1)
    .superRefine((list, ctx) =>
      checkUniqueField(list, "path", ctx, "duplicate_well_path", "well path"),
    ),
};

/** Strict overrides: acquisitions need `name` and `maximumfieldcount`, the plate a `name`. */
export const strictPlateFields = {
  acquisitions: z
    .array(StrictAcquisition)
    .superRefine((list, ctx) =>
      checkUniqueField(list, "id", ctx, "duplicate_acquisition_id", "acquisition id"),
    )
    .optional(),
  name: z.string(),
};

interface PlateLike {
  rows: readonly { name: string }[];
  columns: readonly { name: string }[];
  wells: readonly PlateWell[];
}

// "`rowIndex` and `columnIndex` MUST be 0-based. The `rowIndex`, `columnIndex`, and `path` MUST
// all refer to the same row/column pair."
/** Every well's indices are in range and its path is `rows[rowIndex]/columns[columnIndex]`. */
export function checkPlateWells(plate: PlateLike, ctx: z.RefinementCtx): void {
  plate.wells.forEach((well, i) => {
    const row = plate.rows[well.rowIndex];
    const column = plate.columns[well.columnIndex];
    if (row === undefined) {
      addIssue(
        ctx,
        "row_index_range",
        ["wells", i, "rowIndex"],
        `rowIndex ${well.rowIndex} is out of range for ${plural(plate.rows.length, "row")}`,
        `an index from 0 to ${plate.rows.length - 1}`,
      );
    }
    if (column === undefined) {
      addIssue(
        ctx,
        "column_index_range",
        ["wells", i, "columnIndex"],
        `columnIndex ${well.columnIndex} is out of range for ${plural(plate.columns.length, "column")}`,
        `an index from 0 to ${plate.columns.length - 1}`,
      );
    }
    if (row !== undefined && column !== undefined) {
      const expected = `${row.name}/${column.name}`;
      if (well.path !== expected) {
        addIssue(
          ctx,
          "well_path_mismatch",
          ["wells", i, "path"],
          `well path "${well.path}" does not match rowIndex ${well.rowIndex} and columnIndex ` +
            `${well.columnIndex}, which name "${expected}" (paths are "<row>/<column>")`,
          `"${expected}"`,
        );
      }
    }
  });
}
