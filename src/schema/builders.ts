/**
 * Builders for multiscale metadata: describe each dimension once ({@link DimSpec}) and get the
 * axes and every level's transformations (iohub's `_scale_dims` / yaozarrs' `from_dims`).
 */
import { InvalidMetadataError, type MetadataIssue } from "../errors.js";
import { parseModel } from "./check.js";
import { axisKind } from "./common/axes.js";
import { BF2RAW_LAYOUT } from "./common/bf2raw.js";
import type { NgffVersion } from "./common/version.js";
import { toMetadataIssues } from "./issues.js";
import { type Bf2Raw as v04Bf2Raw, Bf2Raw as v04Bf2RawModel } from "./v04/bf2raw.js";
import * as v04 from "./v04/multiscale.js";
import { type Bf2Raw as v05Bf2Raw, Bf2Raw as v05Bf2RawModel } from "./v05/bf2raw.js";
import * as v05 from "./v05/multiscale.js";

/** One dimension of an image, in array order (time, then channel or custom, then space). */
export interface DimSpec {
  /** Axis name, e.g. `"T"`, `"C"`, `"Z"`, `"Y"`, `"X"`. */
  readonly name: string;
  /**
   * Axis type. Default: from the name (case-insensitive): `t` → time, `c` → channel,
   * `z`/`y`/`x` → space; any other name gets no type (a custom axis).
   */
  readonly type?: "space" | "time" | "channel" | (string & {});
  /**
   * Number of elements along this axis (yaozarrs' `DimSpec.size`). Not part of the NGFF
   * metadata (the arrays carry their shapes); {@link shapeFromDims} reads it to create arrays.
   * An integer >= 1. Default: none.
   */
  readonly size?: number;
  /** Physical unit, e.g. `"micrometer"`, `"second"`. Default: none. */
  readonly unit?: string;
  /** Level-0 physical size of one pixel along this axis. Default `1`. */
  readonly scale?: number;
  /** Downsampling factor per level (≥ 1). Default `2` for space axes, `1` otherwise. */
  readonly scaleFactor?: number;
  /** Physical position of pixel 0 along this axis (the same on every level). Default none. */
  readonly translation?: number;
}

/**
 * The number of levels (level 0 included) of a pyramid asked for without `levels`: 5, as
 * ome-zarr-py writes by default (its `Scaler(max_layer=4)`, scale factors 2, 4, 8, 16 in
 * `write_image`). Used by {@link multiscaleFromDims}, `computePyramid` on an image without a
 * pyramid, and `writeImage`.
 */
export const DEFAULT_PYRAMID_LEVELS = 5;

/** Options of {@link multiscaleFromDims}. */
export interface MultiscaleFromDimsOptions {
  /**
   * Number of levels (≥ 1); level paths are `"0"`, `"1"`, … Default
   * {@link DEFAULT_PYRAMID_LEVELS} (5, ome-zarr-py's).
   */
  readonly levels?: number;
  /** The multiscale's `name`. Default: none. */
  readonly name?: string;
  /** NGFF version: `"0.4"` adds `version: "0.4"` to the multiscale. Default `"0.5"`. */
  readonly version?: NgffVersion;
  /** The downscaling method, recorded as the multiscale's `type` (e.g. `"mean"`). */
  readonly type?: string;
  /** Free-form information about the downscaling method. */
  readonly metadata?: Record<string, unknown>;
}

function inferType(name: string): string | undefined {
  switch (name.toLowerCase()) {
    case "t":
      return "time";
    case "c":
      return "channel";
    case "z":
    case "y":
    case "x":
      return "space";
    default:
      return undefined;
  }
}

function checkInputs(dims: readonly DimSpec[], opts: MultiscaleFromDimsOptions): MetadataIssue[] {
  const issues: MetadataIssue[] = [];
  const bad = (code: string, location: string, message: string, expected: string) =>
    issues.push({ code, location, message, expected });
  if (!Array.isArray(dims) || dims.length === 0) {
    bad("too_few_items", "dims", "no dimensions given", "at least one DimSpec");
    return issues;
  }
  dims.forEach((d, i) => {
    if (typeof d?.name !== "string" || d.name === "") {
      bad(
        "invalid_type",
        `dims[${i}].name`,
        `found ${JSON.stringify(d?.name)}`,
        "a non-empty string",
      );
    }
    const num = (
      key: "scale" | "scaleFactor" | "translation" | "size",
      ok: (v: number) => boolean,
      what: string,
    ) => {
      const v = d?.[key];
      if (v !== undefined && (typeof v !== "number" || !Number.isFinite(v) || !ok(v))) {
        bad(
          "out_of_range",
          `dims[${i}].${key}`,
          `found ${JSON.stringify(v)}, expected ${what}`,
          what,
        );
      }
    };
    num("scale", (v) => v > 0, "a finite number > 0");
    num("scaleFactor", (v) => v >= 1, "a finite number >= 1");
    num("translation", () => true, "a finite number");
    num("size", (v) => Number.isInteger(v) && v >= 1, "an integer >= 1");
  });
  const levels = opts?.levels ?? DEFAULT_PYRAMID_LEVELS;
  if (!Number.isInteger(levels) || levels < 1) {
    bad(
      "out_of_range",
      "levels",
      `found ${JSON.stringify(opts?.levels)}, expected an integer >= 1`,
      "an integer >= 1",
    );
  }
  return issues;
}

/**
 * Build a multiscale (axes and datasets) from dimension specs.
 *
 * Level `k` has path `"k"` and, per axis, scale `scale × scaleFactor^k`; space axes downsample by
 * 2 per level unless `scaleFactor` says otherwise, time, channel and custom axes never do. When
 * any dimension has a `translation`, every level gets a translation transform (0 for the others),
 * unchanged across levels as iohub writes it (exact for `stride` pyramids; block means shift the
 * pixel centre by half a block). The result is validated against the NGFF model of `version`.
 *
 * @throws {InvalidMetadataError} for bad dims or options (locations like `dims[2].scale`), or
 *   when the axes break the spec (e.g. channel before time: location `axes[1]`).
 */
export function multiscaleFromDims(
  dims: readonly DimSpec[],
  opts: MultiscaleFromDimsOptions & { version: "0.4" },
): v04.Multiscale;
export function multiscaleFromDims(
  dims: readonly DimSpec[],
  opts?: MultiscaleFromDimsOptions,
): v05.Multiscale;
export function multiscaleFromDims(
  dims: readonly DimSpec[],
  opts: MultiscaleFromDimsOptions = {},
): v04.Multiscale | v05.Multiscale {
  const inputIssues = checkInputs(dims, opts);
  if (inputIssues.length > 0) {
    throw new InvalidMetadataError(inputIssues, { summary: "invalid input to multiscaleFromDims" });
  }
  const version = opts.version ?? "0.5";
  const axes = dims.map((d) => {
    const type = d.type ?? inferType(d.name);
    return {
      name: d.name,
      ...(type === undefined ? {} : { type }),
      ...(d.unit === undefined ? {} : { unit: d.unit }),
    };
  });
  const factors = dims.map((d, i) => d.scaleFactor ?? (axisKind(axes[i]!) === "space" ? 2 : 1));
  const hasTranslation = dims.some((d) => d.translation !== undefined);
  const datasets = Array.from({ length: opts.levels ?? DEFAULT_PYRAMID_LEVELS }, (_, level) => ({
    path: String(level),
    coordinateTransformations: [
      { type: "scale" as const, scale: dims.map((d, i) => (d.scale ?? 1) * factors[i]! ** level) },
      ...(hasTranslation
        ? [{ type: "translation" as const, translation: dims.map((d) => d.translation ?? 0) }]
        : []),
    ],
  }));
  const multiscale = {
    ...(version === "0.4" ? { version } : {}),
    ...(opts.name === undefined ? {} : { name: opts.name }),
    axes,
    datasets,
    ...(opts.type === undefined ? {} : { type: opts.type }),
    ...(opts.metadata === undefined ? {} : { metadata: opts.metadata }),
  };
  const model = version === "0.4" ? v04.Multiscale : v05.Multiscale;
  const result = model.safeParse(multiscale);
  if (!result.success) {
    throw new InvalidMetadataError(toMetadataIssues(result.error.issues, multiscale), {
      summary: "multiscaleFromDims: the dimensions do not make a valid multiscale",
    });
  }
  return multiscale as v04.Multiscale;
}

/**
 * The array shape the dimension specs describe (each {@link DimSpec.size}, in order), e.g. for
 * `createZeros(name, { shape: shapeFromDims(dims) })`.
 * @throws {InvalidMetadataError} when a dimension has no size or a size that is not an integer
 *   >= 1 (location `dims[i].size`).
 */
export function shapeFromDims(dims: readonly DimSpec[]): number[] {
  const issues: MetadataIssue[] = [];
  const shape = dims.map((d, i) => {
    const size = d?.size;
    if (typeof size !== "number" || !Number.isInteger(size) || size < 1) {
      issues.push({
        code: size === undefined ? "missing_key" : "out_of_range",
        location: `dims[${i}].size`,
        message: `found ${JSON.stringify(size)}, expected an integer >= 1`,
        expected: "an integer >= 1",
      });
    }
    return size as number;
  });
  if (issues.length > 0) {
    throw new InvalidMetadataError(issues, {
      summary: "shapeFromDims: every dimension needs a size",
    });
  }
  return shape;
}

/** Options of {@link bf2rawAttributes}. */
export interface Bf2RawOptions {
  /** NGFF version. Default `"0.5"`. */
  readonly version?: NgffVersion;
  /** The `bioformats2raw.layout` marker. Default (and the only value the spec allows) `3`. */
  readonly layout?: typeof BF2RAW_LAYOUT;
}

/**
 * The attributes of a bioformats2raw collection root with its default layout marker
 * (`"bioformats2raw.layout": 3`): 0.4 `.zattrs` `{ "bioformats2raw.layout": 3 }`, 0.5
 * `attributes` `{ ome: { version: "0.5", "bioformats2raw.layout": 3 } }`. Parsed with the
 * version's `Bf2Raw` model.
 * @throws {InvalidMetadataError} when `layout` is given and is not 3.
 */
export function bf2rawAttributes(opts: Bf2RawOptions & { version: "0.4" }): v04Bf2Raw;
export function bf2rawAttributes(opts?: Bf2RawOptions): v05Bf2Raw;
export function bf2rawAttributes(opts: Bf2RawOptions = {}): v04Bf2Raw | v05Bf2Raw {
  const marker = { "bioformats2raw.layout": opts.layout ?? BF2RAW_LAYOUT };
  return opts.version === "0.4"
    ? parseModel(v04Bf2RawModel, marker)
    : parseModel(v05Bf2RawModel, { ome: { version: "0.5", ...marker } });
}
