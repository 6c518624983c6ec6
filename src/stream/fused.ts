/**
 * The fused in-memory pyramid: `createImage(name, data, { pyramid })` writes level 0 and
 * computes every other level from the data in memory (no re-read or decode of level 0): the
 * image's planes go through the stream's fold (src/stream/fold.ts), level 0 included, whose
 * complete slabs are encoded and written in the worker pool while the next planes come in. Same bytes as `createImage` + `computePyramid`
 * (the same level arrays and metadata; values equal to the cascade's, see fold.ts).
 */
import { availableParallelism } from "node:os";
import type { Piscina } from "piscina";
import type { DownsampleMethod } from "../../native-free-kernels/index.js";
import { checkMethod } from "../engine/method.js";
import { poolFor } from "../engine/shared-pool.js";
import { InvalidOptionsError } from "../errors.js";
import { joinPath } from "../nodes/context.js";
import type { ImageArray } from "../nodes/image-array.js";
import { pyramidMetadata } from "../nodes/multiscales-meta.js";
import type { DenseData } from "../nodes/pixel-data.js";
import type { CreateImageOptions, Position } from "../nodes/position.js";
import { factorsFromDims } from "../nodes/pyramid-ops.js";
import { openArray, type ZarrArray } from "../store/index.js";
import { Fold } from "./fold.js";
import { frameCoords, type StreamGeometry, streamGeometry } from "./geometry.js";
import type { StreamPyramidOptions } from "./options.js";
import { SlabSink } from "./slab-sink.js";

/** Check `pyramid` against `position` before anything is written; returns the step factors. */
export function checkFusedPyramid(
  position: Position,
  pyramid: StreamPyramidOptions,
  shape: readonly number[],
): { levels: number; method: DownsampleMethod; factors: number[] } {
  const levels = pyramid?.levels;
  if (!(typeof levels === "number" && Number.isInteger(levels) && levels >= 1)) {
    throw new InvalidOptionsError("pyramid.levels", levels, "an integer >= 1 (level 0 included)");
  }
  const method = pyramid.method ?? "mean";
  checkMethod(method, "pyramid.method");
  if (shape.length < 3) {
    throw new InvalidOptionsError("data", `shape [${shape.join(", ")}]`, "at least 3 axes", {
      hint: "The fused pyramid works plane by plane over the last two axes.",
    });
  }
  const factors = levels > 1 ? factorsFromDims(position, pyramid.dims) : position.axes.map(() => 1);
  return { levels, method, factors };
}

/**
 * Create an image from `dense` with its pyramid computed in one pass from memory (see the
 * module comment). `createLevel0(write)` creates level 0 the position's ordinary way, with
 * `write` filling it before it is recorded. Options are checked before anything is written.
 *
 * Order, for crash safety: inside `write`, levels 1… are created as arrays not yet listed, and
 * every level's chunks are written (level 0 and the levels above together, frame by frame: each
 * plane is copied once into shared memory, its planes above are computed in the pool, and every
 * complete slab is encoded and written there); then level 0 is recorded, then the pyramid
 * (`initializePyramid` takes the arrays already there), then the method metadata. A process
 * killed anywhere leaves a valid store: unlisted arrays, or listed levels with their data.
 */
export async function createImageFused(
  position: Position,
  dense: DenseData,
  opts: CreateImageOptions & { pyramid: StreamPyramidOptions },
  createLevel0: (write?: (level0: ZarrArray) => Promise<void>) => Promise<ImageArray>,
): Promise<ImageArray> {
  const { levels, method, factors } = checkFusedPyramid(position, opts.pyramid, dense.shape);
  if (levels === 1) return createLevel0();
  const store = position.ctx.store;
  // Start the pool (threads booting) while level 0 is checked and created.
  const pool = poolFor(store, {
    workers: opts.workers ?? availableParallelism(),
    pool: opts.pool,
  });
  const image = await createLevel0(async (level0) => {
    const g = streamGeometry({
      dtype: dense.dtype,
      shape: dense.shape,
      appendAxis: 0,
      chunks: [...level0.chunks],
      shards: level0.shards === undefined ? undefined : [...level0.shards],
      levels,
      factors,
    });
    const paths = [level0.path];
    for (let k = 1; k < levels; k++) {
      const l = g.levels[k]!;
      await position._createLevel(
        String(k),
        {
          shape: [...l.lead, ...l.plane],
          dtype: dense.dtype,
          chunks: l.chunks,
          shards: l.shards,
          codec: level0.codec,
        },
        { record: false },
      );
      paths.push(joinPath(position.path, String(k)));
    }
    const arrays = [level0, ...(await Promise.all(paths.slice(1).map((p) => openArray(store, p))))];
    await foldAll(g, dense, method, new SlabSink(g, store, paths, () => arrays, pool), pool);
  });
  await position.initializePyramid(levels, { dims: factorsAsDims(position, factors) });
  const m = position._liveMultiscale();
  if (m !== undefined) {
    m.type = method;
    m.metadata = pyramidMetadata(
      method,
      Array.from({ length: levels - 1 }, () => factors),
    );
    await position.dumpMeta();
  }
  return image;
}

/** Every plane of `dense` through one fold into `sink`, with back-pressure; then the edges. */
async function foldAll(
  g: StreamGeometry,
  dense: DenseData,
  method: DownsampleMethod,
  sink: SlabSink,
  pool: Piscina | undefined,
): Promise<void> {
  const threads = pool?.maxThreads ?? 1;
  const fold: Fold = new Fold(g, {
    method,
    emit: (s) => sink.submit(s, s.box[0]![1], () => fold.release(s.data)),
    chain: (planes, done, single) => sink.chain(planes, method, done, single),
  });
  const [py, px] = g.levels[0]!.plane;
  const planeLen = py * px;
  const frames = dense.data.length / Math.max(1, planeLen);
  for (let i = 0; i < frames; i++) {
    fold.add(0, frameCoords(g, i), dense.data.subarray(i * planeLen, (i + 1) * planeLen));
    await sink.below(threads);
    if (sink.error !== undefined) break;
  }
  await sink.drain();
  fold.finish(Number.POSITIVE_INFINITY);
  await sink.drain();
}

/** `dims` for initializePyramid from factors (axis name → factor, the downsampled ones). */
function factorsAsDims(position: Position, factors: readonly number[]): Record<string, number> {
  const out: Record<string, number> = {};
  position.axes.forEach((a, i) => {
    if (factors[i]! > 1) out[a.name] = factors[i]!;
  });
  return out;
}
