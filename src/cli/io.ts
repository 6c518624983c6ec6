/**
 * The CLI's view of the outside world (two output streams), its usage error, and how errors
 * become exit codes and one-line messages.
 */
import { isOmeZarrError } from "../errors.js";

/** A stream the CLI writes text to (`process.stdout`, or a collector in tests). */
export interface CliStream {
  write(text: string): unknown;
  /** True for a terminal: progress bars are drawn only then. */
  readonly isTTY?: boolean;
}

/** Where `runCli` writes: results to `stdout`, messages and progress to `stderr`. */
export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
  /** Aborts long work (conversion, pyramids); `main()` wires it to SIGINT/SIGTERM. */
  signal?: AbortSignal;
}

/** Exit codes: 0 success, 1 failure (bad input, invalid store), 2 usage (bad command line or option). */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

/** A bad command line (unknown value, conflicting options): exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A failure already reported on stderr (e.g. `validate` found problems): exit code 1, no message. */
export class ReportedFailure extends Error {
  constructor() {
    super("reported");
    this.name = "ReportedFailure";
  }
}

/**
 * The exit code for an error thrown by a command: a bad option (a {@link UsageError} from argv
 * parsing, or an `InvalidOptionsError` from the library it was passed to) is a usage error.
 */
export function exitCodeFor(err: unknown): number {
  return err instanceof UsageError || isOmeZarrError(err, "InvalidOptions")
    ? EXIT.usage
    : EXIT.failure;
}

/** The one-line reason for an error: its first line, with the cause's first line when useful. */
export function oneLine(err: unknown): string {
  if (err instanceof Error) {
    const first = err.message.split("\n")[0] ?? err.message;
    if (isOmeZarrError(err) || err instanceof UsageError) return first;
    const code = (err as NodeJS.ErrnoException).code;
    return code === undefined ? first : `${first} (${code})`;
  }
  return String(err);
}

/** Write an error to stderr: one line, or the full stack and causes with `debug`. */
export function reportError(io: CliIo, command: string, err: unknown, debug: boolean): void {
  io.stderr.write(`ngff ${command}: error: ${oneLine(err)}\n`);
  if (!debug) return;
  let e: unknown = err;
  while (e !== undefined) {
    io.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    e = e instanceof Error ? e.cause : undefined;
    if (e !== undefined) io.stderr.write("caused by: ");
  }
}
