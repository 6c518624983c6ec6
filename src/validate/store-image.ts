/**
 * Structural checks of one multiscale image group in a store: every dataset path is an array
 * whose rank is the number of axes, v3 `dimension_names` are the axis names, level shapes never
 * grow and follow the scale ratios, and label images hold integers.
 */
import type { MetadataIssue } from "../errors.js";
import { formatLocation } from "../schema/issues.js";
import {
  INTEGER_DATA_TYPES,
  openArray,
  type ZarrArray,
  type ZarrFormat,
  type ZarrStore,
} from "../store/index.js";

/** A store issue: a metadata issue plus the store path of the group whose metadata it is about. */
export type StoreIssue = MetadataIssue & { readonly path: string };

const INTEGER_DTYPES = INTEGER_DATA_TYPES;

/** Name of the marker of an unfinished resize or append, in the level-0 array's folder. */
export const RESIZE_MARKER = ".ngff-resize.json";

/**
 * Key of the state file of an unfinished stream writing image `name` of the group at
 * `groupPath`: `<group>/.<name>.ngff-stream.json`.
 */
export function streamStateKey(groupPath: string, name: string): string {
  return joinPath(groupPath, `.${name}.ngff-stream.json`);
}

/**
 * True while an image grows: a stream writes it (its state file exists) or a resize/append is
 * unfinished (its marker exists). Only then may a level lag its predecessor along an axis that
 * is not downsampled (the levels' metadata grows one file at a time, level 0 first).
 */
async function growing(store: ZarrStore, groupPath: string, level0: string): Promise<boolean> {
  const keys = [joinPath(groupPath, level0, RESIZE_MARKER)];
  if (!level0.includes("/")) keys.push(streamStateKey(groupPath, level0));
  for (const key of keys) {
    try {
      if ((await store.get(key)) !== undefined) return true;
    } catch {
      // An unreadable or unsafe key is not a growth marker.
    }
  }
  return false;
}

/** Join store path segments, skipping empty ones. */
export function joinPath(...parts: string[]): string {
  return parts.filter((p) => p !== "").join("/");
}

interface MultiscaleView {
  axes: readonly { name: string }[];
  datasets: readonly { path: string; coordinateTransformations: readonly unknown[] }[];
}

export function scaleOf(ds: {
  readonly coordinateTransformations: readonly unknown[];
}): readonly number[] | undefined {
  for (const t of ds.coordinateTransformations) {
    const tr = t as { type?: unknown; scale?: unknown };
    if (tr.type === "scale" && Array.isArray(tr.scale)) return tr.scale as number[];
  }
  return undefined;
}

/** What {@link checkImageArrays} needs to know about the group. */
export interface ImageContext {
  readonly store: ZarrStore;
  /** Store path of the image group. */
  readonly path: string;
  /** Location prefix of the OME metadata in the group's attributes (`[]` or `["ome"]`). */
  readonly omePrefix: readonly PropertyKey[];
  /** Zarr format of the group. */
  readonly format: ZarrFormat;
  /** A label image: arrays must hold integers. */
  readonly label: boolean;
}

/** Check the arrays behind the `multiscales` of an image group; returns the issues found. */
export async function checkImageArrays(
  ctx: ImageContext,
  multiscales: readonly MultiscaleView[],
): Promise<StoreIssue[]> {
  const issues: StoreIssue[] = [];
  const add = (code: string, loc: PropertyKey[], message: string, expected?: string) =>
    issues.push({
      code,
      location: formatLocation([...ctx.omePrefix, ...loc]),
      message,
      ...(expected === undefined ? {} : { expected }),
      path: ctx.path,
    });
  for (const [mi, ms] of multiscales.entries()) {
    const names = ms.axes.map((a) => a.name);
    const arrays: (ZarrArray | undefined)[] = await Promise.all(
      ms.datasets.map(async (ds, k) => {
        const at = ["multiscales", mi, "datasets", k, "path"];
        const arrayPath = joinPath(ctx.path, ds.path);
        try {
          return await openArray(ctx.store, arrayPath);
        } catch (err) {
          const e = err as { _tag?: string; message?: string };
          if (e._tag === "NotFound") {
            add("missing_array", at, `no array at "${arrayPath}"`, "an array at the dataset path");
          } else if (e._tag === "UnsafePath") {
            add(
              "unsafe_path",
              at,
              `dataset path "${ds.path}" is not a safe store path: ${e.message}`,
            );
          } else {
            add("unreadable", at, `cannot read the array at "${arrayPath}": ${e.message}`);
          }
          return undefined;
        }
      }),
    );
    arrays.forEach((arr, k) => {
      if (arr === undefined) return;
      const at = ["multiscales", mi, "datasets", k];
      // "the length of "axes" MUST be equal to the number of dimensions of the arrays"
      if (arr.shape.length !== names.length) {
        add(
          "ndim_mismatch",
          at,
          `array "${arr.path}" has ${arr.shape.length} dimensions but there are ${names.length} axes`,
          `${names.length} dimensions`,
        );
      }
      if (arr.format !== ctx.format) {
        add(
          "format_mismatch",
          at,
          `array "${arr.path}" is Zarr v${arr.format} in a Zarr v${ctx.format} image`,
          `Zarr v${ctx.format}`,
        );
      }
      // "The "dimension_names" attribute in the `zarr.json` of the Zarr array of a multiscale
      // level MUST match the names in the "axes" metadata." (0.5)
      if (arr.format === 3) {
        const dn = arr.dimensionNames;
        if (dn === undefined || dn.length !== names.length || dn.some((n, i) => n !== names[i])) {
          add(
            "dimension_names_mismatch",
            at,
            `array "${arr.path}" has dimension_names ${JSON.stringify(dn ?? null)}, ` +
              `but the axes are ${JSON.stringify(names)}`,
            JSON.stringify(names),
          );
        }
      }
      // "The pixels of the label images MUST be integer data types"
      if (ctx.label && !INTEGER_DTYPES.includes(arr.dtype)) {
        add(
          "label_dtype",
          at,
          `label array "${arr.path}" has dtype ${arr.dtype}`,
          "an integer dtype (int8 … uint64)",
        );
      }
    });
    const level0 = ms.datasets[0]?.path;
    const lag = level0 !== undefined && (await growing(ctx.store, ctx.path, level0));
    checkLevels(ms, arrays, lag, (k, code, message, expected) =>
      add(code, ["multiscales", mi, "datasets", k], message, expected),
    );
  }
  return issues;
}

type Report = (k: number, code: string, message: string, expected: string) => void;

// "The "path"s MUST be ordered from largest (i.e. highest resolution) to smallest." Each level's
// shape never grows, and where the scale grows by r the shape shrinks to ⌊n/r⌋ or ⌈n/r⌉.
function checkLevels(
  ms: MultiscaleView,
  arrays: readonly (ZarrArray | undefined)[],
  lag: boolean,
  report: Report,
) {
  const n = ms.axes.length;
  for (let k = 1; k < arrays.length; k++) {
    const prev = arrays[k - 1];
    const cur = arrays[k];
    if (!prev || !cur || prev.shape.length !== n || cur.shape.length !== n) continue;
    const issue = levelPairIssue(
      { path: prev.path, shape: prev.shape, scale: scaleOf(ms.datasets[k - 1]!) },
      { path: cur.path, shape: cur.shape, scale: scaleOf(ms.datasets[k]!) },
      ms.axes.map((a) => a.name),
      k,
      { growing: lag },
    );
    if (issue) report(k, issue.code, issue.message, issue.expected);
  }
}

/** One level of a multiscale image, as {@link levelPairIssue} compares them. */
export interface LevelView {
  /** Dataset path (for messages). */
  readonly path: string;
  readonly shape: readonly number[];
  /** The level's `scale` transform, when it has one. */
  readonly scale: readonly number[] | undefined;
}

/**
 * What is wrong with level `k` (`cur`) after level `k − 1` (`prev`) of one multiscale image, or
 * undefined when nothing is: its shape grows along some axis (`level_shape`), or does not follow
 * the ratio of the two scales (`level_scale`: ⌊n/r⌋ or ⌈n/r⌉ where the scale grows by r).
 * With `opts.growing` (a stream or a resize in progress: {@link streamStateKey},
 * {@link RESIZE_MARKER}), along an axis whose scale ratio is 1 a level may be shorter than the
 * one before it (each level's extent grows in turn, so a reader may see level k+1 a step behind).
 * Levels whose rank differs from `axes` are not compared (another check reports them).
 */
export function levelPairIssue(
  prev: LevelView,
  cur: LevelView,
  axes: readonly string[],
  k: number,
  opts: { growing?: boolean } = {},
): { code: "level_shape" | "level_scale"; message: string; expected: string } | undefined {
  const n = axes.length;
  if (prev.shape.length !== n || cur.shape.length !== n) return undefined;
  const grown = cur.shape.findIndex((s, i) => s > prev.shape[i]!);
  if (grown >= 0) {
    return {
      code: "level_shape",
      message:
        `level ${k} ("${cur.path}") is larger than level ${k - 1} along ${axes[grown]!}: ` +
        `shape ${JSON.stringify(cur.shape)} after ${JSON.stringify(prev.shape)}`,
      expected: "shapes that never grow from one level to the next",
    };
  }
  const s0 = prev.scale;
  const s1 = cur.scale;
  if (!s0 || !s1 || s0.length !== n || s1.length !== n) return undefined;
  for (let i = 0; i < n; i++) {
    const r = s1[i]! / s0[i]!;
    if (!(r > 0) || !Number.isFinite(r)) continue;
    const exact = prev.shape[i]! / r;
    // Tolerance towards the exact value (a ratio such as 3 from float scales): an exact integer
    // admits only itself (an earlier version widened it to exact − 1 … exact + 1).
    const least = prev.shape[i] === 0 ? 0 : 1;
    const lo = Math.max(least, Math.floor(exact + 1e-9));
    const hi = Math.max(least, Math.ceil(exact - 1e-9));
    const got = cur.shape[i]!;
    // Ratio 1 (an axis not downsampled, such as a stream's append axis): while the image grows,
    // a level may lag the one before it (data first, then metadata level by level, level 0
    // first). Only then: a finished image with a short level is broken.
    if (opts.growing === true && Math.abs(r - 1) < 1e-9 && got <= prev.shape[i]!) continue;
    if (got < lo || got > hi) {
      const want = lo === hi ? `${lo}` : `${lo} or ${hi}`;
      return {
        code: "level_scale",
        message:
          `level ${k} ("${cur.path}") has ${got} pixels along ${axes[i]!}, but its scale ` +
          `is ${r}× level ${k - 1}'s (${prev.shape[i]} pixels), so ${want} were expected`,
        expected: want,
      };
    }
  }
  return undefined;
}
