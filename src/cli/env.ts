/**
 * What every command gets from `runCli`: the output streams, the global flags, progress bars,
 * and a wrapper that turns a thrown error into a one-line message and an exit code.
 */
import type { CliIo } from "./io.js";
import { EXIT, exitCodeFor, ReportedFailure, reportError } from "./io.js";
import { createProgress, type Progress } from "./progress.js";

/** Global flags (given before or after the command name). */
export interface GlobalFlags {
  debug: boolean;
  quiet: boolean;
}

/** The environment of one `runCli` call. */
export class CommandEnv {
  readonly io: CliIo;
  #flags: GlobalFlags = { debug: false, quiet: false };
  exitCode: number = EXIT.ok;

  constructor(io: CliIo) {
    this.io = io;
  }

  /** The global flags of the command being run. */
  get flags(): GlobalFlags {
    return this.#flags;
  }

  /** Set by the action wrapper from commander's merged options. */
  setFlags(flags: GlobalFlags): void {
    this.#flags = flags;
  }

  /** A line of results on stdout. */
  out(line: string): void {
    this.io.stdout.write(`${line}\n`);
  }

  /** An informational line on stderr (suppressed by `--quiet`). */
  note(line: string): void {
    if (!this.#flags.quiet) this.io.stderr.write(`${line}\n`);
  }

  /** A warning on stderr (always shown). */
  warn(command: string, line: string): void {
    this.io.stderr.write(`ngff ${command}: warning: ${line}\n`);
  }

  /** Progress bars for this run (no-op unless stderr is a TTY and not quiet). */
  progress(): Progress {
    return createProgress(this.io, this.#flags.quiet);
  }

  /**
   * Wrap a command action: read the global flags from commander's last argument (the
   * Command), run it, and turn an error into a message on stderr and an exit code.
   */
  action(
    name: string,
    fn: (...args: never[]) => Promise<void>,
  ): (...args: unknown[]) => Promise<void> {
    return async (...args: unknown[]) => {
      const cmd = args[args.length - 1] as { optsWithGlobals(): Record<string, unknown> };
      const all = cmd.optsWithGlobals();
      this.setFlags({ debug: all.debug === true, quiet: all.quiet === true });
      try {
        await (fn as (...a: unknown[]) => Promise<void>)(...args);
      } catch (err) {
        if (err instanceof ReportedFailure) {
          this.exitCode = EXIT.failure;
          return;
        }
        reportError(this.io, name, err, this.#flags.debug);
        this.exitCode = exitCodeFor(err);
      }
    };
  }
}
