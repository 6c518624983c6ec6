/**
 * Deleting nodes (iohub's `del node[name]`, which leaves the metadata stale; here every metadata
 * list that names the node is updated): an image, a label, a position, a well, a row.
 *
 * Crash-safe order, the same for every kind:
 * 1. checks (writable, safe name, the name is listed) — nothing is written when they fail;
 * 2. the metadata that names the node is rewritten without it, atomically, under the store's
 *    lock of the group that holds the list (the store is then complete without the node);
 * 3. the node's directory is moved aside in one rename to `.<name>.ngff-deleted` (local and
 *    memory stores; S3 deletes the prefix directly), then that is removed.
 *
 * A writer killed between 2 and 3 leaves an unlisted directory (or a `.…ngff-deleted` one) that
 * nothing lists, so the store still validates. Calling the same delete again finishes the job:
 * an unlisted directory at the name, or its `.ngff-deleted` leftover, is removed and the call
 * succeeds; only when there is nothing at all under that name does it throw NotFoundError. The
 * next `create…(name, …, { overwrite: true })` cleans it the same way.
 */
import { NotFoundError, UnsupportedError } from "../errors.js";
import { assertSafeName, writeAttributes, type ZarrStore } from "../store/index.js";
import { withStoreLock } from "../store/lock.js";
import { childContext, joinPath, type NodeContext } from "./context.js";
import type { MultiscaleMeta } from "./multiscales-meta.js";
import { readGroupOmeAttrs, readOmeAttrs, writeOmeAttrs } from "./ome-attrs.js";
import type { PlateMeta, WellImage, WellMeta } from "./plate/meta.js";

/** Suffix of the name a deleted directory is moved to before it is removed. */
export const DELETED_SUFFIX = ".ngff-deleted";

/** The name directory `name` is moved to while it is removed: `.<name>.ngff-deleted`. */
export function deletedName(name: string): string {
  return `.${name}${DELETED_SUFFIX}`;
}

/**
 * Remove directory `parent/name` and the `.ngff-deleted` leftover of an earlier interrupted
 * removal. The directory is first moved aside in one rename (local and memory stores), so a
 * crash never leaves a half-removed directory under its real name.
 * @returns whether anything was there.
 */
export async function discardDir(store: ZarrStore, parent: string, name: string): Promise<boolean> {
  const { dirs } = await store.list(parent);
  const trash = joinPath(parent, deletedName(name));
  let found = false;
  if (dirs.includes(deletedName(name))) {
    await store.deletePrefix(trash);
    found = true;
  }
  if (dirs.includes(name)) {
    found = true;
    const path = joinPath(parent, name);
    if (store.kind === "local" || store.kind === "memory") {
      await store.rename(path, trash);
      await store.deletePrefix(trash);
    } else {
      await store.deletePrefix(path); // S3: a rename is a copy; removing in place is as safe
    }
  }
  return found;
}

/**
 * The attributes `attributes` without the OME keys `keys` (pure). On 0.5 an `ome` object left
 * with nothing but its `version` is dropped, as a group that never had OME metadata.
 */
export function withoutOmeKeys(
  format: 2 | 3,
  attributes: Record<string, unknown>,
  keys: readonly string[],
): Record<string, unknown> {
  const next = structuredClone(attributes);
  if (format === 2) {
    for (const k of keys) delete next[k];
    return next;
  }
  const ome = next.ome;
  if (typeof ome !== "object" || ome === null || Array.isArray(ome)) return next;
  const o = ome as Record<string, unknown>;
  for (const k of keys) delete o[k];
  if (Object.keys(o).every((k) => k === "version")) delete next.ome;
  return next;
}

/**
 * Rewrite the attributes of the group at `ctx.path` without the OME keys `keys` (one atomic
 * metadata write; the caller holds the group's lock). Resolves to the attributes written.
 */
export async function writeAttrsWithout(
  ctx: NodeContext,
  keys: readonly string[],
): Promise<Record<string, unknown>> {
  const read = await readGroupOmeAttrs(ctx.store, ctx.path, ctx.format);
  const next = withoutOmeKeys(ctx.format, read?.attributes ?? {}, keys);
  await writeAttributes(ctx.store, ctx.path, ctx.format, next);
  return next;
}

/** The label names the `labels` group of the position at `ctx` lists. */
async function listedLabels(ctx: NodeContext): Promise<string[]> {
  const read = await readOmeAttrs(ctx.store, joinPath(ctx.path, "labels"));
  const list = read?.ome.labels;
  return Array.isArray(list) ? list.filter((x): x is string => typeof x === "string") : [];
}

function listText(names: readonly string[]): string {
  return JSON.stringify([...names]);
}

// ---- images -----------------------------------------------------------------------------------

/** What deleting an image needs from its position (Position implements it). @internal */
export interface ImageHost {
  readonly ctx: NodeContext;
  _assertWritable(): void;
  _liveMultiscale(): MultiscaleMeta | undefined;
  /** Every multiscale of the group (the first and the others). */
  _allMultiscales(): MultiscaleMeta[];
  /** Drop `multiscales` and `omero` from memory and from the attributes (under the lock). */
  _dropImage(): Promise<void>;
  dumpMeta(): Promise<void>;
  arrayKeys(): Promise<string[]>;
}

/**
 * `Position.deleteImage(name)`: delete image array `name` (iohub's `del position[name]`) and
 * every metadata entry naming it.
 *
 * - `name` is level 0 (the first `datasets` entry, the full-resolution image): the whole image
 *   goes — every level, its labels (which annotate those pixels and keep its level count), and
 *   the `multiscales` and `omero` metadata. The position is left as `createPosition` leaves it
 *   (a group waiting for its first image; its channel names are kept by this node).
 * - `name` is pyramid level k > 0: levels k… go, the last first, each unlisted then removed (a
 *   pyramid is largest first, without gaps). Refused
 *   when the position has labels, which must keep as many levels as the image.
 * - `name` is not listed: an interrupted delete's leftover of that name is removed (and, on a
 *   position without an image, every other array left of the deleted image); NotFoundError when
 *   there is nothing of that name.
 *
 * Order: labels moved aside (one rename), then the metadata rewritten, then the arrays removed.
 * @throws {UnsafePathError} for an unsafe name; {@link NotFoundError} when nothing has that name;
 * {@link UnsupportedError} for a pyramid level of a position with labels; {@link ReadOnlyError}
 * in mode "r". Nothing is written when it throws.
 */
export async function deleteImageOp(host: ImageHost, name: string): Promise<void> {
  host._assertWritable();
  assertSafeName(name, "image name");
  const { store, path } = host.ctx;
  const m = host._liveMultiscale();
  const levels = m?.datasets.map((d) => d.path) ?? [];
  const k = levels.indexOf(name);
  if (k < 0) {
    // Not listed: finish an interrupted delete, or report the name missing. The levels of a
    // deleted image are removed last to first, so while `name` is left so may be its other
    // levels: on a position without an image, every array left is one of them.
    const found = await discardDir(store, path, name);
    if (found && m === undefined) {
      for (const a of await host.arrayKeys()) await discardDir(store, path, a);
      await sweepDeleted(store, path, "labels");
    }
    if (found && m !== undefined) await discardTrailingLevels(host, levels);
    if (!found) {
      throw new NotFoundError(
        joinPath(path, name),
        `${JSON.stringify(path || "/")} has no image ${JSON.stringify(name)}; its images are ${listText(levels)}`,
      );
    }
    return;
  }
  if (k > 0) {
    const labels = await listedLabels(host.ctx);
    if (labels.length > 0) {
      throw new UnsupportedError(
        "deleting a pyramid level of an image with labels",
        `cannot delete level ${k} (${JSON.stringify(name)}) of ${JSON.stringify(path || "/")}: its labels ` +
          `${listText(labels)} keep as many levels as the image; delete the labels first ` +
          `(deleteLabel), or delete level 0 (${JSON.stringify(levels[0])}) to remove the whole image`,
      );
    }
    // One level at a time, the last first (metadata, then its array): a kill anywhere leaves
    // `name` listed, or unlisted with nothing after it, so the rerun finishes the job.
    await sweepAllDeleted(store, path);
    const live = m as MultiscaleMeta;
    for (let j = levels.length - 1; j >= k; j--) {
      live.datasets = live.datasets.slice(0, j);
      if (j === 1) {
        delete live.type;
        delete live.metadata;
      }
      await host.dumpMeta();
      await discardDir(store, path, levels[j] as string);
    }
    await discardTrailingLevels(host, levels.slice(0, k));
    return;
  }
  // Level 0: the whole image. Labels first (one rename takes them all out of the store; this
  // also removes what an interrupted removal of them left).
  await discardDir(store, path, "labels");
  const all = new Set(host._allMultiscales().flatMap((x) => x.datasets.map((d) => d.path)));
  await host._dropImage();
  // Last level first, level 0 last: a rerun finds level 0 while anything of the image is left.
  for (const p of [...all].reverse()) await discardDir(store, path, p);
}

/**
 * Remove the unlisted arrays named like levels after the last listed one (`"3"` after `"0"`…`"2"`):
 * what a delete of pyramid levels killed between a metadata write and the removal leaves.
 * Only for levels named by integers (as the API names them); other arrays are left alone.
 */
async function discardTrailingLevels(host: ImageHost, listed: readonly string[]): Promise<void> {
  if (!listed.every((l) => /^\d+$/.test(l))) return;
  const last = Math.max(-1, ...listed.map(Number));
  for (const a of await host.arrayKeys()) {
    if (/^\d+$/.test(a) && Number(a) > last) await discardDir(host.ctx.store, host.ctx.path, a);
  }
}

/** Remove every `.…ngff-deleted` leftover directly under `parent` (they are always ours). */
async function sweepAllDeleted(store: ZarrStore, parent: string): Promise<void> {
  const { dirs } = await store.list(parent);
  for (const d of dirs) {
    if (d.startsWith(".") && d.endsWith(DELETED_SUFFIX))
      await store.deletePrefix(joinPath(parent, d));
  }
}

/** Remove the `.ngff-deleted` leftover of `parent/name` only. */
async function sweepDeleted(store: ZarrStore, parent: string, name: string): Promise<boolean> {
  const { dirs } = await store.list(parent);
  if (!dirs.includes(deletedName(name))) return false;
  await store.deletePrefix(joinPath(parent, deletedName(name)));
  return true;
}

// ---- labels -----------------------------------------------------------------------------------

/**
 * Remove what stands in the way of an overwriting create: `del` of the child, where a
 * NotFoundError (nothing of that name, nor an interrupted delete's leftover) is fine.
 */
export async function clearForOverwrite(del: () => Promise<void>): Promise<void> {
  await del().catch((err: unknown) => {
    if (!(err instanceof NotFoundError)) throw err;
  });
}

/**
 * `Position.deleteLabel(name)`: remove label image `labels/<name>` and its entry in the `labels`
 * group's list (which stays, possibly empty: `labels: []` is valid). The list is rewritten under
 * the `labels` group's lock first, then the label's directory is removed.
 * @throws {UnsafePathError} for an unsafe name; {@link NotFoundError} when no label (nor a
 * leftover of an interrupted delete) has that name; {@link ReadOnlyError} in mode "r".
 */
export async function deleteLabelOp(
  position: { readonly ctx: NodeContext; _assertWritable(): void },
  name: string,
): Promise<void> {
  position._assertWritable();
  assertSafeName(name, "label name");
  const lctx = childContext(position.ctx, "labels");
  const { store } = lctx;
  const removed = await withStoreLock(store, lctx.path, async () => {
    const read = await readOmeAttrs(store, lctx.path);
    const list = Array.isArray(read?.ome.labels) ? (read.ome.labels as unknown[]) : [];
    if (read === undefined || !list.includes(name)) return false;
    await writeOmeAttrs(
      lctx,
      { ...read.ome, labels: list.filter((x) => x !== name) },
      read.attributes,
    );
    return true;
  });
  const found = await discardDir(store, lctx.path, name);
  if (!removed && !found) {
    const names = await listedLabels(position.ctx);
    throw new NotFoundError(
      joinPath(lctx.path, name),
      `${JSON.stringify(position.ctx.path || "/")} has no label ${JSON.stringify(name)}; its labels are ${listText(names)}`,
    );
  }
}

// ---- positions --------------------------------------------------------------------------------

/** Thrown inside a metadata update to abort it without writing: the name is not listed. */
class NotListed extends Error {}

/** What deleting a position needs from its well (Well implements it). @internal */
export interface WellHost {
  readonly ctx: NodeContext;
  _assertWritable(): void;
  _updateWellMeta(fn: (draft: WellMeta) => void | Promise<void>): Promise<WellMeta>;
  _forgetPosition(name: string): void;
  /** Lower the plate's counts after the well's fields went from `before` (unknown: undefined) to `after`. */
  _fieldsRemoved(
    before: readonly WellImage[] | undefined,
    after: readonly WellImage[],
  ): Promise<void>;
  positionNames(): string[];
}

/**
 * `Well.deletePosition(name)`: remove field `name` from the well's `images` list (one locked
 * write; the last field removes the `well` metadata, leaving the well as `createWell` leaves
 * it), then the plate's counts (`maximumfieldcount`, `field_count`) are lowered when the field
 * held a maximum (a well opened through its plate; see plate/counts.ts), then its directory.
 * A run killed before the plate's write leaves counts too high (still valid); running the
 * delete again recounts.
 * @throws {UnsafePathError} for an unsafe name; {@link NotFoundError} when neither the list nor
 * the disk has it; {@link ReadOnlyError} in mode "r".
 */
export async function deletePositionOp(well: WellHost, name: string): Promise<void> {
  well._assertWritable();
  assertSafeName(name, "position name");
  let listed = true;
  let before: WellImage[] = [];
  let after: WellImage[] = [];
  try {
    await well._updateWellMeta((draft) => {
      const i = draft.images.findIndex((img) => img.path === name);
      if (i < 0) throw new NotListed();
      before = structuredClone(draft.images);
      draft.images.splice(i, 1);
      after = structuredClone(draft.images);
    });
  } catch (err) {
    if (!(err instanceof NotListed)) throw err;
    listed = false;
  }
  well._forgetPosition(name);
  const { store, path } = well.ctx;
  const leftover =
    !listed && (await store.list(path)).dirs.some((d) => d === name || d === deletedName(name));
  // An unlisted leftover is an interrupted delete: the plate's counts may not be lowered yet.
  if (listed || leftover) await well._fieldsRemoved(listed ? before : undefined, after);
  const found = await discardDir(store, path, name);
  if (!listed && !found) {
    throw new NotFoundError(
      joinPath(well.ctx.path, name),
      `well ${JSON.stringify(well.ctx.path)} has no position ${JSON.stringify(name)}; it has ${listText(well.positionNames())}`,
    );
  }
}

// ---- wells and rows ---------------------------------------------------------------------------

/** What deleting wells needs from the plate (Plate implements it). @internal */
export interface PlateHost {
  readonly ctx: NodeContext;
  _assertWritable(): void;
  /**
   * The plate's one metadata update: `plan` edits a copy; it is written (a plate left without
   * wells loses its `plate` metadata); then `after` runs, still under the plate's lock.
   */
  _updatePlateMeta<T>(
    plan: (draft: PlateMeta) => Promise<(() => Promise<T>) | undefined>,
    opts?: { after?: () => Promise<void> },
  ): Promise<T | undefined>;
  _forgetWell(path: string): void;
  /** Lower the counts of `draft` after wells `removed` left its `wells` list. */
  _lowerCountsWithout(draft: PlateMeta, removed: readonly string[]): Promise<void>;
  wellPaths(): string[];
}

/**
 * Remove the wells of `row` (all of them, or only `column`) from the plate's `wells` list, then
 * their directories (and the row's, once no well is left in it). The `rows` and `columns` lists
 * are kept: the spec lets them name rows and columns without wells, and the remaining wells'
 * `rowIndex`/`columnIndex` stay valid (so a plate declared `A`…`H` × `1`…`12` keeps its layout).
 * The last well removes the `plate` metadata (the plate is then as before its first well).
 */
async function deleteWellsOp(plate: PlateHost, row: string, column?: string): Promise<void> {
  plate._assertWritable();
  assertSafeName(row, "row name");
  if (column !== undefined) assertSafeName(column, "column name");
  const { store, path } = plate.ctx;
  const rowPath = joinPath(path, row);
  const matches = (p: string) =>
    column === undefined ? p.split("/")[0] === row : p === `${row}/${column}`;
  let listed = true;
  const removed: string[] = [];
  try {
    await plate._updatePlateMeta(
      async (draft) => {
        const gone = draft.wells.filter((w) => matches(w.path)).map((w) => w.path);
        if (gone.length === 0) throw new NotListed();
        removed.push(...gone);
        draft.wells = draft.wells.filter((w) => !matches(w.path));
        await plate._lowerCountsWithout(draft, gone);
        return undefined;
      },
      {
        after: async () => {
          for (const w of removed) plate._forgetWell(w);
          await discardLeftovers(true);
        },
      },
    );
  } catch (err) {
    if (!(err instanceof NotListed)) throw err;
    listed = false;
  }
  /** Remove the directories (`wasListed`: the wells were listed, else leftovers only). */
  async function discardLeftovers(wasListed: boolean): Promise<boolean> {
    let found = false;
    if (column !== undefined) {
      found = await discardDir(store, rowPath, column);
      // Remove the row group too once nothing but its own metadata is left in it (not when
      // there was nothing to delete: a NotFoundError leaves the store as it was).
      const rowLeft = plate.wellPaths().some((p) => p.split("/")[0] === row);
      const { dirs } = await store.list(rowPath);
      if ((wasListed || found) && !rowLeft && dirs.length === 0) await discardDir(store, path, row);
    } else {
      found = await discardDir(store, path, row);
    }
    return found;
  }
  if (listed) return;
  if (!(await discardLeftovers(false))) {
    const what = column === undefined ? `row ${JSON.stringify(row)}` : `well "${row}/${column}"`;
    throw new NotFoundError(
      column === undefined ? row : `${row}/${column}`,
      `plate ${JSON.stringify(path || "/")} has no ${what}; its wells are ${listText(plate.wellPaths())}`,
    );
  }
}

/**
 * `Plate.deleteWell(row, column)`: see {@link deleteWellsOp}.
 * @throws {UnsafePathError} for unsafe names; {@link NotFoundError} when the plate has no such
 * well (nor a leftover of an interrupted delete); {@link ReadOnlyError} in mode "r".
 */
export function deleteWellOp(plate: PlateHost, row: string, column: string): Promise<void> {
  return deleteWellsOp(plate, row, column);
}

/**
 * `Plate.deleteRow(row)`: every well of the row, in one plate metadata write, then the row's
 * directory. See {@link deleteWellsOp}.
 * @throws {UnsafePathError} for an unsafe name; {@link NotFoundError} when no listed well is in
 * that row (nor is a leftover there); {@link ReadOnlyError} in mode "r".
 */
export function deleteRowOp(plate: PlateHost, row: string): Promise<void> {
  return deleteWellsOp(plate, row);
}
