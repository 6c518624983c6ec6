/**
 * `ngff compute-pyramid -i <store or glob…> -l N [-m method] [-d z,y,x] [--workers N] [--jobs N]
 * [--overwrite]`: create or recompute the pyramid of each position in place (a plate expands to
 * its positions), as iohub's `compute-pyramid`. Several positions are computed at once on the
 * same worker pool (`--jobs`, default one more than the worker threads): one position's barriers
 * between levels and metadata writes leave the workers idle, another's tasks fill them (a plate
 * of 24 small positions on 2 workers, bench/plate-pyramid.bench.ts: 1.22-1.27× faster with 2
 * at once, 1.32-1.50× with 3, 1.38-1.55× with 4).
 */
import { type Command, Option } from "commander";
import { DOWNSAMPLE_METHODS } from "../../native-free-kernels/index.js";
import { PyramidStateError } from "../errors.js";
import type { PyramidMethod } from "../nodes/pyramid-ops.js";
import { openOmeZarr } from "../open.js";
import type { QueueOptions } from "../queue/options.js";
import { mapBounded } from "../store/concurrency.js";
import type { CommandEnv } from "./env.js";
import { defaultJobs } from "./in-order.js";
import { UsageError } from "./io.js";
import { nonNegativeInt, positiveInt } from "./options.js";
import { resolvePositionPaths } from "./positions.js";
import { parseDims, queueNote, runPyramidReport } from "./pyramid-run.js";

/** The queue of `--redis` / `--queue` (undefined without `--redis`). */
export function queueOf(o: { redis?: string; queue?: string }): QueueOptions | undefined {
  if (o.redis === undefined) {
    if (o.queue !== undefined) throw new UsageError("--queue needs --redis");
    return undefined;
  }
  return { connection: o.redis, ...(o.queue === undefined ? {} : { name: o.queue }) };
}

/**
 * With `--redis`: check the options and reach Redis before anything is read or written (an
 * unreachable Redis is a typed error within seconds, and nothing is written).
 */
export async function checkQueueReachable(o: { redis?: string; queue?: string }): Promise<void> {
  const queue = queueOf(o);
  if (queue === undefined) return;
  const q = await import("../queue/index.js");
  await q.checkRedis(q.resolveConnection(q.checkQueueOptions(queue).connection));
}

interface Options {
  input: string[];
  overwrite?: boolean;
  levels: number;
  method: PyramidMethod;
  dims?: string;
  workers?: number;
  jobs?: number;
  redis?: string;
  queue?: string;
}

/** Register `compute-pyramid` (alias `pyramid`). */
export function registerComputePyramid(program: Command, env: CommandEnv): void {
  program
    .command("compute-pyramid")
    .alias("pyramid")
    .description("create or recompute the pyramid of positions in place (level 0 is not changed)")
    .requiredOption(
      "-i, --input <paths...>",
      'positions or plates; globs allowed, e.g. "plate.zarr/*/*/*"',
    )
    .requiredOption("-l, --levels <n>", "total number of levels, level 0 included", positiveInt)
    .addOption(
      new Option("-m, --method <method>", "downsampling method")
        .choices([...DOWNSAMPLE_METHODS])
        .default("mean"),
    )
    .option(
      "-d, --dims <axes>",
      'axes to downsample for a new pyramid, e.g. "y,x" (default "z,y,x")',
    )
    .option(
      "-w, --workers <n>",
      "worker threads (default: all cores; 0 = in-process)",
      nonNegativeInt,
    )
    .option(
      "-j, --jobs <n>",
      "positions computed at once, sharing the worker threads (default: workers + 1, at least 2)",
      positiveInt,
    )
    .option("--overwrite", "replace an existing pyramid that has a different number of levels")
    .option(
      "--redis <url>",
      "run the tasks on `ngff worker` processes through this Redis (redis://host:port); the store must be shared with them",
    )
    .option("--queue <name>", 'queue name with --redis (default "ngff")')
    .addHelpText(
      "after",
      "\nExample:\n  ngff compute-pyramid -i plate.zarr -l 4 -m median --dims y,x",
    )
    .action(
      env.action("compute-pyramid", async (o: Options) => {
        const dims = o.dims === undefined ? undefined : parseDims(o.dims);
        await checkQueueReachable(o);
        const paths = await resolvePositionPaths(o.input);
        const jobs = Math.min(o.jobs ?? defaultJobs(o.workers), paths.length);
        // One bar per level for one position at a time; one bar of positions otherwise.
        const overall = jobs > 1 ? env.progress() : undefined;
        overall?.start(`${paths.length} positions`, paths.length);
        let done = 0;
        // Lines come out in the positions' order, each as soon as every earlier one is done.
        await mapBounded(
          paths,
          jobs,
          async (path) => {
            await using pos = await openOmeZarr(path, { layout: "fov", mode: "r+" });
            const existing = pos.levelPaths.length;
            if (existing > 1 && existing !== o.levels) {
              if (!o.overwrite) {
                throw new PyramidStateError(
                  `${path} already has a pyramid of ${existing} levels and ${o.levels} were asked for; pass --overwrite to replace it (or -l ${existing} to recompute it)`,
                );
              }
              await pos.deletePyramid();
            }
            const { seconds, report } = await runPyramidReport(pos, env, {
              levels: o.levels,
              method: o.method,
              dims,
              workers: o.workers,
              label: path,
              bars: overall === undefined,
              queue: queueOf(o),
            });
            overall?.update(++done);
            return `${path}: ${o.levels} levels (${o.method}) in ${seconds.toFixed(1)} s${queueNote(report)}`;
          },
          { onResult: (line) => env.out(line) },
        ).finally(() => overall?.stop());
      }),
    );
}
