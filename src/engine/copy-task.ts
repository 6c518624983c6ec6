/**
 * The body of one copy-blocks task (see protocol.ts), shared by the worker entry
 * (`workers/pyramid-task.ts`) and the in-process path of `convertStore`, so both write the same
 * bytes: per target block, read its region of the source into a reused buffer, then encode and
 * write the block (a whole shard when sharded) once. Memory: one block per task in flight.
 */
import { ShapeMismatchError } from "../errors.js";
import type { ZarrArray } from "../store/index.js";
import { regionShape } from "../store/region.js";
import { Reusable, ScratchPool } from "./buffers.js";
import { type CopyBlocksTask, type PyramidTaskResult, serializeError } from "./protocol.js";

/** The block buffer of each task in flight on this thread, reused. */
const scratch = new ScratchPool(() => new Reusable());

/** Copy the task's blocks of `target` from `source`. Never rejects: failures come back as data. */
export async function runCopyBlocksTask(
  task: CopyBlocksTask,
  source: ZarrArray,
  target: ZarrArray,
): Promise<PyramidTaskResult> {
  try {
    for (const a of [source, target]) {
      if (a.dtype !== task.dtype) {
        throw new ShapeMismatchError(
          task.dtype,
          a.dtype,
          `array "${a.path}" has dtype ${a.dtype}, the copy expected ${task.dtype}; ` +
            "the store changed while it was converted, convert it again",
        );
      }
    }
    if (
      source.shape.length !== target.shape.length ||
      source.shape.some((n, i) => n !== target.shape[i])
    ) {
      throw new ShapeMismatchError(
        source.shape,
        target.shape,
        `array "${target.path}" has shape [${target.shape.join(", ")}], its source ` +
          `"${source.path}" [${source.shape.join(", ")}]; the store changed while it was converted`,
      );
    }
    const buffer = scratch.take();
    let bytes = 0;
    let readMs = 0;
    let writeMs = 0;
    for (const coords of task.blocks) {
      const region = target.blockRegion(coords);
      const t0 = performance.now();
      const data = await source.readRegion(region, {
        out: buffer.view(task.dtype, regionShape(region)),
      });
      const t1 = performance.now();
      bytes += await target.writeBlock(coords, data);
      readMs += t1 - t0;
      writeMs += performance.now() - t1;
    }
    scratch.give(buffer);
    return { ok: true, bytes, readMs, kernelMs: 0, writeMs };
  } catch (err) {
    return { ok: false, error: serializeError(err) };
  }
}
