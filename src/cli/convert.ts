/**
 * `ngff convert -i <tiff…> -o <store.zarr>`: TIFF / OME-TIFF / ImageJ TIFF → OME-Zarr, written
 * region by region, then the pyramid.
 *
 * Everything that can be checked is checked before any output exists (options, CSV, every input
 * file's structure and metadata, the output path). The store is built in a sibling directory
 * `<output>.partial-<pid>` and renamed into place only when complete, so a failure or Ctrl-C
 * never leaves a half-written store (nor, with --overwrite, destroys the old one early). What a
 * killed conversion left (`.partial-<pid>`, `.old-<pid>` of dead processes) is cleared by the next
^ * one (src/staged-output.ts). `runConvert` is the conversion itself; the library's `convertTiff`
 * (src/convert-tiff.ts) calls it too.
 */
import { readFile } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { type Command, Option } from "commander";
import { DOWNSAMPLE_METHODS } from "../../native-free-kernels/index.js";
import { InvalidOptionsError, UnsupportedError } from "../errors.js";
import { checkPlateLayout, type PlateLayout } from "../nodes/plate/layout.js";
import type { Position } from "../nodes/position.js";
import type { PyramidMethod } from "../nodes/pyramid-ops.js";
import { openOmeZarr } from "../open.js";
import { stageOutput } from "../staged-output.js";
import { forEachBounded } from "../store/concurrency.js";
import { isStoreUrl } from "../store/index.js";
import { copyTiffToImage, type WritableImage } from "../tiff/copy-to-image.js";
import { tiffDataTypeSize } from "../tiff/dtype.js";
import { openTiff, type TiffLayout } from "../tiff/index.js";
import { checkQueueReachable, queueOf } from "./compute-pyramid.js";
import {
  type AxisLetter,
  axisSpecs,
  channelNamesFor,
  chunksFor,
  defaultLevels,
  outputShape,
  pagesAxis,
  parseAxes,
  scaleFor,
} from "./convert-plan.js";
import type { QueuedConvertStats } from "./convert-queue.js";
import type { CommandEnv } from "./env.js";
import { formatBytes, formatShape } from "./format.js";
import { defaultJobs } from "./in-order.js";
import { sizeOnDisk } from "./inspect.js";
import { UsageError } from "./io.js";
import { nonNegativeInt, positiveInt, splitList } from "./options.js";
import { type PlateJob, parseWellsCsv } from "./plate-csv.js";
import { NO_PROGRESS } from "./progress.js";
import { parseDims, runPyramid } from "./pyramid-run.js";

/** The options of `ngff convert`, as commander parses them (also what `convertTiff` builds). */
export interface ConvertOptions {
  input?: string[];
  output: string;
  version: "0.4" | "0.5";
  chunks?: string;
  levels?: number;
  method: PyramidMethod;
  dims?: string;
  channelNames?: string;
  axes: string;
  overwrite?: boolean;
  plate?: string;
  /** The plate's declared rows (`A-H` or `A,B,C`): wells get their final indexes from it. */
  plateRows?: string;
  /** The plate's declared columns (`1-12` or `1,2,3`). */
  plateColumns?: string;
  workers?: number;
  jobs?: number;
  redis?: string;
  queue?: string;
}

/**
 * Inputs converted at once only when each is at most this big (decoded): every job in flight
 * holds up to its whole level 0 in memory while it writes it.
 */
const JOBS_MAX_INPUT_BYTES = 64 << 20;

interface Job {
  input: string;
  /** The layout found when the inputs were checked (the file is reopened to write it). */
  layout: TiffLayout;
  /** Plate position `row/column/field`; undefined for a single image. */
  where: PlateJob | undefined;
  shape: number[];
  chunks: number[];
  scale: number[];
  levels: number;
}

/** Options checks that need no file: usage errors (exit 2). */
function checkUsage(o: ConvertOptions): void {
  if (o.plate !== undefined && o.input !== undefined && o.input.length > 0) {
    throw new UsageError(
      "give the input files either with -i/--input or in the --plate CSV, not both",
    );
  }
  if (o.plate === undefined && (o.input === undefined || o.input.length === 0)) {
    throw new UsageError("no input: give TIFF files with -i/--input, or a --plate CSV");
  }
  if (o.overwrite && !(isStoreUrl(o.output) ? o.output : resolve(o.output)).includes(".zarr")) {
    throw new UsageError(
      `refusing to --overwrite ${o.output}: the path does not contain ".zarr" (a guard against deleting a folder by mistake)`,
    );
  }
}

/** A declared name list: `A-H` / `1-12` ranges or comma-separated names. */
function nameList(text: string): string[] {
  const letters = /^([A-Z])-([A-Z])$/i.exec(text);
  if (letters) {
    const [a, b] = [letters[1]!.charCodeAt(0), letters[2]!.charCodeAt(0)];
    return Array.from({ length: Math.max(0, b - a + 1) }, (_, i) => String.fromCharCode(a + i));
  }
  const numbers = /^(\d+)-(\d+)$/.exec(text);
  if (numbers) {
    const [a, b] = [Number(numbers[1]), Number(numbers[2])];
    return Array.from({ length: Math.max(0, b - a + 1) }, (_, i) => String(a + i));
  }
  return splitList(text);
}

/**
 * The declared plate layout of `--plate-rows` / `--plate-columns` (both or neither), checked;
 * every plate position must be in it.
 * @throws {UsageError} for one without the other, a bad list, or a position outside it.
 */
function declaredLayout(o: ConvertOptions, jobs: readonly Job[]): PlateLayout | undefined {
  if (o.plateRows === undefined && o.plateColumns === undefined) return undefined;
  if (o.plateRows === undefined || o.plateColumns === undefined)
    throw new UsageError("give --plate-rows and --plate-columns together");
  if (jobs.length === 1 && jobs[0]!.where === undefined)
    throw new UsageError(
      "--plate-rows and --plate-columns need a plate (--plate or several inputs)",
    );
  const layout = { rows: nameList(o.plateRows), columns: nameList(o.plateColumns) };
  try {
    checkPlateLayout(layout, undefined, "--plate-rows/--plate-columns");
  } catch (err) {
    if (err instanceof InvalidOptionsError) throw new UsageError(err.message);
    throw err;
  }
  for (const { where } of jobs) {
    const w = where!;
    if (!layout.rows.includes(w.row) || !layout.columns.includes(w.column)) {
      throw new UsageError(
        `position ${w.row}/${w.column}/${w.field} is outside the declared plate: rows ${layout.rows.join(",")}, columns ${layout.columns.join(",")}`,
      );
    }
  }
  return layout;
}

async function planJobs(
  o: ConvertOptions,
  env: CommandEnv,
): Promise<{ jobs: Job[]; axes: AxisLetter[]; channelNames: string[] }> {
  const axes = parseAxes(o.axes);
  const override = o.channelNames === undefined ? undefined : splitList(o.channelNames);
  let sources: { input: string; where: PlateJob | undefined }[];
  if (o.plate !== undefined) {
    const text = await readFile(o.plate, "utf8").catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") throw new UsageError(`--plate ${o.plate}: no such file`);
      throw err;
    });
    sources = parseWellsCsv(text, o.plate, dirname(resolve(o.plate))).map((j) => ({
      input: j.input,
      where: j,
    }));
  } else {
    const inputs = o.input ?? [];
    sources = inputs.map((input, i) => ({
      input,
      where: inputs.length === 1 ? undefined : { input, row: "0", column: String(i), field: "0" },
    }));
  }
  const jobs: Job[] = [];
  // Every input is opened and checked here, then closed (a plate may have thousands of inputs);
  // each is reopened when its turn comes to be written.
  for (const { input, where } of sources) {
    await using tiff = await openTiff(input, { pagesAxis: pagesAxis(axes) });
    jobs.push({ input, layout: tiff.layout, where, shape: [], chunks: [], scale: [], levels: 1 });
    for (const n of tiff.layout.notes) env.warn("convert", n);
  }
  const first = jobs[0]!.layout;
  const channelNames = channelNamesFor(first, override, jobs[0]!.input);
  for (const job of jobs) {
    const l = job.layout;
    if (l.sizeC !== first.sizeC) {
      throw new UnsupportedError(
        "inputs with different channel counts",
        `${job.input} has ${l.sizeC} channel(s) but ${jobs[0]!.input} has ${first.sizeC}; the positions of one store share their channels`,
      );
    }
    job.shape = outputShape(l, axes, job.input);
    job.chunks = chunksFor(o.chunks, axes, job.shape, tiffDataTypeSize(l.dtype));
    job.scale = scaleFor(axes, l);
    job.levels = o.levels ?? defaultLevels(l.sizeY, l.sizeX);
  }
  return { jobs, axes, channelNames };
}

async function writeJob(
  pos: Position,
  job: Job,
  o: ConvertOptions,
  env: CommandEnv,
  axes: AxisLetter[],
  bars = true,
): Promise<void> {
  const signal = env.io.signal;
  await using tiff = await openTiff(job.input, { pagesAxis: pagesAxis(axes) });
  const now = tiff.layout;
  if (
    outputShape(now, axes, job.input).join() !== job.shape.join() ||
    now.dtype !== job.layout.dtype
  ) {
    throw new UnsupportedError(
      "input changed",
      `${job.input} changed while the conversion was running`,
    );
  }
  const arr = await pos.createZeros("0", {
    shape: job.shape,
    dtype: job.layout.dtype,
    chunks: job.chunks,
    transform: [{ type: "scale", scale: job.scale }],
  });
  const bar = bars ? env.progress() : NO_PROGRESS;
  bar.start(`write ${basename(job.input)}`, 1);
  // Level 0 is encoded by the same worker threads as the pyramid (`--workers`).
  const workers = o.workers === undefined ? {} : { workers: o.workers };
  const image: WritableImage = { write: (sel, v) => arr.write(sel, v, workers) };
  await copyTiffToImage(tiff, image, {
    axes,
    chunks: job.chunks,
    onProgress: (done, total) => {
      if (done === 1) bar.start(`write ${basename(job.input)}`, total);
      bar.update(done);
    },
    ...(signal === undefined ? {} : { signal }),
  });
  bar.stop();
  if (job.levels > 1) {
    await runPyramid(pos, env, {
      levels: job.levels,
      method: o.method,
      dims: o.dims === undefined ? undefined : parseDims(o.dims),
      workers: o.workers,
      label: basename(job.input),
      bars,
      queue: queueOf(o),
    });
  }
}

/**
 * Convert the plate's inputs, several at once when they are small (`--jobs`, default the worker
 * threads + 1; one at a time when an input is over 64 MiB unless `--jobs` is given): one
 * position's barriers and metadata writes leave the workers idle, another's tasks fill them.
 */
async function writeJobs(
  positions: readonly Position[],
  jobs: readonly Job[],
  o: ConvertOptions,
  env: CommandEnv,
  axes: AxisLetter[],
): Promise<void> {
  const biggest = Math.max(
    ...jobs.map((j) => j.shape.reduce((a, b) => a * b, tiffDataTypeSize(j.layout.dtype))),
  );
  const auto = biggest <= JOBS_MAX_INPUT_BYTES ? defaultJobs(o.workers) : 1;
  const atOnce = Math.min(o.jobs ?? auto, jobs.length);
  const overall = atOnce > 1 ? env.progress() : undefined;
  overall?.start(`${jobs.length} positions`, jobs.length);
  let done = 0;
  await forEachBounded(
    jobs.map((job, i) => ({ job, pos: positions[i]! })),
    atOnce,
    async ({ job, pos }) => {
      await writeJob(pos, job, o, env, axes, overall === undefined);
      overall?.update(++done);
    },
  ).finally(() => overall?.stop());
}

/** What {@link runConvert} wrote. */
export interface ConvertResult {
  /** The output as given. */
  output: string;
  kind: "image" | "plate";
  version: "0.4" | "0.5";
  /** Positions written (1 for an image). */
  positions: number;
  /** Level 0 shape, dtype and levels of the first (or only) image. */
  shape: number[];
  dtype: string;
  levels: number;
  /** Size of the store on disk, when it can be counted cheaply (local outputs). */
  bytes: number | undefined;
  seconds: number;
  /** With `--redis`: the jobs the queue ran. */
  queued?: QueuedConvertStats;
}

/**
 * Run a conversion (what `ngff convert` does, without printing the report line): check
 * everything, build the store beside the output, move it into place. `convertTiff` and the
 * command both call it.
 */
export async function runConvert(o: ConvertOptions, env: CommandEnv): Promise<ConvertResult> {
  const started = performance.now();
  checkUsage(o);
  await checkQueueReachable(o);
  // The output is checked first; nothing is written until the inputs are checked too.
  const out = await stageOutput(o.output, {
    overwrite: o.overwrite,
    overwriteHint: "--overwrite",
    onNote: (message) => env.warn("convert", message),
  });
  const { jobs, axes, channelNames } = await planJobs(o, env);
  const plateLayout = declaredLayout(o, jobs);
  let queued: QueuedConvertStats | undefined;
  try {
    const partial = await out.partial();
    const common = {
      mode: "w-" as const,
      channelNames,
      axes: axisSpecs(axes, jobs[0]!.layout),
      version: o.version,
    };
    // With --redis the inputs are converted by queue workers (src/cli/convert-queue.ts).
    const queue = queueOf(o);
    const write = async (positions: readonly Position[]) => {
      if (queue === undefined) return writeJobs(positions, jobs, o, env, axes);
      const { convertThroughQueue } = await import("./convert-queue.js");
      const items = jobs.map((j, i) => ({ ...j, pos: positions[i]!, dtype: j.layout.dtype }));
      queued = await convertThroughQueue(items, o, env, axes, queue);
    };
    if (jobs.length === 1 && jobs[0]!.where === undefined) {
      await using pos = await openOmeZarr(partial, { ...common, layout: "fov" });
      if (queue === undefined) await writeJob(pos, jobs[0]!, o, env, axes);
      else await write([pos]);
    } else {
      await using plate = await openOmeZarr(partial, {
        ...common,
        layout: "hcs",
        ...(plateLayout === undefined ? {} : { plate: plateLayout }),
      });
      const positions = await plate.createPositions(
        jobs.map((j) => ({ row: j.where!.row, col: j.where!.column, pos: j.where!.field })),
      );
      await write(positions);
    }
    await out.commit();
  } catch (err) {
    await out.discard().catch(() => {});
    throw err;
  }
  const seconds = (performance.now() - started) / 1000;
  const first = jobs[0]!;
  const size = out.ref.kind === "file" ? await sizeOnDisk(out.ref.path) : undefined;
  return {
    output: o.output,
    kind: jobs.length === 1 && first.where === undefined ? "image" : "plate",
    version: o.version,
    positions: jobs.length,
    shape: first.shape,
    dtype: first.layout.dtype,
    levels: first.levels,
    bytes: size,
    seconds,
    ...(queued === undefined ? {} : { queued }),
  };
}

async function convert(o: ConvertOptions, env: CommandEnv): Promise<void> {
  const r = await runConvert(o, env);
  const what =
    r.kind === "image"
      ? `image ${formatShape(r.shape)} ${r.dtype}, ${r.levels} level(s)`
      : `plate of ${r.positions} positions`;
  env.out(
    `${o.output}: ${what}, OME-NGFF ${o.version}, ${r.bytes === undefined ? "" : `${formatBytes(r.bytes)} `}in ${r.seconds.toFixed(1)} s` +
      (r.queued === undefined
        ? ""
        : `, queue: ${r.queued.conversions} conversion job(s), ${r.queued.pyramidJobs} pyramid job(s)`),
  );
}

/** Register `convert`. */
export function registerConvert(program: Command, env: CommandEnv): void {
  program
    .command("convert")
    .description(
      "convert TIFF / OME-TIFF files to OME-Zarr: one file → one image, several files (or --plate) → positions of a plate",
    )
    .option("-i, --input <tiff...>", "input TIFF / OME-TIFF files")
    .requiredOption(
      "-o, --output <store.zarr>",
      "output store: a directory or s3://bucket/prefix (must not exist unless --overwrite)",
    )
    .addOption(
      new Option("--version <version>", "OME-NGFF version: 0.4 (Zarr v2) or 0.5 (Zarr v3)")
        .choices(["0.4", "0.5"])
        .default("0.4"),
    )
    .option(
      "-c, --chunks <chunks>",
      'chunk shape: "XY", "XYZ" or sizes of the trailing axes, e.g. "16,512,512" (default 1,1,≤8,≤512,≤512)',
    )
    .option(
      "-l, --levels <n>",
      "pyramid levels including level 0 (default: halve until the longer side is under 512 px)",
      positiveInt,
    )
    .addOption(
      new Option("-m, --method <method>", "downsampling method")
        .choices([...DOWNSAMPLE_METHODS])
        .default("mean"),
    )
    .option("-d, --dims <axes>", 'axes to downsample, e.g. "y,x" (default "z,y,x")')
    .option(
      "--channel-names <names>",
      "comma-separated channel names (default: from OME-XML, else C0, C1, …)",
    )
    .option(
      "--axes <axes>",
      'output axes, letters of "tczyx" (e.g. "czyx", "zyx"); pages of a plain TIFF go along z, else t, else c',
      "tczyx",
    )
    .option("--overwrite", "replace an existing output store (its path must contain .zarr)")
    .option(
      "--plate <wells.csv>",
      'build a plate from a CSV of "file,row/column[,field]" lines, files relative to the CSV (instead of -i)',
    )
    .option(
      "--plate-rows <rows>",
      "declare the plate's rows (e.g. A-H or A,B,C; with --plate-columns): wells get their final indexes, every position must be in them",
    )
    .option("--plate-columns <columns>", "declare the plate's columns (e.g. 1-12 or 1,2,3)")
    .option(
      "-w, --workers <n>",
      "threads that encode level 0 and compute the pyramid (default: all cores; 0 = in-process)",
      nonNegativeInt,
    )
    .option(
      "--redis <url>",
      "convert the inputs and compute the pyramids on `ngff worker` processes through this Redis (redis://host:port); the inputs and the output must be at paths every worker can read and write (shared filesystem or S3)",
    )
    .option("--queue <name>", 'queue name with --redis (default "ngff")')
    .option(
      "-j, --jobs <n>",
      "plate inputs converted at once (default: workers + 1, at least 2, when every input is at most 64 MiB; else 1); with --redis, positions whose pyramids run at once (default 8)",
      positiveInt,
    )
    .addHelpText(
      "after",
      "\nExamples:\n  ngff convert -i stack.ome.tif -o stack.zarr\n  ngff convert -i a.tif b.tif -o plate.zarr --version 0.5 --chunks 1,1,16,256,256\n  ngff convert --plate wells.csv -o plate.zarr --levels 4 --method median",
    )
    .action(env.action("convert", (opts: ConvertOptions) => convert(opts, env)));
}
