/**
 * TiledImageArray: an image array laid out as a grid of tiles on its last two axes (Y, X), one
 * tile per chunk (iohub's `TiledImageArray`).
 */
import { ShapeMismatchError } from "../errors.js";
import type { ZarrArray } from "../store/index.js";
import { ImageArray, type ImageArrayOptions, type WriteValue } from "./image-array.js";
import type { NdArray } from "./pixel-data.js";
import type { AxisSelection, Selection } from "./selection.js";

/** An image array whose chunks are the tiles of a row × column grid. */
export class TiledImageArray extends ImageArray {
  /** Wrap a store array as a tiled array. @see ImageArray._wrap @internal */
  static override _wrap(array: ZarrArray, opts: ImageArrayOptions): TiledImageArray {
    return new TiledImageArray(array, opts);
  }

  /** Tile rows (shape[-2] / chunks[-2]). */
  get rows(): number {
    return Math.floor((this.shape.at(-2) as number) / (this.chunks.at(-2) as number));
  }
  /** Tile columns (shape[-1] / chunks[-1]). */
  get columns(): number {
    return Math.floor((this.shape.at(-1) as number) / (this.chunks.at(-1) as number));
  }
  /** Grid size `[rows, columns]`. */
  get tiles(): [number, number] {
    return [this.rows, this.columns];
  }
  /** Shape of one tile: the chunk shape. */
  get tileShape(): readonly number[] {
    return this.chunks;
  }

  /**
   * The selection of tile (row, column); `preDims` selects the leading axes (T, C, Z for 5-D),
   * each an index, a `[start, stop]` range or null (default: all). Unlike iohub, an integer in
   * `preDims` selects that index (iohub turns it into `slice(i)`, i.e. `0..i`).
   * @throws {ShapeMismatchError} for a row/column outside the grid or a `preDims` of the wrong length.
   */
  tileSelection(row: number, column: number, preDims?: readonly AxisSelection[]): Selection {
    if (
      !Number.isInteger(row) ||
      !Number.isInteger(column) ||
      row < 0 ||
      column < 0 ||
      row >= this.rows ||
      column >= this.columns
    ) {
      throw new ShapeMismatchError(
        this.tiles,
        [row, column],
        `tile (${row}, ${column}) is outside the ${this.rows} × ${this.columns} grid of ${JSON.stringify(this.path)}`,
      );
    }
    const lead = this.ndim - 2;
    if (preDims !== undefined && preDims.length !== lead) {
      throw new ShapeMismatchError(
        `${lead} entries`,
        `${preDims.length} entries`,
        `preDims must have ${lead} entries (one per axis before Y and X), found ${preDims.length}`,
      );
    }
    const [ty, tx] = [this.chunks.at(-2) as number, this.chunks.at(-1) as number];
    const pre: AxisSelection[] =
      preDims === undefined ? new Array<AxisSelection>(lead).fill(null) : [...preDims];
    return [...pre, [row * ty, (row + 1) * ty], [column * tx, (column + 1) * tx]];
  }

  /** Read one tile as an ndarray. @throws {ShapeMismatchError} outside the grid. */
  getTile(row: number, column: number, preDims?: readonly AxisSelection[]): Promise<NdArray> {
    try {
      return this.read(this.tileSelection(row, column, preDims));
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /**
   * Write one tile (iohub's `write_tile(data, row, column)`, arguments reordered).
   * @throws {ShapeMismatchError} outside the grid or for data that does not fit; {@link ReadOnlyError} in mode "r".
   */
  writeTile(
    row: number,
    column: number,
    data: WriteValue,
    preDims?: readonly AxisSelection[],
  ): Promise<void> {
    try {
      return this.write(this.tileSelection(row, column, preDims), data);
    } catch (err) {
      return Promise.reject(err);
    }
  }
}
