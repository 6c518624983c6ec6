/**
 * Progress bars on stderr (cli-progress), drawn only when stderr is a terminal and `--quiet`
 * was not given; otherwise every call is a no-op, so pipes and logs stay clean.
 */
import cliProgress from "cli-progress";
import type { CliIo } from "./io.js";

/** A progress display for one task at a time. */
export interface Progress {
  /** Start (or restart) a bar for `label` with `total` units. */
  start(label: string, total: number): void;
  /** Set the number of units done. */
  update(done: number): void;
  /** Finish the current bar (keeps its last line on screen). */
  stop(): void;
  /** True when bars are actually drawn. */
  readonly enabled: boolean;
}

/** True when progress bars should be drawn: stderr is a TTY and not quiet. */
export function progressEnabled(io: CliIo, quiet: boolean): boolean {
  return !quiet && io.stderr.isTTY === true;
}

/** A {@link Progress} that draws nothing. */
export const NO_PROGRESS: Progress = { start() {}, update() {}, stop() {}, enabled: false };

/** A {@link Progress} for `io` (a no-op unless {@link progressEnabled}). */
export function createProgress(io: CliIo, quiet: boolean): Progress {
  if (!progressEnabled(io, quiet)) return NO_PROGRESS;
  let bar: cliProgress.SingleBar | undefined;
  return {
    enabled: true,
    start(label, total) {
      bar?.stop();
      bar = new cliProgress.SingleBar(
        {
          stream: io.stderr as NodeJS.WritableStream,
          format: `${label.padEnd(24).slice(0, 24)} [{bar}] {percentage}% | {value}/{total} | {duration_formatted} | ETA {eta_formatted}`,
          hideCursor: true,
          etaBuffer: 50,
          // cli-progress prints an unknown ETA (no progress yet) as garbage; show "?" instead.
          formatTime: (t, options, roundTo) =>
            Number.isFinite(Number(t))
              ? cliProgress.Format.TimeFormat(Number(t), options, roundTo)
              : "?",
        },
        cliProgress.Presets.shades_classic,
      );
      bar.start(total, 0);
    },
    update(done) {
      bar?.update(done);
    },
    stop() {
      bar?.stop();
      bar = undefined;
    },
  };
}
