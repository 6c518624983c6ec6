/**
 * The declaration of a plate's layout that `openOmeZarr(path, { layout: "hcs", plate })` takes
 * (checked in `src/nodes/plate/layout.ts`): the plate model's row, column and acquisition pieces,
 * so a declared plate can only describe metadata the `plate` model accepts.
 */
import { z } from "zod";
import { Acquisition, Column, Row } from "./common/plate.js";

/** A plate layout declaration: rows, columns, optional name, acquisitions and field count. */
export const PlateLayoutDeclaration = z.strictObject({
  name: z.string().optional(),
  rows: z.array(Row.shape.name).min(1),
  columns: z.array(Column.shape.name).min(1),
  acquisitions: z.array(Acquisition).min(1).optional(),
  fieldCount: z.int().min(1).optional(),
});
export type PlateLayoutDeclaration = z.infer<typeof PlateLayoutDeclaration>;
