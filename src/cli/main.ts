/**
 * The `ngff` command: commander program, global flags, exit codes.
 *
 * `runCli(argv, io)` runs one command line in-process and resolves to the exit code (0 ok,
 * 1 failure, 2 usage); `main()` is what `bin/ngff.js` calls.
 */
import { Command, CommanderError } from "commander";
import { registerComputePyramid } from "./compute-pyramid.js";
import { registerConvert } from "./convert.js";
import { registerConvertStore } from "./convert-store.js";
import { CommandEnv } from "./env.js";
import { registerInfo } from "./info.js";
import { type CliIo, EXIT } from "./io.js";
import { registerRenameWells } from "./rename-wells.js";
import { registerSetScale } from "./set-scale.js";
import { registerTree } from "./tree.js";
import { registerValidate } from "./validate.js";
import { packageVersion } from "./version.js";
import { registerWorker } from "./worker.js";

function buildProgram(env: CommandEnv): Command {
  const program = new Command("ngff");
  program
    .description("Inspect, validate, convert and pyramid OME-Zarr (OME-NGFF 0.4 / 0.5) stores")
    .version(packageVersion(), "-V, --version", "print the ngff-writer version")
    .option("--debug", "print stack traces and causes of errors")
    .option("-q, --quiet", "no progress bars or notes on stderr")
    .helpOption("-h, --help", "show help")
    // Program options only before the command name, so `convert --version 0.5` reaches convert;
    // each command repeats --debug and --quiet so they also work after it.
    .enablePositionalOptions()
    .showHelpAfterError("(run with --help for usage)")
    .exitOverride()
    .configureOutput({
      writeOut: (s) => env.io.stdout.write(s),
      writeErr: (s) => env.io.stderr.write(s),
    })
    .addHelpText(
      "after",
      "\nExit codes: 0 success, 1 failure (bad input, invalid store), 2 usage error.\nRun 'ngff <command> --help' for a command's options.",
    );
  registerInfo(program, env);
  registerTree(program, env);
  registerValidate(program, env);
  registerConvert(program, env);
  registerConvertStore(program, env);
  registerComputePyramid(program, env);
  registerSetScale(program, env);
  registerRenameWells(program, env);
  registerWorker(program, env);
  for (const command of program.commands) {
    command
      .option("--debug", "print stack traces and causes of errors")
      .option("-q, --quiet", "no progress bars or notes on stderr");
  }
  return program;
}

/**
 * Run one `ngff` command line in-process. `argv` holds the user arguments only (no `node` and
 * script path), e.g. `["info", "a.zarr", "--json"]`. Results go to `io.stdout`, messages,
 * errors and progress bars to `io.stderr` (bars only when it is a TTY).
 * @returns the exit code: 0 success, 1 failure, 2 usage error. Never rejects.
 */
export async function runCli(argv: readonly string[], io: CliIo): Promise<number> {
  const env = new CommandEnv(io);
  const program = buildProgram(env);
  if (argv.length === 0) {
    io.stderr.write(program.helpInformation());
    return EXIT.usage;
  }
  try {
    await program.parseAsync([...argv], { from: "user" });
    return env.exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version")
        return EXIT.ok;
      if (err.code === "commander.help") return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
      return EXIT.usage;
    }
    io.stderr.write(`ngff: error: ${err instanceof Error ? err.message : String(err)}\n`);
    return EXIT.failure;
  }
}

/**
 * Entry of the `ngff` binary: runs `process.argv` and sets `process.exitCode`. The first
 * SIGINT/SIGTERM aborts long work cleanly (a conversion removes its partial output); a second
 * one exits at once.
 */
export async function main(): Promise<void> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write(`ngff: ${signal}: stopping (press Ctrl-C again to exit at once)\n`);
    controller.abort(new Error(`interrupted by ${signal}`));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    process.exitCode = await runCli(process.argv.slice(2), {
      stdout: process.stdout,
      stderr: process.stderr,
      signal: controller.signal,
    });
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }
}
