/**
 * Row: the group of an HCS plate that holds the wells of one row. It has no OME metadata of
 * its own; which wells it has comes from the plate's `wells` list. iohub's `Row` in camelCase.
 */
import { NotFoundError } from "../errors.js";
import type { NodeContext } from "./context.js";
import { NgffNode, type NodeInit } from "./ngff-node.js";
import { naturalSort } from "./plate/order.js";
import type { Well } from "./well.js";

/** What a row asks its plate for (Plate implements it; its `_` member is internal). */
export interface RowSource {
  /** Column names of the wells listed in row `row`. @internal */
  _wellColumns(row: string): string[];
  /** The (cached) well node at `row/column`. */
  getWell(path: string): Promise<Well>;
  /** Delete well `row/column` (see `Plate.deleteWell`). */
  deleteWell(row: string, column: string): Promise<void>;
}

/** A row of an HCS plate. */
export class Row extends NgffNode {
  readonly #plate: RowSource;

  /** @internal */
  protected constructor(ctx: NodeContext, init: NodeInit, plate: RowSource);
  /** A row comes from its plate (`plate.getRow`, `plate.rows()`), not from `new`. */
  protected constructor(...args: never);
  protected constructor(ctx: NodeContext, init: NodeInit, plate: RowSource) {
    super(ctx, init);
    this.#plate = plate;
  }

  /** The row node of `plate` at `ctx.path`. @internal */
  static _new(ctx: NodeContext, init: NodeInit, plate: RowSource): Row {
    return new Row(ctx, init, plate);
  }

  protected override omeMetadata(): Record<string, unknown> | undefined {
    return undefined;
  }

  /** Column names of this row's wells, in natural order (`2` before `10`). */
  wellNames(): string[] {
    return naturalSort(this.#plate._wellColumns(this.name));
  }

  /**
   * The well in column `column` of this row.
   * @throws {NotFoundError} when the plate does not list that well.
   */
  getWell(column: string): Promise<Well> {
    if (!this.wellNames().includes(column)) {
      return Promise.reject(
        new NotFoundError(
          `${this.name}/${column}`,
          `row ${JSON.stringify(this.name)} has no well in column ${JSON.stringify(column)}; it has ${JSON.stringify(this.wellNames())}`,
        ),
      );
    }
    return this.#plate.getWell(`${this.name}/${column}`);
  }

  /**
   * Delete the well in column `column` of this row (iohub's `del row[column]`): see
   * `Plate.deleteWell`.
   * @throws {NotFoundError} when there is no such well; {@link ReadOnlyError} in mode "r".
   */
  deleteWell(column: string): Promise<void> {
    return this.#plate.deleteWell(this.name, column);
  }

  /** Iterate `[column, well]` over this row's wells in natural order (iohub's `wells()`). */
  async *wells(): AsyncGenerator<[string, Well]> {
    for (const column of this.wellNames()) {
      yield [column, await this.#plate.getWell(`${this.name}/${column}`)];
    }
  }
}
