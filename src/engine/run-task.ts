/**
 * The body of one pyramid task, shared by the worker entry (`workers/pyramid-task.ts`) and the
 * in-process path of `computeLevels`, so both produce identical bytes.
 *
 * Per target block: read the source region once (each source chunk decoded once), downsample,
 * write the block (a whole shard when sharded) once. No pixel data leaves this function.
 */
import { downsample, downsampledShape } from "../../native-free-kernels/index.js";
import { ShapeMismatchError } from "../errors.js";
import type { ZarrArray } from "../store/index.js";
import { Reusable, ScratchPool } from "./buffers.js";
import { blockRegion, regionShape, sourceRegion } from "./plan.js";
import { type PyramidTask, type PyramidTaskResult, serializeError } from "./protocol.js";

/**
 * Compute the task's target blocks of `target` from `source`. Never rejects: failures come back
 * as `{ ok: false, error }` (errors as data, see protocol.ts).
 */
export async function runPyramidTask(
  task: PyramidTask,
  source: ZarrArray,
  target: ZarrArray,
): Promise<PyramidTaskResult> {
  try {
    checkArrays(task, source, target);
    const block = target.shards ?? target.chunks;
    const buffers = scratch.take();
    let bytes = 0;
    let readMs = 0;
    let kernelMs = 0;
    let writeMs = 0;
    for (const coords of task.blocks) {
      const region = sourceRegion(
        blockRegion(coords, block, target.shape),
        task.factors,
        source.shape,
      );
      const shape = regionShape(region);
      const t0 = performance.now();
      const src = await source.readRegion(region, { out: buffers.src.view(task.dtype, shape) });
      const t1 = performance.now();
      const out = downsample(
        task.method,
        task.dtype,
        src,
        shape,
        task.factors,
        buffers.out.view(task.dtype, downsampledShape(shape, task.factors)),
      );
      const t2 = performance.now();
      bytes += await target.writeBlock(coords, out);
      const t3 = performance.now();
      readMs += t1 - t0;
      kernelMs += t2 - t1;
      writeMs += t3 - t2;
    }
    scratch.give(buffers);
    return { ok: true, bytes, readMs, kernelMs, writeMs };
  } catch (err) {
    return { ok: false, error: serializeError(err) };
  }
}

/**
 * Source and output buffers of the tasks of this thread, one pair per task in flight, reused:
 * a fresh 2 MiB source per task made the workers' garbage collection (on V8's helper threads,
 * which compete with the other worker) a large share of a pyramid's CPU time.
 */
const scratch = new ScratchPool(() => ({ src: new Reusable(), out: new Reusable() }));

/** The arrays must be what the engine planned against (guards against stale metadata). */
function checkArrays(task: PyramidTask, source: ZarrArray, target: ZarrArray): void {
  for (const a of [source, target]) {
    if (a.dtype !== task.dtype) {
      throw new ShapeMismatchError(
        task.dtype,
        a.dtype,
        `array "${a.path}" has dtype ${a.dtype}, the task expected ${task.dtype}; ` +
          "the pyramid changed while it was computed, run computeLevels again",
      );
    }
  }
  const want = source.shape.map((n, i) => Math.ceil(n / (task.factors[i] ?? 1)));
  if (want.length !== target.shape.length || want.some((n, i) => n !== target.shape[i])) {
    throw new ShapeMismatchError(
      want,
      target.shape,
      `array "${target.path}" has shape [${target.shape.join(", ")}], expected ` +
        `[${want.join(", ")}] (source [${source.shape.join(", ")}] / factors ` +
        `[${task.factors.join(", ")}]); the pyramid changed while it was computed`,
    );
  }
}
