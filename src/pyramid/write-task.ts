/**
 * The body of one write-blocks task (see protocol.ts), run by the pool's worker: encode and
 * write whole blocks of one array from a buffer of their elements (shared memory).
 */
import { ShapeMismatchError } from "../errors.js";
import type { ZarrArray } from "../store/index.js";
import { regionShape } from "../store/region.js";
import { product, typedArrayView } from "../store/types.js";
import { type PyramidTaskResult, serializeError, type WriteBlocksTask } from "./protocol.js";

/** Write the task's blocks of `array`. Never rejects: failures come back as data. */
export async function runWriteBlocksTask(
  task: WriteBlocksTask,
  array: ZarrArray,
): Promise<PyramidTaskResult> {
  try {
    if (array.dtype !== task.dtype) {
      throw new ShapeMismatchError(
        task.dtype,
        array.dtype,
        `array "${array.path}" has dtype ${array.dtype}, the task carries ${task.dtype} data`,
      );
    }
    const all = typedArrayView(task.dtype, new Uint8Array(task.data, 0, task.byteLength));
    const t0 = performance.now();
    let offset = 0;
    let bytes = 0;
    for (const coords of task.blocks) {
      const n = product(regionShape(array.blockRegion(coords)));
      if (offset + n > all.length) break;
      bytes += await array.writeBlock(coords, all.subarray(offset, offset + n));
      offset += n;
    }
    if (offset !== all.length) {
      throw new ShapeMismatchError(
        `${offset} or more elements`,
        `${all.length} elements`,
        `a write task for "${array.path}" carries ${all.length} elements, its ` +
          `${task.blocks.length} blocks need ${offset} or more`,
      );
    }
    return { ok: true, bytes, readMs: 0, kernelMs: 0, writeMs: performance.now() - t0 };
  } catch (err) {
    return { ok: false, error: serializeError(err) };
  }
}
