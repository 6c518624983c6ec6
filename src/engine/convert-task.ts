/**
 * One conversion task (`ngff convert --redis`): read one input TIFF and write it, whole chunks
 * only, into level 0 of its image (its region of the output), on whichever host runs it. The
 * coordinator created the array (metadata) before; the task writes chunk data only, so a
 * retried task writes the same bytes again (whole chunks, atomic writes).
 *
 * The task names its input by a path every worker must be able to read (a shared filesystem):
 * a worker that cannot open it fails the task with a typed error naming the file.
 */
// The slab-by-slab copy `ngff convert` runs locally: the same code gives the same chunks.

import { NotFoundError, ShapeMismatchError } from "../errors.js";
import type { ZarrArray } from "../store/index.js";
import type { StoreRef } from "../store/ref.js";
import type { DataType, Region } from "../store/types.js";
import { type AxisLetter, axisSizes, copyTiffToImage } from "../tiff/copy-to-image.js";
import { openTiff, type TiffReader } from "../tiff/index.js";
import { type PyramidTaskResult, serializeError } from "./protocol.js";

/** Output axis letters of a conversion, in NGFF order. */
export type ConvertAxis = AxisLetter;

/**
 * One pool task: convert one input TIFF into level 0 of one image (`arrayPath` of `store`),
 * which the coordinator created with `shape`, `chunks` and `dtype`.
 */
export interface ConvertTiffTask {
  kind: "convert-tiff";
  /** Identifies one conversion run (workers cache opened stores and arrays per run). */
  runId: string;
  /** The output store (the coordinator's staged `<out>.partial-<pid>`, by reference). */
  store: StoreRef;
  /** Level-0 array path, relative to the store root (`0`, or `A/1/0/0` in a plate). */
  arrayPath: string;
  /** The input: an absolute path every worker can read. */
  input: string;
  /** Output axes (letters of tczyx, y and x included), as the array has them. */
  axes: ConvertAxis[];
  /** The axis the pages of a plain multi-page TIFF run along. */
  pagesAxis: "z" | "t" | "c";
  /** The output shape the coordinator planned from the input's header. */
  shape: number[];
  /** Chunk shape of the array. */
  chunks: number[];
  /** Dtype of the input and the array. */
  dtype: DataType;
}

/**
 * Slab budget of a task: two slabs are in memory at once, and a worker runs several tasks at
 * once (the local command uses 128 MiB; slabs are chunk-aligned, so the bytes do not depend on
 * it).
 */
const SLAB_BYTES = 32 * 1024 * 1024;

/** The region of the array a conversion task writes: all of it. */
export function convertTaskRegion(task: Pick<ConvertTiffTask, "shape">): Region {
  return task.shape.map((n) => [0, n] as [number, number]);
}

/** Open the task's input; a file this worker cannot reach is a typed error naming it. */
async function openInput(task: ConvertTiffTask): Promise<TiffReader> {
  try {
    return await openTiff(task.input, { pagesAxis: task.pagesAxis });
  } catch (err) {
    const e = err as { code?: unknown; _tag?: unknown };
    const unreachable =
      e._tag === "NotFound" || (typeof e.code === "string" && /^E[A-Z]+$/.test(e.code));
    if (!unreachable) throw err;
    throw new NotFoundError(
      task.input,
      `this worker cannot open the input file ${task.input} (${err instanceof Error ? err.message : String(err)}); ` +
        "inputs must be at a path every worker can read (a shared filesystem mounted at the same path)",
      { cause: err },
    );
  }
}

/** Convert the task's input into `array`. Never rejects: failures come back as data. */
export async function runConvertTiffTask(
  task: ConvertTiffTask,
  array: ZarrArray,
): Promise<PyramidTaskResult> {
  try {
    if (array.dtype !== task.dtype || array.shape.join() !== task.shape.join()) {
      throw new ShapeMismatchError(
        `${task.dtype} [${task.shape.join(", ")}]`,
        `${array.dtype} [${array.shape.join(", ")}]`,
        `array "${array.path}" is ${array.dtype} [${array.shape.join(", ")}], the conversion of ${task.input} ` +
          `expects ${task.dtype} [${task.shape.join(", ")}]`,
      );
    }
    await using tiff = await openInput(task);
    const l = tiff.layout;
    const sizes = axisSizes(tiff);
    const now = task.axes.map((a) => sizes[a]);
    if (now.join() !== task.shape.join() || l.dtype !== task.dtype) {
      throw new ShapeMismatchError(
        `${task.dtype} [${task.shape.join(", ")}]`,
        `${l.dtype} [${now.join(", ")}]`,
        `input ${task.input} changed after the conversion was planned (or workers see another file at that path)`,
      );
    }
    const t0 = performance.now();
    let bytes = 0;
    await copyTiffToImage(
      tiff,
      {
        write: async (sel, v) => {
          bytes += await array.writeRegion(
            sel.map(([a, b]) => [a, b] as [number, number]),
            v,
          );
        },
      },
      { axes: task.axes, chunks: task.chunks, maxSlabBytes: SLAB_BYTES },
    );
    return { ok: true, bytes, readMs: 0, kernelMs: 0, writeMs: performance.now() - t0 };
  } catch (err) {
    return { ok: false, error: serializeError(err) };
  }
}
