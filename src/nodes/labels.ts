/**
 * Label images (NGFF "labels"): `labels/` holds `{ labels: [names] }`, and each `labels/<name>`
 * is a multiscale integer image with `image-label` metadata (`source.image = "../../"`).
 * As the spec lays them out, a label array has the image's axes, each dimension the image's size
 * or 1 (so the channel axis is 1), and as many levels as the image, level k shaped and
 * transformed like the image's level k. Label images written before this layout (the image's
 * axes without the channel axis) still open, read and pyramid: a label image's axes are always
 * read from its own `multiscales`.
 */
import type { Piscina } from "piscina";
import type { PyramidReport } from "../engine/compute.js";
import { checkMethod } from "../engine/method.js";
import {
  AlreadyExistsError,
  InvalidMetadataError,
  InvalidOptionsError,
  type MetadataIssue,
  NotFoundError,
  ShapeMismatchError,
  UnsupportedError,
} from "../errors.js";
import { checkLabelColors, checkLabelProperties } from "../schema/check.js";
import {
  assertSafeName,
  createGroup,
  type DataType,
  INTEGER_DATA_TYPES,
  openArray,
  readNode,
} from "../store/index.js";
import type { AxisSpec } from "./axes.js";
import { checkChunks, defaultChunks, shardsFromRatio } from "./chunking.js";
import { childContext, joinPath, type NodeContext } from "./context.js";
import { clearForOverwrite, deleteLabelOp } from "./delete.js";
import {
  type MultiscaleMeta,
  parseMultiscales,
  pyramidMetadata,
  serializeMultiscale,
} from "./multiscales-meta.js";
import { MultiscalesNode } from "./multiscales-node.js";
import type { NodeInit } from "./ngff-node.js";
import { mergeOmeAttrs, readOmeAttrs, writeOmeAttrs } from "./ome-attrs.js";
import { checkOverwrite } from "./overwrite.js";
import { type PixelInput, toDense } from "./pixel-data.js";
import type { Position } from "./position.js";
import {
  type ComputePyramidOptions,
  computePyramid,
  deletePyramid,
  initializePyramid,
  type PyramidDims,
  type PyramidMethod,
} from "./pyramid-ops.js";
import { cloneTransform, type Transform } from "./transforms.js";

/** A label colour: label value and RGBA (0–255 integers). */
export interface LabelColor {
  "label-value": number;
  rgba?: [number, number, number, number];
}

/** Label data, or `{ shape, dtype? }` for an empty label image (default dtype uint32). */
export type LabelInput = PixelInput | { shape: readonly number[]; dtype?: DataType };

/** Options of {@link createLabel}. */
export interface CreateLabelOptions {
  /** Colours by label value: `{ 1: [255, 0, 0] }` (alpha 255 added) or `[{ "label-value": 1, rgba }]`. */
  colors?: Readonly<Record<number, readonly number[]>> | readonly LabelColor[];
  /** Per-label properties; each has `"label-value"` (or `labelValue`). */
  properties?: readonly Record<string, unknown>[];
  chunks?: readonly number[];
  shardsRatio?: readonly number[];
  /** Number of levels (default: as many as the image has). */
  levels?: number;
  /** Downsampling method for the label pyramid (default "mode"). */
  method?: PyramidMethod;
  workers?: number;
  pool?: Piscina;
  signal?: AbortSignal;
  /**
   * Replace an existing label of that name: every input is checked first, then the old label is
   * deleted as `Position.deleteLabel` does, then the new one created. Default false
   * (AlreadyExistsError).
   */
  overwrite?: boolean;
}

const INTEGER_TYPES = INTEGER_DATA_TYPES;

/**
 * At most this many distinct non-zero label values get a colour in the default palette
 * ({@link defaultLabelColors}); values past the cap get none (viewers pick their own), so that
 * `image-label` stays small (about 12 KB at the cap) for segmentations of many objects.
 */
export const LABEL_COLORS_CAP = 256;

function hslToRgb(h: number, s: number, l: number): [number, number, number] {
  const k = (n: number) => (n + h * 12) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, 9 - k(n), 1));
  return [Math.round(f(0) * 255), Math.round(f(8) * 255), Math.round(f(4) * 255)];
}

/** The default colour of label value `v` (0 transparent; others a hue by the golden ratio). */
export function defaultLabelColor(v: number): [number, number, number, number] {
  if (v === 0) return [0, 0, 0, 0];
  const h = (((v * 0.618033988749895) % 1) + 1) % 1;
  return [...hslToRgb(h, 0.7, 0.55), 255];
}

/**
 * The distinct non-zero values of label data, in ascending order, at most `cap` of them: the
 * first `cap` distinct values met in C order (the scan stops there). 64-bit values beyond
 * ±2^53 cannot be JSON label values and are skipped.
 */
export function distinctLabelValues(
  data: ArrayLike<number | bigint> | undefined,
  cap = LABEL_COLORS_CAP,
): { values: number[]; truncated: boolean } {
  const seen = new Set<number>();
  let truncated = false;
  if (data !== undefined) {
    for (let i = 0; i < data.length; i++) {
      const raw = data[i] as number | bigint;
      const v = typeof raw === "bigint" ? Number(raw) : raw;
      if (v === 0 || !Number.isSafeInteger(v) || seen.has(v)) continue;
      if (seen.size === cap) {
        truncated = true;
        break;
      }
      seen.add(v);
    }
  }
  return { values: [...seen].sort((a, b) => a - b), truncated };
}

/**
 * The default `image-label.colors` for label data: value 0 transparent (`[0, 0, 0, 0]`), then
 * one opaque colour per distinct non-zero value, for the first {@link LABEL_COLORS_CAP} distinct
 * values only (see {@link distinctLabelValues}); an empty label image gets only the entry for 0.
 */
export function defaultLabelColors(data?: ArrayLike<number | bigint>): LabelColor[] {
  const { values } = distinctLabelValues(data);
  return [0, ...values].map((v) => ({ "label-value": v, rgba: defaultLabelColor(v) }));
}

/** `colors` must not be empty (the schema's `minItems: 1`). */
function requireColors(colors: LabelColor[]): LabelColor[] {
  if (colors.length === 0) {
    fail(
      [
        {
          code: "too_few_items",
          location: "colors",
          message: "colors is empty",
          expected: "at least one colour (omit colors for the default palette)",
        },
      ],
      "invalid label colors",
    );
  }
  return colors;
}

/** What {@link LabelImage.updateImageLabel} (and `writeLabelMetadata`) may change. */
export interface ImageLabelUpdate {
  /** New colours (replacing the list); same forms as {@link CreateLabelOptions.colors}. */
  colors?: CreateLabelOptions["colors"];
  /** New properties (replacing the list). */
  properties?: CreateLabelOptions["properties"];
  /** New source: `{ image }`, the path of the labelled image group (default `"../../"`). */
  source?: { image?: string };
}

function fail(issues: MetadataIssue[], summary: string): never {
  throw new InvalidMetadataError(issues, { summary });
}

/**
 * Normalize colours to the spec's list form (a map `{ value: rgba }` becomes a list; an rgb
 * triple gets alpha 255), then check them with the schema's `colors` model.
 * @throws {InvalidMetadataError}
 */
export function normalizeColors(colors: CreateLabelOptions["colors"]): LabelColor[] {
  if (colors === undefined) return [];
  const entries: [unknown, unknown][] = Array.isArray(colors)
    ? (colors as readonly LabelColor[]).map((c) => [c?.["label-value"], c?.rgba])
    : Object.entries(colors).map(([k, v]) => [Number(k), v]);
  if (entries.length === 0) return [];
  const list = entries.map(([value, rgba]) => {
    const out: Record<string, unknown> = { "label-value": value };
    if (rgba !== undefined)
      out.rgba = Array.isArray(rgba) && rgba.length === 3 ? [...rgba, 255] : rgba;
    return out;
  });
  return checkLabelColors(list).map((c) =>
    c.rgba === undefined
      ? { "label-value": c["label-value"] }
      : { "label-value": c["label-value"], rgba: [...c.rgba] as [number, number, number, number] },
  );
}

/**
 * Normalize properties (`labelValue` → `"label-value"`), then check them with the schema's
 * `properties` model. @throws {InvalidMetadataError}
 */
export function normalizeProperties(
  props: CreateLabelOptions["properties"],
): Record<string, unknown>[] {
  if (props === undefined) return [];
  const list = props.map((p) => {
    const { labelValue, ...rest } = (p ?? {}) as Record<string, unknown>;
    const { "label-value": given, ...others } = rest;
    return { "label-value": given ?? labelValue, ...others };
  });
  return checkLabelProperties(list);
}

/** What a LabelImage starts with. @internal */
interface LabelInit extends NodeInit {
  multiscale?: MultiscaleMeta | undefined;
  imageLabel: Record<string, unknown>;
  extraOme?: Record<string, unknown>;
}

/** One label image (`labels/<name>`): a multiscale integer image with `image-label` metadata. */
export class LabelImage extends MultiscalesNode {
  /** @internal */
  protected _imageLabel: Record<string, unknown>;
  /** @internal */
  protected _extraOme: Record<string, unknown>;

  /** @internal */
  protected constructor(ctx: NodeContext, init: LabelInit);
  /** A label image comes from `createLabel` or `getLabel`, not from `new`. */
  protected constructor(...args: never);
  protected constructor(ctx: NodeContext, init: LabelInit) {
    super(ctx, init);
    this._multiscale = init.multiscale;
    this._imageLabel = init.imageLabel;
    this._extraOme = init.extraOme ?? {};
  }

  /**
   * Open a label image group.
   * @throws {NotFoundError} when there is no group; {@link InvalidMetadataError} for malformed multiscales.
   * @internal
   */
  static async open(ctx: NodeContext): Promise<LabelImage> {
    const read = await readOmeAttrs(ctx.store, ctx.path);
    if (read === undefined)
      throw new NotFoundError(ctx.path, `there is no label image at ${JSON.stringify(ctx.path)}`);
    const { multiscales, "image-label": imageLabel, ...extraOme } = read.ome;
    const init: LabelInit = {
      attributes: read.attributes,
      imageLabel: (imageLabel ?? {}) as Record<string, unknown>,
      extraOme,
    };
    if (multiscales !== undefined) {
      const [first, ...more] = parseMultiscales(multiscales, ctx.path, read.version);
      init.multiscale = first;
      if (first !== undefined) init.axes = first.axes;
      const node = new LabelImage(ctx, init);
      node._moreMultiscales = more;
      return node;
    }
    return new LabelImage(ctx, init);
  }

  /** A new, empty label image node (the group must exist). @internal */
  static _new(
    ctx: NodeContext,
    axes: readonly AxisSpec[],
    imageLabel: Record<string, unknown>,
    multiscaleTransforms?: Transform[],
  ): LabelImage {
    const node = new LabelImage(ctx, { attributes: {}, axes, imageLabel });
    node.#multiscaleTransforms = multiscaleTransforms;
    return node;
  }

  #multiscaleTransforms: Transform[] | undefined;

  /** A copy of the `image-label` metadata. */
  get imageLabel(): Record<string, unknown> {
    return structuredClone(this._imageLabel);
  }
  /** The label colours (`image-label.colors`). */
  get colors(): LabelColor[] {
    return structuredClone((this._imageLabel.colors as LabelColor[] | undefined) ?? []);
  }
  /** The label properties (`image-label.properties`). */
  get properties(): Record<string, unknown>[] {
    return structuredClone(
      (this._imageLabel.properties as Record<string, unknown>[] | undefined) ?? [],
    );
  }

  /**
   * Change `colors`, `properties` and/or `source` of the `image-label` metadata (ome-zarr-py's
   * `write_label_metadata` on an existing label). Everything is checked before the one write.
   * @throws {InvalidMetadataError} for bad or empty colours or properties, or a source whose
   * `image` is not a string; {@link ReadOnlyError} in mode "r".
   */
  async updateImageLabel(update: ImageLabelUpdate): Promise<void> {
    this.assertWritable();
    const next = structuredClone(this._imageLabel);
    if (update.colors !== undefined) next.colors = requireColors(normalizeColors(update.colors));
    if (update.properties !== undefined) {
      const props = normalizeProperties(update.properties);
      if (props.length === 0) {
        fail(
          [
            {
              code: "too_few_items",
              location: "properties",
              message: "properties is empty",
              expected: "at least one property",
            },
          ],
          "invalid label properties",
        );
      }
      next.properties = props;
    }
    if (update.source !== undefined) {
      const src = update.source as unknown;
      const image = (src as { image?: unknown } | null)?.image;
      if (
        typeof src !== "object" ||
        src === null ||
        (image !== undefined && typeof image !== "string")
      ) {
        fail(
          [
            {
              code: "invalid_type",
              location: "source",
              message: `found ${JSON.stringify(src)}`,
              expected: '{ image: "../../" } (a path to the image group)',
            },
          ],
          "invalid label source",
        );
      }
      next.source = { ...(src as Record<string, unknown>) };
    }
    const previous = this._imageLabel;
    this._imageLabel = next;
    try {
      await this.dumpMeta();
    } catch (err) {
      this._imageLabel = previous;
      throw err;
    }
  }

  /**
   * Record `method` as the pyramid's downsampling (for levels that already hold its result,
   * e.g. the empty levels of an empty label image). @internal
   */
  async _markPyramid(method: PyramidMethod): Promise<void> {
    const m = this._multiscale;
    if (m === undefined || m.datasets.length < 2) return;
    const factors: number[][] = [];
    for (let k = 1; k < m.datasets.length; k++) {
      const prev = this.getEffectiveScale((m.datasets[k - 1] as { path: string }).path);
      const cur = this.getEffectiveScale((m.datasets[k] as { path: string }).path);
      factors.push(cur.map((c, i) => Math.max(1, Math.round(c / (prev[i] as number)))));
    }
    m.type = method;
    m.metadata = pyramidMetadata(method, factors);
    await this.dumpMeta();
  }

  protected override newMultiscale(): MultiscaleMeta {
    const m: MultiscaleMeta = {
      axes: this.axes.map((a) => ({ ...a })),
      datasets: [],
      name: this.name,
    };
    if (this.#multiscaleTransforms !== undefined)
      m.coordinateTransformations = this.#multiscaleTransforms;
    return m;
  }

  protected override omeMetadata(): Record<string, unknown> | undefined {
    const out: Record<string, unknown> = {};
    if (this._multiscale !== undefined) {
      out.multiscales = [this._multiscale, ...this._moreMultiscales].map((m) =>
        serializeMultiscale(m, this.version),
      );
    }
    const { version: _v, ...il } = this._imageLabel;
    out["image-label"] =
      this.version === "0.4" ? { version: "0.4", ...structuredClone(il) } : structuredClone(il);
    return Object.assign(out, structuredClone(this._extraOme));
  }

  /** Create empty label pyramid levels (see `initializePyramid` in pyramid-ops.ts). */
  initializePyramid(levels: number, opts: { dims?: PyramidDims } = {}): Promise<void> {
    return initializePyramid(this, levels, opts);
  }
  /** Compute the label pyramid (default method "mode"). */
  computePyramid(opts: ComputePyramidOptions = {}): Promise<PyramidReport> {
    return computePyramid(this, { ...opts, defaultMethod: "mode" });
  }
  /** Remove every level but 0. */
  deletePyramid(): Promise<void> {
    return deletePyramid(this);
  }
}

function labelsCtx(position: Position): NodeContext {
  return childContext(position.ctx, "labels");
}

/** Names of the label images of a position, sorted (from the `labels` group's list). */
export async function labelNames(position: Position): Promise<string[]> {
  const read = await readOmeAttrs(position.ctx.store, labelsCtx(position).path);
  if (read === undefined) return [];
  const list = read.ome.labels;
  return Array.isArray(list) ? list.filter((x): x is string => typeof x === "string").sort() : [];
}

/** Open one label image of a position. @throws {NotFoundError} when absent. */
export async function getLabel(position: Position, name: string): Promise<LabelImage> {
  assertSafeName(name, "label name");
  return LabelImage.open(childContext(labelsCtx(position), name));
}

/** Per-axis step factor of the image pyramid (level 1 vs 0), every axis. */
function imageStep(position: Position): number[] | undefined {
  const paths = position.levelPaths;
  if (paths.length < 2) return undefined;
  const s0 = position.getEffectiveScale(paths[0] as string);
  const s1 = position.getEffectiveScale(paths[1] as string);
  return s0.map((v, ax) => Math.max(1, Math.round((s1[ax] as number) / v)));
}

/** One level of label input, dense, with the image's rank. */
interface LabelLevel {
  shape: number[];
  dtype: DataType;
  data: ReturnType<typeof toDense>["data"] | undefined;
}

function isZerosInput(input: unknown): input is { shape: readonly number[]; dtype?: DataType } {
  return (
    typeof input === "object" &&
    input !== null &&
    !("data" in input) &&
    "shape" in input &&
    !("stride" in input)
  );
}

function axesText(axes: readonly AxisSpec[]): string {
  return axes.map((a) => a.name).join(", ");
}

/**
 * Give label data the image's rank: data of the image's rank is taken as it is; data with one
 * axis less, when the image has a channel axis, gets the channel axis inserted with size 1 (the
 * C-order layout of the values does not change).
 */
function toImageRank(shape: readonly number[], axes: readonly AxisSpec[], what: string): number[] {
  const ch = axes.findIndex((a) => a.type === "channel");
  if (shape.length === axes.length) return [...shape];
  if (ch >= 0 && shape.length === axes.length - 1) {
    return [...shape.slice(0, ch), 1, ...shape.slice(ch)];
  }
  const without = axes.filter((_, i) => i !== ch);
  throw new ShapeMismatchError(
    `${axes.length} dimensions`,
    [...shape],
    `${what} has ${shape.length} dimensions ${JSON.stringify(shape)}, while the image axes are ` +
      `${axesText(axes)}` +
      (ch >= 0 ? ` (or ${axesText(without)} without the channel axis)` : "") +
      "; pass one dimension per image axis",
  );
}

/**
 * The spec's label layout: each dimension is the image's size or 1, and the channel axis is 1.
 * @throws {ShapeMismatchError} naming the first axis that breaks it.
 */
function checkLabelShape(
  shape: readonly number[],
  image: readonly number[] | undefined,
  axes: readonly AxisSpec[],
  what: string,
): void {
  shape.forEach((s, i) => {
    const axis = axes[i] as AxisSpec;
    const want = image?.[i];
    const ok = axis.type === "channel" ? s === 1 : want === undefined || s === want || s === 1;
    if (!ok) {
      const expected = axis.type === "channel" || want === undefined ? "1" : `${want} or 1`;
      throw new ShapeMismatchError(
        image === undefined
          ? "1 along the channel axis"
          : image.map((v, j) => (axes[j]?.type === "channel" ? 1 : v)),
        [...shape],
        `${what} has ${s} along axis ${JSON.stringify(axis.name)}, expected ${expected}: a label ` +
          "array has the image's axes, each dimension the image's size or 1, and 1 along the " +
          `channel axis (image shape ${JSON.stringify(image ?? [])})`,
      );
    }
  });
}

function checkLabelDtype(dtype: DataType): void {
  if (!INTEGER_TYPES.includes(dtype)) {
    throw new ShapeMismatchError(
      "an integer dtype",
      dtype,
      `label data must have an integer dtype (int8…uint64), found ${dtype}; convert it (e.g. Uint32Array.from(values))`,
    );
  }
}

/** The image's level arrays' shapes, level by level (empty before the first image). */
async function imageLevelShapes(position: Position): Promise<number[][]> {
  const out: number[][] = [];
  for (const p of position.levelPaths) {
    const arr = await openArray(position.ctx.store, joinPath(position.ctx.path, p));
    out.push([...arr.shape]);
  }
  return out;
}

/**
 * Create `labels/<name>` from integer label data (or empty from `{ shape, dtype }`), register it
 * in the `labels` group, and give it as many levels as the image.
 *
 * Layout (NGFF "labels"): the label array has the image's axes, each dimension the image's size
 * or 1, and 1 along the channel axis. Data of the image's rank is taken as it is; data without
 * the channel axis (one dimension less) gets it inserted with size 1. Level k uses the image's
 * level-k coordinate transformations.
 *
 * `input` is one array (level 0; further levels are computed with `method`, default "mode", to
 * follow the image's pyramid) or a list of arrays, largest first: a precomputed pyramid (one
 * array per image level, each level shaped like the image's level, or 1, on every axis).
 *
 * `image-label` gets `colors` (given, else {@link defaultLabelColors} over the values written:
 * 0 transparent, the first {@link LABEL_COLORS_CAP} distinct values), `properties` when given,
 * `source.image = "../../"`, and on 0.4 `version`. Everything is checked before anything is
 * written.
 * @throws {UnsafePathError} for an unsafe name; {@link AlreadyExistsError} when it exists;
 * {@link ShapeMismatchError} for a non-integer dtype, a wrong rank, a dimension that is neither
 * the image's nor 1 (or a channel dimension other than 1), or precomputed levels that do not
 * follow the image's; {@link InvalidMetadataError} for bad colours or properties;
 * {@link UnsupportedError} for an unknown method; {@link ReadOnlyError} in mode "r".
 */
export async function createLabel(
  position: Position,
  name: string,
  input: LabelInput | readonly PixelInput[],
  opts: CreateLabelOptions = {},
): Promise<LabelImage> {
  position._assertWritable();
  assertSafeName(name, "label name");
  const overwrite = checkOverwrite(opts.overwrite);
  const axes = position.axes;
  const precomputed = Array.isArray(input);
  const given: LabelLevel[] = [];
  if (precomputed) {
    const list = input as readonly PixelInput[];
    if (list.length === 0) {
      throw new ShapeMismatchError(
        "at least one level",
        "[]",
        "no label levels given; pass level 0 (and optionally the further levels)",
      );
    }
    list.forEach((level, k) => {
      const dense = toDense(level);
      given.push({
        shape: toImageRank(dense.shape, axes, `label level ${k}`),
        dtype: dense.dtype,
        data: dense.data,
      });
    });
  } else if (isZerosInput(input)) {
    const shape = [...input.shape];
    if (!shape.every((s) => Number.isInteger(s) && s >= 0)) {
      throw new ShapeMismatchError(
        "non-negative integers",
        JSON.stringify(shape),
        `label shape ${JSON.stringify(shape)} must be non-negative integers`,
      );
    }
    given.push({
      shape: toImageRank(shape, axes, "label shape"),
      dtype: input.dtype ?? "uint32",
      data: undefined,
    });
  } else {
    const dense = toDense(input as PixelInput);
    given.push({
      shape: toImageRank(dense.shape, axes, "label data"),
      dtype: dense.dtype,
      data: dense.data,
    });
  }
  const first = given[0] as LabelLevel;
  for (const [k, l] of given.entries()) {
    checkLabelDtype(l.dtype);
    if (l.dtype !== first.dtype) {
      throw new ShapeMismatchError(
        first.dtype,
        l.dtype,
        `label level ${k} has dtype ${l.dtype} but level 0 has ${first.dtype}; give every level the same dtype`,
      );
    }
  }
  const imageShapes = await imageLevelShapes(position);
  checkLabelShape(first.shape, imageShapes[0], axes, "label data");
  const shape = first.shape;
  const dtype = first.dtype;
  const imageLevels = Math.max(1, position.levelPaths.length);
  if (precomputed) {
    if (given.length !== imageLevels) {
      throw new ShapeMismatchError(
        `${imageLevels} levels`,
        `${given.length} levels`,
        `${given.length} label levels given, but the image has ${imageLevels}; a label image has as many levels as its image`,
      );
    }
    // Level k follows the image's level k: its size where level 0 has the image's size, else 1.
    for (let k = 1; k < given.length; k++) {
      const want = (imageShapes[k] as number[]).map((v, i) => (shape[i] === 1 ? 1 : v));
      const got = (given[k] as LabelLevel).shape;
      if (got.length !== want.length || got.some((v, i) => v !== want[i])) {
        throw new ShapeMismatchError(
          want,
          got,
          `label level ${k} has shape ${JSON.stringify(got)}, expected ${JSON.stringify(want)} ` +
            `(the image's level ${k} ${JSON.stringify(imageShapes[k])}, with 1 where label level 0 has 1)`,
        );
      }
    }
  }
  const colors =
    opts.colors === undefined
      ? defaultLabelColors(given[0]?.data)
      : requireColors(normalizeColors(opts.colors));
  const properties = normalizeProperties(opts.properties);
  const chunks =
    opts.chunks === undefined ? defaultChunks(shape, dtype) : checkChunks(opts.chunks, shape);
  shardsFromRatio(opts.shardsRatio, chunks, position.version); // refused on 0.4: checked first
  const levels = precomputed ? given.length : (opts.levels ?? imageLevels);
  if (!Number.isInteger(levels) || levels < 1) {
    throw new InvalidOptionsError("levels", levels, "an integer >= 1 (level 0 included)");
  }
  const image = position.multiscale;
  const imageTransforms = (k: number): Transform[] | undefined =>
    image?.datasets[k]?.coordinateTransformations.map(cloneTransform);
  const base: Transform[] = imageTransforms(0) ?? [{ type: "scale", scale: axes.map(() => 1) }];
  const fovTransforms = image?.coordinateTransformations?.map(cloneTransform);
  const step = imageStep(position);
  const dims =
    step === undefined
      ? undefined
      : Object.fromEntries(
          axes.map((a, i) => [a.name, step[i] as number]).filter(([, f]) => (f as number) > 1),
        );

  if (opts.method !== undefined) checkMethod(opts.method);
  const lctx = labelsCtx(position);
  const ctx = childContext(lctx, name);
  if (!overwrite && (await readNode(ctx.store, ctx.path)) !== undefined) {
    throw new AlreadyExistsError(
      name,
      `label ${JSON.stringify(name)} already exists at ${JSON.stringify(ctx.path)}; choose another name, or pass overwrite: true to replace it`,
    );
  }
  // Overwrite: the old label, or what an interrupted delete of it left, goes (checks passed).
  if (overwrite) await clearForOverwrite(() => deleteLabelOp(position, name));
  const existing = await readOmeAttrs(ctx.store, lctx.path);
  // Writes start here.
  // The labels group starts with an empty list: a writer killed before the label is listed
  // leaves a valid store (a labels group without its `labels` key is not).
  if (existing === undefined)
    await createGroup(
      ctx.store,
      lctx.path,
      ctx.format,
      mergeOmeAttrs(ctx.format, {}, { labels: [] }),
    );
  await createGroup(ctx.store, ctx.path, ctx.format, {});
  const imageLabel: Record<string, unknown> = { colors };
  if (properties.length > 0) imageLabel.properties = properties;
  imageLabel.source = { image: "../../" };
  const label = LabelImage._new(ctx, axes, imageLabel, fovTransforms);
  for (const [k, l] of given.entries()) {
    const levelChunks = k === 0 ? chunks : chunks.map((c, i) => Math.min(c, l.shape[i] as number));
    const data = l.data;
    await label._createLevel(
      String(k),
      {
        shape: l.shape,
        dtype,
        chunks: levelChunks.map((c) => Math.max(1, c)),
        shards: shardsFromRatio(opts.shardsRatio, levelChunks, position.version),
      },
      {
        transforms: k === 0 ? base : (imageTransforms(k) ?? base),
        ...(data === undefined || l.shape.includes(0)
          ? {}
          : {
              write: async (a) => {
                await a.writeRegion(
                  l.shape.map((s): [number, number] => [0, s]),
                  data,
                );
              },
            }),
      },
    );
  }
  if (!precomputed && levels > 1) {
    await label.initializePyramid(
      levels,
      dims === undefined || Object.keys(dims).length === 0 ? {} : { dims },
    );
    if (first.data !== undefined) {
      await label.computePyramid({
        method: opts.method ?? "mode",
        ...(opts.workers === undefined ? {} : { workers: opts.workers }),
        ...(opts.pool === undefined ? {} : { pool: opts.pool }),
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      });
    } else {
      // Empty levels are the exact pyramid of an empty level 0, whatever the method.
      await label._markPyramid(opts.method ?? "mode");
    }
  }
  // Listed last, once it has all its levels: until then a killed writer leaves an unlisted label
  // (valid; `overwrite: true` or deleteLabel removes it), never a listed one with too few levels.
  const listed = await readOmeAttrs(ctx.store, lctx.path);
  const names = Array.isArray(listed?.ome.labels)
    ? (listed.ome.labels as unknown[]).filter((x) => typeof x === "string")
    : [];
  await writeOmeAttrs(lctx, { ...listed?.ome, labels: [...names, name] }, listed?.attributes ?? {});
  return label;
}
