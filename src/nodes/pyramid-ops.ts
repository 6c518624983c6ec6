/**
 * Pyramid operations of a multiscale node (Position or label image), with iohub's semantics:
 * `initializePyramid` creates empty levels and their metadata, `computePyramid` fills them
 * (creating them first when needed) through the pyramid engine, `deletePyramid` removes every
 * level but 0. The node owns metadata; the engine (`src/engine/compute.ts`) only computes.
 */
import type { Piscina } from "piscina";
import type { DownsampleMethod } from "../../native-free-kernels/index.js";
import type { LevelRunner, PyramidProgress, PyramidReport } from "../engine/compute.js";
import { checkMethod } from "../engine/method.js";
import { planLevels } from "../engine/plan.js";
import {
  InvalidOptionsError,
  NotFoundError,
  PyramidStateError,
  UnsupportedError,
} from "../errors.js";
import type { QueueOptions } from "../queue/options.js";
import { DEFAULT_PYRAMID_LEVELS } from "../schema/builders.js";
import {
  type CodecSpec,
  isShareableRef,
  openArray,
  readNode,
  refLabel,
  removeNode,
  type ZarrArray,
} from "../store/index.js";
import { joinPath } from "./context.js";
import { checkWorkers } from "./image-write.js";
import { pyramidMetadata } from "./multiscales-meta.js";
import type { MultiscalesNode } from "./multiscales-node.js";
import { cloneTransform, type Transform } from "./transforms.js";

/**
 * Downsampling methods (TensorStore's rules; see DESIGN.md section 5): the kernels'
 * `DownsampleMethod`, listed once in `DOWNSAMPLE_METHODS`.
 */
export type PyramidMethod = DownsampleMethod;

/**
 * Which axes to downsample: axis names (each by 2 per level), or axis name → integer factor per
 * level. Names are case-insensitive. Default: the space axes (Z, Y, X), by 2.
 */
export type PyramidDims = readonly string[] | Readonly<Record<string, number>>;

/** Options of {@link computePyramid}. */
export interface ComputePyramidOptions {
  /**
   * Total number of levels including level 0. Default: the existing pyramid's; for an image
   * without a pyramid, `DEFAULT_PYRAMID_LEVELS` (5, as ome-zarr-py writes by default).
   */
  levels?: number;
  /** Default `"mean"` for images, `"mode"` for label images. */
  method?: PyramidMethod;
  /** Axes to downsample when the pyramid is created here (ignored for an existing pyramid). */
  dims?: PyramidDims;
  /**
   * Worker threads (default: available cores); 0 computes in-process. Without `pool`, the
   * process's shared pool of this many threads is used (started on first use, kept for the
   * next call; `closeSharedPools()` ends it).
   */
  workers?: number;
  /** A caller-owned Piscina pool (not closed). */
  pool?: Piscina;
  signal?: AbortSignal;
  onProgress?: (p: PyramidProgress) => void;
  /**
   * Run the tasks on `ngff worker` processes through a BullMQ queue in Redis instead of this
   * process's pool (`workers` and `pool` are then ignored). The store must be one every worker
   * can open (a shared filesystem at the same path, or S3). This process plans, keeps the level
   * barrier and writes all metadata; workers write chunk data only. Checked before anything is
   * written: an unreachable Redis (`QueueAccessError`) or a store the workers cannot open
   * (`WorkerTaskError`) leaves the store untouched.
   */
  queue?: QueueOptions;
  /**
   * Chunking and codec of levels 1… when the pyramid is created here (entry k − 1 for level k;
   * default: level 0's chunks clipped to each level, and its shards and codec). See
   * `initializePyramid`'s `levels` option.
   */
  levelStorage?: readonly (LevelStorage | undefined)[];
}

/** One level's own chunking and codec (ome-zarr-py's per-level `storage_options`). */
export interface LevelStorage {
  /** Chunk shape (default level 0's), clipped to the level's shape. */
  chunks?: readonly number[] | undefined;
  /** Chunks per shard along each axis (NGFF 0.5); omitted: the level is not sharded. */
  shardsRatio?: readonly number[] | undefined;
  /** Codec of the level (default level 0's). */
  codec?: CodecSpec | undefined;
}

function checkLevels(levels: unknown): number {
  if (typeof levels !== "number" || !Number.isInteger(levels) || levels < 1) {
    throw new InvalidOptionsError(
      "levels",
      levels,
      "an integer >= 1 (the total number of levels, level 0 included)",
    );
  }
  return levels;
}

/** Factor per axis for one level step, from `dims`. */
export function factorsFromDims(node: MultiscalesNode, dims: PyramidDims | undefined): number[] {
  const axes = node.axes;
  const f = new Array<number>(axes.length).fill(1);
  if (dims === undefined) {
    axes.forEach((a, i) => {
      if (a.type === "space") f[i] = 2;
    });
  } else if (Array.isArray(dims)) {
    for (const d of dims as readonly string[]) f[node.getAxisIndex(d)] = 2;
  } else {
    for (const [d, v] of Object.entries(dims as Record<string, number>)) {
      if (!Number.isInteger(v) || v < 1) {
        throw new InvalidOptionsError(`dims.${d}`, v, "an integer >= 1 (the factor for that axis)");
      }
      f[node.getAxisIndex(d)] = v;
    }
  }
  if (f.every((x) => x === 1)) {
    throw new InvalidOptionsError("dims", dims, "at least one axis to downsample", {
      hint: 'Name one, e.g. ["y", "x"].',
    });
  }
  return f;
}

async function levelZero(node: MultiscalesNode): Promise<ZarrArray> {
  const m = node._liveMultiscale();
  const path = m?.datasets[0]?.path;
  if (path === undefined) {
    throw new PyramidStateError(
      `${JSON.stringify(node.path || "/")} has no level 0 image; create it (createImage / createZeros) before building a pyramid`,
    );
  }
  try {
    return await openArray(node.ctx.store, joinPath(node.path, path));
  } catch (err) {
    if (err instanceof NotFoundError) {
      throw new PyramidStateError(
        `level 0 array ${JSON.stringify(path)} listed in multiscales is missing from ${JSON.stringify(node.path || "/")}`,
        { cause: err },
      );
    }
    throw err;
  }
}

function scaleTransforms(base: readonly Transform[], total: readonly number[]): Transform[] {
  return base.map((t) => {
    const c = cloneTransform(t);
    if (c.type === "scale") c.scale = c.scale.map((v, i) => v * (total[i] ?? 1));
    return c;
  });
}

function sameGeometry(
  a: ZarrArray,
  shape: readonly number[],
  chunks: readonly number[],
  b: ZarrArray,
): boolean {
  const eq = (x: readonly number[] | undefined, y: readonly number[] | undefined) =>
    x === y ||
    (x !== undefined && y !== undefined && x.length === y.length && x.every((v, i) => v === y[i]));
  return a.dtype === b.dtype && eq(a.shape, shape) && eq(a.chunks, chunks);
}

/**
 * Create levels 1…levels−1 as empty arrays (shape ⌈previous / factor⌉ on the downsampled axes,
 * level 0's chunk and shard shape clipped to the level shape — not iohub's shrinking chunks) and record them in
 * `multiscales` with level 0's transforms times the cumulative factor. Arrays left by an
 * interrupted run with the right geometry are reused. Does nothing when the pyramid already has
 * exactly `levels` levels.
 * @throws {PyramidStateError} for bad `levels`, no level 0, or a pyramid with another number of
 * levels ("call deletePyramid() first").
 */
export async function initializePyramid(
  node: MultiscalesNode,
  levels: number,
  opts: {
    dims?: PyramidDims | undefined;
    /** Level k's chunking and codec at entry k − 1 (see {@link LevelStorage}). */
    levelStorage?: readonly (LevelStorage | undefined)[] | undefined;
  } = {},
): Promise<void> {
  node._assertWritable();
  checkLevels(levels);
  const level0 = await levelZero(node);
  const m = node._liveMultiscale() as NonNullable<ReturnType<MultiscalesNode["_liveMultiscale"]>>;
  const existing = m.datasets.length;
  if (existing > 1) {
    if (existing === levels) return;
    throw new PyramidStateError(
      `${JSON.stringify(node.path || "/")} already has a pyramid of ${existing} levels and ${levels} were asked for; call deletePyramid() first`,
    );
  }
  if (levels === 1) return;
  const step = factorsFromDims(node, opts.dims);
  const base = m.datasets[0]?.coordinateTransformations ?? [];
  // Level geometry comes from the pyramid plan: level 0's chunk (and shard) shape clipped to each
  // level's shape. iohub shrinks chunks with every level instead (128², 64², 32², … under a 256²
  // level 0), which multiplies chunk files by 4 per level and made a 5-level pyramid cost ~8× the
  // CPU in per-file overhead (bench/p1-e2e.bench.ts); tiny chunks also read slowly.
  const layouts = planLevels(
    {
      shape: level0.shape,
      chunks: level0.chunks,
      ...(level0.shards === undefined ? {} : { shards: level0.shards }),
    },
    Array.from({ length: levels - 1 }, () => step),
    [undefined, ...(opts.levelStorage ?? [])],
  );
  const plans: {
    name: string;
    shape: number[];
    chunks: number[];
    shards: number[] | undefined;
    transforms: Transform[];
  }[] = [];
  const total = step.map(() => 1);
  for (let k = 1; k < levels; k++) {
    for (const [i, f] of step.entries()) total[i] = (total[i] as number) * f;
    const layout = layouts[k] as (typeof layouts)[number];
    plans.push({
      name: String(k),
      shape: [...layout.shape],
      chunks: [...layout.chunks],
      shards: layout.shards === undefined ? undefined : [...layout.shards],
      transforms: scaleTransforms(base, total),
    });
  }
  // Check every target name before creating anything.
  const reuse = new Set<string>();
  for (const p of plans) {
    const path = joinPath(node.path, p.name);
    const found = await readNode(node.ctx.store, path);
    if (found === undefined) continue;
    const arr = found.kind === "array" ? await openArray(node.ctx.store, path) : undefined;
    if (arr === undefined || !sameGeometry(arr, p.shape, p.chunks, level0)) {
      throw new PyramidStateError(
        `cannot create pyramid level ${p.name}: ${JSON.stringify(path)} already exists and is not an empty level of the expected geometry; remove it first`,
      );
    }
    reuse.add(p.name);
  }
  for (const p of plans) {
    if (!reuse.has(p.name)) {
      await node._createLevel(
        p.name,
        {
          shape: p.shape,
          dtype: level0.dtype,
          chunks: p.chunks,
          shards: p.shards,
          codec: opts.levelStorage?.[Number(p.name) - 1]?.codec ?? level0.codec,
        },
        { transforms: p.transforms, record: false },
      );
    }
    node._recordLevel(p.name, p.transforms);
  }
  await node.dumpMeta();
}

/** Integer factor per axis from level k−1 to level k, from the recorded scales. */
function stepFactors(node: MultiscalesNode): number[][] {
  const paths = node.levelPaths;
  const out: number[][] = [];
  for (let k = 1; k < paths.length; k++) {
    const prev = node.getEffectiveScale(paths[k - 1] as string);
    const cur = node.getEffectiveScale(paths[k] as string);
    const f = cur.map((c, i) => c / (prev[i] as number));
    const rounded = f.map((x) => Math.round(x));
    if (
      !f.every((x, i) => Math.abs(x - (rounded[i] as number)) < 1e-6 && (rounded[i] as number) >= 1)
    ) {
      throw new PyramidStateError(
        `level ${paths[k]} scale ${JSON.stringify(cur)} is not an integer multiple of level ${paths[k - 1]} scale ${JSON.stringify(prev)}; the pyramid cannot be computed by integer downsampling`,
      );
    }
    out.push(rounded);
  }
  return out;
}

/**
 * Compute the pyramid: create it with `levels` levels when there is none yet, then fill every
 * level from the one before it (the cascade) with `method`, and record `multiscales[].type` and
 * `multiscales[].metadata` (see `pyramidMetadata`).
 * Running again after an interruption completes the pyramid.
 * @throws {PyramidStateError} no level 0; a pyramid with a
 * different number of levels ("call deletePyramid() first"); non-integer scale steps.
 * @throws {UnsupportedError} for an unknown method.
 * @throws {WorkerTaskError} when a task fails.
 */
export async function computePyramid(
  node: MultiscalesNode,
  opts: ComputePyramidOptions & { defaultMethod: PyramidMethod },
): Promise<PyramidReport> {
  node._assertWritable();
  checkWorkers(opts.workers);
  const method = opts.method ?? opts.defaultMethod;
  checkMethod(method);
  if (opts.levels !== undefined) checkLevels(opts.levels);
  const queued = opts.queue === undefined ? undefined : await checkQueue(node, opts.queue);
  const level0 = await levelZero(node);
  if (queued === undefined) return computeLocally(node, opts, method);
  // Redis and the workers' access to the store are checked before anything is written.
  const run = await queued.openQueueRun(queued.options);
  try {
    await run.probe(
      { store: node.ctx.store.ref, arrayPath: level0.path },
      1,
      level0.shape.map((n) => [0, n] as const),
      opts.signal,
    );
    const report = await computeLocally(node, opts, method, run);
    await run.finish();
    return { ...report, queue: { ...run.stats } };
  } finally {
    await run.close();
  }
}

/** Check the queue options and the store before anything is written; loads the queue module. */
async function checkQueue(node: MultiscalesNode, queue: QueueOptions) {
  const q = await import("../queue/index.js");
  const options = q.checkQueueOptions(queue);
  q.resolveConnection(options.connection);
  const ref = node.ctx.store.ref;
  if (!isShareableRef(ref)) {
    throw new UnsupportedError(
      `queue on a ${ref.kind} store`,
      `cannot compute the pyramid of ${refLabel(ref)} through a queue: workers on other processes ` +
        "cannot open an in-memory store; write the image to a directory (on a filesystem every worker " +
        "shares) or to S3, or leave out queue to compute it in this process",
    );
  }
  return { options, openQueueRun: q.openQueueRun };
}

async function computeLocally(
  node: MultiscalesNode,
  opts: ComputePyramidOptions,
  method: PyramidMethod,
  runner?: LevelRunner,
): Promise<PyramidReport> {
  const existing = node.levelPaths.length;
  if (existing <= 1) {
    await initializePyramid(node, opts.levels ?? DEFAULT_PYRAMID_LEVELS, {
      dims: opts.dims,
      levelStorage: opts.levelStorage,
    });
  } else if (opts.levels !== undefined && opts.levels !== existing) {
    throw new PyramidStateError(
      `${JSON.stringify(node.path || "/")} already has a pyramid of ${existing} levels and ${opts.levels} were asked for; call deletePyramid() first`,
    );
  }
  const levelPaths = node.levelPaths.map((p) => joinPath(node.path, p));
  if (levelPaths.length < 2) return { levels: [] };
  const factors = stepFactors(node);
  const { computeLevels } = await import("../engine/compute.js");
  const { poolFor } = await import("../engine/shared-pool.js");
  // The caller's pool, else the process's shared pool (started once: ~0.15 s saved per call).
  const pool = runner === undefined ? poolFor(node.ctx.store, opts) : undefined;
  const report = await computeLevels({
    store: node.ctx.store,
    levelPaths,
    factors,
    method,
    ...(runner === undefined ? {} : { runner }),
    ...(opts.workers === undefined ? {} : { workers: opts.workers }),
    ...(pool === undefined || runner !== undefined ? {} : { pool }),
    ...(opts.signal === undefined ? {} : { signal: opts.signal }),
    ...(opts.onProgress === undefined ? {} : { onProgress: opts.onProgress }),
  });
  const m = node._liveMultiscale();
  if (m !== undefined) {
    // `type` and `metadata` (method, library, version, factors): the strict schemas' SHOULDs.
    const before = JSON.stringify([m.type, m.metadata]);
    m.type = method;
    m.metadata = pyramidMetadata(method, factors);
    if (JSON.stringify([m.type, m.metadata]) !== before) await node.dumpMeta();
  }
  return report;
}

/**
 * Remove every level but level 0: the metadata first (so the store stays valid if interrupted),
 * then the arrays. Also clears `multiscales[].type` and `metadata` (a single level is written
 * with type "none").
 * @throws {PyramidStateError} when there is no level 0.
 */
export async function deletePyramid(node: MultiscalesNode): Promise<void> {
  node._assertWritable();
  await levelZero(node);
  const m = node._liveMultiscale() as NonNullable<ReturnType<MultiscalesNode["_liveMultiscale"]>>;
  const removed = m.datasets.slice(1).map((d) => d.path);
  m.datasets = m.datasets.slice(0, 1);
  delete m.type;
  delete m.metadata;
  await node.dumpMeta();
  for (const p of removed) await removeNode(node.ctx.store, joinPath(node.path, p));
}
