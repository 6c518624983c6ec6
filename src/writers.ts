/**
 * Function-style writers in the manner of ome-zarr-py's `ome_zarr.writer` (`write_image`,
 * `write_multiscale`, `write_multiscales_metadata`, `write_plate_metadata`,
 * `write_well_metadata`, `write_labels`), for users coming from Python. They are thin wrappers
 * over the node API and the store layer: the metadata written is exactly what the nodes write.
 *
 * `group` is a directory path (the store root, created when missing) or `{ store, path }`.
 * `fmt` is the NGFF version: an existing group keeps its own (a different `fmt` is an error, as
 * in ome-zarr-py); a new group gets `fmt`, default "0.5" (ome-zarr-py's current format).
 */

import { checkMethod } from "./engine/method.js";
import {
  InvalidMetadataError,
  InvalidOptionsError,
  LayoutMismatchError,
  ShapeMismatchError,
} from "./errors.js";
import type { AxisSpec } from "./nodes/axes.js";
import { checkAxes } from "./nodes/axes.js";
import {
  childContext,
  formatForVersion,
  type NgffVersion,
  type NodeContext,
} from "./nodes/context.js";
import {
  type CreateLabelOptions,
  type ImageLabelUpdate,
  LabelImage,
  type LabelInput,
} from "./nodes/labels.js";
import type { MultiscaleMeta } from "./nodes/multiscales-meta.js";
import { serializeMultiscale } from "./nodes/multiscales-meta.js";
import { readOmeAttrs, writeOmeAttrs } from "./nodes/ome-attrs.js";
import { type PixelInput, toDense } from "./nodes/pixel-data.js";
import { assertPlateName } from "./nodes/plate/batch.js";
import {
  type Acquisition,
  assertValidPlate,
  assertValidWell,
  defaultPlateName,
  type PlateMeta,
  type PlateWell,
  plateToJson,
  splitWellPath,
  type WellImage,
  wellToJson,
  withAcquisitionDefaults,
} from "./nodes/plate/meta.js";
import { Position } from "./nodes/position.js";
import type { PyramidDims, PyramidMethod } from "./nodes/pyramid-ops.js";
import { checkTransforms, type Transform } from "./nodes/transforms.js";
import { DEFAULT_PYRAMID_LEVELS } from "./schema/builders.js";
import {
  assertSafePath,
  type CodecSpec,
  createGroup,
  openArray,
  openStore,
  readNode,
  refName,
  type ZarrStore,
} from "./store/index.js";
import { validateOmeObject } from "./validate/ome.js";
import {
  applyImageMetadata,
  channelCount,
  checkImageMetadata,
  checkLevelStorage,
  peekWriterVersion,
} from "./writers-meta.js";

/** Where a writer writes: a directory path (the store root) or a group of an open store. */
export type WriterGroup = string | { store: ZarrStore; path?: string };

/** Axes as ome-zarr-py takes them: `"tczyx"`, `["y", "x"]`, or axis objects. */
export type AxesInput = string | readonly (string | AxisSpec)[];

/** Per-array storage options (ome-zarr-py's `storage_options`). */
export interface StorageOptions {
  /** Chunk shape; shorter than the array's rank means the leading axes are whole (ome-zarr-py's `_retuple`). */
  chunks?: number | readonly number[];
  /** Chunks per shard along each axis (NGFF 0.5 only). */
  shardsRatio?: readonly number[];
  /** Compression (ome-zarr-py's `compressor`); default: the store layer's default. */
  codec?: CodecSpec;
}

/** Pyramid options (ome-zarr-py's `scaler`): number of levels (level 0 included) and method. */
export interface ScalerOptions {
  levels: number;
  /** Default `"mean"` (`"mode"` for labels). */
  method?: PyramidMethod;
  /** Axes to downsample by 2 per level; default `["y", "x"]`, as ome-zarr-py. */
  dims?: PyramidDims;
  /** Worker threads for the pyramid (default: the pyramid engine's); 0 computes in-process. */
  workers?: number;
}

/** Options common to the image writers. */
export interface ImageWriterOptions {
  /** Axes; guessed for 2-D (`yx`) and 5-D (`tczyx`) data, required otherwise. */
  axes?: AxesInput;
  /** NGFF version of a new group (default "0.5"). */
  fmt?: NgffVersion;
  /** Coordinate transformations per level (default: scale 1 for level 0, shape ratios below). */
  coordinateTransformations?: readonly (readonly Transform[])[];
  /** Channel names for `omero` (default "0", "1", … along the channel axis). */
  channelNames?: readonly string[];
}

/**
 * Metadata passed through to the image (ome-zarr-py's `metadata={…}` / `name`), checked against
 * the version's schema before anything is written, and written last, with the image's own.
 */
export interface ImageMetadataInput {
  /**
   * The `omero` display settings as written (`channels` — `label`, `color` as 6 hex digits,
   * `window` { start, end, min, max }, `active`, … — and `rdefs`, `name`, …), instead of the
   * default ones: one channel entry per channel of the data.
   */
  omero?: Record<string, unknown>;
  /** `multiscales[0].name` (default: the group's name). */
  name?: string;
}

/** Options of {@link writeImage}. */
export interface WriteImageOptions extends ImageWriterOptions {
  /** Chunk shape (ome-zarr-py's deprecated `chunks`; same as `storageOptions.chunks`). */
  chunks?: number | readonly number[];
  /** Pyramid: default `{ levels: 5 }` (ome-zarr-py's scale factors 2, 4, 8, 16); `null` writes level 0 only. */
  scaler?: ScalerOptions | null;
  /**
   * One set of options for every level (the pyramid levels get level 0's chunks clipped to
   * their shape, and its shards and codec), or a list with one entry per level (ome-zarr-py's
   * list form): level k gets entry k's chunks (default level 0's, clipped), shards (only when
   * the entry has `shardsRatio`) and codec (default level 0's).
   */
  storageOptions?: StorageOptions | readonly StorageOptions[];
  /** `omero` and the multiscale `name` (see {@link ImageMetadataInput}). */
  metadata?: ImageMetadataInput;
}

/** Options of {@link writeMultiscale}. */
export interface WriteMultiscaleOptions extends ImageWriterOptions {
  /** One set of options for every level, or one per level. */
  storageOptions?: StorageOptions | readonly StorageOptions[];
  /** `omero` and the multiscale `name` (see {@link ImageMetadataInput}). */
  metadata?: ImageMetadataInput;
}

const DEFAULT_FMT: NgffVersion = "0.5";
const AXIS_TYPES: Record<string, string> = {
  t: "time",
  c: "channel",
  z: "space",
  y: "space",
  x: "space",
};

/** A bad option or argument of a writer function (checked before anything is written). */
function invalid(
  option: string,
  found: unknown,
  expected: string,
  hint?: string,
): InvalidOptionsError {
  return new InvalidOptionsError(option, found, expected, hint === undefined ? {} : { hint });
}

/**
 * Open (or create) the group a writer writes to. A new group gets `fmt` (default 0.5); an
 * existing one keeps its format, and a different `fmt` is refused.
 * @throws {LayoutMismatchError} when `fmt` disagrees with an existing group.
 */
export async function openWriterGroup(group: WriterGroup, fmt?: NgffVersion): Promise<NodeContext> {
  if (fmt !== undefined && fmt !== "0.4" && fmt !== "0.5")
    throw invalid("fmt", fmt, '"0.4" | "0.5"');
  let store: ZarrStore;
  let path = "";
  if (typeof group === "string") store = await openStore(group, { create: true });
  else if (typeof group === "object" && group !== null && typeof group.store?.get === "function") {
    store = group.store;
    path = group.path ?? "";
  } else throw invalid("group", group, "a directory path, a store URL or { store, path }");
  const node = await readNode(store, path);
  if (node !== undefined) {
    const version: NgffVersion = node.format === 2 ? "0.4" : "0.5";
    if (fmt !== undefined && fmt !== version) {
      throw new LayoutMismatchError(
        `NGFF ${fmt} (Zarr v${formatForVersion(fmt)})`,
        `NGFF ${version} (Zarr v${node.format})`,
        `the group at ${JSON.stringify(path || "/")} is Zarr v${node.format} (NGFF ${version}), but fmt ${fmt} was asked; omit fmt or pass "${version}"`,
      );
    }
    return { store, path, format: node.format, version, mode: "a" };
  }
  const version = fmt ?? DEFAULT_FMT;
  await createGroup(store, path, formatForVersion(version), {}, { parents: true });
  return { store, path, format: formatForVersion(version), version, mode: "a" };
}

/** The name of the group a writer writes to: its last path segment, or the store's name. */
function groupName(ctx: NodeContext): string | undefined {
  const name = ctx.path === "" ? refName(ctx.store.ref) : (ctx.path.split("/").pop() ?? "");
  return name === "" ? undefined : name;
}

/**
 * Axes from ome-zarr-py's forms: a string (`"tczyx"`), names or objects. Names t/c/z/y/x get
 * their types; 2-D and 5-D data get `yx` / `tczyx` when `axes` is omitted.
 * @throws {InvalidOptionsError} when axes are missing for 3-D/4-D data, or do not fit `ndim`.
 * @throws {InvalidMetadataError} for axes the spec does not allow.
 */
export function resolveAxes(axes: AxesInput | undefined, ndim: number | undefined): AxisSpec[] {
  let list: readonly (string | AxisSpec)[];
  if (axes === undefined) {
    if (ndim === 2) list = ["y", "x"];
    else if (ndim === 5) list = ["t", "c", "z", "y", "x"];
    else
      throw invalid(
        "axes",
        undefined,
        `axes for ${ndim ?? "unknown"}-D data`,
        'Only 2-D ("yx") and 5-D ("tczyx") data get default axes; pass axes, e.g. "zyx".',
      );
  } else list = typeof axes === "string" ? [...axes] : axes;
  const out = list.map((a) => {
    if (typeof a !== "string") return a;
    const type = AXIS_TYPES[a.toLowerCase()];
    return type === undefined ? { name: a } : { name: a, type };
  });
  if (ndim !== undefined && out.length !== ndim) {
    throw invalid("axes", axes, `${ndim} axes for ${ndim}-D data (${out.length} given)`);
  }
  return checkAxes(out);
}

/** ome-zarr-py's `_retuple`: a chunk shape shorter than the rank keeps the leading axes whole. */
export function retuple(chunks: number | readonly number[], shape: readonly number[]): number[] {
  const c = typeof chunks === "number" ? [chunks] : [...chunks];
  if (c.length > shape.length)
    throw invalid(
      "chunks",
      chunks,
      `at most ${shape.length} chunk sizes for ${shape.length}-D data`,
    );
  return [...shape.slice(0, shape.length - c.length), ...c];
}

function channelNamesFor(
  axes: readonly AxisSpec[],
  shape: readonly number[],
  given?: readonly string[],
): string[] {
  const ch = axes.findIndex((a) => a.type === "channel");
  const n = ch < 0 ? 1 : (shape[ch] ?? 1);
  if (given !== undefined) {
    // Checked here so that nothing is written for data with more channels than names.
    if (ch >= 0 && given.length < n) {
      throw new ShapeMismatchError(
        `at most ${given.length} channels`,
        [...shape],
        `the data has ${n} channels but ${given.length} channel names were given; pass one name per channel`,
      );
    }
    return [...given];
  }
  return Array.from({ length: Math.max(1, n) }, (_, i) => String(i));
}

function storageFor(
  opts: StorageOptions | readonly StorageOptions[] | undefined,
  level: number,
): StorageOptions {
  if (opts === undefined) return {};
  if (Array.isArray(opts)) {
    const o = (opts as readonly StorageOptions[])[level];
    if (o === undefined)
      throw invalid("storageOptions", opts, `one entry per level (none for level ${level})`);
    return o;
  }
  return opts as StorageOptions;
}

function levelOptions(
  s: StorageOptions,
  shape: readonly number[],
  transform: readonly Transform[] | undefined,
) {
  const o: {
    chunks?: number[];
    shardsRatio?: readonly number[];
    codec?: CodecSpec;
    transform?: readonly Transform[];
  } = {};
  if (s.chunks !== undefined) o.chunks = retuple(s.chunks, shape);
  if (s.shardsRatio !== undefined) o.shardsRatio = s.shardsRatio;
  if (s.codec !== undefined) o.codec = s.codec;
  if (transform !== undefined) o.transform = transform;
  if (Object.keys(s).some((k) => k !== "chunks" && k !== "shardsRatio" && k !== "codec")) {
    throw new InvalidOptionsError(
      "storageOptions",
      s,
      "an object with chunks, shardsRatio and codec only",
      {
        hint: `Remove ${JSON.stringify(Object.keys(s).filter((k) => k !== "chunks" && k !== "shardsRatio" && k !== "codec"))}.`,
      },
    );
  }
  return o;
}

function checkLevelTransforms(
  ct: ImageWriterOptions["coordinateTransformations"],
  levels: number,
  ndim: number,
): void {
  if (ct === undefined) return;
  if (ct.length !== levels) {
    throw invalid(
      "coordinateTransformations",
      ct,
      `one list of transformations per level (${levels} levels, ${ct.length} lists given)`,
    );
  }
  ct.forEach((t, i) => {
    checkTransforms(t, ndim, `coordinateTransformations[${i}]`);
  });
}

/**
 * Write an image and its pyramid (ome-zarr-py's `write_image`): a Position at `group`, level 0
 * from `data`, then `scaler.levels - 1` downsampled levels computed by the pyramid engine.
 * Every option is checked before anything is written.
 * @returns the Position written.
 * @throws {InvalidOptionsError} for bad options (fmt, group, axes, chunks, scaler, storageOptions,
 * transformations per level); {@link InvalidMetadataError} for axes or transformations the spec
 * does not allow; {@link ShapeMismatchError}
 * for data that does not fit the axes; {@link LayoutMismatchError} for an `fmt` that disagrees
 * with an existing group; {@link AlreadyExistsError} when the group already holds level `0`.
 */
export async function writeImage(
  data: PixelInput,
  group: WriterGroup,
  opts: WriteImageOptions = {},
): Promise<Position> {
  const dense = toDense(data);
  const axes = resolveAxes(opts.axes, dense.shape.length);
  const scaler =
    opts.scaler === null ? { levels: 1 } : (opts.scaler ?? { levels: DEFAULT_PYRAMID_LEVELS });
  if (!Number.isInteger(scaler.levels) || scaler.levels < 1)
    throw invalid("scaler.levels", scaler.levels, "an integer >= 1 (1 = no pyramid)");
  if (scaler.method !== undefined) checkMethod(scaler.method, "scaler.method");
  checkLevelTransforms(opts.coordinateTransformations, scaler.levels, axes.length);
  const list = Array.isArray(opts.storageOptions)
    ? (opts.storageOptions as readonly StorageOptions[])
    : undefined;
  const storage: StorageOptions = {
    ...((list ? list[0] : (opts.storageOptions as StorageOptions | undefined)) ?? {}),
  };
  if (opts.chunks !== undefined) storage.chunks = opts.chunks;
  const level0 = levelOptions(storage, dense.shape, opts.coordinateTransformations?.[0]);
  const channelNames = channelNamesFor(axes, dense.shape, opts.channelNames);
  const version = await peekWriterVersion(group, opts.fmt);
  const dims = scaler.dims ?? ["y", "x"];
  // Per-level storage (a list): every level's options are checked before anything is written;
  // the pyramid engine creates levels 1… with them (it reads any source region whatever the
  // chunking of either level).
  const levelStorage = list
    ? checkLevelStorage(list, {
        levels: scaler.levels,
        shape0: dense.shape,
        axes,
        dims,
        version,
        dtype: dense.dtype,
        retuple,
      }).slice(1)
    : undefined;
  const metadata = checkImageMetadata(opts.metadata, version, channelCount(axes, dense.shape));
  const ctx = await openWriterGroup(group, opts.fmt);
  const position = await Position.create(ctx, { channelNames, axes });
  await position.createImage("0", dense, level0);
  if (scaler.levels > 1) {
    const p: Parameters<Position["computePyramid"]>[0] = {
      levels: scaler.levels,
      method: scaler.method ?? "mean",
      dims,
    };
    if (scaler.workers !== undefined) p.workers = scaler.workers;
    if (levelStorage !== undefined) p.levelStorage = levelStorage;
    await position.computePyramid(p);
    const ct = opts.coordinateTransformations;
    if (ct !== undefined)
      for (let i = 1; i < ct.length; i++) await position.setTransform(String(i), ct[i]!);
  }
  if (metadata === undefined) return position;
  await applyImageMetadata(ctx, metadata, "image");
  return Position.open(ctx);
}

/**
 * Write a pyramid given level by level, largest first (ome-zarr-py's `write_multiscale`). Level
 * `i` is array `"i"`; its scale defaults to the ratio of level 0's shape to its own.
 * @returns the Position written.
 * @throws the errors of {@link writeImage}.
 */
export async function writeMultiscale(
  pyramid: readonly PixelInput[],
  group: WriterGroup,
  opts: WriteMultiscaleOptions = {},
): Promise<Position> {
  if (pyramid.length === 0) throw invalid("pyramid", pyramid, "at least one level");
  const levels = pyramid.map((d) => toDense(d));
  const shape0 = levels[0]!.shape;
  const axes = resolveAxes(opts.axes, shape0.length);
  checkLevelTransforms(opts.coordinateTransformations, levels.length, axes.length);
  if (Array.isArray(opts.storageOptions) && opts.storageOptions.length !== levels.length) {
    throw invalid(
      "storageOptions",
      opts.storageOptions,
      `one entry per level (${levels.length} levels, ${opts.storageOptions.length} entries given)`,
      "Give a single object to use the same options for every level.",
    );
  }
  const perLevel = levels.map((l, i) => {
    if (l.shape.length !== shape0.length)
      throw invalid(
        `pyramid[${i}]`,
        `an array of shape [${l.shape.join(", ")}]`,
        `${shape0.length} dimensions, as level 0`,
      );
    const scale = shape0.map((s, d) => s / (l.shape[d] as number));
    const transform = opts.coordinateTransformations?.[i] ?? [{ type: "scale" as const, scale }];
    return levelOptions(storageFor(opts.storageOptions, i), l.shape, transform);
  });
  const channelNames = channelNamesFor(axes, shape0, opts.channelNames);
  const metadata = checkImageMetadata(
    opts.metadata,
    await peekWriterVersion(group, opts.fmt),
    channelCount(axes, shape0),
  );
  const ctx = await openWriterGroup(group, opts.fmt);
  const position = await Position.create(ctx, { channelNames, axes });
  for (const [i, l] of levels.entries()) await position.createImage(String(i), l, perLevel[i]!);
  if (metadata === undefined) return position;
  await applyImageMetadata(ctx, metadata, "image");
  return Position.open(ctx);
}

/** A dataset entry of {@link writeMultiscalesMetadata}. */
export interface DatasetInput {
  path: string;
  coordinateTransformations: readonly Transform[];
}

/**
 * Write the `multiscales` metadata of a group whose arrays exist (ome-zarr-py's
 * `write_multiscales_metadata`). Other OME keys of the group (e.g. `omero`) are kept. `name`
 * defaults to the group's name; without `type`, `type` and `metadata` record that ngff-writer
 * did not compute the levels (`"none"` for one level, `"unknown"` for several).
 * @param opts.axes - default guessed from the transformations' length (2 → yx, 5 → tczyx).
 * @throws {InvalidMetadataError} when the result is not valid image metadata.
 */
export async function writeMultiscalesMetadata(
  group: WriterGroup,
  datasets: readonly DatasetInput[],
  opts: {
    fmt?: NgffVersion;
    axes?: AxesInput;
    name?: string;
    type?: string;
    metadata?: Record<string, unknown>;
  } = {},
): Promise<void> {
  if (datasets.length === 0) throw invalid("datasets", datasets, "at least one dataset");
  const ndim =
    datasets[0]!.coordinateTransformations[0]?.type === "scale"
      ? (datasets[0]!.coordinateTransformations[0] as { scale: number[] }).scale.length
      : undefined;
  const axes = resolveAxes(opts.axes, opts.axes === undefined ? ndim : undefined);
  // A dataset path is resolved against the group: never "..", absolute or a metadata name.
  datasets.forEach((d, i) => {
    assertSafePath(d.path, { what: `datasets[${i}].path` });
  });
  const m: MultiscaleMeta = {
    axes,
    datasets: datasets.map((d, i) => ({
      path: d.path,
      coordinateTransformations: checkTransforms(
        d.coordinateTransformations,
        axes.length,
        `datasets[${i}].coordinateTransformations`,
      ),
    })),
  };
  if (opts.type !== undefined) m.type = opts.type;
  // ome-zarr-py: an `omero` key of `metadata` is written as the group's `omero`, the rest is
  // `multiscales[0].metadata`.
  const { omero, ...rest } = opts.metadata ?? {};
  if (opts.metadata !== undefined && Object.keys(rest).length > 0)
    m.metadata = structuredClone(rest);
  const version = await peekWriterVersion(group, opts.fmt);
  // Checked against the version's schema; the channel count is checked when level 0 exists.
  const level0 = await levelZeroShape(group, datasets[0]!.path);
  const checked =
    omero === undefined
      ? undefined
      : checkImageMetadata(
          { omero },
          version,
          level0 === undefined
            ? ((omero as { channels?: unknown[] })?.channels?.length ?? 0)
            : channelCount(axes, level0),
        );
  const ctx = await openWriterGroup(group, opts.fmt);
  // `name` is a SHOULD of the strict schemas: default the group's name (ome-zarr-py's
  // `name or group.name`).
  const name = opts.name ?? groupName(ctx);
  if (name !== undefined) m.name = name;
  await mergeOme(
    ctx,
    "multiscales",
    [serializeMultiscale(m, ctx.version)],
    "image",
    checked?.omero === undefined ? {} : { omero: checked.omero },
  );
}

/** The shape of array `path` under `group`, or undefined when it cannot be read (yet). */
async function levelZeroShape(group: WriterGroup, path: string): Promise<number[] | undefined> {
  try {
    const store =
      typeof group === "string" ? await openStore(group, { readOnly: true }) : group.store;
    const base = typeof group === "string" ? "" : (group.path ?? "");
    return [...(await openArray(store, base === "" ? path : `${base}/${path}`)).shape];
  } catch {
    return undefined;
  }
}

/** Set one OME key of the group, keeping the others; validate the result as `kind` first. */
async function mergeOme(
  ctx: NodeContext,
  key: string,
  value: unknown,
  kind: "image" | "plate" | "well",
  more: Record<string, unknown> = {},
): Promise<void> {
  const read = await readOmeAttrs(ctx.store, ctx.path);
  const attributes = read?.attributes ?? {};
  const ome = { ...(read?.ome ?? {}), [key]: value, ...more };
  const preview = ctx.version === "0.4" ? { ...ome } : { ome: { version: "0.5", ...ome } };
  validateOmeObject(preview, { version: ctx.version, kind });
  await writeOmeAttrs(ctx, ome, attributes);
}

/**
 * Write the `plate` metadata (ome-zarr-py's `write_plate_metadata`). Wells given as
 * `"row/column"` get their indices from `rows` and `columns`. `name` defaults to the store's
 * (or group's) name without `.ome.zarr` / `.zarr`; acquisitions without a name get
 * `"Acquisition <id>"` (the strict schemas want both; `maximumfieldcount` is the caller's).
 * @throws {InvalidMetadataError} for rows/columns that are not unique and alphanumeric, wells
 * whose row or column is not listed, or indices that disagree with the lists.
 */
export async function writePlateMetadata(
  group: WriterGroup,
  rows: readonly string[],
  columns: readonly string[],
  wells: readonly (string | PlateWell)[],
  opts: {
    fmt?: NgffVersion;
    acquisitions?: readonly Acquisition[];
    fieldCount?: number;
    name?: string;
  } = {},
): Promise<void> {
  const plate: PlateMeta = {
    rows: rows.map((name) => ({ name })),
    columns: columns.map((name) => ({ name })),
    wells: wells.map((w, i) => {
      if (typeof w !== "string") return { ...w };
      const [r, c] = splitWellPath(w) ?? [];
      const rowIndex = r === undefined ? -1 : rows.indexOf(r);
      const columnIndex = c === undefined ? -1 : columns.indexOf(c);
      if (rowIndex < 0 || columnIndex < 0) {
        // The well list is the metadata being written (not an option): a metadata error.
        throw new InvalidMetadataError(
          [
            {
              code: "well_path_mismatch",
              location: `plate.wells[${i}].path`,
              message: `well ${JSON.stringify(w)} does not name a listed row and column`,
              expected: "row/column from rows and columns",
            },
          ],
          { summary: `invalid well ${JSON.stringify(w)}` },
        );
      }
      return { path: w, rowIndex, columnIndex };
    }),
  };
  if (opts.acquisitions !== undefined)
    plate.acquisitions = opts.acquisitions.map(withAcquisitionDefaults);
  if (opts.fieldCount !== undefined) plate.field_count = opts.fieldCount;
  assertValidPlate(plate);
  const ctx = await openWriterGroup(group, opts.fmt);
  const name = opts.name ?? defaultPlateName(refName(ctx.store.ref), ctx.path);
  if (name !== undefined) plate.name = name;
  await mergeOme(ctx, "plate", plateToJson(plate, ctx.version), "plate");
}

/**
 * Write the `well` metadata (ome-zarr-py's `write_well_metadata`); images are field paths or
 * `{ path, acquisition }`.
 * @throws {InvalidMetadataError} for an empty list, duplicates or non-alphanumeric paths.
 */
export async function writeWellMetadata(
  group: WriterGroup,
  images: readonly (string | WellImage)[],
  opts: { fmt?: NgffVersion } = {},
): Promise<void> {
  const well = { images: images.map((i) => (typeof i === "string" ? { path: i } : { ...i })) };
  for (const i of well.images) assertPlateName(i.path, "field");
  assertValidWell(well);
  const ctx = await openWriterGroup(group, opts.fmt);
  await mergeOme(ctx, "well", wellToJson(well, ctx.version), "well");
}

/** Options of {@link writeLabels}. */
export interface WriteLabelsOptions {
  /** NGFF version check for the image group (it must exist). */
  fmt?: NgffVersion;
  /** Pyramid levels and method (default: as many levels as the image, method "mode"). */
  scaler?: ScalerOptions;
  chunks?: number | readonly number[];
  storageOptions?: StorageOptions;
  /** `image-label` colours and properties (ome-zarr-py's `label_metadata`). */
  labelMetadata?: Pick<CreateLabelOptions, "colors" | "properties">;
  /**
   * The label image's multiscale `name` (default: the label's name) and `omero` (one channel:
   * a label array's channel axis is 1), as ome-zarr-py's `write_labels(…, **metadata)`.
   */
  metadata?: ImageMetadataInput;
}

function labelChunks(
  storage: StorageOptions,
  shape: readonly number[],
  axes: readonly AxisSpec[],
): number[] {
  // Chunks are for the label array, which has the image's rank (a shape without the channel
  // axis gets it inserted with size 1): a full-rank chunk list is taken as it is.
  const c = typeof storage.chunks === "number" ? [storage.chunks] : [...(storage.chunks ?? [])];
  if (c.length === axes.length) return c;
  const ch = axes.findIndex((a) => a.type === "channel");
  const full =
    shape.length === axes.length - 1 && ch >= 0
      ? [...shape.slice(0, ch), 1, ...shape.slice(ch)]
      : shape;
  return retuple(c, full);
}

function labelShape(labels: LabelInput | PixelInput): readonly number[] {
  return "shape" in labels ? (labels as { shape: readonly number[] }).shape : [];
}

/**
 * Write a label image `name` under the image at `group` (ome-zarr-py's `write_labels`):
 * `labels/<name>` with its pyramid and `image-label` metadata, listed in `labels`. The label has
 * the image's axes (the spec's layout: each dimension the image's size or 1, channel 1); data
 * without the channel axis gets it inserted with size 1. Without `labelMetadata.colors`, a
 * default palette is written (see `defaultLabelColors`).
 * @throws {NotFoundError} when `group` holds no image; the errors of `Position.createLabel`.
 */
export async function writeLabels(
  labels: LabelInput,
  group: WriterGroup,
  name: string,
  opts: WriteLabelsOptions = {},
): Promise<LabelImage> {
  const ctx = await openWriterGroup(group, opts.fmt);
  const position = await Position.open(ctx);
  const o: CreateLabelOptions = { ...(opts.labelMetadata ?? {}) };
  const storage: StorageOptions = { ...(opts.storageOptions ?? {}) };
  if (opts.chunks !== undefined) storage.chunks = opts.chunks;
  if (storage.chunks !== undefined) {
    o.chunks = labelChunks(storage, labelShape(labels), position.axes);
  }
  if (storage.shardsRatio !== undefined) o.shardsRatio = storage.shardsRatio;
  if (opts.scaler !== undefined) {
    o.levels = opts.scaler.levels;
    if (opts.scaler.method !== undefined) o.method = opts.scaler.method;
    if (opts.scaler.workers !== undefined) o.workers = opts.scaler.workers;
  }
  const metadata = checkImageMetadata(opts.metadata, ctx.version, 1);
  const label = await position.createLabel(name, labels, o);
  if (metadata === undefined) return label;
  const labelCtx = childContext(childContext(ctx, "labels"), name);
  await applyImageMetadata(labelCtx, metadata, "label-image");
  return LabelImage.open(labelCtx);
}

/** Options of {@link writeMultiscaleLabels}. */
export interface WriteMultiscaleLabelsOptions {
  /** NGFF version check for the image group (it must exist). */
  fmt?: NgffVersion;
  /** Chunk shape of level 0 (clipped to each level's shape below). */
  chunks?: number | readonly number[];
  /** Chunks and shards of level 0 (one set; clipped per level). */
  storageOptions?: StorageOptions;
  /** `image-label` colours and properties (ome-zarr-py's `label_metadata`). */
  labelMetadata?: Pick<CreateLabelOptions, "colors" | "properties">;
}

/**
 * Write a precomputed label pyramid `name` under the image at `group` (ome-zarr-py's
 * `write_multiscale_labels`): one array per image level, largest first, each shaped like the
 * image's level (or 1) on every axis; level k gets the image's level-k transformations. Nothing
 * is computed. `multiscales[].type` says the levels were not computed by ngff-writer.
 * @throws {NotFoundError} when `group` holds no image; {@link ShapeMismatchError} for a level
 * count other than the image's or levels that do not follow the image's shapes; the errors of
 * `Position.createLabel`. Nothing is written when anything throws.
 */
export async function writeMultiscaleLabels(
  pyramid: readonly PixelInput[],
  group: WriterGroup,
  name: string,
  opts: WriteMultiscaleLabelsOptions = {},
): Promise<LabelImage> {
  if (!Array.isArray(pyramid) || pyramid.length === 0)
    throw invalid("pyramid", pyramid, "at least one level, largest first");
  const ctx = await openWriterGroup(group, opts.fmt);
  const position = await Position.open(ctx);
  const o: CreateLabelOptions = { ...(opts.labelMetadata ?? {}) };
  const storage: StorageOptions = { ...(opts.storageOptions ?? {}) };
  if (opts.chunks !== undefined) storage.chunks = opts.chunks;
  if (storage.chunks !== undefined) {
    o.chunks = labelChunks(storage, labelShape(pyramid[0]!), position.axes);
  }
  if (storage.shardsRatio !== undefined) o.shardsRatio = storage.shardsRatio;
  return position.createLabel(name, pyramid, o);
}

/** Options of {@link writeLabelMetadata}. */
export interface WriteLabelMetadataOptions extends ImageLabelUpdate {
  /** NGFF version check for the image group. */
  fmt?: NgffVersion;
}

/**
 * Change the `image-label` metadata of the existing label `labels/<name>` under the image at
 * `group` (ome-zarr-py's `write_label_metadata`): `colors`, `properties` and/or `source`; the
 * keys not given are kept. The label is added to the `labels` list when missing from it.
 * @throws {NotFoundError} when there is no such label image; {@link InvalidMetadataError} for
 * bad or empty colours or properties, or a bad source. Nothing is written when anything throws.
 */
export async function writeLabelMetadata(
  group: WriterGroup,
  name: string,
  opts: WriteLabelMetadataOptions = {},
): Promise<LabelImage> {
  const ctx = await openWriterGroup(group, opts.fmt);
  const labelsCtx = childContext(ctx, "labels");
  const label = await LabelImage.open(childContext(labelsCtx, name));
  const { fmt: _f, ...update } = opts;
  await label.updateImageLabel(update);
  const read = await readOmeAttrs(ctx.store, labelsCtx.path);
  const listed = Array.isArray(read?.ome.labels) ? (read.ome.labels as unknown[]) : [];
  if (!listed.includes(name)) {
    await writeOmeAttrs(
      labelsCtx,
      { ...(read?.ome ?? {}), labels: [...listed, name] },
      read?.attributes ?? {},
    );
  }
  return label;
}
