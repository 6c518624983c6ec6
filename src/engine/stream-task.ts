/**
 * The stream writer's pool task (kind "stream-blocks", see src/stream): encode and write whole
 * blocks of one level from a slab in shared memory, like a write-blocks task, but against the
 * array's shape as the stream will advertise it (`shape`), which may be larger than the shape
 * its metadata says now: a stream writes data first and grows the metadata afterwards.
 */
import type { ZarrArray } from "../store/array.js";
import { withShape } from "../store/array.js";
import type { PyramidTaskResult, WriteBlocksTask } from "./protocol.js";
import { runWriteBlocksTask } from "./write-task.js";

/** One pool task of a stream: a write-blocks task against the array at `shape`. */
export interface StreamBlocksTask extends Omit<WriteBlocksTask, "kind"> {
  kind: "stream-blocks";
  /** The array's shape to write against (its metadata may still say less). */
  shape: number[];
}

/** Array handles at a stream's shapes, by run, path and shape (a few kept per thread). */
const views = new Map<string, ZarrArray>();
const KEEP_VIEWS = 32;

/** The handle of `array` at `shape`, cached (building one sets up its codec). */
export function viewAt(runId: string, array: ZarrArray, shape: readonly number[]): ZarrArray {
  const key = `${runId}\0${array.path}\0${shape.join(",")}`;
  let v = views.get(key);
  if (v === undefined) {
    v = withShape(array, shape);
    views.set(key, v);
    for (const old of views.keys()) {
      if (views.size <= KEEP_VIEWS) break;
      views.delete(old);
    }
  }
  return v;
}

/** Write the task's blocks of `array` at the task's shape. Never rejects (errors as data). */
export function runStreamBlocksTask(
  task: StreamBlocksTask,
  array: ZarrArray,
): Promise<PyramidTaskResult> {
  return runWriteBlocksTask(
    { ...task, kind: "write-blocks" },
    viewAt(task.runId, array, task.shape),
  );
}
