/**
 * `position.createStream` and `position.openStream`: set up the level arrays and metadata of a
 * stream (or find them again), take the single-writer lock, and hand back a {@link StreamWriter}.
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { poolFor } from "../engine/shared-pool.js";
import {
  AlreadyExistsError,
  ConcurrentWriteError,
  InvalidOptionsError,
  LockTimeoutError,
  NotFoundError,
} from "../errors.js";
import { joinPath } from "../nodes/context.js";
import { pyramidMetadata } from "../nodes/multiscales-meta.js";
import type { Position } from "../nodes/position.js";
import { factorsFromDims } from "../nodes/pyramid-ops.js";
import { cloneTransform, identityTransforms, type Transform } from "../nodes/transforms.js";
import { assertSafeName, openArray, refKey, withShape, type ZarrArray } from "../store/index.js";
import { DEFAULT_STALE_MS, lockKeyFor, withLockFile } from "../store/lock.js";
import { type StreamGeometry, streamGeometry } from "./geometry.js";
import {
  type CreateStreamOptions,
  DEFAULT_MAX_QUEUED_FRAMES,
  resolveStreamOptions,
} from "./options.js";
import { readState, type StreamState, stateKeyFor, writeState } from "./state.js";
import { StreamWriter } from "./writer.js";

/** Options of `position.openStream`: how this writer runs (the geometry is the stream's). */
export type OpenStreamOptions = Pick<
  CreateStreamOptions,
  "workers" | "pool" | "signal" | "onProgress" | "maxQueuedFrames" | "metadataIntervalMs"
>;

/** Streams open in this process, by store and image path. */
const open = new Set<string>();

/**
 * Take the single-writer lock of image `imagePath`: in this process a set of open streams, across
 * processes the store's lock file (held, with its heartbeat, until `unlock`).
 * @throws {ConcurrentWriteError} when this process already streams into the image.
 * @throws {LockTimeoutError} at once when another live process holds it (a directory store;
 *   other stores wait their lock timeout).
 */
async function lockImage(position: Position, imagePath: string): Promise<() => Promise<void>> {
  const store = position.ctx.store;
  const id = `${refKey(store.ref)}\0${imagePath}`;
  if (open.has(id)) {
    throw new ConcurrentWriteError(
      imagePath,
      `a stream writer of "${imagePath}" is already open in this process; close it first`,
    );
  }
  open.add(id);
  if (store.lock === undefined || store.readOnly) {
    return async () => {
      open.delete(id);
    };
  }
  let release!: () => void;
  const held = new Promise<void>((r) => {
    release = r;
  });
  let acquired!: () => void;
  const got = new Promise<void>((r) => {
    acquired = r;
  });
  const key = lockKeyFor(`${imagePath}-stream`);
  const body = async () => {
    acquired();
    await held;
  };
  // A directory: the lock file itself, released at once on close (no linger: a closed stream
  // leaves no lock file behind), and not waited for: a stream holds it for its whole length, so
  // a live holder means another writer now (a dead one on this host is taken over at once, one
  // on another host once its heartbeat is stale). Other stores: their own lock.
  const lock =
    store.kind === "local" && store.root !== undefined
      ? withLockFile(join(store.root, key), body, { lingerMs: 0, timeoutMs: 0 })
      : store.lock(key, body);
  try {
    await Promise.race([got, lock]);
  } catch (err) {
    open.delete(id);
    if (err instanceof LockTimeoutError && store.kind === "local") {
      throw new LockTimeoutError(
        err.lockPath,
        err.waitedMs,
        `another process is writing "${imagePath}" as a stream (${err.message}); close or abandon it there first. A writer that died on another host gives its lock up ${DEFAULT_STALE_MS / 1000} s after its last heartbeat`,
        { cause: err },
      );
    }
    throw err;
  }
  return async () => {
    release();
    await lock.catch(() => undefined);
    open.delete(id);
  };
}

function scaleTransforms(base: readonly Transform[], total: readonly number[]): Transform[] {
  return base.map((t) => {
    const c = cloneTransform(t);
    if (c.type === "scale") c.scale = c.scale.map((v, i) => v * (total[i] ?? 1));
    return c;
  });
}

function stateShape(g: StreamGeometry): (number | null)[] {
  return [...g.levels[0]!.lead, ...g.levels[0]!.plane].map((n) => (Number.isFinite(n) ? n : null));
}

function writerRuntime(position: Position, opts: OpenStreamOptions) {
  if (opts.workers !== undefined && !(Number.isInteger(opts.workers) && opts.workers >= 0)) {
    throw new InvalidOptionsError("workers", opts.workers, "an integer >= 0 (0 = this thread)");
  }
  const maxQueued = opts.maxQueuedFrames ?? DEFAULT_MAX_QUEUED_FRAMES;
  if (!(Number.isInteger(maxQueued) && maxQueued >= 1)) {
    throw new InvalidOptionsError("maxQueuedFrames", maxQueued, "an integer >= 1");
  }
  const pool = poolFor(position.ctx.store, {
    workers: opts.workers ?? availableParallelism(),
    pool: opts.pool,
  });
  return {
    pool,
    signal: opts.signal,
    onProgress: opts.onProgress,
    maxQueued,
    metadataIntervalMs: opts.metadataIntervalMs ?? 1000,
  };
}

/**
 * `name` is already listed: when it is what a createStream killed before its state file left
 * (no state file, every level empty along the append axis, so no pixel can be lost), remove it
 * so that this createStream completes; anything else is an AlreadyExistsError. `check`: only
 * refuse (before the lock is taken); the removal runs again under the lock.
 */
async function clearInterruptedCreate(
  position: Position,
  name: string,
  appendAxis: number,
  check = false,
): Promise<void> {
  const store = position.ctx.store;
  const stateKey = stateKeyFor(position.path, name);
  const refuse = (why: string) =>
    new AlreadyExistsError(
      name,
      `${JSON.stringify(position.path || "/")} already holds image ${JSON.stringify(name)} (${why}); ` +
        "continue an unfinished stream with openStream, or stream into a position of its own",
    );
  if ((await readState(store, stateKey)) !== undefined) throw refuse("an unfinished stream");
  for (const level of position.levelPaths) {
    const a = await openArray(store, joinPath(position.path, level)).catch(() => undefined);
    if (a !== undefined && a.shape[appendAxis] !== 0) throw refuse(`level ${level} holds data`);
  }
  if (!check) await position.deleteImage(name);
}

/**
 * Create a stream into a new image `name` of `position` (see `Position.createStream`).
 * Everything is checked before anything is written. A createStream killed before its state
 * file leaves image `name` empty along the append axis: running it again takes its place.
 */
export async function createStream(
  position: Position,
  name: string,
  opts: CreateStreamOptions,
): Promise<StreamWriter> {
  position._assertWritable();
  assertSafeName(name, "image name");
  const axisNames = position.axes.map((a) => a.name);
  const r = resolveStreamOptions(opts, axisNames);
  const factors =
    r.levels > 1 ? factorsFromDims(position, opts.pyramid?.dims) : axisNames.map(() => 1);
  if (factors[r.appendAxis] !== 1) {
    throw new InvalidOptionsError(
      "pyramid.dims",
      opts.pyramid?.dims,
      `dims without the append axis ${axisNames[r.appendAxis]}`,
      {
        hint: "The append axis is never downsampled.",
      },
    );
  }
  const held = position.levelPaths;
  if (held.length > 0 && held[0] !== name) {
    throw new AlreadyExistsError(
      name,
      `${JSON.stringify(position.path || "/")} already holds an image (${held.join(", ")}); stream into a position of its own`,
    );
  }
  if (held.length > 0) await clearInterruptedCreate(position, name, r.appendAxis, true);
  opts.signal?.throwIfAborted();
  const runtime = writerRuntime(position, opts);
  const store = position.ctx.store;
  const imagePath = joinPath(position.path, name);
  const unlock = await lockImage(position, imagePath);
  try {
    if (held.length > 0) await clearInterruptedCreate(position, name, r.appendAxis);
    const zeroShape = r.shape.map((n, i) => (i === r.appendAxis ? 0 : n));
    await position.createZeros(name, {
      shape: zeroShape,
      dtype: r.dtype,
      chunks: r.chunks,
      ...(opts.shardsRatio === undefined ? {} : { shardsRatio: opts.shardsRatio }),
      ...(opts.codec === undefined ? {} : { codec: opts.codec }),
      ...(opts.transform === undefined ? {} : { transform: opts.transform }),
      workers: 0,
    });
    const level0 = await openArray(store, imagePath);
    const g = streamGeometry({
      dtype: r.dtype,
      shape: r.shape,
      appendAxis: r.appendAxis,
      chunks: [...level0.chunks],
      shards: level0.shards === undefined ? undefined : [...level0.shards],
      levels: r.levels,
      factors,
    });
    const arrays: ZarrArray[] = [level0];
    const names = [name];
    if (r.levels > 1) {
      const m = position._liveMultiscale()!;
      const base = m.datasets[0]?.coordinateTransformations ?? identityTransforms(axisNames.length);
      const total = factors.map(() => 1);
      for (let k = 1; k < r.levels; k++) {
        for (const [i, f] of factors.entries()) total[i] = total[i]! * f;
        const l = g.levels[k]!;
        const transforms = scaleTransforms(base, total);
        await position._createLevel(
          String(k),
          {
            shape: [...l.lead.map((n, i) => (i === r.appendAxis ? 0 : n)), ...l.plane],
            dtype: r.dtype,
            chunks: l.chunks,
            shards: l.shards,
            codec: level0.codec,
          },
          { transforms, record: false },
        );
        position._recordLevel(String(k), transforms);
        names.push(String(k));
        arrays.push(await openArray(store, joinPath(position.path, String(k))));
      }
      m.type = r.method;
      m.metadata = pyramidMetadata(
        r.method,
        Array.from({ length: r.levels - 1 }, () => factors),
      );
      await position.dumpMeta();
    }
    const stateKey = stateKeyFor(position.path, name);
    const stateBase = {
      format: "ngff-stream" as const,
      version: 1 as const,
      image: name,
      levelNames: names,
      dtype: r.dtype,
      shape: stateShape(g),
      appendAxis: r.appendAxis,
      chunks: [...level0.chunks],
      shards: level0.shards === undefined ? null : [...level0.shards],
      factors,
      method: r.method,
    };
    await writeState(store, stateKey, { ...stateBase, doneSteps: 0, doneExtra: [], partial: [] });
    return new StreamWriter({
      store,
      levelPaths: names.map((n) => joinPath(position.path, n)),
      arrays,
      geometry: g,
      method: r.method,
      stateKey,
      stateBase,
      ...runtime,
      maxQueued: r.maxQueuedFrames,
      metadataIntervalMs: r.metadataIntervalMs,
      openImage: () => position.get(name),
      unlock,
    });
  } catch (err) {
    await unlock();
    throw err;
  }
}

/**
 * Reopen the unfinished stream of image `name` (see `Position.openStream`): read its state file,
 * re-read from level 0 the frames of incomplete steps and fold them in again, and continue.
 * @throws {NotFoundError} when `name` has no unfinished stream (no state file).
 */
export async function openStream(
  position: Position,
  name: string,
  opts: OpenStreamOptions = {},
): Promise<StreamWriter> {
  position._assertWritable();
  assertSafeName(name, "image name");
  const store = position.ctx.store;
  const stateKey = stateKeyFor(position.path, name);
  const runtime = writerRuntime(position, opts);
  opts.signal?.throwIfAborted();
  const imagePath = joinPath(position.path, name);
  const unlock = await lockImage(position, imagePath);
  try {
    const state = await readState(store, stateKey);
    if (state === undefined) {
      throw new NotFoundError(
        name,
        `there is no unfinished stream of ${JSON.stringify(imagePath)} (no ${stateKey}); a closed stream is an ordinary image`,
      );
    }
    const levelPaths = state.levelNames.map((n) => joinPath(position.path, n));
    const arrays = await Promise.all(levelPaths.map((p) => openArray(store, p)));
    const a = state.appendAxis;
    const g = streamGeometry({
      dtype: state.dtype,
      shape: state.shape.map((n) => n ?? Infinity),
      appendAxis: a,
      chunks: state.chunks,
      shards: state.shards ?? undefined,
      levels: state.levelNames.length,
      factors: state.factors,
    });
    // The metadata is written after the data: steps it advertises are complete at every level.
    const advertised = Math.min(...arrays.map((x) => x.shape[a]!));
    const byMeta =
      advertised >= g.cap ? Math.ceil(g.cap / g.stepLength) : Math.floor(advertised / g.stepLength);
    const doneSteps = Math.max(state.doneSteps, byMeta);
    const { doneSteps: _d, doneExtra: _e, partial: _p, ...stateBase } = state;
    const writer = new StreamWriter({
      store,
      levelPaths,
      arrays,
      geometry: g,
      method: state.method,
      stateKey,
      stateBase,
      ...runtime,
      openImage: () => position.get(name),
      unlock,
      doneSteps,
      doneExtra: state.doneExtra,
    });
    const level0 = arrays[0]!;
    const [py, px] = g.levels[0]!.plane;
    for (const part of state.partial) {
      if (part.step < doneSteps || state.doneExtra.includes(part.step)) continue;
      for (const p of part.frames) {
        const end = Math.min((part.step + 1) * g.stepLength, g.cap);
        const view = withShape(level0, [
          ...g.levels[0]!.lead.map((n, i) => (i === a ? Math.max(end, level0.shape[a]!) : n)),
          py,
          px,
        ]);
        const plane = await view.readRegion([
          ...p.map((c): [number, number] => [c, c + 1]),
          [0, py],
          [0, px],
        ]);
        writer._resume(p, plane);
      }
    }
    return writer;
  } catch (err) {
    await unlock();
    throw err;
  }
}

/** @internal The state of a stream (tests). */
export type { StreamState };
