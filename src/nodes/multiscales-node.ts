/**
 * MultiscalesNode: a group holding a multiscale image (Position) or label image. Owns the
 * `multiscales` metadata, the level arrays, the coordinate transformations API of iohub
 * (`getEffectiveScale`, `setTransform`, `setScale`, …) and level creation. Pyramid operations
 * are in `pyramid-ops.ts`.
 */
import {
  AlreadyExistsError,
  InvalidMetadataError,
  InvalidOptionsError,
  NotFoundError,
} from "../errors.js";
import {
  type ArraySpec,
  assertSafeName,
  type CodecSpec,
  createArray,
  type DataType,
  openArray,
  readNode,
  type ZarrArray,
} from "../store/index.js";
import { resolveArraySpec } from "../store/spec.js";
import { joinPath } from "./context.js";
import { ImageArray, type ImageArrayOptions } from "./image-array.js";
import { type DatasetMeta, downscalingOf, type MultiscaleMeta } from "./multiscales-meta.js";
import { NgffNode } from "./ngff-node.js";
import {
  checkTransforms,
  cloneTransform,
  combinedScale,
  combinedTranslation,
  identityTransforms,
  type Transform,
} from "./transforms.js";

/** What a new level array is made of. */
export interface LevelSpec {
  shape: readonly number[];
  dtype: DataType;
  chunks: readonly number[];
  shards?: readonly number[] | undefined;
  /** Compression (default: the store layer's default for the Zarr format). */
  codec?: CodecSpec | undefined;
}

/** Base class of Position and LabelImage. */
export abstract class MultiscalesNode extends NgffNode {
  /** The first `multiscales[]` entry once an image exists (iohub uses only the first). @internal */
  protected _multiscale: MultiscaleMeta | undefined;
  /** Further `multiscales[]` entries written by other tools, kept as found. @internal */
  protected _moreMultiscales: MultiscaleMeta[] = [];

  /**
   * A copy of the first `multiscales[]` entry as it is written (with its `type` and `metadata`,
   * see `downscalingOf`), or undefined before the first image.
   */
  get multiscale(): MultiscaleMeta | undefined {
    if (this._multiscale === undefined) return undefined;
    const m = structuredClone(this._multiscale);
    const { type, metadata } = downscalingOf(m);
    if (type !== undefined) m.type = type;
    if (metadata !== undefined) m.metadata = structuredClone(metadata);
    return m;
  }

  /** Lowercase axis names (iohub's `axis_names`). */
  get axisNames(): string[] {
    return this._axes.map((a) => a.name.toLowerCase());
  }

  /**
   * Index of an axis by name, case-insensitive.
   * @throws {NotFoundError} when there is no such axis.
   */
  getAxisIndex(name: string): number {
    const i = this.axisNames.indexOf(String(name).toLowerCase());
    if (i < 0) {
      throw new NotFoundError(
        name,
        `axis ${JSON.stringify(name)} is not one of the axes ${JSON.stringify(this._axes.map((a) => a.name))}`,
      );
    }
    return i;
  }

  /** Paths of the resolution levels, in order (empty before the first image). */
  get levelPaths(): string[] {
    return this._multiscale?.datasets.map((d) => d.path) ?? [];
  }

  /** How this node wraps its arrays: writability, the closed guard, its channels. */
  protected arrayOptions(): ImageArrayOptions {
    return {
      writable: this.ctx.mode !== "r",
      guard: () => this.assertWritable(),
      channels: () => {
        const axis = this._axes.findIndex(
          (a) => a.type === "channel" || (a.type === undefined && a.name.toLowerCase() === "c"),
        );
        return {
          names: [...this._channelNames],
          axis: axis < 0 ? undefined : axis,
          ndim: this._axes.length,
        };
      },
      owner: this,
    };
  }

  /** Wrap a store array in the node's array class (TiledPosition overrides). */
  protected wrapArray(a: ZarrArray): ImageArray {
    return ImageArray._wrap(a, this.arrayOptions());
  }

  /**
   * The array `name` of this group, or with an integer the level at that index of the
   * multiscales `datasets` (iohub's `position[0]`: `get(0)` is the full-resolution image; for
   * stores whose levels are named `"0"`, `"1"`, … that is the same as `get("0")`, `get("1")`, …).
   * @throws {UnsafePathError} for an unsafe name.
   * @throws {NotFoundError} when there is no such array, or the index is not a level (the
   *   message names the valid range).
   * @throws {InvalidOptionsError} for a negative or non-integer index.
   */
  async get(name: string | number): Promise<ImageArray> {
    if (typeof name === "number") name = this.#levelAt(name);
    assertSafeName(name, "array name");
    const node = await readNode(this.ctx.store, joinPath(this.ctx.path, name));
    if (node?.kind !== "array") {
      throw new NotFoundError(
        name,
        `there is no array ${JSON.stringify(name)} in ${JSON.stringify(this.ctx.path || "/")}; arrays: ${JSON.stringify(await this.arrayKeys())}`,
      );
    }
    return this.wrapArray(await openArray(this.ctx.store, joinPath(this.ctx.path, name)));
  }

  /**
   * The full-resolution array `"0"` (iohub's `data`; a promise: `await position.data`).
   * @throws {NotFoundError} when there is no array named "0".
   */
  get data(): Promise<ImageArray> {
    return this.get("0");
  }

  /** Every array of the group as `[name, array]`, sorted by name (iohub's `images()`). */
  async *images(): AsyncGenerator<[string, ImageArray]> {
    for (const name of await this.arrayKeys()) yield [name, await this.get(name)];
  }

  /** The path of level `index`. */
  #levelAt(index: number): string {
    if (!Number.isInteger(index) || index < 0) {
      throw new InvalidOptionsError("index", index, "an integer >= 0 (a level index)", {
        hint: "Pass 0 for the full resolution, or the array's name as a string.",
      });
    }
    const levels = this.levelPaths;
    const path = levels[index];
    if (path === undefined) {
      throw new NotFoundError(
        String(index),
        levels.length === 0
          ? `${JSON.stringify(this.ctx.path || "/")} has no levels yet (index ${index}); create an image first`
          : `level index ${index} is out of range for ${JSON.stringify(this.ctx.path || "/")}: valid indexes are 0..${levels.length - 1} (levels ${JSON.stringify(levels)})`,
      );
    }
    return path;
  }

  #requireMultiscale(): MultiscaleMeta {
    if (this._multiscale === undefined) {
      throw new NotFoundError(
        "multiscales",
        `${JSON.stringify(this.ctx.path || "/")} has no multiscales metadata yet; create an image first`,
      );
    }
    return this._multiscale;
  }

  #dataset(image: string): DatasetMeta {
    const d = this.#requireMultiscale().datasets.find((x) => x.path === image);
    if (d === undefined) {
      throw new NotFoundError(
        image,
        `image ${JSON.stringify(image)} is not a level of ${JSON.stringify(this.ctx.path || "/")}; levels: ${JSON.stringify(this.levelPaths)}, or "*" for the whole field of view`,
      );
    }
    return d;
  }

  #transforms(image: string): Transform[][] {
    const m = this.#requireMultiscale();
    const lists = [m.coordinateTransformations ?? []];
    if (image !== "*") lists.push(this.#dataset(image).coordinateTransformations);
    return lists;
  }

  /** Scale of level 0 including the multiscale-level scale (iohub's `scale`). */
  get scale(): number[] {
    return this.getEffectiveScale(this.#requireMultiscale().datasets[0]?.path ?? "0");
  }

  /**
   * Total scale per axis of one level (its own scale times the multiscale-level scale), or of
   * the whole field of view with `"*"`.
   * @throws {NotFoundError} for an unknown level or before the first image.
   */
  getEffectiveScale(image: string): number[] {
    return combinedScale(this._axes.length, ...this.#transforms(image));
  }

  /**
   * Total translation per axis of one level, or of the whole field of view with `"*"`.
   * @throws {NotFoundError} for an unknown level or before the first image.
   */
  getEffectiveTranslation(image: string): number[] {
    return combinedTranslation(this._axes.length, ...this.#transforms(image));
  }

  /**
   * Replace the coordinate transformations of one level, or of the whole field of view
   * (`"*"`, the multiscale-level `coordinateTransformations`). The list must be one scale then at
   * most one translation, one value per axis.
   * @throws {InvalidMetadataError} for a bad list; {@link NotFoundError} for an unknown level;
   * {@link ReadOnlyError} when read-only.
   */
  async setTransform(image: string, transforms: readonly Transform[]): Promise<void> {
    this.assertWritable();
    const list = checkTransforms(transforms, this._axes.length, "transforms");
    const m = this.#requireMultiscale();
    if (image === "*") m.coordinateTransformations = list;
    else this.#dataset(image).coordinateTransformations = list;
    await this.dumpMeta();
  }

  /**
   * Set the scale of one axis for one level or for the whole field of view (`"*"`, adding a
   * multiscale-level scale when there is none).
   * @throws {InvalidMetadataError} when `value` is not a positive finite number.
   * @throws {NotFoundError} for an unknown level or axis.
   */
  async setScale(image: string, axis: string, value: number): Promise<void> {
    this.assertWritable();
    if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
      throw new InvalidMetadataError(
        [
          {
            code: "scale_not_positive",
            location: `scale.${axis}`,
            message: `new scale ${value} for axis ${axis} is not a positive number`,
            expected: "a positive finite number",
          },
        ],
        { summary: "invalid scale" },
      );
    }
    const i = this.getAxisIndex(axis);
    const m = this.#requireMultiscale();
    const current =
      image === "*"
        ? (m.coordinateTransformations ?? [])
        : this.#dataset(image).coordinateTransformations;
    const next = current.map(cloneTransform);
    if (!next.some((t) => t.type === "scale"))
      next.unshift(...identityTransforms(this._axes.length));
    for (const t of next) if (t.type === "scale") t.scale[i] = value;
    await this.setTransform(image, next);
  }

  /** A new multiscale entry for the first level (Position names it after the image). */
  protected abstract newMultiscale(firstLevel: string): MultiscaleMeta;

  /**
   * Create one level array (and optionally write `data`), then record it in `multiscales`
   * (unless `record: false`). Everything is checked before anything is written.
   * @internal
   */
  async _createLevel(
    name: string,
    spec: LevelSpec,
    opts: {
      transforms?: readonly Transform[] | undefined;
      write?: (a: ZarrArray) => Promise<void>;
      record?: boolean;
      /** Runs once the array spec is known valid, before anything is written; may throw. */
      check?: () => Promise<void>;
      /**
       * Overwrite: this removes `name` (and what an interrupted removal left) after every check
       * passed; an existing `name` is then no AlreadyExistsError.
       */
      replace?: () => Promise<void>;
    } = {},
  ): Promise<ImageArray> {
    this.assertWritable();
    assertSafeName(name, "array name");
    const path = joinPath(this.ctx.path, name);
    const transforms =
      opts.transforms === undefined
        ? identityTransforms(this._axes.length)
        : checkTransforms(opts.transforms, this._axes.length, "transform");
    const found = await readNode(this.ctx.store, path);
    // Crash recovery: an unlisted array of this very geometry is what an interrupted create of
    // this level left (array written, multiscales not yet); replace it instead of refusing.
    const leftover = found !== undefined && (await this.#isLeftover(name, path, found.kind, spec));
    if (found !== undefined && !leftover && opts.replace === undefined) {
      throw new AlreadyExistsError(
        name,
        `${JSON.stringify(path)} already exists; choose another name, delete it first, or pass overwrite: true`,
      );
    }
    const arraySpec: ArraySpec = {
      shape: spec.shape,
      dtype: spec.dtype,
      chunks: spec.chunks,
      fillValue: spec.dtype === "bool" ? false : 0,
    };
    if (spec.shards !== undefined) arraySpec.shards = spec.shards;
    if (spec.codec !== undefined) arraySpec.codec = spec.codec;
    if (this.ctx.format === 3)
      arraySpec.dimensionNames = this._axes.slice(0, spec.shape.length).map((a) => a.name);
    if (opts.check !== undefined) {
      resolveArraySpec(this.ctx.format, arraySpec); // its errors first: InvalidMetadataError
      await opts.check();
    }
    if (opts.replace !== undefined) {
      resolveArraySpec(this.ctx.format, arraySpec); // every input checked before removing
      await opts.replace();
    }
    const array = await createArray(this.ctx.store, path, this.ctx.format, arraySpec, {
      overwrite: leftover,
    });
    if (opts.write !== undefined) await opts.write(array);
    if (opts.record !== false) {
      this._recordLevel(name, transforms);
      await this.dumpMeta();
    }
    return this.wrapArray(array);
  }

  /**
   * Whether the node at `path` is the leftover of an interrupted `_createLevel` of level `name`:
   * an array that no `multiscales` entry lists, with the shape, dtype, chunks and shards asked for.
   */
  async #isLeftover(
    name: string,
    path: string,
    kind: "group" | "array",
    spec: LevelSpec,
  ): Promise<boolean> {
    const listed = [this._multiscale, ...this._moreMultiscales].some((m) =>
      m?.datasets.some((d) => d.path === name),
    );
    if (kind !== "array" || listed) return false;
    const a = await openArray(this.ctx.store, path).catch(() => undefined);
    const same = (x: readonly number[] | undefined, y: readonly number[] | undefined) =>
      JSON.stringify(x ?? null) === JSON.stringify(y ?? null);
    return (
      a !== undefined &&
      a.dtype === spec.dtype &&
      same(a.shape, spec.shape) &&
      same(a.chunks, spec.chunks) &&
      same(a.shards, spec.shards)
    );
  }

  /** Add (or replace) the dataset entry of a level in memory. @internal */
  _recordLevel(name: string, transforms: readonly Transform[]): void {
    const dataset = { path: name, coordinateTransformations: transforms.map(cloneTransform) };
    if (this._multiscale === undefined) {
      this._multiscale = this.newMultiscale(name);
      this._multiscale.datasets = [dataset];
      return;
    }
    const i = this._multiscale.datasets.findIndex((d) => d.path === name);
    if (i < 0) this._multiscale.datasets.push(dataset);
  }

  /** The live multiscale entry (for pyramid operations). @internal */
  _liveMultiscale(): MultiscaleMeta | undefined {
    return this._multiscale;
  }

  /** Throw unless writes are allowed (public for pyramid operations). @internal */
  _assertWritable(): void {
    this.assertWritable();
  }
}
