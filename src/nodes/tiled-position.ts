/**
 * TiledPosition: a Position whose arrays are tile grids (iohub's `TiledPosition`; the "tiled"
 * layout, which cannot be inferred from metadata and must be asked for).
 */
import { InvalidOptionsError } from "../errors.js";
import type { DataType, ZarrArray } from "../store/index.js";
import type { AxisSpec } from "./axes.js";
import type { NodeContext } from "./context.js";
import { checkOverwrite } from "./overwrite.js";
import { Position, type PositionFallback, prepareCreate, readPositionInit } from "./position.js";
import { TiledImageArray } from "./tiled-image-array.js";
import type { Transform } from "./transforms.js";

/** Options of {@link TiledPosition.makeTiles}. */
export interface MakeTilesOptions {
  /** `[rows, columns]` of the tile grid. */
  gridShape: readonly [number, number];
  /** Shape of one tile (up to 5-D; the last two axes are Y, X). */
  tileShape: readonly number[];
  dtype: DataType;
  transform?: readonly Transform[];
  /** How many trailing axes a chunk spans (default 2: one Y-X tile per chunk). */
  chunkDims?: number;
  /**
   * Replace an existing array `name` (iohub's `overwriting_creation`), as `createZeros` does:
   * every option is checked first, then the old array (its pyramid and labels with it) is
   * deleted and the new one created. Default false: an existing array is an AlreadyExistsError.
   */
  overwrite?: boolean;
}

/** A Position of tiled image arrays. */
export class TiledPosition extends Position {
  /** Open an existing position as tiled. @see Position.open @internal */
  static override async open(
    ctx: NodeContext,
    fallback: PositionFallback = {},
  ): Promise<TiledPosition> {
    return new TiledPosition(ctx, await readPositionInit(ctx, fallback));
  }

  /** Create a tiled position group. @see Position.create @internal */
  static override async create(
    ctx: NodeContext,
    opts: { channelNames: readonly string[]; axes?: readonly AxisSpec[] | undefined },
  ): Promise<TiledPosition> {
    return new TiledPosition(ctx, await prepareCreate(ctx, opts));
  }

  protected override wrapArray(a: ZarrArray): TiledImageArray {
    return TiledImageArray._wrap(a, this.arrayOptions());
  }

  /** The tiled array `name` (or level index, as in {@link Position.get}). @throws {NotFoundError} when absent. */
  override async get(name: string | number): Promise<TiledImageArray> {
    return (await super.get(name)) as TiledImageArray;
  }

  /** The tiled array `"0"`. */
  override get data(): Promise<TiledImageArray> {
    return this.get("0");
  }

  /**
   * Create an empty tiled array: shape = tileShape with Y, X multiplied by the grid; chunks =
   * the last `chunkDims` axes of the tile shape (1 elsewhere).
   * @throws {ShapeMismatchError} for a bad grid or tile shape; the errors of createZeros
   *   (with `overwrite`, all of them before the old array is removed).
   */
  async makeTiles(name: string, opts: MakeTilesOptions): Promise<TiledImageArray> {
    this.assertWritable();
    const overwrite = checkOverwrite(opts.overwrite);
    const { gridShape, tileShape } = opts;
    const chunkDims = opts.chunkDims ?? 2;
    if (
      !Array.isArray(gridShape) ||
      gridShape.length !== 2 ||
      !gridShape.every((g) => Number.isInteger(g) && g > 0)
    ) {
      throw new InvalidOptionsError("gridShape", gridShape, "[rows, columns] of integers >= 1");
    }
    if (
      !Array.isArray(tileShape) ||
      tileShape.length < 2 ||
      !tileShape.every((t) => Number.isInteger(t) && t > 0)
    ) {
      throw new InvalidOptionsError("tileShape", tileShape, "2 or more integers >= 1 (…, Y, X)");
    }
    if (!Number.isInteger(chunkDims) || chunkDims < 2 || chunkDims > tileShape.length) {
      throw new InvalidOptionsError(
        "chunkDims",
        chunkDims,
        `an integer from 2 to ${tileShape.length}`,
      );
    }
    const n = tileShape.length;
    const shape = tileShape.map((t, i) =>
      i === n - 2 ? t * gridShape[0] : i === n - 1 ? t * gridShape[1] : t,
    );
    const chunks = tileShape.map((t, i) => (i >= n - chunkDims ? t : 1));
    const arr = await this.createZeros(name, {
      shape,
      dtype: opts.dtype,
      chunks,
      ...(opts.transform === undefined ? {} : { transform: opts.transform }),
      ...(overwrite ? { overwrite } : {}),
    });
    return arr as TiledImageArray;
  }
}
