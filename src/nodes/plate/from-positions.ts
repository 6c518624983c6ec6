/**
 * `Plate.fromPositions`: a new plate assembled from existing positions (from any stores,
 * FOV or HCS), copying their images, labels and metadata. iohub has this method disabled; here
 * it works: chunk files are copied byte for byte when the NGFF versions match, and re-encoded
 * block by block when they differ.
 */
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { AlreadyExistsError, InvalidMetadataError, InvalidOptionsError } from "../../errors.js";
import {
  isStoreUrl,
  openLocalStore,
  openStoreRef,
  parseStoreUrl,
  readNode,
  refLabel,
  type ZarrStore,
} from "../../store/index.js";
import type { AxisSpec } from "../axes.js";
import { formatForVersion, type NgffVersion, type NodeContext } from "../context.js";
import { readOmeAttrs, writeOmeAttrs } from "../ome-attrs.js";
import { Position } from "../position.js";
import { toPositionSpec } from "./batch.js";
import { convertTree, copyTreeBytes } from "./copy.js";
import {
  applyDeclaredLayout,
  assertFieldCount,
  checkPlateLayout,
  layoutTemplate,
  type PlateLayout,
} from "./layout.js";
import { type Acquisition, addWell } from "./meta.js";
import { type BatchOptions, Plate } from "./plate.js";

/** Options of {@link Plate.fromPositions}. */
export interface FromPositionsOptions extends BatchOptions {
  /** NGFF version of the new plate (default: the first position's). */
  version?: NgffVersion;
  /** Plate name. */
  name?: string;
  /** Plate acquisitions (default `[{ id: 0 }]`). */
  acquisitions?: readonly Acquisition[];
  /** Plate row list (see {@link Plate.create}). */
  rows?: readonly string[];
  /** Plate column list (see {@link Plate.create}). */
  columns?: readonly string[];
  /**
   * The plate's declared layout (see `openOmeZarr`'s `plate` option; instead of `name`,
   * `acquisitions`, `rows` and `columns`): every destination must be in a declared row and
   * column (checked before anything is written), wells get their indexes from it.
   */
  layout?: PlateLayout;
}

function mismatch(
  key: string,
  what: string,
  found: unknown,
  expected: unknown,
): InvalidMetadataError {
  return new InvalidMetadataError(
    [
      {
        code: "position_mismatch",
        location: key,
        message: `${what} ${JSON.stringify(found)} differ from the first position's ${JSON.stringify(expected)}; every position of a plate shares channels and axes`,
        expected: JSON.stringify(expected),
      },
    ],
    { summary: `position ${JSON.stringify(key)} does not fit the plate` },
  );
}

async function targetStore(target: string | ZarrStore): Promise<ZarrStore> {
  if (typeof target === "string" && isStoreUrl(target)) {
    const ref = parseStoreUrl(target);
    if (ref.kind !== "file") target = await openStoreRef(ref);
    else target = ref.path;
  }
  if (typeof target !== "string") {
    if ((await readNode(target, "")) !== undefined) {
      throw new AlreadyExistsError(
        refLabel(target.ref),
        "the target store already holds a Zarr group; pass an empty store",
      );
    }
    return target;
  }
  const dir = resolve(target);
  const exists = await stat(dir).then(
    () => true,
    () => false,
  );
  if (exists) {
    throw new AlreadyExistsError(
      dir,
      `${dir} already exists; Plate.fromPositions creates a new store (iohub's mode "w-")`,
    );
  }
  return openLocalStore(dir, { create: true });
}

/**
 * Create a plate at `target` (a new directory, or an empty store) from `positions`, keyed by
 * destination `row/column/field` (e.g. `{ "A/1/0": pos, "B/3/0": other }`). Every check runs
 * first (names, duplicates, channel names and axes equal across positions, target absent);
 * then each position's subtree is copied (bounded concurrency), its `omero.name` set to the
 * field name (iohub), and the wells' and plate's metadata written once each.
 * @throws {InvalidMetadataError} for an empty map, bad keys, or positions with other channels or axes.
 * @throws {UnsafePathError} for unsafe keys; {@link AlreadyExistsError} when `target` exists.
 */
export async function plateFromPositions(
  target: string | ZarrStore,
  positions: Readonly<Record<string, Position>> | ReadonlyMap<string, Position>,
  opts: FromPositionsOptions = {},
): Promise<Plate> {
  const entries = positions instanceof Map ? [...positions.entries()] : Object.entries(positions);
  const first = entries[0]?.[1];
  if (first === undefined) {
    throw new InvalidMetadataError(
      [
        {
          code: "empty",
          location: "positions",
          message: "no positions given",
          expected: "at least one position",
        },
      ],
      { summary: "Plate.fromPositions needs positions" },
    );
  }
  const specs = entries.map(([key]) => toPositionSpec(key));
  const channelNames = first.channelNames;
  const axes: readonly AxisSpec[] = first.axes;
  for (const [key, pos] of entries) {
    if (!(pos instanceof Position)) {
      throw new InvalidMetadataError(
        [
          {
            code: "invalid_type",
            location: key,
            message: "expected a Position node",
            expected: "Position",
          },
        ],
        { summary: `positions[${JSON.stringify(key)}] is not a Position` },
      );
    }
    if (JSON.stringify(pos.channelNames) !== JSON.stringify(channelNames)) {
      throw mismatch(key, "channel names", pos.channelNames, channelNames);
    }
    const names = pos.axes.map((a) => a.name);
    if (JSON.stringify(names) !== JSON.stringify(axes.map((a) => a.name))) {
      throw mismatch(
        key,
        "axes",
        names,
        axes.map((a) => a.name),
      );
    }
  }
  const version = opts.version ?? first.version;
  if (version !== "0.4" && version !== "0.5") {
    throw new InvalidOptionsError("version", version, '"0.4" | "0.5"');
  }
  if (opts.layout !== undefined) {
    // Every destination against the declaration, before the target is created.
    const declared = checkPlateLayout(opts.layout, undefined, "layout");
    const probe = layoutTemplate(declared);
    const fields = new Map<string, number>();
    for (const s of specs) {
      const well = `${s.row}/${s.col}`;
      if (!fields.has(well)) addWell(probe, s.row, s.col);
      fields.set(well, (fields.get(well) ?? 0) + 1);
    }
    applyDeclaredLayout(probe, declared);
    for (const [well, n] of fields) assertFieldCount(declared, well, n);
  }
  const store = await targetStore(target);
  const ctx: NodeContext = {
    store,
    path: "",
    format: formatForVersion(version),
    version,
    mode: "w-",
  };
  const create: Parameters<typeof Plate.create>[1] = { channelNames, axes };
  if (opts.name !== undefined) create.name = opts.name;
  if (opts.acquisitions !== undefined) create.acquisitions = opts.acquisitions;
  if (opts.rows !== undefined) create.rows = opts.rows;
  if (opts.columns !== undefined) create.columns = opts.columns;
  if (opts.layout !== undefined) create.layout = opts.layout;
  const plate = await Plate.create(ctx, create);
  const limit = opts.concurrency ?? 16;
  await plate._createBatch(specs, opts, async (dst, i) => {
    const src = entries[i]![1];
    if (src.version === version) await copyTreeBytes(src.ctx, dst, limit);
    else await convertTree(src.ctx, dst, limit);
    const read = await readOmeAttrs(dst.store, dst.path);
    if (read !== undefined && typeof read.ome.omero === "object" && read.ome.omero !== null) {
      const ome = {
        ...read.ome,
        omero: { ...(read.ome.omero as Record<string, unknown>), name: specs[i]!.pos },
      };
      await writeOmeAttrs(dst, ome, read.attributes);
    }
    return Position.open(dst, { channelNames, axes });
  });
  return plate;
}
