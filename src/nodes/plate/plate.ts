/**
 * Plate: the root of an HCS store (NGFF `plate`), iohub's `Plate` in camelCase. Rows hold
 * wells, wells hold positions. Plate metadata changes in one place ({@link Plate._updatePlateMeta}),
 * after every check passed and after the groups it lists exist; batches write it once.
 */
import {
  AlreadyExistsError,
  InvalidMetadataError,
  InvalidOptionsError,
  NotFoundError,
} from "../../errors.js";
import { mapBounded, Semaphore } from "../../store/concurrency.js";
import { createGroup, refName, type ZarrStore } from "../../store/index.js";
import { withStoreLock } from "../../store/lock.js";
import type { AxisSpec } from "../axes.js";
import { checkAxes } from "../axes.js";
import { assertWritable, childContext, type NodeContext } from "../context.js";
import { deleteRowOp, deleteWellOp, writeAttrsWithout } from "../delete.js";
import { NgffNode, type NodeInit } from "../ngff-node.js";
import { readGroupOmeAttrs, readOmeAttrs } from "../ome-attrs.js";
import { checkOverwrite } from "../overwrite.js";
import { assertPlateName, checkAcquisition, type PositionSpec } from "./batch.js";
import type { FromPositionsOptions } from "./from-positions.js";
import {
  type BatchOptions,
  type CreatePositionsOptions,
  createBatchOp,
  createWellOp,
  DEFAULT_CONCURRENCY,
  type PlateInternals,
  renameWellOp,
} from "./ops.js";

export type { BatchOptions, CreatePositionsOptions } from "./ops.js";

import { checkChannelNames, Position } from "../position.js";
import { Row, type RowSource } from "../row.js";
import { Well } from "../well.js";
import {
  listedPlate,
  lowerFieldCounts,
  mayLowerCounts,
  mergeKeptAcquisitions,
  withAcquisitionsAttr,
} from "./counts.js";
import {
  applyDeclaredLayout,
  assertFieldCount,
  assertSameLayout,
  checkPlateLayout,
  type DeclaredLayout,
  layoutTemplate,
  layoutToJson,
  PLATE_LAYOUT_ATTR,
  type PlateLayout,
  readDeclaredLayout,
} from "./layout.js";
import {
  type Acquisition,
  assertValidPlate,
  checkWellIndex,
  clonePlate,
  defaultPlateName,
  type PlateMeta,
  parsePlate,
  plateIssues,
  plateToJson,
  raiseFieldCounts,
  recountFieldCounts,
  splitWellPath,
  type WellImage,
  type WellIndexOptions,
  withAcquisitionDefaults,
} from "./meta.js";
import { compareWellPaths, naturalSort } from "./order.js";
import { clearForBatch } from "./overwrite-batch.js";

/** Options of {@link Plate.create}. */
export interface PlateCreateOptions {
  /** Channel names of every position (required, as in iohub). */
  channelNames: readonly string[];
  /** Axes of every position (default iohub's T, C, Z, Y, X). */
  axes?: readonly AxisSpec[];
  /**
   * Plate name (`plate.name`). Default: the store's name without `.ome.zarr` / `.zarr`
   * (`"plate"` for `plate.ome.zarr`), or the group's name for a plate below the root.
   */
  name?: string;
  /**
   * Acquisitions (default `[{ id: 0, name: "Acquisition 0" }]`: iohub's, named). An acquisition
   * without a name gets `"Acquisition <id>"`; `maximumfieldcount` is kept by the plate.
   */
  acquisitions?: readonly Acquisition[];
  /**
   * The plate's full row list, e.g. `A`…`H`: wells then get their physical `rowIndex` whatever
   * order they are created in. Default: rows are listed as wells are created.
   */
  rows?: readonly string[];
  /** The plate's full column list, e.g. `1`…`12` (see `rows`). */
  columns?: readonly string[];
  /**
   * The plate's layout declared up front (`openOmeZarr`'s `plate` option): wells may be created
   * in any order and get their final indexes, and a well outside the declared rows and columns
   * is refused. Persisted with the group, so a reopen keeps it. Replaces `name`,
   * `acquisitions`, `rows` and `columns` (giving both is an error).
   */
  layout?: PlateLayout;
}

/** Options of {@link Plate.open}. */
export interface PlateOpenOptions {
  /** Channel names (default: those of the first position, as in iohub). */
  channelNames?: readonly string[] | undefined;
  /** Axes (default: those of the first position). */
  axes?: readonly AxisSpec[] | undefined;
  /** The root group's attributes when the caller has just read them (saves a read). */
  attributes?: Record<string, unknown> | undefined;
  /**
   * The layout the caller expects (`openOmeZarr`'s `plate` option): it must be the one the plate
   * was declared with (LayoutMismatchError otherwise). Omitted: the plate keeps its own.
   */
  layout?: PlateLayout | undefined;
}

function omeOf(format: 2 | 3, attributes: Record<string, unknown>): Record<string, unknown> {
  if (format === 2) return attributes;
  const ome = attributes.ome;
  return typeof ome === "object" && ome !== null && !Array.isArray(ome)
    ? (ome as Record<string, unknown>)
    : {};
}

/** Options of {@link Plate.createPosition}. */
export interface CreatePositionOptions extends WellIndexOptions {
  /** Acquisition id of the field (default 0). */
  acqIndex?: number;
  /**
   * Replace an existing position of that name (iohub's `overwriting_creation`): after the
   * checks it is deleted (`Well.deletePosition`) and created again, empty. Default false.
   */
  overwrite?: boolean;
}

/** Options of {@link Plate.createWell}. */
export interface CreateWellOptions extends WellIndexOptions {
  /**
   * Replace an existing well of that name: after the checks it is deleted (`Plate.deleteWell`,
   * its positions with it) and created again, empty. Default false.
   */
  overwrite?: boolean;
}

/**
 * A new plate's metadata before its first well: acquisitions (default one, id 0) and the plate
 * named (default: the store's name), for strict conformance by default.
 */
function defaultTemplate(
  ctx: NodeContext,
  opts: Pick<PlateCreateOptions, "acquisitions" | "rows" | "columns" | "name"> = {},
): PlateMeta {
  const template: PlateMeta = {
    acquisitions: (opts.acquisitions ?? [{ id: 0 }]).map(withAcquisitionDefaults),
    rows: (opts.rows ?? []).map((name) => ({ name })),
    columns: (opts.columns ?? []).map((name) => ({ name })),
    wells: [],
  };
  const name = opts.name ?? defaultPlateName(refName(ctx.store.ref), ctx.path);
  if (name !== undefined) template.name = name;
  return template;
}

/**
 * The declared layout of {@link Plate.create}'s options, checked (before anything is written).
 * @throws {InvalidOptionsError} for a bad declaration, or one given with name/acquisitions/rows/columns.
 */
function declaredLayoutOf(ctx: NodeContext, opts: PlateCreateOptions): DeclaredLayout | undefined {
  if (opts.layout === undefined) return undefined;
  const both = (["name", "acquisitions", "rows", "columns"] as const).find(
    (k) => opts[k] !== undefined,
  );
  if (both !== undefined) {
    throw new InvalidOptionsError(both, opts[both], "no value when a layout is declared", {
      hint: `give ${both} inside the layout declaration instead.`,
    });
  }
  return checkPlateLayout(opts.layout, defaultTemplate(ctx).name, "layout");
}

/** Overwrite: the child to replace may not exist; any other error stops the create. */
async function ignoreNotFound(p: Promise<void>): Promise<void> {
  await p.catch((err: unknown) => {
    if (!(err instanceof NotFoundError)) throw err;
  });
}

/** What a plate node is made from (its metadata, the template before the first well). */
type PlateArgs = [
  ctx: NodeContext,
  meta: PlateMeta | undefined,
  template: PlateMeta,
  init: { attributes: Record<string, unknown>; channelNames: readonly string[] } & NodeInit,
  layout?: DeclaredLayout,
];

/** An HCS plate: rows of wells of positions, and the `plate` metadata. */
export class Plate extends NgffNode implements RowSource {
  #meta: PlateMeta | undefined;
  /** Name, acquisitions and declared rows/columns of a plate with no well yet. */
  #template: PlateMeta;
  /** The layout declared at creation, when there was one. */
  #layout: DeclaredLayout | undefined;
  readonly #queue = new Semaphore(1);
  readonly #wells = new Map<string, Promise<Well>>();

  /** @internal */
  protected constructor(...args: PlateArgs);
  /** A plate comes from `openOmeZarr`, not from `new`. */
  protected constructor(...args: never);
  protected constructor(...[ctx, meta, template, init, layout]: PlateArgs) {
    super(ctx, init);
    this.#meta = meta;
    this.#template = template;
    this.#layout = layout;
  }

  /**
   * Open the plate at `ctx.path`: one read of the plate metadata; channel names and axes come
   * from `init` or else from the first position (iohub), whose well and position nodes are kept
   * for later iteration (so iterating reads each node once).
   * @throws {NotFoundError} when there is no group; {@link InvalidMetadataError} for a bad `plate`.
   * @internal
   */
  static async open(ctx: NodeContext, init: PlateOpenOptions = {}): Promise<Plate> {
    const read =
      init.attributes === undefined
        ? await readOmeAttrs(ctx.store, ctx.path)
        : {
            version: ctx.version,
            attributes: init.attributes,
            ome: omeOf(ctx.format, init.attributes),
          };
    if (read === undefined) {
      throw new NotFoundError(
        ctx.path,
        `there is no Zarr group at ${JSON.stringify(ctx.path || "/")}`,
      );
    }
    const source = `${ctx.path || "/"} (${read.version === "0.4" ? ".zattrs" : "zarr.json"})`;
    const meta =
      read.ome.plate === undefined
        ? undefined
        : mergeKeptAcquisitions(parsePlate(read.ome.plate, source), read.attributes, source);
    const layout = readDeclaredLayout(read.attributes, source);
    if (init.layout !== undefined) {
      const given = checkPlateLayout(init.layout, defaultTemplate(ctx).name);
      assertSameLayout(layout, given, ctx.path || "/");
    }
    // A plate without wells yet has no `plate` metadata: it gets what `create` would have given
    // it (a writer killed before its first well reopens to the same metadata).
    const template: PlateMeta = meta
      ? { ...clonePlate(meta), wells: [] }
      : layout
        ? layoutTemplate(layout)
        : defaultTemplate(ctx);
    const base: {
      attributes: Record<string, unknown>;
      channelNames: readonly string[];
      axes?: readonly AxisSpec[];
    } = {
      attributes: read.attributes,
      channelNames: init.channelNames ?? [],
    };
    if (init.axes !== undefined) base.axes = init.axes;
    const plate = new Plate(ctx, meta, template, base, layout);
    if (init.channelNames === undefined || init.axes === undefined)
      await plate.#adoptFirstPosition(init);
    return plate;
  }

  async #adoptFirstPosition(init: PlateOpenOptions): Promise<void> {
    for (const path of this.#wellPaths()) {
      // A listed well whose group is missing (an interrupted renameWell) must not keep the
      // plate from opening: learn from the next one (renameWell again repairs it).
      const well = await this.getWell(path).catch((err: unknown) => {
        if (err instanceof NotFoundError) return undefined;
        throw err;
      });
      if (well === undefined) continue;
      const first = well.positionNames()[0];
      if (first === undefined) continue;
      const position = await well.getPosition(first);
      if (init.channelNames === undefined) this._channelNames = [...position.channelNames];
      if (init.axes === undefined) this._axes = [...position.axes];
      // The wells opened so far got the channel names and axes before they were known.
      for (const w of this.#wells.values()) (await w)._inherit(this.#childInit());
      return;
    }
  }

  /**
   * Create a plate group at `ctx.path` (iohub's `open_ome_zarr(layout="hcs", mode="w-")`). The
   * `plate` metadata is written with the first well (the spec needs at least one).
   * @throws {InvalidMetadataError} for bad channel names, axes, row/column lists or acquisitions.
   * @throws {ReadOnlyError} in mode "r".
   * @internal
   */
  static async create(ctx: NodeContext, opts: PlateCreateOptions): Promise<Plate> {
    const channelNames = checkChannelNames(opts?.channelNames);
    const axes = opts.axes === undefined ? undefined : checkAxes(opts.axes);
    const layout = declaredLayoutOf(ctx, opts);
    const template = layout ? layoutTemplate(layout) : defaultTemplate(ctx, opts);
    for (const r of opts.rows ?? []) assertPlateName(r, "row");
    for (const c of opts.columns ?? []) assertPlateName(c, "column");
    const issues = plateIssues(template, ctx.version).filter((i) => i.code !== "too_few_items");
    if (issues.length > 0)
      throw new InvalidMetadataError(issues, { summary: "invalid plate options" });
    assertWritable(ctx);
    // Another process may have created the plate since the caller looked (two writers opening
    // with mode "a" at once): keep what it wrote; the first update merges onto it.
    // A declared layout is written with the group, so a reopen before the first well keeps it.
    // (Attributes `undefined` keep a group's attributes; a declared layout merges onto them.)
    const attributes: Record<string, unknown> = layout
      ? { [PLATE_LAYOUT_ATTR]: layoutToJson(layout) }
      : {};
    await withStoreLock(ctx.store, ctx.path, async () => {
      if (layout === undefined) {
        await createGroup(ctx.store, ctx.path, ctx.format, undefined, { parents: true });
        return;
      }
      const existing = await readGroupOmeAttrs(ctx.store, ctx.path, ctx.format);
      const merged = { ...(existing?.attributes ?? {}), ...attributes };
      await createGroup(ctx.store, ctx.path, ctx.format, merged, { parents: true });
    });
    const init: {
      attributes: Record<string, unknown>;
      channelNames: readonly string[];
      axes?: readonly AxisSpec[];
    } = {
      attributes,
      channelNames,
    };
    if (axes !== undefined) init.axes = axes;
    return new Plate(ctx, undefined, template, init, layout);
  }

  /**
   * Create a new plate at `target` (a new directory, or an empty store) from existing positions
   * keyed by destination `row/column/field`, copying images, labels and metadata (iohub's
   * `Plate.from_positions`, which iohub itself disables). Chunk files are copied byte for byte
   * when the NGFF versions match. See {@link plateFromPositions} for details and errors.
   */
  static async fromPositions(
    target: string | ZarrStore,
    positions: Readonly<Record<string, Position>> | ReadonlyMap<string, Position>,
    opts: FromPositionsOptions = {},
  ): Promise<Plate> {
    const { plateFromPositions } = await import("./from-positions.js");
    return plateFromPositions(target, positions, opts);
  }

  // ---- metadata ----------------------------------------------------------------------------

  /** A copy of the `plate` metadata, or undefined before the first well. */
  get metadata(): PlateMeta | undefined {
    return this.#meta === undefined ? undefined : clonePlate(this.#meta);
  }

  /**
   * The layout declared when the plate was created (a copy, defaults filled in), or undefined
   * for a plate whose rows and columns are added as wells are created.
   */
  get layout(): DeclaredLayout | undefined {
    return this.#layout === undefined ? undefined : structuredClone(this.#layout);
  }

  /** The plate's acquisitions (a copy). */
  get acquisitions(): Acquisition[] {
    return structuredClone((this.#meta ?? this.#template).acquisitions ?? []);
  }

  protected override omeMetadata(): Record<string, unknown> | undefined {
    return this.#meta === undefined
      ? undefined
      : { plate: plateToJson(listedPlate(this.#meta), this.version) };
  }

  /**
   * Change the plate metadata: `plan(draft)` edits a copy and checks its input (no I/O that
   * writes); the result is validated; then the returned `apply` runs (creating groups, moving
   * wells), and last the metadata is written once, unless it did not change. Calls run one after
   * the other. This is the one place plate metadata changes (a cross-process lock goes here).
   * @internal
   */
  async _updatePlateMeta<T>(
    plan: (draft: PlateMeta) => Promise<(() => Promise<T>) | undefined>,
    opts: { force?: boolean; after?: () => Promise<void> } = {},
  ): Promise<T | undefined> {
    // Cross-process: hold the plate's lock file and merge onto what is on disk now (the plan
    // re-applies this call's change to the latest metadata).
    return this.#queue.run(() =>
      withStoreLock(this.ctx.store, this.ctx.path, async () => {
        this.assertWritable();
        await this.#refresh();
        return this.#update(plan, opts);
      }),
    );
  }

  /** Re-read the plate metadata and attributes when other processes may write this store. */
  async #refresh(): Promise<void> {
    if (this.ctx.store.lock === undefined) return;
    const read = await readGroupOmeAttrs(this.ctx.store, this.ctx.path, this.ctx.format);
    if (read === undefined) return;
    this._attributes = read.attributes;
    if (read.ome.plate !== undefined) {
      const source = `${this.ctx.path || "/"} (${read.version === "0.4" ? ".zattrs" : "zarr.json"})`;
      this.#meta = mergeKeptAcquisitions(
        parsePlate(read.ome.plate, source),
        read.attributes,
        source,
      );
    }
  }

  async #update<T>(
    plan: (draft: PlateMeta) => Promise<(() => Promise<T>) | undefined>,
    opts: { force?: boolean; after?: () => Promise<void> },
  ): Promise<T | undefined> {
    const current = this.#meta ?? this.#template;
    const draft = clonePlate(current);
    const apply = await plan(draft);
    if (this.#layout !== undefined) applyDeclaredLayout(draft, this.#layout);
    if (draft.wells.length > 0) assertValidPlate(draft, this.ctx.path || "/");
    const result = apply ? await apply() : undefined;
    if (draft.wells.length === 0) {
      this.#template = draft;
      if (this.#meta !== undefined) {
        // The last well was deleted: the plate goes back to having no `plate` metadata (as
        // before its first well), since the spec's `wells` list needs at least one well.
        this._attributes = await writeAttrsWithout(this.ctx, ["plate"]);
        this.#meta = undefined;
      }
      await opts.after?.();
      return result;
    }
    if (opts.force || JSON.stringify(draft) !== JSON.stringify(this.#meta)) {
      const previous = this.#meta;
      const previousAttrs = this._attributes;
      this.#meta = draft;
      // Acquisitions without a field are kept in the plate's attribute, written in the same
      // document (see counts.ts).
      this._attributes = withAcquisitionsAttr(this._attributes, draft);
      try {
        await super.dumpMeta();
      } catch (e) {
        this.#meta = previous;
        this._attributes = previousAttrs;
        throw e;
      }
    }
    await opts.after?.();
    return result;
  }

  /**
   * Write the plate metadata. With `fieldCount`, first set `plate.field_count` to the largest
   * number of fields in any well (the spec's meaning; reads every well's metadata once), and
   * each acquisition's `maximumfieldcount` to the largest number of its fields in any well.
   * (The plate keeps those counts itself when positions are created through it; positions
   * created on a `Well` node directly are counted by this call.)
   * @throws {ReadOnlyError} in mode "r".
   */
  override async dumpMeta(opts: { fieldCount?: boolean } = {}): Promise<void> {
    this.assertWritable();
    if (!opts.fieldCount) {
      await this._updatePlateMeta(async () => undefined, { force: true });
      return;
    }
    const wells = await mapBounded(this.#wellPaths(), DEFAULT_CONCURRENCY, (p) => this.getWell(p));
    const max = Math.max(0, ...wells.map((w) => w.images.length));
    await this._updatePlateMeta(
      async (draft) => {
        if (max > 0) draft.field_count = max;
        else delete draft.field_count;
        recountFieldCounts(
          draft,
          wells.map((w) => w.images),
        );
        return undefined;
      },
      { force: true },
    );
  }

  /**
   * Add an acquisition to the plate metadata.
   * @throws {AlreadyExistsError} when the id is taken; {@link InvalidMetadataError} for bad fields.
   */
  async addAcquisition(acquisition: Acquisition): Promise<void> {
    this.assertWritable();
    await this._updatePlateMeta(async (draft) => {
      draft.acquisitions ??= [];
      if (draft.acquisitions.some((a) => a.id === acquisition.id)) {
        throw new AlreadyExistsError(
          String(acquisition.id),
          `acquisition ${acquisition.id} already exists`,
        );
      }
      draft.acquisitions.push(withAcquisitionDefaults(acquisition));
      const issues = plateIssues(draft).filter((i) => i.location.startsWith("plate.acquisitions"));
      if (issues.length > 0)
        throw new InvalidMetadataError(issues, { summary: "invalid acquisition" });
      return undefined;
    });
  }

  // ---- navigation --------------------------------------------------------------------------

  #wellPaths(): string[] {
    return (this.#meta?.wells ?? []).map((w) => w.path).sort(compareWellPaths);
  }

  /** @internal Column names of the listed wells of row `row`. */
  _wellColumns(row: string): string[] {
    return (this.#meta?.wells ?? [])
      .map((w) => splitWellPath(w.path))
      .filter((p) => p?.[0] === row)
      .map((p) => p![1]);
  }

  /** Names of the rows that have wells, in natural order (`Z` before `AA`). */
  rowNames(): string[] {
    return naturalSort(new Set(this.#wellPaths().map((p) => p.split("/")[0]!)));
  }

  /** Paths (`row/column`) of the listed wells, in natural order. */
  wellPaths(): string[] {
    return this.#wellPaths();
  }

  #childInit(): { channelNames: readonly string[]; axes: readonly AxisSpec[]; plate: Plate } {
    return { channelNames: this._channelNames, axes: this._axes, plate: this };
  }

  /** The fields of the listed wells `paths` (a missing well group has none). */
  async #wellFields(paths: readonly string[]): Promise<WellImage[][]> {
    return mapBounded(paths, DEFAULT_CONCURRENCY, async (p) => {
      const well = await this.getWell(p).catch((err: unknown) => {
        if (err instanceof NotFoundError) return undefined;
        throw err;
      });
      return well?.images ?? [];
    });
  }

  /**
   * Lower the plate's field counts (see counts.ts) after well `path` went from fields `before`
   * to `after` (`Well.deletePosition`; `before` undefined when not known: an interrupted delete
   * run again). The other wells are read only when this one may have held a maximum.
   * @internal
   */
  async _fieldsRemoved(
    _path: string,
    before: readonly WellImage[] | undefined,
    after: readonly WellImage[],
  ): Promise<void> {
    if (this.#meta === undefined) return;
    if (before !== undefined && !mayLowerCounts(this.#meta, before, after)) return;
    await this._updatePlateMeta(async (draft) => {
      const fields = await this.#wellFields(draft.wells.map((w) => w.path));
      lowerFieldCounts(draft, fields, this.#layout?.fieldCount);
      return undefined;
    });
  }

  /**
   * Lower the counts of `draft` (a plate metadata update under way) after wells `removed` left
   * its `wells` list (`deleteWell`, `deleteRow`). @internal
   */
  async _lowerCountsWithout(draft: PlateMeta, removed: readonly string[]): Promise<void> {
    if (draft.wells.length === 0) return;
    const gone = await this.#wellFields(removed);
    if (!gone.some((images) => mayLowerCounts(draft, images, []))) return;
    const fields = await this.#wellFields(draft.wells.map((w) => w.path));
    lowerFieldCounts(draft, fields, this.#layout?.fieldCount);
  }

  #wellCtx(path: string): NodeContext {
    const [row, col] = path.split("/") as [string, string];
    return childContext(childContext(this.ctx, row), col);
  }

  /**
   * The row `name` (no read: rows have no metadata).
   * @throws {NotFoundError} when no listed well is in that row.
   */
  getRow(name: string): Promise<Row> {
    if (!this.rowNames().includes(name)) {
      return Promise.reject(
        new NotFoundError(
          name,
          `plate has no row ${JSON.stringify(name)}; it has ${JSON.stringify(this.rowNames())}`,
        ),
      );
    }
    return Promise.resolve(
      Row._new(childContext(this.ctx, name), { attributes: {}, ...this.#childInit() }, this),
    );
  }

  /**
   * The well at `row/column` (opened once, then cached by the plate).
   * @throws {NotFoundError} when the plate metadata does not list it.
   */
  getWell(path: string): Promise<Well> {
    if (!this.#meta?.wells.some((w) => w.path === path)) {
      return Promise.reject(
        new NotFoundError(
          path,
          `plate has no well ${JSON.stringify(path)}; create it with createWell() or check plate.wellPaths()`,
        ),
      );
    }
    let p = this.#wells.get(path);
    if (p === undefined) {
      p = Well.open(this.#wellCtx(path), this.#childInit());
      this.#wells.set(path, p);
      p.catch(() => this.#wells.delete(path));
    }
    return p;
  }

  /**
   * The position at `row/column/field`.
   * @throws {NotFoundError} when the well or the position is not listed.
   */
  async getPosition(path: string): Promise<Position> {
    const parts = path.split("/");
    if (parts.length !== 3) {
      throw new NotFoundError(
        path,
        `position path ${JSON.stringify(path)} is not of the form "row/column/field"`,
      );
    }
    const well = await this.getWell(`${parts[0]}/${parts[1]}`);
    return well.getPosition(parts[2]!);
  }

  /** Iterate `[name, row]` over the rows in natural order (iohub's `rows()`). */
  async *rows(): AsyncGenerator<[string, Row]> {
    for (const name of this.rowNames()) yield [name, await this.getRow(name)];
  }

  /** Iterate `[row/column, well]` over the wells in natural order (iohub's `wells()`). */
  async *wells(): AsyncGenerator<[string, Well]> {
    const paths = this.#wellPaths();
    // Open a few wells ahead: each open is one small read, and latency dominates.
    const ahead = paths.slice(0, 8).map((p) => this.getWell(p));
    for (let i = 0; i < paths.length; i++) {
      const next = paths[i + 8];
      if (next !== undefined) ahead.push(this.getWell(next));
      yield [paths[i]!, await ahead[i]!];
    }
  }

  /** Iterate `[row/column/field, position]` over every position in natural order (iohub's `positions()`). */
  async *positions(): AsyncGenerator<[string, Position]> {
    for await (const [path, well] of this.wells()) {
      const names = well.positionNames();
      const ahead = names.slice(0, 8).map((n) => well.getPosition(n));
      for (let i = 0; i < names.length; i++) {
        const next = names[i + 8];
        if (next !== undefined) ahead.push(well.getPosition(next));
        yield [`${path}/${names[i]}`, await ahead[i]!];
      }
    }
  }

  // ---- creation ----------------------------------------------------------------------------

  #internals(): PlateInternals {
    return {
      ctx: this.ctx,
      update: (plan) => this._updatePlateMeta(plan),
      getWell: (path) => this.getWell(path),
      wellCtx: (path) => this.#wellCtx(path),
      childInit: () => this.#childInit(),
      cacheWell: (path, well) => {
        if (well === undefined) this.#wells.delete(path);
        else this.#wells.set(path, Promise.resolve(well));
      },
      pendingWell: (path) => this.#wells.get(path),
      wellPaths: () => this.#wellPaths(),
      layout: () => this.#layout,
      current: () => clonePlate(this.#meta ?? this.#template),
      deleteWell: (row, column) => this.deleteWell(row, column),
    };
  }

  /**
   * Create well `row/column` (iohub's `create_well`): the row group when new, the well group,
   * and the plate metadata (one write). The well's own metadata is written with its first
   * position, as in iohub.
   * @param opts.rowIndex / opts.colIndex - must agree with the row/column lists (default: found or appended).
   * @throws {UnsafePathError} / {@link InvalidMetadataError} for bad names or indices.
   * @throws {AlreadyExistsError} when the well exists. Nothing is written when anything throws.
   */
  async createWell(row: string, column: string, opts: CreateWellOptions = {}): Promise<Well> {
    this.assertWritable();
    const { overwrite, ...index } = opts;
    if (checkOverwrite(overwrite)) {
      assertPlateName(row, "row");
      assertPlateName(column, "column");
      if (this.#meta !== undefined) checkWellIndex(this.#meta, row, column, index);
      await ignoreNotFound(deleteWellOp(this, row, column));
    }
    return createWellOp(this.#internals(), row, column, index);
  }

  /**
   * Create position `row/column/field` (iohub's `create_position`), creating the well when
   * needed. Writes the well metadata once, and the plate metadata only for a new well.
   * @throws {UnsafePathError} / {@link InvalidMetadataError} for bad names, indices or acquisitions.
   * @throws {AlreadyExistsError} when the position exists. Nothing is written when anything throws.
   */
  async createPosition(
    row: string,
    column: string,
    field: string,
    opts: CreatePositionOptions = {},
  ): Promise<Position> {
    this.assertWritable();
    const { overwrite: replace, ...rest } = opts;
    const overwrite = checkOverwrite(replace);
    opts = rest;
    const path = `${row}/${column}`;
    if (!this.#meta?.wells.some((w) => w.path === path)) {
      if (overwrite) {
        // A new well: only an unlisted leftover of that name can be in the way.
        assertPlateName(row, "row");
        assertPlateName(column, "column");
        assertPlateName(field, "field");
        await ignoreNotFound(deleteWellOp(this, row, column));
      }
      const [position] = await this.createPositions([{ ...opts, row, col: column, pos: field }], {
        concurrency: 1,
      });
      return position!;
    }
    // A listed well: only its metadata changes, no need to take the plate's queue.
    assertPlateName(field, "field");
    checkWellIndex(this.#meta, row, column, opts);
    checkAcquisition(this.#meta, opts.acqIndex ?? 0, "acqIndex");
    const well = await this.getWell(path);
    const adds = overwrite && well.hasPosition(field) ? 0 : 1;
    assertFieldCount(this.#layout, path, (well.metadata?.images.length ?? 0) + adds);
    const position = await well.createPosition(field, {
      acquisition: opts.acqIndex ?? 0,
      overwrite,
    });
    // Keep each acquisition's maximumfieldcount (a strict-schema field): written only when the
    // count grows.
    const images = well.metadata?.images ?? [];
    if (raiseFieldCounts(clonePlate(this.#meta), images)) {
      await this._updatePlateMeta(async (draft) => {
        raiseFieldCounts(draft, images);
        return undefined;
      });
    }
    return position;
  }

  /**
   * Create many positions at once: every check first (names, duplicates, existing positions,
   * indices, acquisitions), then groups with bounded concurrency, then each touched well's
   * metadata once, then the plate metadata once (only when wells were added).
   * With `overwrite: true`, positions of the batch that exist are replaced: every input is
   * checked first (as the batch will be planned without them), then each is deleted as
   * {@link Well.deletePosition} does, then the batch creates them again, empty.
   * @param specs - `"row/column/field"` strings or {@link PositionSpec}s.
   * @returns the new positions, in input order.
   * @throws {UnsafePathError} / {@link InvalidMetadataError} / {@link AlreadyExistsError} /
   *   {@link InvalidOptionsError} before anything is written (or, with `overwrite`, removed).
   */
  async createPositions(
    specs: readonly (string | PositionSpec)[],
    opts: CreatePositionsOptions = {},
  ): Promise<Position[]> {
    this.assertWritable();
    const { overwrite, ...batch } = opts;
    if (checkOverwrite(overwrite)) await clearForBatch(this.#internals(), specs, batch);
    opts = batch;
    // The well group exists and the position's absence was checked: create the group without
    // Position.create's walk over every ancestor (3 extra metadata reads per position).
    return this._createBatch(specs, opts, async (ctx) => {
      await createGroup(ctx.store, ctx.path, ctx.format);
      return Position.open(ctx, this.#childInit());
    });
  }

  /**
   * The batch engine behind {@link createPositions} and {@link Plate.fromPositions}: `make`
   * creates the group of one position. @internal
   */
  async _createBatch(
    specs: readonly (string | PositionSpec)[],
    opts: BatchOptions,
    make: (ctx: NodeContext, index: number) => Promise<Position>,
  ): Promise<Position[]> {
    this.assertWritable();
    return createBatchOp(this.#internals(), specs, opts, make);
  }

  /**
   * Move well `from` to `to` (e.g. `"A/1"` → `"B/2"`): only that well moves (iohub moves the
   * whole row); the plate lists stay consistent, an emptied old row group is removed, and the
   * plate metadata is written once. Well and position nodes obtained before for `from` are stale.
   * @throws {NotFoundError} when `from` is not a well; {@link AlreadyExistsError} when `to` exists.
   * @throws {UnsafePathError} / {@link InvalidMetadataError} for bad names. Nothing is written when anything throws.
   * A rename killed between moving the group and writing the metadata (`from` listed but gone,
   * `to` on disk but unlisted) is completed by calling `renameWell(from, to)` again.
   */
  async renameWell(from: string, to: string): Promise<void> {
    this.assertWritable();
    await renameWellOp(this.#internals(), from, to);
  }

  /**
   * Delete well `row/column` (iohub's `del plate[row][column]`): the plate's `wells` list first
   * (one locked write), then the well's directory with its positions, and the row's directory
   * once no well is left in it. The `rows` and `columns` lists are kept (the spec allows rows and
   * columns without wells, and the other wells' indexes stay valid). Deleting the last well
   * removes the `plate` metadata: the plate is then as before its first well. Calling it again
   * after a crash finishes the job. Nodes obtained before for that well are stale.
   * @throws {UnsafePathError} for bad names; {@link NotFoundError} when there is no such well;
   * {@link ReadOnlyError} in mode "r". Nothing is written when it throws.
   */
  deleteWell(row: string, column: string): Promise<void> {
    return deleteWellOp(this, row, column);
  }

  /**
   * Delete every well of `row` in one plate metadata write, then the row's directory (see
   * {@link deleteWell}; `rows` still lists the row).
   * @throws {UnsafePathError} for a bad name; {@link NotFoundError} when no well is in that row;
   * {@link ReadOnlyError} in mode "r".
   */
  deleteRow(row: string): Promise<void> {
    return deleteRowOp(this, row);
  }

  /** Throw unless writes are allowed. @internal */
  _assertWritable(): void {
    this.assertWritable();
  }

  /** Forget the cached node of well `path` (deleted). @internal */
  _forgetWell(path: string): void {
    this.#wells.delete(path);
  }
}
