/**
 * Label images (NGFF "labels"): `labels/` holds `{ labels: [names] }`, and each `labels/<name>`
 * is a multiscale integer image with `image-label` metadata (`source.image = "../../"`).
 * Axes are the image's without the channel axis; level 0 takes the image's level-0 transforms
 * and further levels follow the image's pyramid (same number of levels, same step factors).
 */
import type { Piscina } from "piscina";
import type { PyramidReport } from "../engine/compute.js";
import {
  AlreadyExistsError,
  InvalidMetadataError,
  type MetadataIssue,
  NotFoundError,
  ShapeMismatchError,
  UnsupportedError,
} from "../errors.js";
import {
  assertSafeName,
  createGroup,
  type DataType,
  INTEGER_DATA_TYPES,
  readNode,
} from "../store/index.js";
import type { AxisSpec } from "./axes.js";
import { checkChunks, defaultChunks, shardsFromRatio } from "./chunking.js";
import { childContext, type NodeContext } from "./context.js";
import { type MultiscaleMeta, parseMultiscales, serializeMultiscale } from "./multiscales-meta.js";
import { MultiscalesNode } from "./multiscales-node.js";
import type { NodeInit } from "./ngff-node.js";
import { readOmeAttrs, writeOmeAttrs } from "./ome-attrs.js";
import { type PixelInput, toDense } from "./pixel-data.js";
import type { Position } from "./position.js";
import {
  type ComputePyramidOptions,
  computePyramid,
  deletePyramid,
  initializePyramid,
  PYRAMID_METHODS,
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
}

const INTEGER_TYPES = INTEGER_DATA_TYPES;

function fail(issues: MetadataIssue[], summary: string): never {
  throw new InvalidMetadataError(issues, { summary });
}

/** Normalize colours to the spec's list form. @throws {InvalidMetadataError} */
export function normalizeColors(colors: CreateLabelOptions["colors"]): LabelColor[] {
  if (colors === undefined) return [];
  const entries: [unknown, unknown][] = Array.isArray(colors)
    ? (colors as readonly LabelColor[]).map((c) => [c?.["label-value"], c?.rgba])
    : Object.entries(colors).map(([k, v]) => [Number(k), v]);
  const seen = new Set<number>();
  return entries.map(([value, rgba], i) => {
    const loc = `colors[${i}]`;
    if (typeof value !== "number" || !Number.isInteger(value)) {
      fail(
        [
          {
            code: "label_value",
            location: loc,
            message: `label value ${JSON.stringify(value)} is not an integer`,
          },
        ],
        "invalid label colors",
      );
    }
    if (seen.has(value))
      fail(
        [
          {
            code: "label_value_unique",
            location: loc,
            message: `label value ${value} is repeated`,
          },
        ],
        "invalid label colors",
      );
    seen.add(value);
    const out: LabelColor = { "label-value": value };
    if (rgba === undefined) return out;
    const ok =
      Array.isArray(rgba) &&
      (rgba.length === 3 || rgba.length === 4) &&
      rgba.every((c) => Number.isInteger(c) && c >= 0 && c <= 255);
    if (!ok) {
      fail(
        [
          {
            code: "rgba",
            location: `${loc}.rgba`,
            message: `found ${JSON.stringify(rgba)}`,
            expected: "3 or 4 integers between 0 and 255",
          },
        ],
        "invalid label colors",
      );
    }
    const c = rgba as number[];
    out.rgba = [c[0] as number, c[1] as number, c[2] as number, c[3] ?? 255];
    return out;
  });
}

/** Normalize properties (`labelValue` → `"label-value"`). @throws {InvalidMetadataError} */
export function normalizeProperties(
  props: CreateLabelOptions["properties"],
): Record<string, unknown>[] {
  if (props === undefined) return [];
  const seen = new Set<number>();
  return props.map((p, i) => {
    const { labelValue, ...rest } = (p ?? {}) as Record<string, unknown>;
    const value = rest["label-value"] ?? labelValue;
    if (typeof value !== "number" || !Number.isInteger(value)) {
      fail(
        [
          {
            code: "label_value",
            location: `properties[${i}]`,
            message: 'each property needs an integer "label-value"',
            expected: "an integer label-value",
          },
        ],
        "invalid label properties",
      );
    }
    if (seen.has(value))
      fail(
        [
          {
            code: "label_value_unique",
            location: `properties[${i}]`,
            message: `label value ${value} is repeated`,
          },
        ],
        "invalid label properties",
      );
    seen.add(value);
    const { "label-value": _v, ...others } = rest;
    return { "label-value": value, ...others };
  });
}

/** What a LabelImage starts with. @internal */
interface LabelInit extends NodeInit {
  multiscale?: MultiscaleMeta | undefined;
  imageLabel: Record<string, unknown>;
  extraOme?: Record<string, unknown>;
}

/** One label image (`labels/<name>`): a multiscale integer image with `image-label` metadata. */
export class LabelImage extends MultiscalesNode {
  protected _imageLabel: Record<string, unknown>;
  protected _extraOme: Record<string, unknown>;

  protected constructor(ctx: NodeContext, init: LabelInit) {
    super(ctx, init);
    this._multiscale = init.multiscale;
    this._imageLabel = init.imageLabel;
    this._extraOme = init.extraOme ?? {};
  }

  /**
   * Open a label image group.
   * @throws {NotFoundError} when there is no group; {@link InvalidMetadataError} for malformed multiscales.
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
      const [first, ...more] = parseMultiscales(multiscales, ctx.path);
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

/** Per-axis step factor of the image pyramid (level 1 vs 0), without the channel axis. */
function imageStep(position: Position, keep: number[]): number[] | undefined {
  const paths = position.levelPaths;
  if (paths.length < 2) return undefined;
  const s0 = position.getEffectiveScale(paths[0] as string);
  const s1 = position.getEffectiveScale(paths[1] as string);
  return keep.map((ax) => Math.max(1, Math.round((s1[ax] as number) / (s0[ax] as number))));
}

/**
 * Create `labels/<name>` from integer label data (or empty from `{ shape, dtype }`), register it
 * in the `labels` group, and build the label pyramid to follow the image (levels and factors;
 * computed with `method`, default "mode"). Everything is checked before anything is written.
 * @throws {UnsafePathError} for an unsafe name; {@link AlreadyExistsError} when it exists;
 * {@link ShapeMismatchError} for a non-integer dtype or a shape that does not match the axes
 * without channel; {@link InvalidMetadataError} for bad colours or properties;
 * {@link ReadOnlyError} in mode "r".
 */
export async function createLabel(
  position: Position,
  name: string,
  input: LabelInput,
  opts: CreateLabelOptions = {},
): Promise<LabelImage> {
  position._assertWritable();
  assertSafeName(name, "label name");
  const zeros =
    typeof input === "object" &&
    input !== null &&
    !("data" in input) &&
    "shape" in input &&
    !("stride" in input);
  let shape: number[];
  let dtype: DataType;
  let data: ReturnType<typeof toDense>["data"] | undefined;
  if (zeros) {
    const z = input as { shape: readonly number[]; dtype?: DataType };
    shape = [...z.shape];
    dtype = z.dtype ?? "uint32";
    if (!shape.every((s) => Number.isInteger(s) && s >= 0)) {
      throw new ShapeMismatchError(
        "non-negative integers",
        JSON.stringify(shape),
        `label shape ${JSON.stringify(shape)} must be non-negative integers`,
      );
    }
  } else {
    const dense = toDense(input as PixelInput);
    shape = dense.shape;
    dtype = dense.dtype;
    data = dense.data;
  }
  if (!INTEGER_TYPES.includes(dtype)) {
    throw new ShapeMismatchError(
      "an integer dtype",
      dtype,
      `label data must have an integer dtype (int8…uint64), found ${dtype}; convert it (e.g. Uint32Array.from(values))`,
    );
  }
  const keep = position.axes.map((a, i) => (a.type === "channel" ? -1 : i)).filter((i) => i >= 0);
  const axes = keep.map((i) => position.axes[i] as AxisSpec);
  if (shape.length !== axes.length) {
    throw new ShapeMismatchError(
      `${axes.length} dimensions`,
      shape,
      `label data has ${shape.length} dimensions ${JSON.stringify(shape)}, while the image axes without channel are ${axes.map((a) => a.name).join(", ")}`,
    );
  }
  const colors = normalizeColors(opts.colors);
  const properties = normalizeProperties(opts.properties);
  const chunks =
    opts.chunks === undefined ? defaultChunks(shape, dtype) : checkChunks(opts.chunks, shape);
  const shards = shardsFromRatio(opts.shardsRatio, chunks, position.version);
  const imageLevels = Math.max(1, position.levelPaths.length);
  const levels = opts.levels ?? imageLevels;
  if (!Number.isInteger(levels) || levels < 1) {
    throw new ShapeMismatchError(
      "an integer ≥ 1",
      String(levels),
      `levels must be an integer ≥ 1, found ${String(levels)}`,
    );
  }
  const dropChannel = (list: readonly Transform[]): Transform[] =>
    list.map((t) => {
      const c = cloneTransform(t);
      if (c.type === "scale") c.scale = keep.map((i) => c.scale[i] as number);
      else c.translation = keep.map((i) => c.translation[i] as number);
      return c;
    });
  const image = position.multiscale;
  const base: Transform[] =
    image?.datasets[0] !== undefined
      ? dropChannel(image.datasets[0].coordinateTransformations)
      : [{ type: "scale", scale: axes.map(() => 1) }];
  const fovTransforms =
    image?.coordinateTransformations === undefined
      ? undefined
      : dropChannel(image.coordinateTransformations);
  const step = imageStep(position, keep);
  const dims =
    step === undefined
      ? undefined
      : Object.fromEntries(
          axes.map((a, i) => [a.name, step[i] as number]).filter(([, f]) => (f as number) > 1),
        );

  if (opts.method !== undefined && !PYRAMID_METHODS.includes(opts.method)) {
    throw new UnsupportedError(
      `downsampling method ${String(opts.method)}`,
      `unknown downsampling method ${JSON.stringify(opts.method)}; use one of ${PYRAMID_METHODS.join(", ")}`,
    );
  }
  const lctx = labelsCtx(position);
  const ctx = childContext(lctx, name);
  if ((await readNode(ctx.store, ctx.path)) !== undefined) {
    throw new AlreadyExistsError(
      name,
      `label ${JSON.stringify(name)} already exists at ${JSON.stringify(ctx.path)}; choose another name`,
    );
  }
  const existing = await readOmeAttrs(ctx.store, lctx.path);
  // Writes start here.
  if (existing === undefined) await createGroup(ctx.store, lctx.path, ctx.format, {});
  await createGroup(ctx.store, ctx.path, ctx.format, {});
  const imageLabel: Record<string, unknown> = {};
  if (colors.length > 0) imageLabel.colors = colors;
  if (properties.length > 0) imageLabel.properties = properties;
  imageLabel.source = { image: "../../" };
  const label = LabelImage._new(ctx, axes, imageLabel, fovTransforms);
  const full = shape.map((s): [number, number] => [0, s]);
  await label._createLevel(
    "0",
    { shape, dtype, chunks, shards },
    {
      transforms: base,
      ...(data === undefined || shape.includes(0)
        ? {}
        : {
            write: async (a) => {
              await a.writeRegion(full, data);
            },
          }),
    },
  );
  const names = Array.isArray(existing?.ome.labels)
    ? (existing.ome.labels as unknown[]).filter((x) => typeof x === "string")
    : [];
  await writeOmeAttrs(lctx, { labels: [...names, name] }, existing?.attributes ?? {});
  if (levels > 1) {
    await label.initializePyramid(
      levels,
      dims === undefined || Object.keys(dims).length === 0 ? {} : { dims },
    );
    if (data !== undefined) {
      await label.computePyramid({
        method: opts.method ?? "mode",
        ...(opts.workers === undefined ? {} : { workers: opts.workers }),
        ...(opts.pool === undefined ? {} : { pool: opts.pool }),
        ...(opts.signal === undefined ? {} : { signal: opts.signal }),
      });
    }
  }
  return label;
}
