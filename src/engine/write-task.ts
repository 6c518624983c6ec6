/**
 * The body of one write-blocks task (see protocol.ts), run by the pool's worker: cut each block
 * out of the slab the sender packed (shared memory), encode and write it.
 */
import { ShapeMismatchError } from "../errors.js";
import { writeBlockRows } from "../store/array.js";
import type { ZarrArray } from "../store/index.js";
import { copyBox, regionShape, sameRegion } from "../store/region.js";
import { product, typedArrayView } from "../store/types.js";
import { Reusable, ScratchPool } from "./buffers.js";
import { type PyramidTaskResult, serializeError, type WriteBlocksTask } from "./protocol.js";

/** The block buffer of each task in flight on this thread, reused. */
const scratch = new ScratchPool(() => new Reusable());

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
    const slabShape = regionShape(task.slab);
    const slab = typedArrayView(task.dtype, new Uint8Array(task.data, 0, task.byteLength));
    if (slab.length !== product(slabShape)) {
      throw new ShapeMismatchError(
        slabShape,
        [slab.length],
        `a write task for "${array.path}" carries ${slab.length} elements, its slab ` +
          `[${slabShape.join(", ")}] has ${product(slabShape)}`,
      );
    }
    const buffer = scratch.take();
    const t0 = performance.now();
    let bytes = 0;
    for (const coords of task.blocks) {
      const box = array.blockRegion(coords);
      const start = box.map(([a], i) => a - task.slab[i]![0]);
      if (box.some(([a, b], i) => a < task.slab[i]![0] || b > task.slab[i]![1])) {
        throw new ShapeMismatchError(
          regionShape(task.slab),
          regionShape(box),
          `block [${coords.join(", ")}] of "${array.path}" is not inside the task's slab`,
        );
      }
      // A block inside the slab is encoded from the slab in place where the codec can.
      const inPlace = sameRegion(box, task.slab)
        ? undefined
        : writeBlockRows(array, coords, slab, slabShape, start);
      if (inPlace !== undefined) {
        bytes += await inPlace;
        continue;
      }
      let block = slab;
      if (!sameRegion(box, task.slab)) {
        const size = regionShape(box);
        block = buffer.view(task.dtype, size);
        copyBox(
          slab,
          slabShape,
          start,
          block,
          size,
          size.map(() => 0),
          size,
        );
      }
      bytes += await array.writeBlock(coords, block);
    }
    scratch.give(buffer);
    return { ok: true, bytes, readMs: 0, kernelMs: 0, writeMs: performance.now() - t0 };
  } catch (err) {
    return { ok: false, error: serializeError(err) };
  }
}
