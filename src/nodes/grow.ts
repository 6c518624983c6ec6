/**
 * Growing an image (`ImageArray.resize`, `ImageArray.append`; iohub's `resize` and
 * `append(data, axis)`): level 0 grows, every pyramid level follows (shape ⌈previous / factor⌉
 * along downsampled axes), and the pyramid blocks the growth affects are recomputed through the
 * engine's task body (`runPyramidTask`, the code the pool runs), so the result equals the image
 * written whole and pyramided with `computePyramid`, byte for byte.
 *
 * Crash-safe order, each step leaving a store that validates:
 * 1. a marker `<level 0>/.ngff-resize.json` records the operation (kind, axis, shapes before and
 *    after, the multiscale entry) before anything else is written;
 * 2. data: the new level-0 elements (through a handle of the grown shape: blocks beyond the
 *    published edge are invisible to readers), then the affected blocks of levels 1..n;
 * 3. array metadata, level by level, in an order where every intermediate state passes the
 *    validator's level rule (`levelPairIssue`, used as the oracle). Where no such order exists
 *    (growing an axis that no level downsamples, which the rule requires to be equal at every
 *    level), the levels above 0 are first taken out of `multiscales` (one atomic write: a valid
 *    single-level image), every array grows, and the entry is put back whole (one atomic write);
 * 4. the marker is removed.
 * A run killed anywhere is completed by the same call again (the marker says where the appended
 * data goes, so an append is not applied twice). Once level 0 shows the new shape, the data has
 * landed: any later resize or append of the image completes the pending run first (so a writer
 * that checks `shape` to know which frames are done works; `resize(image.shape)` completes it
 * and does nothing else). Before that, any other resize or append is refused (PyramidStateError
 * naming the pending call).
 *
 * Choices: shrinking is refused (iohub's zarr `resize` can shrink; here a shrink would have to
 * clear data beyond the new edge at every level: not worth it for growing acquisitions). The
 * channel axis grows through `position.appendChannel` only (names and omero stay in step).
 * Levels keep their chunk and shard shapes (a level whose chunk was clipped to a small shape keeps
 * the small chunk). The recompute runs in this process, two tasks at a time, on handles of the
 * grown shapes: pool workers reopen arrays from the store, which still has the old shapes. An
 * image with label images, and a label image itself, are refused: a label keeps its image's
 * shape, and no order of per-array metadata writes keeps both valid.
 */
import { createHash, randomUUID } from "node:crypto";
import { DOWNSAMPLE_METHODS, type DownsampleMethod } from "../../native-free-kernels/index.js";
import {
  affectedTargetRegion,
  affectedTargets,
  blockRegion,
  downsampleShape,
  type PlannedTask,
  planLevelShapes,
  regionsIntersect,
} from "../engine/plan.js";
import { deserializeError, type PyramidTask } from "../engine/protocol.js";
import {
  InvalidOptionsError,
  PyramidStateError,
  ShapeMismatchError,
  UnsupportedError,
} from "../errors.js";
import { forEachBounded } from "../store/concurrency.js";
import { readJson, writeJson } from "../store/hierarchy.js";
import {
  type AnyTypedArray,
  type DataType,
  openArray,
  type Region,
  withShape,
  type ZarrArray,
} from "../store/index.js";
import { joinKey } from "../store/safe-name.js";
import { levelPairIssue, RESIZE_MARKER, scaleOf } from "../validate/store-image.js";
import { recordShape } from "./array-shapes.js";
import { joinPath } from "./context.js";
import type { DatasetMeta, MultiscaleMeta } from "./multiscales-meta.js";
import type { MultiscalesNode } from "./multiscales-node.js";
import { type PixelInput, toDense } from "./pixel-data.js";
import type { PyramidMethod } from "./pyramid-ops.js";

export { RESIZE_MARKER };

/** The marker exists while the metadata grows, so the validator's growth rule applies. */
const GROWING = { growing: true } as const;

/** Metadata writes at most, else the levels are taken out of `multiscales` while they grow. */
const MAX_STEPS = 256;

/** Pyramid tasks in flight while recomputing (in-process: one reads while the other computes). */
const TASKS_IN_FLIGHT = 2;

/** What {@link resizeImage} and {@link appendImage} need of the array being grown. */
export interface GrowTarget {
  /** The array as it is stored now (opened fresh). */
  array: ZarrArray;
  /** The node whose `multiscales` lists the array, when there is one. */
  owner: MultiscalesNode | undefined;
  /** Throws ReadOnlyError (or the closed-node error) when writes are not allowed. */
  assertWritable(): void;
}

/** Options of `ImageArray.resize` and `ImageArray.append`. */
export interface GrowOptions {
  /** Stops between pyramid tasks; the store stays valid and the same call completes it. */
  signal?: AbortSignal;
}

interface Marker {
  ngffWriterResize: 1;
  kind: "resize" | "append";
  /** The append axis, or null for a resize. */
  axis: number | null;
  from: number[];
  to: number[];
  /** The first multiscale entry as it was before anything was written (null: not a level). */
  multiscale: MultiscaleMeta | null;
  /** sha256 of the appended data's bytes: tells a rerun of the same append from the next one. */
  digest?: string;
}

interface Request {
  kind: "resize" | "append";
  axis: number | null;
  /** Shape of level 0 once grown, given the shape before. */
  to(from: readonly number[]): number[];
  /** Checks that need the shape before (data shape vs the array); may throw, writes nothing. */
  check(from: readonly number[], to: readonly number[]): void;
  data?: AnyTypedArray;
  /** sha256 of `data`. */
  digest?: string;
}

/**
 * Grow level 0 to `newShape` (the new elements hold the fill value) and the pyramid with it.
 * See the module comment for the order of writes and how an interrupted run completes.
 */
export async function resizeImage(
  target: GrowTarget,
  newShape: readonly number[],
  opts: GrowOptions = {},
): Promise<void> {
  target.assertWritable();
  const ndim = target.array.shape.length;
  if (
    !Array.isArray(newShape) ||
    newShape.length !== ndim ||
    newShape.some((s) => !Number.isSafeInteger(s) || s < 0)
  ) {
    throw new InvalidOptionsError("newShape", newShape, `${ndim} integers >= 0 (one per axis)`, {
      hint: `the array ${JSON.stringify(target.array.path)} has shape ${JSON.stringify(target.array.shape)}`,
    });
  }
  const want = [...newShape];
  await grow(
    target,
    {
      kind: "resize",
      axis: null,
      to: () => want,
      check: (from) => {
        const i = want.findIndex((s, j) => s < from[j]!);
        if (i >= 0) {
          throw new InvalidOptionsError(
            "newShape",
            want,
            `a shape no smaller than ${JSON.stringify(from)} along every axis`,
            {
              hint: `shrinking is not supported (axis ${axisLabel(target, i)} would go from ${from[i]} to ${want[i]}); write the part to keep into a new image instead`,
            },
          );
        }
        refuseChannelGrowth(target, from, want);
      },
    },
    opts,
  );
}

/**
 * Write `data` after the current end of level 0 along `axis` (a name or an index) and grow the
 * image and its pyramid by its extent. `data` has the array's rank and dtype, and the array's
 * size along every other axis.
 */
export async function appendImage(
  target: GrowTarget,
  data: PixelInput,
  axis: string | number,
  opts: GrowOptions = {},
): Promise<void> {
  target.assertWritable();
  const a = resolveAxis(target, axis);
  const dense = toDense(data);
  const dtype = target.array.dtype;
  if (!dtypeFits(dtype, dense.dtype)) {
    throw new ShapeMismatchError(
      dtype,
      dense.dtype,
      `data of type ${dense.dtype} cannot be appended to ${JSON.stringify(target.array.path)} of type ${dtype}; convert it first`,
    );
  }
  const ndim = target.array.shape.length;
  if (dense.shape.length !== ndim) {
    throw new ShapeMismatchError(
      `${ndim} dimensions`,
      dense.shape,
      `appended data has ${dense.shape.length} dimensions but ${JSON.stringify(target.array.path)} has ${ndim}; give the data the array's rank (size ${dense.shape[0] ?? 1} along the append axis, e.g. shape [1, ...] for one frame)`,
    );
  }
  const extent = dense.shape[a]!;
  await grow(
    target,
    {
      kind: "append",
      axis: a,
      to: (from) => from.map((s, i) => (i === a ? s + extent : s)),
      check: (from, to) => {
        const bad = dense.shape.findIndex((s, i) => i !== a && s !== to[i]);
        if (bad >= 0) {
          throw new ShapeMismatchError(
            to.map((s, i) => (i === a ? extent : s)),
            dense.shape,
            `appended data of shape ${JSON.stringify(dense.shape)} does not match ${JSON.stringify(target.array.path)} of shape ${JSON.stringify(from)} along ${axisLabel(target, bad)}: every axis but the append axis must have the array's size`,
          );
        }
        refuseChannelGrowth(target, from, to);
      },
      data: dense.data,
      digest: digestOf(dense.data),
    },
    opts,
  );
}

async function grow(target: GrowTarget, req: Request, opts: GrowOptions): Promise<void> {
  const { owner } = target;
  const store = target.array.store;
  const path = target.array.path;
  const levels = levelsOf(target);
  const markerKey = joinKey(levels.paths[0]!, RESIZE_MARKER);
  const pending = await readMarker(store, markerKey);
  if (levels.listed) await refuseWithLabels(target);
  if (pending !== undefined) {
    const to = req.to(pending.from);
    if (
      pending.kind === req.kind &&
      pending.axis === req.axis &&
      pending.digest === req.digest &&
      JSON.stringify(to) === JSON.stringify(pending.to)
    ) {
      // The same call again: complete it (an append writes its data again, same bytes).
      req.check(pending.from, pending.to);
      return apply(target, pending, markerKey, req.data, opts);
    }
    // Another call. When level 0 already shows the pending growth, its data landed (data is
    // written before any metadata): complete it from the store, then run this call.
    const level0 = await openArray(store, levels.paths[0]!);
    if (!sameShape(level0.shape, pending.to)) {
      throw new PyramidStateError(
        `an interrupted ${pending.kind} of ${JSON.stringify(path)} from ${JSON.stringify(pending.from)} to ${JSON.stringify(pending.to)}${pending.axis === null ? "" : ` along axis ${pending.axis}`} is pending (marker ${JSON.stringify(markerKey)}); run that same ${pending.kind} again to complete it before growing the image otherwise`,
      );
    }
    const next = req.to(pending.to);
    req.check(pending.to, next); // bad input is refused before the pending run is completed
    await apply(target, pending, markerKey, undefined, opts);
  }
  const current = await openArray(store, path);
  const from = [...current.shape];
  const to = req.to(from);
  req.check(from, to);
  if (to.every((s, i) => s === from[i])) return;
  const m = owner?._liveMultiscale();
  const marker: Marker = {
    ngffWriterResize: 1,
    kind: req.kind,
    axis: req.axis,
    from,
    to,
    multiscale: levels.listed && m !== undefined ? structuredClone(m) : null,
    ...(req.digest === undefined ? {} : { digest: req.digest }),
  };
  await apply(target, marker, markerKey, req.data, opts, true);
}

/**
 * Run (or complete) the growth a marker describes: data, pyramid, metadata, marker removal.
 * `data` is the appended data; undefined for a resize, or to complete an append whose data is
 * in the store already. `fresh`: the marker is new and is written first.
 */
async function apply(
  target: GrowTarget,
  marker: Marker,
  markerKey: string,
  data: AnyTypedArray | undefined,
  opts: GrowOptions,
  fresh = false,
): Promise<void> {
  const { owner } = target;
  const store = target.array.store;
  const path = target.array.path;
  const ms = marker.multiscale;
  const datasets = ms?.datasets ?? [];
  const levelPaths =
    ms === null || owner === undefined ? [path] : datasets.map((d) => joinPath(owner.path, d.path));
  const factors = ms === null || owner === undefined ? [] : stepFactors(datasets);
  const arrays = await Promise.all(levelPaths.map((p) => openArray(store, p)));
  const targets = planLevelShapes(marker.to, factors);
  arrays.forEach((arr, k) => {
    if (arr.shape.some((s, i) => s > targets[k]![i]!)) {
      throw new PyramidStateError(
        `level ${k} (${JSON.stringify(arr.path)}) has shape ${JSON.stringify(arr.shape)}, larger than ${JSON.stringify(targets[k])} that growing level 0 to ${JSON.stringify(marker.to)} gives; the pyramid does not follow level 0: delete it (deletePyramid) and compute it again`,
      );
    }
  });
  if (fresh) await writeJson(store, markerKey, marker, 3);

  // 2. Data: level 0, then the affected blocks of every level, from the level before it.
  const grown = arrays.map((a, k) => withShape(a, targets[k]!));
  const level0 = grown[0]!;
  let written: Region[];
  if (marker.kind === "append") {
    const axis = marker.axis!;
    const region: Region = marker.to.map((s, i) =>
      i === axis ? ([marker.from[i]!, s] as const) : ([0, s] as const),
    );
    if (data !== undefined) await level0.writeRegion(region, data);
    written = [region];
  } else {
    written = grownSlabs(marker.from, marker.to);
    await fillOldEdge(level0, marker.from, marker.to);
  }
  const method = methodOf(owner, ms);
  // A resize recomputes the blocks that straddle the old edge (old data next to new fill); blocks
  // wholly in the grown part hold the fill value, which absent blocks read as.
  let oldData: Region | undefined =
    marker.kind === "resize" ? marker.from.map((s) => [0, s] as const) : undefined;
  const runId = randomUUID();
  // Loaded on first use, as computePyramid does (the engine pulls in the pool's modules).
  const { taskError } = await import("../engine/compute.js");
  const { runPyramidTask } = await import("../engine/run-task.js");
  for (let k = 1; k < grown.length; k++) {
    const source = grown[k - 1]!;
    const dest = grown[k]!;
    const f = factors[k - 1]!;
    const block = dest.shards ?? dest.chunks;
    const keys = new Set<string>();
    const blocks: number[][] = [];
    for (const r of written) {
      for (const c of affectedTargets(r, f, source.shape, block)) {
        const key = c.join(",");
        if (keys.has(key)) continue;
        const region = blockRegion(c, block, dest.shape);
        if (oldData !== undefined && !regionsIntersect(region, oldDataAt(oldData, k, factors))) {
          continue;
        }
        keys.add(key);
        blocks.push(c);
      }
    }
    written = written
      .map((r) => affectedTargetRegion(r, f, source.shape))
      .filter((r) => r.every(([a, b]) => b > a));
    const tasks: PlannedTask[] = blocks.map((c) => ({
      blocks: [c],
      region: blockRegion(c, block, dest.shape),
    }));
    await forEachBounded(
      tasks,
      TASKS_IN_FLIGHT,
      async (t) => {
        const task: PyramidTask = {
          runId,
          store: store.ref,
          sourcePath: source.path,
          targetPath: dest.path,
          blocks: t.blocks,
          factors: [...f],
          method,
          dtype: dest.dtype,
        };
        const r = await runPyramidTask(task, source, dest);
        if (!r.ok) throw taskError(k, t, source, dest, deserializeError(r.error));
      },
      { signal: opts.signal },
    );
  }
  oldData = undefined;

  // 3. Metadata, in an order that keeps every level pair valid; else detach the levels above 0.
  opts.signal?.throwIfAborted();
  const axes = ms?.axes.map((a) => a.name) ?? [];
  const scales = datasets.map((d) => scaleOf(d));
  const shapes = arrays.map((a) => [...a.shape]);
  const steps =
    arrays.length === 1
      ? [{ level: 0, shape: targets[0]! }]
      : schedule(shapes, targets, scales, axes);
  const live = owner?._liveMultiscale();
  const detached = ms !== null && live !== undefined && live.datasets.length < ms.datasets.length;
  if (steps !== undefined && !detached) {
    for (const s of steps) await arrays[s.level]!.resize(s.shape);
  } else {
    if (owner === undefined || live === undefined || ms === null) {
      throw new PyramidStateError(`cannot grow ${JSON.stringify(path)}: its levels are not known`);
    }
    if (!detached) {
      live.datasets = live.datasets.slice(0, 1);
      delete live.type;
      delete live.metadata;
      await owner.dumpMeta();
    }
    for (const [k, arr] of arrays.entries()) {
      if (!sameShape(arr.shape, targets[k]!)) await arr.resize(targets[k]!);
    }
    live.datasets = structuredClone(ms.datasets);
    if (ms.type === undefined) delete live.type;
    else live.type = ms.type;
    if (ms.metadata === undefined) delete live.metadata;
    else live.metadata = structuredClone(ms.metadata);
    await owner.dumpMeta();
  }
  // 4. Done: the marker goes last.
  await store.delete(markerKey);
  arrays.forEach((a, k) => {
    recordShape(a, targets[k]!);
  });
}

/** Level paths of the image `target` belongs to, and whether its array is level 0 of one. */
function levelsOf(target: GrowTarget): { paths: string[]; listed: boolean } {
  const { owner, array } = target;
  const m = owner?._liveMultiscale();
  if (owner === undefined || m === undefined) return { paths: [array.path], listed: false };
  const paths = m.datasets.map((d) => joinPath(owner.path, d.path));
  const k = paths.indexOf(array.path);
  if (k > 0) {
    throw new UnsupportedError(
      "resizing a pyramid level",
      `${JSON.stringify(array.path)} is level ${k} of a pyramid; resize or append to level 0 (${JSON.stringify(paths[0])}, position.get(0)) and the levels follow`,
    );
  }
  return k === 0 ? { paths, listed: true } : { paths: [array.path], listed: false };
}

/**
 * Integer factors per level step from the datasets' own scales (the multiscale-level scale
 * cancels out), as `computePyramid` uses them; read from the entry as it was before the run, so
 * a run that took the levels out of `multiscales` can still be completed.
 */
function stepFactors(datasets: readonly DatasetMeta[]): number[][] {
  const out: number[][] = [];
  for (let k = 1; k < datasets.length; k++) {
    const prev = scaleOf(datasets[k - 1]!);
    const cur = scaleOf(datasets[k]!);
    const f = cur?.map((c, i) => Math.round(c / prev![i]!));
    if (
      prev === undefined ||
      cur === undefined ||
      f === undefined ||
      f.some((x, i) => x < 1 || Math.abs(cur[i]! / prev[i]! - x) > 1e-6)
    ) {
      throw new PyramidStateError(
        `level ${datasets[k]!.path} scale ${JSON.stringify(cur ?? null)} is not an integer multiple of level ${datasets[k - 1]!.path} scale ${JSON.stringify(prev ?? null)}; the pyramid cannot follow level 0: delete it (deletePyramid) first`,
      );
    }
    out.push(f);
  }
  return out;
}

/** The recorded downsampling method; else `mode` for a label image and `mean` for an image. */
function methodOf(owner: MultiscalesNode | undefined, ms: MultiscaleMeta | null): DownsampleMethod {
  const t = ms?.type;
  if (typeof t === "string" && (DOWNSAMPLE_METHODS as readonly string[]).includes(t)) {
    return t as PyramidMethod;
  }
  return owner !== undefined && "_imageLabel" in owner ? "mode" : "mean";
}

/** `{ x : x_i ≥ from_i }` per grown axis i, inside the new shape (they may overlap). */
function grownSlabs(from: readonly number[], to: readonly number[]): Region[] {
  const out: Region[] = [];
  to.forEach((s, i) => {
    if (s > from[i]!) {
      out.push(to.map((n, j): readonly [number, number] => (j === i ? [from[i]!, s] : [0, n])));
    }
  });
  return out;
}

/** Where level k holds data that existed before a resize (the old shape, downsampled). */
function oldDataAt(old: Region, k: number, factors: readonly (readonly number[])[]): Region {
  let shape = old.map(([, b]) => b);
  for (let j = 0; j < k; j++) shape = downsampleShape(shape, factors[j]!);
  return shape.map((n) => [0, n] as const);
}

/**
 * Write the fill value into the grown part of the blocks that straddle the old edge of level 0,
 * so that data another tool left beyond the edge (a shrink in zarr-python keeps it) never shows.
 */
async function fillOldEdge(
  array: ZarrArray,
  from: readonly number[],
  to: readonly number[],
): Promise<void> {
  const block = array.shards ?? array.chunks;
  const oldEnd = from.map((s, i) => Math.min(to[i]!, Math.ceil(s / block[i]!) * block[i]!));
  for (const [i, s] of to.entries()) {
    if (s <= from[i]! || oldEnd[i]! <= from[i]!) continue;
    const region: Region = to.map((_, j) =>
      j === i ? ([from[i]!, oldEnd[i]!] as const) : ([0, oldEnd[j]!] as const),
    );
    if (region.some(([a, b]) => b <= a)) continue;
    await array.writeRegion(region, array.fillValue);
  }
}

/**
 * Per-level metadata writes from `shapes` to `targets` such that after each one every pair of
 * consecutive levels passes `levelPairIssue` (the validator's rule), or undefined when the rule
 * admits no such order (an axis no level downsamples must then grow at every level at once).
 */
export function schedule(
  shapes: readonly (readonly number[])[],
  targets: readonly (readonly number[])[],
  scales: readonly (readonly number[] | undefined)[],
  axes: readonly string[],
): { level: number; shape: number[] }[] | undefined {
  const state = shapes.map((s) => [...s]);
  const n = state.length - 1;
  const view = (k: number) => ({ path: String(k), shape: state[k]!, scale: scales[k] });
  const valid = (k: number) =>
    (k === 0 || levelPairIssue(view(k - 1), view(k), axes, k, GROWING) === undefined) &&
    (k === n || levelPairIssue(view(k), view(k + 1), axes, k + 1, GROWING) === undefined);
  const ratio = (k: number, i: number) => {
    const a = scales[k - 1]?.[i];
    const b = scales[k]?.[i];
    return a !== undefined && b !== undefined && a > 0 ? Math.max(1, Math.round(b / a)) : 1;
  };
  const steps: { level: number; shape: number[] }[] = [];
  while (!state.every((s, k) => sameShape(s, targets[k]!))) {
    if (steps.length > MAX_STEPS) return undefined;
    let progressed = false;
    for (let k = 0; k <= n; k++) {
      const orig = state[k]!;
      const next = [...orig];
      for (let i = 0; i < next.length; i++) {
        const have = next[i]!;
        const want = targets[k]![i]!;
        if (have >= want) continue;
        const cands = [want];
        // Where the rule may allow the shape to be: around prev / r and next · r.
        if (k > 0) {
          const p = state[k - 1]![i]!;
          const r = ratio(k, i);
          cands.push(p, Math.ceil(p / r) + 1, Math.ceil(p / r), Math.floor(p / r));
        }
        if (k < n) {
          const q = state[k + 1]![i]!;
          const r = ratio(k + 1, i);
          cands.push(q * r + r, q * r + r - 1, q * r);
        }
        const ok = [...new Set(cands)]
          .filter((c) => c > have && c <= want)
          .sort((x, y) => y - x)
          .find((c) => {
            state[k] = next.map((v, j) => (j === i ? c : v));
            const good = valid(k);
            state[k] = orig;
            return good;
          });
        if (ok !== undefined) next[i] = ok;
      }
      if (!sameShape(next, orig)) {
        state[k] = next;
        steps.push({ level: k, shape: [...next] });
        progressed = true;
      }
    }
    if (!progressed) return undefined;
  }
  return steps;
}

function digestOf(data: AnyTypedArray): string {
  return createHash("sha256")
    .update(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))
    .digest("hex");
}

function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function dtypeFits(array: DataType, data: DataType): boolean {
  if (array === data) return true;
  return (array === "bool" && data === "uint8") || (array === "uint8" && data === "bool");
}

function axisLabel(target: GrowTarget, i: number): string {
  const name = target.owner?.axes[i]?.name;
  return name === undefined ? String(i) : `${name} (${i})`;
}

function resolveAxis(target: GrowTarget, axis: string | number): number {
  const ndim = target.array.shape.length;
  const names = target.owner?.axes.map((a) => a.name) ?? [];
  const expected =
    names.length === ndim
      ? `an axis name (${names.join(", ")}) or an index 0..${ndim - 1}`
      : `an index 0..${ndim - 1}`;
  if (typeof axis === "string" && names.length === ndim) {
    const i = names.findIndex((n) => n.toLowerCase() === axis.toLowerCase());
    if (i >= 0) return i;
  } else if (typeof axis === "number" && Number.isInteger(axis) && axis >= 0 && axis < ndim) {
    return axis;
  }
  throw new InvalidOptionsError("axis", axis, expected);
}

/**
 * A label image has its image's shape (or 1) at every level: the image and its labels cannot
 * grow in one atomic step, so an image with labels that follow it, or a label image itself, is
 * refused (before anything is written).
 */
async function refuseWithLabels(target: GrowTarget): Promise<void> {
  const owner = target.owner;
  if (owner === undefined) return;
  if ("_imageLabel" in owner) {
    throw new UnsupportedError(
      "growing a label image",
      `${JSON.stringify(target.array.path)} is a label image, which has its image's shape; labels do not grow on their own (write a new label of the image's shape instead)`,
    );
  }
  const named = owner as MultiscalesNode & { labelNames?: () => Promise<string[]> };
  if (typeof named.labelNames !== "function") return;
  const names = await named.labelNames().catch(() => [] as string[]);
  if (names.length > 0) {
    throw new UnsupportedError(
      "growing an image with labels",
      `${JSON.stringify(target.array.path)} has label images (${names.join(", ")}) that must keep its shape; growing the image and its labels in one crash-safe step is not supported: delete the labels (position.deleteLabel) first, grow the image, then write them again`,
    );
  }
}

/** The channel axis grows through `position.appendChannel` (names and omero stay in step). */
function refuseChannelGrowth(
  target: GrowTarget,
  from: readonly number[],
  to: readonly number[],
): void {
  const axes = target.owner?.axes;
  if (axes === undefined || axes.length !== from.length) return;
  const c = axes.findIndex(
    (a) => a.type === "channel" || (a.type === undefined && a.name.toLowerCase() === "c"),
  );
  if (c >= 0 && to[c]! > from[c]!) {
    throw new UnsupportedError(
      "growing the channel axis",
      `the channel axis ${JSON.stringify(axes[c]!.name)} of ${JSON.stringify(target.array.path)} cannot grow through resize or append: channels have names (omero); call position.appendChannel(name) (it grows the arrays) and then write the channel's data`,
    );
  }
}

async function readMarker(store: ZarrArray["store"], key: string): Promise<Marker | undefined> {
  const raw = await readJson(store, key);
  if (raw === undefined) return undefined;
  const m = raw as Partial<Marker>;
  if (
    m.ngffWriterResize !== 1 ||
    (m.kind !== "resize" && m.kind !== "append") ||
    !Array.isArray(m.from) ||
    !Array.isArray(m.to)
  ) {
    throw new PyramidStateError(
      `${JSON.stringify(key)} is not a resize marker this version understands; remove it if no resize of the image is running`,
    );
  }
  return m as Marker;
}
