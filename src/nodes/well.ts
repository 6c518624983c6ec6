/**
 * Well: the group of an HCS plate that holds the positions (fields of view) of one well, and
 * the `well` metadata listing them. iohub's `Well` in camelCase.
 */
import { AlreadyExistsError, NotFoundError } from "../errors.js";
import { Semaphore } from "../store/concurrency.js";
import { createGroup } from "../store/index.js";
import { withStoreLock } from "../store/lock.js";
import { type AxisSpec, cloneAxis } from "./axes.js";
import { childContext, type NodeContext } from "./context.js";
import { deletePositionOp, writeAttrsWithout } from "./delete.js";
import { isEmptyLeftover } from "./leftovers.js";
import { NgffNode } from "./ngff-node.js";
import { readGroupOmeAttrs, readOmeAttrs } from "./ome-attrs.js";
import { checkAcquisitionId, checkOverwrite } from "./overwrite.js";
import { assertPlateName } from "./plate/batch.js";
import {
  assertValidWell,
  parseWell,
  type WellImage,
  type WellMeta,
  wellToJson,
} from "./plate/meta.js";
import { naturalCompare } from "./plate/order.js";
import { checkChannelNames, Position } from "./position.js";

/** Channel names and axes handed down from the plate to new positions. */
export interface WellInit {
  channelNames?: readonly string[] | undefined;
  axes?: readonly AxisSpec[] | undefined;
  /** The plate the well was opened through: it keeps its field counts when fields are deleted. @internal */
  plate?: FieldCountKeeper | undefined;
}

/** What a well tells its plate when fields are deleted (Plate implements it). @internal */
export interface FieldCountKeeper {
  /** Lower the plate's counts after well `path` went from fields `before` (undefined: unknown) to `after`. */
  _fieldsRemoved(
    path: string,
    before: readonly WellImage[] | undefined,
    after: readonly WellImage[],
  ): Promise<void>;
}

/** A well of an HCS plate: a group of positions and its `well` metadata. */
export class Well extends NgffNode {
  #meta: WellMeta | undefined;
  #plate: FieldCountKeeper | undefined;
  readonly #queue = new Semaphore(1);
  readonly #positions = new Map<string, Promise<Position>>();

  /** @internal */
  protected constructor(
    ctx: NodeContext,
    meta: WellMeta | undefined,
    attributes: Record<string, unknown>,
    init: WellInit,
  );
  /** A well comes from `createWell`, `getWell` or `wells()`, not from `new`. */
  protected constructor(...args: never);
  protected constructor(
    ctx: NodeContext,
    meta: WellMeta | undefined,
    attributes: Record<string, unknown>,
    init: WellInit,
  ) {
    const base: {
      attributes: Record<string, unknown>;
      channelNames?: readonly string[];
      axes?: readonly AxisSpec[];
    } = {
      attributes,
    };
    if (init.channelNames !== undefined) base.channelNames = init.channelNames;
    if (init.axes !== undefined) base.axes = init.axes;
    super(ctx, base);
    this.#meta = meta;
    this.#plate = init.plate;
  }

  /**
   * Open the well group at `ctx.path` (one metadata read). A well created without positions
   * yet has no `well` metadata; it opens with an empty image list.
   * @throws {NotFoundError} when there is no group there.
   * @throws {InvalidMetadataError} when the `well` metadata breaks the spec.
   * @internal
   */
  static async open(ctx: NodeContext, init: WellInit = {}): Promise<Well> {
    const read = await readOmeAttrs(ctx.store, ctx.path);
    if (read === undefined) {
      throw new NotFoundError(
        ctx.path,
        `there is no well group at ${JSON.stringify(ctx.path || "/")}`,
      );
    }
    const source = `${ctx.path || "/"}/${read.version === "0.4" ? ".zattrs" : "zarr.json"}`;
    const meta = read.ome.well === undefined ? undefined : parseWell(read.ome.well, source);
    return new Well(ctx, meta, read.attributes, init);
  }

  /** A well node for a group just created (no read). @internal */
  static _fromCreated(ctx: NodeContext, meta: WellMeta | undefined, init: WellInit): Well {
    return new Well(ctx, meta, {}, init);
  }

  /** A copy of the `well` metadata, or undefined before the first position. */
  get metadata(): WellMeta | undefined {
    return this.#meta === undefined ? undefined : structuredClone(this.#meta);
  }

  /** The fields of view listed in the metadata, in listed order. */
  get images(): WellImage[] {
    return this.#meta === undefined ? [] : structuredClone(this.#meta.images);
  }

  /** Names of the positions, in natural order (`2` before `10`). */
  positionNames(): string[] {
    return this.images.map((i) => i.path).sort(naturalCompare);
  }

  /** Whether the metadata lists position `name`. */
  hasPosition(name: string): boolean {
    return this.#meta?.images.some((i) => i.path === name) ?? false;
  }

  protected override omeMetadata(): Record<string, unknown> | undefined {
    return this.#meta === undefined ? undefined : { well: wellToJson(this.#meta, this.version) };
  }

  /**
   * Change the `well` metadata through `fn` and write it once. Runs after every earlier update
   * of this well (in this process); nothing is written when `fn` or validation throws. The one
   * place well metadata changes, so a cross-process lock can wrap it later.
   * @internal
   */
  _updateWellMeta(fn: (draft: WellMeta) => void | Promise<void>): Promise<WellMeta> {
    // Cross-process: hold the well's lock file and merge onto the metadata on disk now.
    return this.#queue.run(() =>
      withStoreLock(this.ctx.store, this.ctx.path, () => this.#update(fn)),
    );
  }

  /** Re-read the well metadata and attributes when other processes may write this store. */
  async #refresh(): Promise<void> {
    if (this.ctx.store.lock === undefined) return;
    const read = await readGroupOmeAttrs(this.ctx.store, this.ctx.path, this.ctx.format);
    if (read === undefined) return;
    this._attributes = read.attributes;
    if (read.ome.well !== undefined) {
      const source = `${this.ctx.path || "/"}/${read.version === "0.4" ? ".zattrs" : "zarr.json"}`;
      this.#meta = parseWell(read.ome.well, source);
    }
  }

  async #update(fn: (draft: WellMeta) => void | Promise<void>): Promise<WellMeta> {
    this.assertWritable();
    await this.#refresh();
    const draft: WellMeta = this.#meta === undefined ? { images: [] } : structuredClone(this.#meta);
    await fn(draft);
    if (draft.images.length === 0) {
      // The last field was deleted: the well goes back to having no `well` metadata (as after
      // createWell), since the spec's `images` list needs at least one field.
      if (this.#meta !== undefined) {
        this._attributes = await writeAttrsWithout(this.ctx, ["well"]);
        this.#meta = undefined;
      }
      return structuredClone(draft);
    }
    assertValidWell(draft, this.ctx.path);
    const previous = this.#meta;
    this.#meta = draft;
    try {
      await this.dumpMeta();
    } catch (e) {
      this.#meta = previous;
      throw e;
    }
    return structuredClone(draft);
  }

  /** Take the plate's channel names and axes (learned after this well was opened). @internal */
  _inherit(init: WellInit): void {
    if (init.channelNames !== undefined) this._channelNames = [...init.channelNames];
    if (init.axes !== undefined) this._axes = init.axes.map(cloneAxis);
    if (init.plate !== undefined) this.#plate = init.plate;
  }

  /** Tell the plate (when opened through one) that fields were deleted. @internal */
  async _fieldsRemoved(
    before: readonly WellImage[] | undefined,
    after: readonly WellImage[],
  ): Promise<void> {
    await this.#plate?._fieldsRemoved(this.ctx.path, before, after);
  }

  /** Forget the cached node of position `name` (deleted). @internal */
  _forgetPosition(name: string): void {
    this.#positions.delete(name);
  }

  /** Throw unless writes are allowed. @internal */
  _assertWritable(): void {
    this.assertWritable();
  }

  /**
   * Delete position `name`: the well's `images` list first (one locked write; the last field
   * removes the `well` metadata, as the well was before its first position), then its directory.
   * Calling it again after a crash finishes the job. For a well opened through its plate, the
   * plate's `maximumfieldcount` / `field_count` are lowered when this field held a maximum.
   * @throws {NotFoundError} when there is no such position; {@link ReadOnlyError} in mode "r".
   */
  deletePosition(name: string): Promise<void> {
    return deletePositionOp(this, name);
  }

  /** Remember a position created by the plate's batch path. @internal */
  _cachePosition(name: string, position: Position): void {
    this.#positions.set(name, Promise.resolve(position));
  }

  /**
   * Create position `name` in this well and list it in the well metadata (iohub's
   * `create_position`). The position has no image yet.
   * @param opts.acquisition - acquisition id recorded for the field (default 0).
   * @param opts.overwrite - replace an existing position of that name (iohub's
   *   `overwriting_creation`): after the checks, it is deleted as {@link deletePosition} does,
   *   then created empty. Default false.
   * @throws {UnsafePathError} / {@link InvalidMetadataError} for a bad name.
   * @throws {AlreadyExistsError} when the position exists (without `overwrite`).
   * @throws {ReadOnlyError} in mode "r".
   */
  async createPosition(
    name: string,
    opts: { acquisition?: number; overwrite?: boolean } = {},
  ): Promise<Position> {
    this.assertWritable();
    assertPlateName(name, "field");
    checkChannelNames(this._channelNames);
    if (checkOverwrite(opts.overwrite)) {
      checkAcquisitionId(opts.acquisition);
      await deletePositionOp(this, name).catch((err: unknown) => {
        if (!(err instanceof NotFoundError)) throw err;
      });
    }
    let created: Position | undefined;
    await this._updateWellMeta(async (draft) => {
      const leftover = async () =>
        isEmptyLeftover(this.ctx, childContext(this.ctx, name).path, "position");
      if (
        draft.images.some((i) => i.path === name) ||
        ((await this.#groupExists(name)) && !(await leftover()))
      ) {
        throw new AlreadyExistsError(
          `${this.ctx.path}/${name}`,
          `position ${JSON.stringify(`${this.ctx.path}/${name}`)} already exists; pick another field name or open it with getPosition()`,
        );
      }
      draft.images.push({ acquisition: opts.acquisition ?? 0, path: name });
      // The well group exists: skip Position.create's walk over the ancestors.
      const ctx = childContext(this.ctx, name);
      await createGroup(ctx.store, ctx.path, ctx.format);
      created = await Position.open(ctx, this.#positionInit());
    });
    const position = created!;
    this._cachePosition(name, position);
    return position;
  }

  async #groupExists(name: string): Promise<boolean> {
    const base = childContext(this.ctx, name).path;
    const { store } = this.ctx;
    const [v2, v3] = await Promise.all([
      store.has(`${base}/.zgroup`),
      store.has(`${base}/zarr.json`),
    ]);
    return v2 || v3;
  }

  #positionInit(): { channelNames: readonly string[]; axes?: readonly AxisSpec[] } {
    return { channelNames: this._channelNames, axes: this._axes };
  }

  /**
   * The position `name` (opened once, then cached by this well node).
   * @throws {NotFoundError} when the metadata does not list it.
   */
  getPosition(name: string): Promise<Position> {
    if (!this.hasPosition(name)) {
      return Promise.reject(
        new NotFoundError(
          `${this.ctx.path}/${name}`,
          `well ${JSON.stringify(this.ctx.path)} has no position ${JSON.stringify(name)}; it has ${JSON.stringify(this.positionNames())}`,
        ),
      );
    }
    let p = this.#positions.get(name);
    if (p === undefined) {
      p = Position.open(childContext(this.ctx, name), {
        channelNames: this._channelNames,
        axes: this._axes,
      });
      this.#positions.set(name, p);
      p.catch(() => this.#positions.delete(name));
    }
    return p;
  }

  /** Iterate `[name, position]` over the listed positions in natural order (iohub's `positions()`). */
  async *positions(): AsyncGenerator<[string, Position]> {
    for (const name of this.positionNames()) {
      yield [name, await this.getPosition(name)];
    }
  }
}
