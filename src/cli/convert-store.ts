/**
 * `ngff convert-store -i <store> -o <store> --version 0.5`: a whole OME-Zarr store (image,
 * labels, plate, bioformats2raw collection) in the other NGFF version (`convertStore`), data
 * copied chunk by chunk in the worker pool, written beside the output and moved into place when
 * complete.
 */
import { type Command, Option } from "commander";
import { convertStore } from "../convert-store.js";
import type { NgffVersion } from "../nodes/context.js";
import type { CommandEnv } from "./env.js";
import { formatBytes } from "./format.js";
import { nonNegativeInt } from "./options.js";

interface ConvertStoreCliOptions {
  input: string;
  output: string;
  version: NgffVersion;
  overwrite?: boolean;
  workers?: number;
}

async function run(o: ConvertStoreCliOptions, env: CommandEnv): Promise<void> {
  const bar = env.progress();
  let started = false;
  const signal = env.io.signal;
  const report = await convertStore(o.input, o.output, {
    version: o.version,
    ...(o.overwrite === undefined ? {} : { overwrite: o.overwrite }),
    ...(o.workers === undefined ? {} : { workers: o.workers }),
    ...(signal === undefined ? {} : { signal }),
    onNote: (m) => env.warn("convert-store", m),
    onProgress: (p) => {
      if (!started) {
        bar.start("copy", p.total);
        started = true;
      }
      bar.update(p.done);
    },
  }).finally(() => bar.stop());
  env.out(
    `${report.output}: ${report.kind ?? "store"}, OME-NGFF ${report.from} → ${report.to}, ` +
      `${report.arrays} array(s), ${report.blocks} block(s), ${formatBytes(report.bytes)} in ` +
      `${report.seconds.toFixed(1)} s`,
  );
}

/** Register `convert-store`. */
export function registerConvertStore(program: Command, env: CommandEnv): void {
  program
    .command("convert-store")
    .description(
      "convert a whole OME-Zarr store (image, labels, plate, bioformats2raw collection) to another OME-NGFF version",
    )
    .requiredOption(
      "-i, --input <store>",
      "source store: a directory, s3://bucket/prefix or http(s):// URL",
    )
    .requiredOption(
      "-o, --output <store.zarr>",
      "output store: a directory or s3://bucket/prefix (must not exist unless --overwrite)",
    )
    .addOption(
      new Option("--version <version>", "target OME-NGFF version: 0.4 (Zarr v2) or 0.5 (Zarr v3)")
        .choices(["0.4", "0.5"])
        .makeOptionMandatory(),
    )
    .option("--overwrite", "replace an existing output store (its path must contain .zarr)")
    .option(
      "-w, --workers <n>",
      "threads that copy the data (default: all cores; 0 = in-process)",
      nonNegativeInt,
    )
    .addHelpText(
      "after",
      "\nExamples:\n  ngff convert-store -i a.zarr -o b.zarr --version 0.5\n  ngff convert-store -i plate.zarr -o plate-04.zarr --version 0.4 --workers 4",
    )
    .action(env.action("convert-store", (opts: ConvertStoreCliOptions) => run(opts, env)));
}
