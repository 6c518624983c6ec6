/**
 * `ngff convert --redis`: the conversion through the queue (DESIGN.md section 11). This process
 * is the coordinator: it planned every input from its TIFF header only (src/cli/convert.ts),
 * creates the output's groups and level-0 arrays (metadata) itself, enqueues one conversion
 * task per input file (`convert-tiff`, src/engine/convert-task.ts) in bounded batches, waits for
 * all of them (the barrier), then computes each position's pyramid through the queue too (level
 * 1, 2, … one after another) and writes the pyramid metadata. `ngff worker` processes read the
 * inputs and write chunk data only, into the staged output (`<out>.partial-<pid>`) this process
 * names by store reference.
 *
 * Inputs must be at a path every worker can read (a shared filesystem mounted at the same
 * path). A worker that cannot open one fails its task with a typed error naming the file; once
 * its attempts are spent the coordinator rejects with a `WorkerTaskError` naming the failed
 * tasks and inputs, and the staged output is removed (no partial metadata at the output).
 */
import { randomUUID } from "node:crypto";
import { basename, resolve } from "node:path";
import type { ConvertAxis, ConvertTiffTask } from "../engine/convert-task.js";
import { UnsupportedError } from "../errors.js";
import type { Position } from "../nodes/position.js";
import type { QueueOptions } from "../queue/options.js";
import { forEachBounded } from "../store/concurrency.js";
import { isShareableRef, refLabel } from "../store/index.js";
import type { DataType } from "../store/types.js";
import type { AxisLetter } from "./convert-plan.js";
import { pagesAxis } from "./convert-plan.js";
import type { CommandEnv } from "./env.js";
import { parseDims, runPyramidReport } from "./pyramid-run.js";

/** One input of a queued conversion, as planned from its header. */
export interface QueuedInput {
  /** The position (or image) it becomes; its level 0 is created here. */
  pos: Position;
  /** The input file as given (made absolute for the workers). */
  input: string;
  shape: number[];
  chunks: number[];
  scale: number[];
  dtype: string;
  levels: number;
}

/** What the queue ran for a conversion (the command's report line shows it). */
export interface QueuedConvertStats {
  /** Conversion jobs added (one per input, fewer when resumed). */
  conversions: number;
  /** Pyramid jobs added, over all positions. */
  pyramidJobs: number;
}

/** Level-0 arrays created at once (metadata writes only). */
const CREATE_AT_ONCE = 8;
/** Positions whose pyramids run through the queue at once without `--jobs`. */
const PYRAMIDS_AT_ONCE = 8;

/**
 * Convert `inputs` through the queue: level-0 arrays here, one conversion job per input on the
 * workers, then each position's pyramid through the queue.
 * @throws {UnsupportedError} the output is a store workers cannot open (in memory).
 * @throws {WorkerTaskError} a conversion or pyramid task failed on the workers (all attempts).
 * @throws {QueueAccessError} Redis unreachable (at the start, or for longer than the outage limit).
 */
export async function convertThroughQueue(
  inputs: readonly QueuedInput[],
  o: { method: string; dims?: string | undefined; jobs?: number | undefined },
  env: CommandEnv,
  axes: readonly AxisLetter[],
  queue: QueueOptions,
): Promise<QueuedConvertStats> {
  const signal = env.io.signal;
  const ref = inputs[0]!.pos.ctx.store.ref;
  if (!isShareableRef(ref)) {
    throw new UnsupportedError(
      `queue on a ${ref.kind} store`,
      `cannot convert into ${refLabel(ref)} through a queue: workers cannot open it`,
    );
  }
  const runId = randomUUID();
  const tasks: ConvertTiffTask[] = new Array(inputs.length);
  const indexed = inputs.map((it, i) => ({ it, i }));
  await forEachBounded(indexed, CREATE_AT_ONCE, async ({ it, i }) => {
    signal?.throwIfAborted();
    const arr = await it.pos.createZeros("0", {
      shape: it.shape,
      dtype: it.dtype as DataType,
      chunks: it.chunks,
      transform: [{ type: "scale", scale: it.scale }],
    });
    tasks[i] = {
      kind: "convert-tiff",
      runId,
      store: it.pos.ctx.store.ref,
      arrayPath: arr.path,
      input: resolve(it.input),
      axes: [...axes] as ConvertAxis[],
      pagesAxis: pagesAxis(axes),
      shape: it.shape,
      chunks: it.chunks,
      dtype: it.dtype as DataType,
    };
  });
  const q = await import("../queue/index.js");
  const run = await q.openQueueRun(q.checkQueueOptions(queue));
  const bar = env.progress();
  try {
    bar.start(`convert ${inputs.length} input(s) on the queue's workers`, inputs.length);
    let done = 0;
    try {
      await run.runConversions(tasks, { signal, onDone: () => bar.update(++done) });
    } catch (err) {
      // The staged output goes away with this failure: its jobs' records can never be resumed.
      if (!(err instanceof Error && err.name === "QueueAccessError")) {
        await run.finish().catch(() => {});
      }
      throw err;
    }
    bar.stop();
    await run.finish();
  } finally {
    bar.stop();
    await run.close();
  }
  const conversions = run.stats.byKind.convert ?? 0;
  let pyramidJobs = 0;
  const withPyramid = inputs.filter((it) => it.levels > 1);
  const atOnce = Math.max(1, Math.min(o.jobs ?? PYRAMIDS_AT_ONCE, withPyramid.length));
  await forEachBounded(withPyramid, atOnce, async (it) => {
    const { report } = await runPyramidReport(it.pos, env, {
      levels: it.levels,
      method: o.method as never,
      dims: o.dims === undefined ? undefined : parseDims(o.dims),
      workers: undefined,
      label: basename(it.input),
      bars: atOnce === 1,
      queue,
    });
    pyramidJobs += report.queue?.added ?? 0;
  });
  return { conversions, pyramidJobs };
}
