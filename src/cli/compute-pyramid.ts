/**
 * `ngff compute-pyramid -i <store or glob…> -l N [-m method] [-d z,y,x] [--workers N] [--overwrite]`:
 * create or recompute the pyramid of each position in place (a plate expands to its
 * positions), as iohub's `compute-pyramid`.
 */
import { type Command, Option } from "commander";
import { PyramidStateError } from "../errors.js";
import type { PyramidMethod } from "../nodes/pyramid-ops.js";
import { PYRAMID_METHODS } from "../nodes/pyramid-ops.js";
import { openOmeZarr } from "../open.js";
import type { CommandEnv } from "./env.js";
import { nonNegativeInt, positiveInt } from "./options.js";
import { resolvePositionPaths } from "./positions.js";
import { parseDims, runPyramid } from "./pyramid-run.js";

interface Options {
  input: string[];
  overwrite?: boolean;
  levels: number;
  method: PyramidMethod;
  dims?: string;
  workers?: number;
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
        .choices([...PYRAMID_METHODS])
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
    .option("--overwrite", "replace an existing pyramid that has a different number of levels")
    .addHelpText(
      "after",
      "\nExample:\n  ngff compute-pyramid -i plate.zarr -l 4 -m median --dims y,x",
    )
    .action(
      env.action("compute-pyramid", async (o: Options) => {
        const dims = o.dims === undefined ? undefined : parseDims(o.dims);
        const paths = await resolvePositionPaths(o.input);
        for (const path of paths) {
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
          const seconds = await runPyramid(pos, env, {
            levels: o.levels,
            method: o.method,
            dims,
            workers: o.workers,
            label: path,
          });
          env.out(`${path}: ${o.levels} levels (${o.method}) in ${seconds.toFixed(1)} s`);
        }
      }),
    );
}
