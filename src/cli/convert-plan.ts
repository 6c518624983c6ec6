/**
 * Pure planning for `ngff convert`: output axes, shape, chunks, scale, channel names and
 * pyramid levels of each input, decided (and checked) before anything is written.
 */
import type { AxisSpec } from "../nodes/axes.js";
import type { AxisLetter } from "../tiff/copy-to-image.js";
import type { TiffLayout } from "../tiff/index.js";
import { UsageError } from "./io.js";
import { parseIntList } from "./options.js";

/** Output axis letters, in NGFF order (defined with the TIFF copy, re-exported for the CLI). */
export type { AxisLetter };

const ORDER: readonly AxisLetter[] = ["t", "c", "z", "y", "x"];

/** Largest chunk `--chunks XYZ` makes (iohub caps at 500 MB; we stay well inside our memory budget). */
export const MAX_AUTO_CHUNK_BYTES = 64 * 1024 * 1024;

/** Default chunk edge on y and x, and depth on z. */
export const DEFAULT_CHUNK_YX = 512;
export const DEFAULT_CHUNK_Z = 8;

/**
 * Parse `--axes`: letters of `tczyx` in that order, y and x required (`"tczyx"`, `"czyx"`,
 * `"zyx"`, `"yx"`; commas allowed).
 * @throws {UsageError} for unknown letters, repeats, wrong order or missing y/x.
 */
export function parseAxes(value: string): AxisLetter[] {
  const letters = value.toLowerCase().replace(/[,\s]/g, "").split("");
  const bad = () =>
    new UsageError(
      `--axes expects letters of "tczyx" in that order, including y and x (e.g. "tczyx", "czyx", "zyx"), got ${JSON.stringify(value)}`,
    );
  let last = -1;
  for (const l of letters) {
    const i = ORDER.indexOf(l as AxisLetter);
    if (i <= last) throw bad();
    last = i;
  }
  if (!letters.includes("y") || !letters.includes("x")) throw bad();
  return letters as AxisLetter[];
}

/** The axis plain multi-page TIFF pages run along for these output axes: z, else t, else c. */
export function pagesAxis(axes: readonly AxisLetter[]): "z" | "t" | "c" {
  if (axes.includes("z")) return "z";
  if (axes.includes("t")) return "t";
  return axes.includes("c") ? "c" : "z";
}

/** Sizes of a TIFF layout by axis letter. */
export function sizesOf(l: TiffLayout): Record<AxisLetter, number> {
  return { t: l.sizeT, c: l.sizeC, z: l.sizeZ, y: l.sizeY, x: l.sizeX };
}

/**
 * The output shape of an input: its size on each output axis.
 * @throws {UsageError} when an axis left out of `--axes` has more than one element.
 */
export function outputShape(l: TiffLayout, axes: readonly AxisLetter[], input: string): number[] {
  const sizes = sizesOf(l);
  for (const a of ORDER) {
    if (!axes.includes(a) && sizes[a] > 1) {
      throw new UsageError(
        `${input} has ${sizes[a]} elements along ${a.toUpperCase()} but --axes ${axes.join("")} leaves ${a} out; add ${a} to --axes`,
      );
    }
  }
  return axes.map((a) => sizes[a]);
}

/**
 * Chunk shape from `--chunks`:
 * - absent: 1 on t and c, up to 8 on z, up to 512 on y and x;
 * - `XY`: whole planes; `XYZ`: whole z-stacks, halved (z first, then y) to at most 64 MiB;
 * - `n,n,…`: sizes of the trailing axes (leading axes get 1).
 * Every size is clamped to the shape.
 * @throws {UsageError} for anything else, or more sizes than axes.
 */
export function chunksFor(
  spec: string | undefined,
  axes: readonly AxisLetter[],
  shape: readonly number[],
  bytesPerElement: number,
): number[] {
  const at = (a: AxisLetter) => axes.indexOf(a);
  const clamp = (c: number[]) => c.map((v, i) => Math.max(1, Math.min(v, shape[i]!)));
  if (spec === undefined) {
    return clamp(
      axes.map((a) =>
        a === "z" ? DEFAULT_CHUNK_Z : a === "y" || a === "x" ? DEFAULT_CHUNK_YX : 1,
      ),
    );
  }
  const upper = spec.trim().toUpperCase();
  if (upper === "XY" || upper === "XYZ") {
    const chunks = axes.map((a, i) =>
      a === "y" || a === "x" || (a === "z" && upper === "XYZ") ? shape[i]! : 1,
    );
    const bytes = () => chunks.reduce((p, v) => p * v, bytesPerElement);
    for (const a of ["z", "y"] as const) {
      const i = at(a);
      while (i >= 0 && bytes() > MAX_AUTO_CHUNK_BYTES && chunks[i]! > 1)
        chunks[i] = Math.ceil(chunks[i]! / 2);
    }
    return clamp(chunks);
  }
  const sizes = parseIntList(spec, "--chunks");
  if (sizes.length > axes.length) {
    throw new UsageError(
      `--chunks has ${sizes.length} sizes but the output has ${axes.length} axes (${axes.join("")})`,
    );
  }
  const chunks = axes.map(() => 1);
  sizes.forEach((v, k) => {
    chunks[axes.length - sizes.length + k] = v;
  });
  return clamp(chunks);
}

/**
 * Default pyramid levels: halve y and x until the longer side of the last level would drop
 * below 256 (at most 8 levels; 1 = no pyramid for small images).
 */
export function defaultLevels(sizeY: number, sizeX: number): number {
  let levels = 1;
  while (levels < 8 && Math.max(sizeY, sizeX) / 2 ** levels >= 256) levels++;
  return levels;
}

/**
 * The output axes with names (iohub's uppercase `T C Z Y X`), types and units. Units come
 * from the first input's metadata when known, else iohub's defaults (second, micrometer).
 */
export function axisSpecs(axes: readonly AxisLetter[], l: TiffLayout): AxisSpec[] {
  return axes.map((a) => {
    if (a === "c") return { name: "C", type: "channel" };
    if (a === "t") return { name: "T", type: "time", unit: l.scale.t?.unit ?? "second" };
    return { name: a.toUpperCase(), type: "space", unit: l.scale[a]?.unit ?? "micrometer" };
  });
}

/** Level-0 scale per output axis (1 where the file says nothing, and on c). */
export function scaleFor(axes: readonly AxisLetter[], l: TiffLayout): number[] {
  return axes.map((a) => (a === "c" ? 1 : (l.scale[a]?.value ?? 1)));
}

/**
 * Channel names: `--channel-names` when given (count must match), else the file's, with
 * `C<i>` for unnamed channels and a ` (2)` suffix for repeats.
 * @throws {UsageError} when `--channel-names` has the wrong count or repeats a name.
 */
export function channelNamesFor(
  l: TiffLayout,
  override: readonly string[] | undefined,
  input: string,
): string[] {
  if (override !== undefined) {
    if (override.length !== l.sizeC) {
      throw new UsageError(
        `--channel-names gives ${override.length} name(s) but ${input} has ${l.sizeC} channel(s)`,
      );
    }
    if (new Set(override).size !== override.length) {
      throw new UsageError(`--channel-names repeats a name: ${override.join(",")}`);
    }
    return [...override];
  }
  const seen = new Map<string, number>();
  return l.channelNames.map((n, i) => {
    const base = n === undefined || n.trim() === "" ? `C${i}` : n;
    const count = (seen.get(base) ?? 0) + 1;
    seen.set(base, count);
    return count === 1 ? base : `${base} (${count})`;
  });
}
