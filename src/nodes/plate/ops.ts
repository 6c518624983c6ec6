/**
 * The plate operations that change its layout on disk: create a well, create a batch of
 * positions, rename a well. Each runs inside the plate's one metadata update (checks first,
 * then groups, then the plate metadata once). The Plate class delegates here.
 */
import { AlreadyExistsError, InvalidOptionsError, NotFoundError } from "../../errors.js";
import { plateNameIssues, throwIssues } from "../../schema/check.js";
import { mapBounded } from "../../store/concurrency.js";
import { createGroup, listChildren, removeNode } from "../../store/index.js";
import type { AxisSpec } from "../axes.js";
import { childContext, type NodeContext } from "../context.js";
import { isEmptyLeftover } from "../leftovers.js";
import type { Position } from "../position.js";
import { type FieldCountKeeper, Well } from "../well.js";
import { assertPlateName, type PositionSpec, planPositions, toPositionSpec } from "./batch.js";
import { assertFieldCount, type DeclaredLayout } from "./layout.js";
import { addWell, type PlateMeta, renameWellMeta, type WellIndexOptions } from "./meta.js";

/** Options of batch operations. */
export interface BatchOptions {
  /** Most store operations in flight at once (default 16). */
  concurrency?: number;
}

/** Options of `Plate.createPositions`. */
export interface CreatePositionsOptions extends BatchOptions {
  /**
   * Replace positions of the batch that exist (iohub's `overwriting_creation`): every input is
   * checked first, then each existing one is deleted (as `Well.deletePosition` does) and the
   * batch creates it again, empty. Default false: an existing position is an AlreadyExistsError.
   */
  overwrite?: boolean;
}

/** Default number of store operations in flight in batch operations. */
export const DEFAULT_CONCURRENCY = 16;

/** What the operations need from their plate. @internal */
export interface PlateInternals {
  ctx: NodeContext;
  /** The plate's one metadata update (see `Plate._updatePlateMeta`). */
  update<T>(
    plan: (draft: PlateMeta) => Promise<(() => Promise<T>) | undefined>,
  ): Promise<T | undefined>;
  getWell(path: string): Promise<Well>;
  wellCtx(path: string): NodeContext;
  /** What a well or position of the plate starts with (the plate keeps its wells' counts). */
  childInit(): {
    channelNames: readonly string[];
    axes: readonly AxisSpec[];
    plate: FieldCountKeeper;
  };
  /** Remember (or, with `undefined`, forget) the well node at `path`. */
  cacheWell(path: string, well: Well | undefined): void;
  pendingWell(path: string): Promise<Well> | undefined;
  wellPaths(): string[];
  /** The layout declared at creation, if any. */
  layout(): DeclaredLayout | undefined;
  /** A copy of the plate metadata now (the template before the first well). */
  current(): PlateMeta;
  /** `Plate.deleteWell`. */
  deleteWell(row: string, column: string): Promise<void>;
}

/**
 * The `concurrency` option, checked.
 * @throws {InvalidOptionsError} when it is not a positive integer.
 */
export function concurrencyOf(opts: BatchOptions): number {
  const c = opts.concurrency ?? DEFAULT_CONCURRENCY;
  if (!Number.isInteger(c) || c < 1) {
    throw new InvalidOptionsError("concurrency", c, "an integer >= 1 (store operations in flight)");
  }
  return c;
}

/**
 * Split and check a well path `row/column`.
 * @throws {UnsafePathError} for unsafe names; {@link InvalidMetadataError} for another form.
 */
export function splitWell(path: string): [string, string] {
  const parts = String(path).split("/");
  if (parts.length !== 2) {
    assertPlateName(parts.join("/"), "row"); // unsafe input (e.g. "..", "") reports UnsafePathError first
    throwIssues(plateNameIssues(path, "well"), {
      summary: `invalid well path ${JSON.stringify(path)} (expected "row/column")`,
    });
  }
  const [row, col] = parts as [string, string];
  assertPlateName(row, "row");
  assertPlateName(col, "column");
  return [row, col];
}

/** Whether a group (of either Zarr format) exists at `path`. */
export async function groupExists(ctx: NodeContext, path: string): Promise<boolean> {
  const { store } = ctx;
  const [v2, v3] = await Promise.all([
    store.has(`${path}/.zgroup`),
    store.has(`${path}/zarr.json`),
  ]);
  return v2 || v3;
}

async function assertAbsent(
  p: PlateInternals,
  path: string,
  opts: { adoptLeftover?: boolean } = {},
): Promise<void> {
  const at = p.wellCtx(path).path;
  if (
    (await groupExists(p.ctx, at)) &&
    !(opts.adoptLeftover && (await isEmptyLeftover(p.ctx, at, "well")))
  ) {
    throw new AlreadyExistsError(
      path,
      `a group already exists at ${JSON.stringify(path)} but the plate metadata does not list it; remove it or rename the well`,
    );
  }
}

/** `Plate.createWell`. @internal */
export async function createWellOp(
  p: PlateInternals,
  row: string,
  column: string,
  opts: WellIndexOptions,
): Promise<Well> {
  assertPlateName(row, "row");
  assertPlateName(column, "column");
  const path = `${row}/${column}`;
  const well = await p.update(async (draft) => {
    if (draft.wells.some((w) => w.path === path)) {
      throw new AlreadyExistsError(
        path,
        `well ${JSON.stringify(path)} already exists; use plate.getWell(${JSON.stringify(path)})`,
      );
    }
    addWell(draft, row, column, opts);
    await assertAbsent(p, path, { adoptLeftover: true });
    return async () => {
      await createGroup(p.ctx.store, childContext(p.ctx, row).path, p.ctx.format);
      const ctx = p.wellCtx(path);
      await createGroup(ctx.store, ctx.path, ctx.format);
      const w = Well._fromCreated(ctx, undefined, p.childInit());
      p.cacheWell(path, w);
      return w;
    };
  });
  return well!;
}

/** `Plate.createPositions` and `Plate.fromPositions`: `make` creates the group of one position. @internal */
export async function createBatchOp(
  p: PlateInternals,
  specs: readonly (string | PositionSpec)[],
  opts: BatchOptions,
  make: (ctx: NodeContext, index: number) => Promise<Position>,
): Promise<Position[]> {
  const limit = concurrencyOf(opts);
  const normalized = specs.map(toPositionSpec);
  const result = await p.update(async (draft) => {
    const listed = new Set(draft.wells.map((w) => w.path));
    const touched = [
      ...new Set(normalized.map((s) => `${s.row}/${s.col}`).filter((w) => listed.has(w))),
    ];
    const wells = new Map<string, Well>();
    await mapBounded(touched, limit, async (w) => wells.set(w, await p.getWell(w)));
    const plan = planPositions(draft, (w) => wells.get(w)?.metadata, normalized);
    for (const [w, { meta }] of plan.wells) assertFieldCount(p.layout(), w, meta.images.length);
    // New wells are checked absent as a whole; only fields of listed wells can clash on disk.
    const fresh = new Set(plan.newWells);
    const clashes = await mapBounded(plan.positions, limit, async ({ well, spec }) => {
      const at = `${p.wellCtx(well).path}/${spec.pos}`;
      return !fresh.has(well) &&
        (await groupExists(p.ctx, at)) &&
        !(await isEmptyLeftover(p.ctx, at, "position"))
        ? `${well}/${spec.pos}`
        : undefined;
    });
    const clash = clashes.find((c) => c !== undefined);
    if (clash !== undefined) {
      throw new AlreadyExistsError(
        clash,
        `a group already exists at ${JSON.stringify(clash)}; pick another field name`,
      );
    }
    await mapBounded(plan.newWells, limit, (w) => assertAbsent(p, w, { adoptLeftover: true }));
    Object.assign(draft, plan.plate);
    return async () => {
      const { store, format } = p.ctx;
      await mapBounded(plan.newRows, limit, (r) =>
        createGroup(store, childContext(p.ctx, r).path, format),
      );
      await mapBounded(plan.newWells, limit, async (w) => {
        const ctx = p.wellCtx(w);
        await createGroup(store, ctx.path, format);
        wells.set(w, Well._fromCreated(ctx, undefined, p.childInit()));
      });
      const positions = await mapBounded(plan.positions, limit, ({ well, spec }, i) =>
        make(childContext(p.wellCtx(well), spec.pos), i),
      );
      await mapBounded([...plan.wells], limit, ([w, { added }]) =>
        wells.get(w)!._updateWellMeta((meta) => {
          // A new well lists only this batch (metadata on disk is an adopted leftover's).
          if (fresh.has(w)) meta.images = [];
          const dup = added.find((a) => meta.images.some((i) => i.path === a.path));
          if (dup) {
            throw new AlreadyExistsError(
              `${w}/${dup.path}`,
              `position ${JSON.stringify(`${w}/${dup.path}`)} was created concurrently`,
            );
          }
          meta.images.push(...added);
        }),
      );
      plan.positions.forEach(({ well, spec }, i) => {
        wells.get(well)!._cachePosition(spec.pos, positions[i]!);
      });
      for (const w of plan.newWells) p.cacheWell(w, wells.get(w)!);
      return positions;
    };
  });
  return result ?? [];
}

/** `Plate.renameWell`. @internal */
export async function renameWellOp(p: PlateInternals, from: string, to: string): Promise<void> {
  const [fromRow] = splitWell(from);
  const [toRow] = splitWell(to);
  await p.update(async (draft) => {
    if (!draft.wells.some((w) => w.path === from)) {
      throw new NotFoundError(
        from,
        `plate has no well ${JSON.stringify(from)}; wells: ${JSON.stringify(p.wellPaths())}`,
      );
    }
    if (draft.wells.some((w) => w.path === to)) {
      throw new AlreadyExistsError(
        to,
        `well ${JSON.stringify(to)} already exists; rename it first or pick another name`,
      );
    }
    const fromOnDisk = await groupExists(p.ctx, p.wellCtx(from).path);
    // An interrupted renameWell(from, to) moved the group but died before the metadata
    // listed it: `from` is gone, `to` exists unlisted. Renaming again completes it.
    const resuming = !fromOnDisk && (await groupExists(p.ctx, p.wellCtx(to).path));
    if (!resuming) await assertAbsent(p, to);
    if (!fromOnDisk && !resuming) {
      throw new NotFoundError(
        from,
        `well ${JSON.stringify(from)} is listed in the plate metadata but has no group on disk`,
      );
    }
    renameWellMeta(draft, from, to);
    return async () => {
      const { store, format } = p.ctx;
      await p.pendingWell(from)?.catch(() => undefined);
      if (!resuming) {
        await createGroup(store, childContext(p.ctx, toRow).path, format);
        await store.rename(p.wellCtx(from).path, p.wellCtx(to).path);
      }
      p.cacheWell(from, undefined);
      if (!draft.wells.some((w) => w.path.split("/")[0] === fromRow)) {
        // Remove the old row group only when nothing at all is left in it.
        const rowPath = childContext(p.ctx, fromRow).path;
        const { groups, arrays } = await listChildren(store, rowPath);
        const { dirs, files } = await store.list(rowPath);
        const onlyGroupMeta = files.every(
          (f) => f === ".zgroup" || f === ".zattrs" || f === "zarr.json",
        );
        if (groups.length === 0 && arrays.length === 0 && dirs.length === 0 && onlyGroupMeta) {
          await removeNode(store, rowPath);
        }
      }
      return undefined;
    };
  });
}
