/**
 * `convertTiff(inputs, output, options)`: what `ngff convert` does, as a function — TIFF /
 * OME-TIFF / ImageJ TIFF files to OME-Zarr (one file → an image, several files or a plate CSV →
 * the positions of a plate), level 0 written region by region by the worker pool, then the
 * pyramid. Everything is checked before any output exists; the store is built beside the output
 * (`<output>.partial-<pid>`, or an S3 sibling prefix) and moved into place only when complete.
 * The command (src/cli/convert.ts) and this function run the same code (`runConvert`), loaded
 * on first call (it lives with the command).
 */
import { checkMethod } from "./engine/method.js";
import { InvalidOptionsError } from "./errors.js";
import type { NgffVersion } from "./nodes/context.js";
import type { PyramidMethod } from "./nodes/pyramid-ops.js";

/** Options of {@link convertTiff} (the `ngff convert` flags, typed). */
export interface ConvertTiffOptions {
  /** NGFF version of the store (default "0.4"). */
  version?: NgffVersion;
  /**
   * Chunk shape: sizes of the trailing axes (e.g. `[16, 512, 512]`), or `"XY"` / `"XYZ"` (one
   * plane, one stack). Default 1, 1, ≤8, ≤512, ≤512.
   */
  chunks?: readonly number[] | "XY" | "XYZ";
  /** Pyramid levels including level 0 (default: halve until the longer side is under 512 px). */
  levels?: number;
  /** Downsampling method (default "mean"). */
  method?: PyramidMethod;
  /** Axes to downsample, e.g. `["y", "x"]` (default z, y, x). */
  dims?: readonly string[];
  /** Channel names (default: from OME-XML, else C0, C1, …). */
  channelNames?: readonly string[];
  /** Output axes, letters of "tczyx" (default "tczyx"). */
  axes?: string;
  /** Replace an existing output (its path must contain `.zarr`) once the new store is complete. */
  overwrite?: boolean;
  /** A CSV of `file,row/column[,field]` lines (files relative to the CSV), instead of `inputs`. */
  plate?: string;
  /** Threads that encode level 0 and compute the pyramid (default: the cores; 0 = in-process). */
  workers?: number;
  /** Plate inputs converted at once (default: workers + 1 for small inputs, else 1). */
  jobs?: number;
  /** Stops the conversion; the partial output is removed and the call rejects. */
  signal?: AbortSignal;
  /** Warnings about the inputs (e.g. metadata notes) and leftovers cleared. */
  onWarning?: (message: string) => void;
}

/** What {@link convertTiff} wrote. */
export interface ConvertTiffReport {
  /** The output, as given. */
  output: string;
  /** An image (one input) or a plate (several inputs, or a plate CSV). */
  kind: "image" | "plate";
  version: NgffVersion;
  /** Positions written (1 for an image). */
  positions: number;
  /** Level 0 shape, dtype and pyramid levels of the first (or only) image. */
  shape: number[];
  dtype: string;
  levels: number;
  /** Size of the store, when counted (local outputs). */
  bytes: number | undefined;
  seconds: number;
}

function bad(
  option: string,
  found: unknown,
  expected: string,
  options?: { hint?: string; cause?: unknown },
): InvalidOptionsError {
  return new InvalidOptionsError(option, found, expected, options);
}

/**
 * Convert TIFF files to an OME-Zarr store, as `ngff convert` does.
 *
 * @param inputs - one TIFF (→ an image) or several (→ the positions `0/<i>/0` of a plate); empty
 *   with `options.plate`.
 * @param output - a directory or `s3://bucket/prefix`; must not exist unless `overwrite`.
 * @throws {InvalidOptionsError} for bad options (the command's usage errors).
 * @throws {AlreadyExistsError} when the output exists without `overwrite`.
 * @throws {NotFoundError} for a missing input or output directory.
 * @throws {UnsupportedError} for TIFF layouts or outputs that cannot be converted.
 */
export async function convertTiff(
  inputs: string | readonly string[],
  output: string,
  options: ConvertTiffOptions = {},
): Promise<ConvertTiffReport> {
  const list = typeof inputs === "string" ? [inputs] : [...(inputs ?? [])];
  if (!list.every((i) => typeof i === "string" && i.length > 0)) {
    throw bad("inputs", inputs, "TIFF file paths");
  }
  if (typeof output !== "string" || output.length === 0) {
    throw bad("output", output, "a directory path or s3:// URL");
  }
  const names = options.channelNames;
  if (names?.some((n) => typeof n !== "string" || n.includes(","))) {
    throw bad("channelNames", names, "names without commas");
  }
  const chunks = options.chunks;
  if (chunks !== undefined && typeof chunks !== "string" && !Array.isArray(chunks)) {
    throw bad("chunks", chunks, 'sizes of the trailing axes, "XY" or "XYZ"');
  }
  if (options.method !== undefined) checkMethod(options.method);
  const { runConvert } = await import("./cli/convert.js");
  const { CommandEnv } = await import("./cli/env.js");
  const { UsageError } = await import("./cli/io.js");
  const sink = { write: () => true };
  const warnings = {
    write: (text: string) => {
      const m = /^ngff convert: warning: (.*)\n?$/s.exec(text);
      options.onWarning?.(m?.[1] ?? text.trimEnd());
      return true;
    },
  };
  const env = new CommandEnv({
    stdout: sink,
    stderr: warnings,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  env.setFlags({ debug: false, quiet: true });
  try {
    const r = await runConvert(
      {
        ...(options.plate === undefined ? { input: list } : { plate: options.plate, input: list }),
        output,
        version: options.version ?? "0.4",
        method: options.method ?? "mean",
        axes: options.axes ?? "tczyx",
        ...(chunks === undefined
          ? {}
          : { chunks: typeof chunks === "string" ? chunks : chunks.join(",") }),
        ...(options.levels === undefined ? {} : { levels: options.levels }),
        ...(options.dims === undefined ? {} : { dims: options.dims.join(",") }),
        ...(names === undefined ? {} : { channelNames: names.join(",") }),
        ...(options.overwrite === undefined ? {} : { overwrite: options.overwrite }),
        ...(options.workers === undefined ? {} : { workers: options.workers }),
        ...(options.jobs === undefined ? {} : { jobs: options.jobs }),
      },
      env,
    );
    return { ...r };
  } catch (err) {
    // The command's usage errors are bad options here.
    if (err instanceof UsageError) {
      throw bad("options", options, "options that ngff convert accepts", {
        hint: `${err.message}.`,
        cause: err,
      });
    }
    throw err;
  }
}
