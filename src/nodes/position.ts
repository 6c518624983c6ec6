/**
 * Position: the group that directly holds a multiscale image (a field of view), iohub's
 * `Position` in camelCase. Images, channels (`omero`), transforms, pyramids and labels.
 */

import type { Piscina } from "piscina";
import type { PyramidReport } from "../engine/compute.js";
import {
  AlreadyExistsError,
  InvalidMetadataError,
  NotFoundError,
  ShapeMismatchError,
  UnsupportedError,
} from "../errors.js";
import {
  assertSafeName,
  type CodecSpec,
  createGroup,
  type DataType,
  openArray,
  readNode,
  refName,
  type ZarrArray,
} from "../store/index.js";
import { withStoreLock } from "../store/lock.js";
import type { OpenStreamOptions } from "../stream/create.js";
import type { CreateStreamOptions, StreamPyramidOptions } from "../stream/options.js";
import type { StreamWriter } from "../stream/writer.js";
import { levelPairIssue, scaleOf } from "../validate/store-image.js";
import { type AxisSpec, checkAxes, findAxis } from "./axes.js";
import { checkChunks, defaultChunks, shardsFromRatio } from "./chunking.js";
import { assertWritable, joinPath, type NodeContext } from "./context.js";
import { clearForOverwrite, deleteImageOp, deleteLabelOp, writeAttrsWithout } from "./delete.js";
import type { ImageArray } from "./image-array.js";
import { checkWorkers, writeWholeArray } from "./image-write.js";
import {
  type CreateLabelOptions,
  createLabel,
  getLabel,
  type LabelImage,
  type LabelInput,
  labelNames,
} from "./labels.js";
import type { MultiscaleMeta } from "./multiscales-meta.js";
import { parseMultiscales, serializeMultiscale } from "./multiscales-meta.js";
import { MultiscalesNode } from "./multiscales-node.js";
import type { NodeInit } from "./ngff-node.js";
import { readOmeAttrs } from "./ome-attrs.js";
import { channelDisplaySettings, type OmeroMeta, omeroMeta, type Window } from "./omero.js";
import { checkOverwrite } from "./overwrite.js";
import { type PixelInput, toDense } from "./pixel-data.js";
import {
  type ComputePyramidOptions,
  computePyramid,
  deletePyramid,
  initializePyramid,
  type PyramidDims,
} from "./pyramid-ops.js";
import { checkTransforms, identityTransforms, type Transform } from "./transforms.js";

/** Options of {@link Position.createImage}. */
export interface CreateImageOptions {
  /** Chunk shape; default one Z-Y-X stack, halved until a chunk is at most 8 MiB. */
  chunks?: readonly number[];
  /** Chunks per shard along each axis (NGFF 0.5 only; UnsupportedError on 0.4). */
  shardsRatio?: readonly number[];
  /** Coordinate transformations of this level (default: identity scale). */
  transform?: readonly Transform[];
  /** Check the shape against the axes and channel count (default true). */
  checkShape?: boolean;
  /**
   * Compression; pyramid levels inherit it. Default: blosc lz4 clevel 5 byte-shuffle on
   * NGFF 0.4 (Zarr v2), `bytes` + blosc zstd clevel 1 bitshuffle on 0.5 (Zarr v3).
   */
  codec?: CodecSpec;
  /**
   * Threads that encode and write the image (default: the cores; 0 = the calling thread). A
   * big image (>= 16 MiB) on a local store is written by a worker pool: the caller's `pool`,
   * else the process's shared pool, which `computePyramid` then reuses.
   */
  workers?: number;
  /** A caller-owned pool from `createPyramidPool` (not closed). */
  pool?: Piscina;
  /**
   * `createImage` only: also compute a pyramid of `levels` levels (`method`, `dims` as for
   * `computePyramid`) in one pass from the data in memory (no re-read of level 0); the same
   * bytes as `createImage` + `computePyramid`. See src/stream/README.md.
   */
  pyramid?: StreamPyramidOptions;
  /**
   * Replace an existing image of that name (iohub's `overwriting_creation`). Every input is
   * checked first; then the old image is deleted as {@link Position.deleteImage} does (level 0:
   * the whole image with its pyramid and labels; level k: levels k…) and the new one created.
   * Default false: an existing name is an AlreadyExistsError.
   */
  overwrite?: boolean;
}

/** Options of {@link Position.createZeros}. */
export interface CreateZerosOptions extends CreateImageOptions {
  shape: readonly number[];
  dtype: DataType;
}

/** What a Position starts with. @internal */
export interface PositionInit extends NodeInit {
  multiscale?: MultiscaleMeta | undefined;
  moreMultiscales?: MultiscaleMeta[];
  omero?: OmeroMeta | undefined;
  extraOme?: Record<string, unknown>;
}

/** Fallbacks for a group without image metadata yet (e.g. a new position in a plate). */
export interface PositionFallback {
  channelNames?: readonly string[] | undefined;
  axes?: readonly AxisSpec[] | undefined;
}

/** Read the metadata of a position group. @internal */
export async function readPositionInit(
  ctx: NodeContext,
  fallback: PositionFallback = {},
): Promise<PositionInit> {
  const read = await readOmeAttrs(ctx.store, ctx.path);
  if (read === undefined) {
    throw new NotFoundError(
      ctx.path,
      `there is no Zarr group at ${JSON.stringify(ctx.path || "/")}`,
    );
  }
  const { multiscales, omero, ...extraOme } = read.ome;
  const init: PositionInit = { attributes: read.attributes, extraOme };
  if (multiscales === undefined) {
    if (fallback.channelNames !== undefined) init.channelNames = fallback.channelNames;
    if (fallback.axes !== undefined) init.axes = fallback.axes;
    return init;
  }
  const source = `${ctx.path || "/"} (${read.version === "0.4" ? ".zattrs" : "zarr.json"})`;
  const [first, ...more] = parseMultiscales(multiscales, source, read.version);
  if (first === undefined) return init;
  init.multiscale = first;
  init.moreMultiscales = more;
  init.axes = first.axes;
  if (typeof omero === "object" && omero !== null && Array.isArray((omero as OmeroMeta).channels)) {
    init.omero = structuredClone(omero) as OmeroMeta;
    init.channelNames = init.omero.channels.map((c, i) =>
      typeof c?.label === "string" ? c.label : String(i),
    );
  } else {
    // iohub: without omero, channels are named by index
    const chAx = findAxis(first.axes, "channel");
    const level0 = first.datasets[0]?.path;
    let n = 0;
    if (chAx >= 0 && level0 !== undefined) {
      const path = joinPath(ctx.path, level0);
      if ((await readNode(ctx.store, path))?.kind === "array")
        n = (await openArray(ctx.store, path)).shape[chAx] ?? 0;
    }
    init.channelNames = Array.from({ length: n }, (_, i) => String(i));
    if (fallback.channelNames !== undefined && n === 0) init.channelNames = fallback.channelNames;
  }
  return init;
}

/** Check channel names: non-empty strings, unique. @throws {InvalidMetadataError} */
export function checkChannelNames(names: unknown): string[] {
  if (
    !Array.isArray(names) ||
    names.length === 0 ||
    !names.every((n) => typeof n === "string" && n.length > 0)
  ) {
    throw new InvalidMetadataError(
      [
        {
          code: "channel_names",
          location: "channelNames",
          message: `found ${JSON.stringify(names)}`,
          expected: "a non-empty array of non-empty strings",
        },
      ],
      { summary: "invalid channel names" },
    );
  }
  const dup = names.find((n, i) => names.indexOf(n) !== i);
  if (dup !== undefined) {
    throw new InvalidMetadataError(
      [
        {
          code: "channel_names_unique",
          location: "channelNames",
          message: `channel ${JSON.stringify(dup)} is repeated`,
          expected: "unique channel names",
        },
      ],
      { summary: "invalid channel names" },
    );
  }
  return [...(names as string[])];
}

/** A field of view: the group holding a multiscale image. */
export class Position extends MultiscalesNode {
  /** @internal */
  protected _omero: OmeroMeta | undefined;
  /** @internal */
  protected _extraOme: Record<string, unknown>;

  /** @internal */
  protected constructor(ctx: NodeContext, init: PositionInit);
  /** A position comes from `openOmeZarr`, `createPosition` or `getPosition`, not from `new`. */
  protected constructor(...args: never);
  protected constructor(ctx: NodeContext, init: PositionInit) {
    super(ctx, init);
    this._multiscale = init.multiscale;
    this._moreMultiscales = init.moreMultiscales ?? [];
    this._omero = init.omero;
    this._extraOme = init.extraOme ?? {};
  }

  /**
   * Open an existing position group. Channel names come from `omero` (iohub), axes from
   * `multiscales`; `fallback` supplies them for a group without image metadata yet.
   * @throws {NotFoundError} when there is no group; {@link InvalidMetadataError} for malformed multiscales.
   * @internal
   */
  static async open(ctx: NodeContext, fallback: PositionFallback = {}): Promise<Position> {
    return new Position(ctx, await readPositionInit(ctx, fallback));
  }

  /**
   * Create a position group (no image yet; metadata is written with the first image, as in
   * iohub). Options are checked before anything is written.
   * @throws {InvalidMetadataError} for bad channel names or axes; {@link ReadOnlyError} in mode "r".
   * @internal
   */
  static async create(
    ctx: NodeContext,
    opts: { channelNames: readonly string[]; axes?: readonly AxisSpec[] | undefined },
  ): Promise<Position> {
    const init = await prepareCreate(ctx, opts);
    return new Position(ctx, init);
  }

  protected override omeMetadata(): Record<string, unknown> | undefined {
    if (this._multiscale === undefined) return undefined;
    const out: Record<string, unknown> = {
      multiscales: [this._multiscale, ...this._moreMultiscales].map((m) =>
        serializeMultiscale(m, this.version),
      ),
    };
    if (this._omero !== undefined) out.omero = structuredClone(this._omero);
    return Object.assign(out, structuredClone(this._extraOme));
  }

  protected override newMultiscale(firstLevel: string): MultiscaleMeta {
    return { axes: this.axes.map((a) => ({ ...a })), datasets: [], name: firstLevel };
  }

  /** A copy of the `omero` display metadata, or undefined before the first image. */
  get omero(): OmeroMeta | undefined {
    return this._omero === undefined ? undefined : structuredClone(this._omero);
  }

  #checkShape(shape: readonly number[]): void {
    if (shape.length !== this._axes.length) {
      throw new ShapeMismatchError(
        `${this._axes.length} dimensions`,
        [...shape],
        `image has ${shape.length} dimensions ${JSON.stringify(shape)}, while the dataset has ${this._axes.length} axes (${this._axes.map((a) => a.name).join(", ")}); pass data with one axis per dataset axis, or checkShape: false`,
      );
    }
    const ch = findAxis(this._axes, "channel");
    if (ch >= 0 && (shape[ch] as number) > this._channelNames.length) {
      throw new ShapeMismatchError(
        `at most ${this._channelNames.length} channels`,
        [...shape],
        `image has ${shape[ch]} channels, while the dataset has ${this._channelNames.length} (${this._channelNames.join(", ")}); append channels first or pass fewer`,
      );
    }
  }

  async #createImageArray(
    name: string,
    shape: readonly number[],
    dtype: DataType,
    opts: CreateImageOptions,
    data?: ReturnType<typeof toDense>["data"],
    /** Fills the new array instead of writing `data` (the fused pyramid). */
    write?: (a: ZarrArray) => Promise<void>,
  ): Promise<ImageArray> {
    this.assertWritable();
    assertSafeName(name, "image name");
    checkOverwrite(opts.overwrite);
    checkWorkers(opts.workers);
    if (opts.checkShape !== false) this.#checkShape(shape);
    const chunks =
      opts.chunks === undefined ? defaultChunks(shape, dtype) : checkChunks(opts.chunks, shape);
    const shards = shardsFromRatio(opts.shardsRatio, chunks, this.version);
    const transforms =
      opts.transform === undefined
        ? identityTransforms(this._axes.length)
        : checkTransforms(opts.transform, this._axes.length, "transform");
    const arr = await this._createLevel(
      name,
      { shape, dtype, chunks, shards, codec: opts.codec },
      {
        transforms,
        record: false,
        check: () => this.#checkNextLevel(name, shape, transforms, opts.overwrite === true),
        ...(opts.overwrite === true
          ? { replace: () => clearForOverwrite(() => deleteImageOp(this, name)) }
          : {}),
        ...(write !== undefined
          ? { write }
          : data === undefined || shape.includes(0)
            ? {}
            : { write: (a) => writeWholeArray(a, data, opts) }),
      },
    );
    if (this._omero === undefined) {
      this._omero = omeroMeta({
        version: this.version,
        name: this.#displayName(),
        channelNames: this._channelNames,
        dtype,
      });
    }
    this._recordLevel(name, transforms);
    await this.dumpMeta();
    return arr;
  }

  /**
   * A new image is recorded as the next level of this position's multiscale image (iohub's
   * behaviour): refuse, before anything is written, one that would make the store invalid (a
   * level larger than the one before it, or one whose shape does not follow its scale).
   */
  async #checkNextLevel(
    name: string,
    shape: readonly number[],
    transforms: readonly Transform[],
    overwrite = false,
  ): Promise<void> {
    let datasets = this._liveMultiscale()?.datasets ?? [];
    const at = datasets.findIndex((d) => d.path === name);
    // Overwriting level k replaces levels k… (deleteImage): check it against level k − 1.
    if (overwrite && at >= 0) datasets = datasets.slice(0, at);
    const last = datasets.at(-1);
    if (last === undefined || datasets.some((d) => d.path === name)) return;
    const prev = await openArray(this.ctx.store, joinPath(this.ctx.path, last.path)).catch(
      () => undefined,
    );
    if (prev === undefined) return; // a missing level is validateStore's to report
    const issue = levelPairIssue(
      { path: last.path, shape: prev.shape, scale: scaleOf(last) },
      { path: name, shape, scale: scaleOf({ coordinateTransformations: transforms }) },
      this._axes.map((a) => a.name),
      datasets.length,
    );
    if (issue === undefined) return;
    throw new ShapeMismatchError(
      issue.expected,
      [...shape],
      `image ${JSON.stringify(name)} cannot be added as level ${datasets.length} of ` +
        `${JSON.stringify(this.ctx.path || "/")}: ${issue.message}. A position's images are the ` +
        "levels of one multiscale image, largest first (OME-NGFF datasets); write an image of " +
        "another size in a position of its own, or give it a scale transform that matches",
    );
  }

  #displayName(): string {
    if (!this.isRoot()) return this.name;
    return refName(this.ctx.store.ref);
  }

  /**
   * Create an image array from data and record it in `multiscales` (and `omero`, for the first
   * image). `data` is an ndarray (views are copied to C order) or `{ data, shape }`. The shape
   * and data type are checked before anything is written.
   * @throws {UnsafePathError} for an unsafe name; {@link AlreadyExistsError} when it exists;
   * {@link ShapeMismatchError} for a shape that does not fit the axes/channels or bad chunks;
   * {@link UnsupportedError} for `shardsRatio` on 0.4; {@link ReadOnlyError} in mode "r".
   */
  async createImage(
    name: string,
    data: PixelInput,
    opts: CreateImageOptions = {},
  ): Promise<ImageArray> {
    this.assertWritable();
    const dense = toDense(data);
    if (opts.pyramid !== undefined) {
      const { pyramid, ...rest } = opts;
      const { createImageFused } = await import("../stream/fused.js");
      return createImageFused(this, dense, { ...rest, pyramid }, (write) =>
        this.#createImageArray(name, dense.shape, dense.dtype, rest, dense.data, write),
      );
    }
    return this.#createImageArray(name, dense.shape, dense.dtype, opts, dense.data);
  }

  /**
   * Start streaming frames (planes over the last two axes) into a new image `name`, with a live
   * pyramid; the append axis may be open-ended. See src/stream/README.md and
   * {@link CreateStreamOptions}. Checked before anything is written.
   * @throws {InvalidOptionsError} for bad options; {@link AlreadyExistsError} when the position
   * already holds an image; {@link ConcurrentWriteError} / {@link LockTimeoutError} when another
   * writer streams into it; {@link ReadOnlyError} in mode "r".
   */
  async createStream(name: string, opts: CreateStreamOptions): Promise<StreamWriter> {
    const { createStream } = await import("../stream/create.js");
    return createStream(this, name, opts);
  }

  /**
   * Continue the unfinished stream of image `name` after its last `flush()` (another process,
   * or after a crash): see {@link StreamWriter.hasFrame} / `nextFrame` for what it holds.
   * @throws {NotFoundError} when `name` has no unfinished stream; the errors of createStream.
   */
  async openStream(name: string, opts: OpenStreamOptions = {}): Promise<StreamWriter> {
    const { openStream } = await import("../stream/create.js");
    return openStream(this, name, opts);
  }

  /**
   * Create an empty (fill value 0) image array: metadata only, for data written later region
   * by region (larger than RAM, or from many writers).
   * @throws the same errors as {@link createImage}.
   */
  async createZeros(name: string, opts: CreateZerosOptions): Promise<ImageArray> {
    this.assertWritable();
    const shape = opts.shape;
    if (!Array.isArray(shape) || !shape.every((s) => Number.isInteger(s) && s >= 0)) {
      throw new ShapeMismatchError(
        "non-negative integers",
        JSON.stringify(shape),
        `shape ${JSON.stringify(shape)} must be non-negative integers`,
      );
    }
    return this.#createImageArray(name, shape, opts.dtype, opts);
  }

  /**
   * Append a channel at the end of the channel list; with `resizeArrays` (default true) every
   * image array grows by one along the channel axis (the new channel reads as 0).
   * @throws {AlreadyExistsError} when the name exists; {@link NotFoundError} when resizing
   * without a channel axis; {@link ReadOnlyError} in mode "r".
   */
  async appendChannel(name: string, opts: { resizeArrays?: boolean } = {}): Promise<void> {
    this.assertWritable();
    if (typeof name !== "string" || name.length === 0) checkChannelNames([name]);
    if (this._channelNames.includes(name)) {
      throw new AlreadyExistsError(
        name,
        `channel ${JSON.stringify(name)} already exists in ${JSON.stringify(this._channelNames)}; choose another name`,
      );
    }
    const images: ImageArray[] = [];
    let dtype: DataType | undefined;
    if (opts.resizeArrays !== false) {
      const ch = findAxis(this._axes, "channel");
      for await (const [, img] of this.images()) images.push(img);
      if (images.length > 0 && ch < 0) {
        throw new NotFoundError(
          "channel axis",
          `cannot resize arrays for a new channel: the axes ${JSON.stringify(this._axes.map((a) => a.name))} have no channel axis; pass resizeArrays: false`,
        );
      }
      const bad = images.find((img) => img.ndim <= ch);
      if (bad !== undefined) {
        throw new UnsupportedError(
          "resize without channel axis",
          `array ${JSON.stringify(bad.name)} of shape ${JSON.stringify(bad.shape)} has no channel axis at index ${ch}`,
        );
      }
      for (const img of images) {
        const shape = [...img.shape];
        shape[ch] = (shape[ch] as number) + 1;
        img._replace(await img.zarrArray.resize(shape));
      }
      dtype = images.find((i) => i.name === "0")?.dtype ?? images[0]?.dtype;
    }
    this._channelNames.push(name);
    this._omero?.channels.push(channelDisplaySettings(name, { dtype }));
    await this.dumpMeta();
  }

  /**
   * Rename a channel (in `omero` too).
   * @throws {NotFoundError} for an unknown channel; {@link AlreadyExistsError} when `newName` exists.
   */
  async renameChannel(oldName: string, newName: string): Promise<void> {
    this.assertWritable();
    const i = this.getChannelIndex(oldName);
    checkChannelNames([newName]);
    if (newName !== oldName && this._channelNames.includes(newName)) {
      throw new AlreadyExistsError(
        newName,
        `channel ${JSON.stringify(newName)} already exists in ${JSON.stringify(this._channelNames)}`,
      );
    }
    this._channelNames[i] = newName;
    const c = this._omero?.channels[i];
    if (c !== undefined) c.label = newName;
    await this.dumpMeta();
  }

  /**
   * Write one channel of an image array: `data` has the array's shape without the channel axis
   * (e.g. T, Z, Y, X for a TCZYX array).
   * @throws {NotFoundError} for an unknown channel, image or missing channel axis;
   * {@link ShapeMismatchError} for data of another shape or type.
   */
  async updateChannel(channel: string, target: string, data: PixelInput): Promise<void> {
    this.assertWritable();
    const i = this.getChannelIndex(channel);
    const ch = findAxis(this._axes, "channel");
    if (ch < 0)
      throw new NotFoundError(
        "channel axis",
        `the axes ${JSON.stringify(this._axes.map((a) => a.name))} have no channel axis`,
      );
    const img = await this.get(target);
    const sel = img.shape.map((_, ax) => (ax === ch ? i : null));
    await img.write(sel, data);
  }

  /**
   * Set the contrast limits of a channel in `omero`.
   * @throws {NotFoundError} for an unknown channel or before the first image;
   * {@link InvalidMetadataError} for a window that is not four finite numbers.
   */
  async setContrastLimits(channel: string, window: Window): Promise<void> {
    this.assertWritable();
    const i = this.getChannelIndex(channel);
    const keys = ["start", "end", "min", "max"] as const;
    if (
      typeof window !== "object" ||
      window === null ||
      !keys.every((k) => typeof window[k] === "number" && Number.isFinite(window[k]))
    ) {
      throw new InvalidMetadataError(
        [
          {
            code: "window",
            location: "window",
            message: `found ${JSON.stringify(window)}`,
            expected: "{ start, end, min, max } finite numbers",
          },
        ],
        { summary: "invalid contrast limits" },
      );
    }
    const c = this._omero?.channels[i];
    if (c === undefined)
      throw new NotFoundError(
        "omero",
        `${JSON.stringify(this.path || "/")} has no omero metadata yet; create an image first`,
      );
    c.window = { start: window.start, end: window.end, min: window.min, max: window.max };
    await this.dumpMeta();
  }

  /**
   * Create empty pyramid levels 1…levels−1 (iohub's `initialize_pyramid`).
   * @see initializePyramid in pyramid-ops.ts for the rules and errors.
   */
  initializePyramid(levels: number, opts: { dims?: PyramidDims } = {}): Promise<void> {
    return initializePyramid(this, levels, opts);
  }

  /**
   * Compute the pyramid (creating it with `levels` when absent) with `method` (default "mean").
   * @see computePyramid in pyramid-ops.ts for the rules and errors.
   */
  computePyramid(opts: ComputePyramidOptions = {}): Promise<PyramidReport> {
    return computePyramid(this, { ...opts, defaultMethod: "mean" });
  }

  /** Remove every pyramid level but 0. @throws {PyramidStateError} without level 0. */
  deletePyramid(): Promise<void> {
    return deletePyramid(this);
  }

  /**
   * Create a label image `labels/<name>` from integer data (or an empty one from a shape, or a
   * precomputed pyramid as a list of levels), with the `labels` group and `image-label`
   * metadata. The label has the image's axes (data without the channel axis gets it, size 1)
   * and as many levels as the image.
   * @see createLabel in labels.ts.
   */
  createLabel(
    name: string,
    data: LabelInput | readonly PixelInput[],
    opts: CreateLabelOptions = {},
  ): Promise<LabelImage> {
    return createLabel(this, name, data, opts);
  }

  /**
   * Delete image `name` and every metadata entry naming it (iohub's `del position[name]`, which
   * leaves the metadata stale). Level 0 removes the whole image: every pyramid level, its labels,
   * and the `multiscales`/`omero` metadata (the position then waits for a new first image, as
   * after `createPosition`); a pyramid level k > 0 removes levels k…. Crash-safe: the metadata is
   * rewritten first, then the arrays removed; calling it again after a crash finishes the job.
   * @see deleteImageOp in delete.ts for the details.
   * @throws {NotFoundError} when there is no such image; {@link UnsupportedError} for a pyramid
   * level of an image with labels; {@link ReadOnlyError} in mode "r".
   */
  deleteImage(name: string): Promise<void> {
    return deleteImageOp(this, name);
  }

  /**
   * Delete label image `labels/<name>`: the `labels` list first, then its directory (crash-safe;
   * calling it again after a crash finishes the job).
   * @throws {NotFoundError} when there is no such label; {@link ReadOnlyError} in mode "r".
   */
  deleteLabel(name: string): Promise<void> {
    return deleteLabelOp(this, name);
  }

  /** Every multiscale of the group, the first one first. @internal */
  _allMultiscales(): MultiscaleMeta[] {
    return this._multiscale === undefined ? [] : [this._multiscale, ...this._moreMultiscales];
  }

  /**
   * Forget the image metadata (`multiscales`, `omero`) in memory and rewrite the attributes
   * without it, under the group's lock. Channel names stay with this node. @internal
   */
  async _dropImage(): Promise<void> {
    this.assertWritable();
    this._attributes = await withStoreLock(this.ctx.store, this.ctx.path, () =>
      writeAttrsWithout(this.ctx, ["multiscales", "omero"]),
    );
    this._multiscale = undefined;
    this._moreMultiscales = [];
    this._omero = undefined;
  }

  /** Names of the label images (the `labels` group's list), sorted. */
  labelNames(): Promise<string[]> {
    return labelNames(this);
  }

  /** A label image by name. @throws {NotFoundError} when absent. */
  getLabel(name: string): Promise<LabelImage> {
    return getLabel(this, name);
  }

  /** Every label image as `[name, labelImage]`. */
  async *labels(): AsyncGenerator<[string, LabelImage]> {
    for (const n of await this.labelNames()) yield [n, await this.getLabel(n)];
  }
}

/** Checks and group creation shared by Position.create and TiledPosition.create. @internal */
export async function prepareCreate(
  ctx: NodeContext,
  opts: { channelNames: readonly string[]; axes?: readonly AxisSpec[] | undefined },
): Promise<PositionInit> {
  const channelNames = checkChannelNames(opts?.channelNames);
  const axes = opts.axes === undefined ? undefined : checkAxes(opts.axes);
  assertWritable(ctx);
  await createGroup(ctx.store, ctx.path, ctx.format, undefined, { parents: true });
  const init: PositionInit = {
    attributes: (await readNode(ctx.store, ctx.path))?.attributes ?? {},
    channelNames,
  };
  if (axes !== undefined) init.axes = axes;
  return init;
}
