/**
 * Running `computePyramid` from a command: `--dims` parsing, one progress bar per level, the
 * abort signal, and a one-line report.
 */
import type { PyramidReport } from "../engine/compute.js";
import type { MultiscalesNode } from "../nodes/multiscales-node.js";
import type { Position } from "../nodes/position.js";
import type { PyramidMethod } from "../nodes/pyramid-ops.js";
import type { QueueOptions } from "../queue/options.js";
import type { CommandEnv } from "./env.js";
import { UsageError } from "./io.js";
import { splitList } from "./options.js";
import { NO_PROGRESS } from "./progress.js";

/** Axes `--dims` may name (iohub's choices: c is never downsampled). */
export const DIM_CHOICES = ["t", "z", "y", "x"] as const;

/**
 * Parse `--dims` (`"z,y,x"`, `"y,x"`), case-insensitive, into uppercase axis names.
 * @throws {UsageError} for an empty list or a letter other than t, z, y, x.
 */
export function parseDims(value: string): string[] {
  const items = splitList(value).map((d) => d.toLowerCase());
  const bad = items.filter((d) => !(DIM_CHOICES as readonly string[]).includes(d));
  if (items.length === 0 || bad.length > 0) {
    throw new UsageError(
      `--dims expects comma-separated axes among ${DIM_CHOICES.join(", ")}, got ${JSON.stringify(value)}`,
    );
  }
  return [...new Set(items)].map((d) => d.toUpperCase());
}

/** What {@link runPyramid} needs. */
export interface PyramidRun {
  levels: number | undefined;
  method: PyramidMethod | undefined;
  dims: string[] | undefined;
  workers: number | undefined;
  /** Shown in the progress bar. */
  label: string;
  /** Draw a bar per level (default true; false when several runs share the terminal). */
  bars?: boolean;
  /** Run the tasks on queue workers (`--redis`). */
  queue?: QueueOptions | undefined;
}

/** What a queued run adds to the command's report line (`""` for a local run). */
export function queueNote(report: { queue?: { added: number; resumed: number } }): string {
  const q = report.queue;
  if (q === undefined) return "";
  return `, queue: ${q.added} job(s) added${q.resumed > 0 ? `, ${q.resumed} task(s) done before (resumed)` : ""}`;
}

/** Compute the pyramid of `node` with progress bars; resolves to the seconds it took. */
export async function runPyramid(
  node: Position | MultiscalesNode,
  env: CommandEnv,
  run: PyramidRun,
): Promise<number> {
  return (await runPyramidReport(node, env, run)).seconds;
}

/** {@link runPyramid}, also resolving to the engine's report. */
export async function runPyramidReport(
  node: Position | MultiscalesNode,
  env: CommandEnv,
  run: PyramidRun,
): Promise<{ seconds: number; report: PyramidReport }> {
  const bar = run.bars === false ? NO_PROGRESS : env.progress();
  let current = -1;
  const started = performance.now();
  const signal = env.io.signal;
  const report = await (node as Position).computePyramid({
    ...(run.queue === undefined ? {} : { queue: run.queue }),
    ...(run.levels === undefined ? {} : { levels: run.levels }),
    ...(run.method === undefined ? {} : { method: run.method }),
    ...(run.dims === undefined ? {} : { dims: run.dims }),
    ...(run.workers === undefined ? {} : { workers: run.workers }),
    ...(signal === undefined ? {} : { signal }),
    onProgress: (p) => {
      if (p.level !== current) {
        current = p.level;
        bar.start(`${run.label} level ${p.level}`, p.total);
      }
      bar.update(p.done);
    },
  });
  bar.stop();
  return { seconds: (performance.now() - started) / 1000, report };
}
