/**
 * `ngff set-scale -i <positions…> [-t T] [-z Z] [-y Y] [-x X] [--image name]`: set the scale
 * of axes of one image (level) of each position, as iohub's `set-scale`. Pixel data is not
 * touched; omitted axes keep their scale.
 */
import type { Command } from "commander";
import { openOmeZarr } from "../open.js";
import type { CommandEnv } from "./env.js";
import { UsageError } from "./io.js";
import { positiveNumber } from "./options.js";
import { resolvePositionPaths } from "./positions.js";

interface Options {
  input: string[];
  tScale?: number;
  zScale?: number;
  yScale?: number;
  xScale?: number;
  image: string;
}

/** Register `set-scale`. */
export function registerSetScale(program: Command, env: CommandEnv): void {
  program
    .command("set-scale")
    .description("set the scale of the t, z, y or x axis of positions (metadata only)")
    .requiredOption(
      "-i, --input <paths...>",
      'positions or plates; globs allowed, e.g. "plate.zarr/*/*/*"',
    )
    .option("-t, --t-scale <value>", "new time scale", positiveNumber)
    .option("-z, --z-scale <value>", "new z scale", positiveNumber)
    .option("-y, --y-scale <value>", "new y scale", positiveNumber)
    .option("-x, --x-scale <value>", "new x scale", positiveNumber)
    .option("--image <name>", 'image (level) to update, or "*" for the whole field of view', "0")
    .addHelpText("after", "\nExample:\n  ngff set-scale -i plate.zarr -z 2.0 -y 0.5 -x 0.5")
    .action(
      env.action("set-scale", async (o: Options) => {
        const values = (
          [
            ["t", o.tScale],
            ["z", o.zScale],
            ["y", o.yScale],
            ["x", o.xScale],
          ] as const
        ).filter((e): e is readonly ["t" | "z" | "y" | "x", number] => e[1] !== undefined);
        if (values.length === 0)
          throw new UsageError("nothing to set: give at least one of -t, -z, -y, -x");
        const paths = await resolvePositionPaths(o.input);
        // Open everything and check every axis before changing anything.
        const positions = [];
        try {
          for (const path of paths) {
            const pos = await openOmeZarr(path, { layout: "fov", mode: "r+" });
            positions.push(pos);
            for (const [axis] of values) pos.getAxisIndex(axis);
            if (o.image !== "*") await pos.get(o.image);
          }
          for (const pos of positions) {
            for (const [axis, value] of values) await pos.setScale(o.image, axis, value);
          }
        } finally {
          await Promise.all(positions.map((p) => p.close()));
        }
        const list = values.map(([a, v]) => `${a}=${v}`).join(" ");
        env.note(`set ${list} on image ${o.image} of ${paths.length} position(s)`);
      }),
    );
}
