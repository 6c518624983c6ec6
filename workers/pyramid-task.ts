/**
 * Piscina worker entry of the pyramid engine: one task computes some target blocks of one level
 * from the level before it, or writes whole blocks of an image from a transferred buffer
 * (`createImage` of a big image), or copies whole blocks of an array into another store or
 * format (`convertStore`); see src/engine/protocol.ts. The worker reopens the store by
 * reference (`openStoreRef`: a directory, an S3 prefix) and caches opened stores and arrays per run (`task.runId`), keeping the last few runs so
 * that several runs sharing one pool do not evict each other.
 */
// The store layer's modules, not its index: the index also registers our codecs in zarrita's
// registry, and nothing in a pool thread uses zarrita (loading it cost each thread ~50 ms).
import { workerData } from "piscina";
import { runCopyBlocksTask } from "../src/engine/copy-task.js";
import type { PyramidWorkerData } from "../src/engine/pool.js";
import type { PoolTask, PyramidTaskResult } from "../src/engine/protocol.js";
import { serializeError } from "../src/engine/protocol.js";
import { runPyramidTask } from "../src/engine/run-task.js";
import {
  runStreamBlocksTask,
  runStreamChainTask,
  runStreamFrameTask,
} from "../src/engine/stream-task.js";
import { runWriteBlocksTask } from "../src/engine/write-task.js";
import { openArray, type ZarrArray } from "../src/store/array.js";
import { refKey, type StoreRef } from "../src/store/ref.js";
import { openStoreRef } from "../src/store/registry.js";
import type { ZarrStore } from "../src/store/store.js";

interface RunCache {
  stores: Map<string, Promise<ZarrStore>>;
  arrays: Map<string, Promise<ZarrArray>>;
}

const KEEP_RUNS = 8;
/**
 * Synchronous file calls on this thread unless our pool said otherwise (a caller's own Piscina
 * pool passes no such data: sync too). Async calls would queue on libuv's threadpool, shared by
 * every worker of the process: measured in bench/pyramid.bench.ts.
 */
const SYNC_IO = (workerData as Partial<PyramidWorkerData> | undefined)?.ngffPyramid?.syncIO ?? true;
const runs = new Map<string, RunCache>();

function cacheFor(runId: string): RunCache {
  let cache = runs.get(runId);
  if (cache === undefined) {
    cache = { stores: new Map(), arrays: new Map() };
    runs.set(runId, cache);
    // Maps iterate in insertion order: drop the oldest runs.
    for (const old of runs.keys()) {
      if (runs.size <= KEEP_RUNS) break;
      runs.delete(old);
    }
  }
  return cache;
}

/** Open (once per run) an array of the task's store; failed opens are not cached. */
function arrayFor(task: { runId: string; store: StoreRef }, path: string): Promise<ZarrArray> {
  return arrayIn(task.runId, task.store, path);
}

/** Open (once per run) an array of the store `ref` names; failed opens are not cached. */
function arrayIn(runId: string, ref: StoreRef, path: string): Promise<ZarrArray> {
  const { stores, arrays } = cacheFor(runId);
  const storeKey = refKey(ref);
  const key = `${storeKey}\0${path}`;
  let array = arrays.get(key);
  if (array === undefined) {
    let store = stores.get(storeKey);
    if (store === undefined) {
      store = openStoreRef(ref, { syncIO: SYNC_IO });
      store.catch(() => stores.delete(storeKey));
      stores.set(storeKey, store);
    }
    array = store.then((s) => openArray(s, path));
    array.catch(() => arrays.delete(key));
    arrays.set(key, array);
  }
  return array;
}

/** Run one task (any kind of PoolTask); never rejects (errors come back as data). */
export default async function pyramidTask(task: PoolTask): Promise<PyramidTaskResult> {
  try {
    if (task.kind === "write-blocks") {
      return await runWriteBlocksTask(task, await arrayFor(task, task.arrayPath));
    }
    if (task.kind === "stream-chain") return runStreamChainTask(task);
    if (task.kind === "stream-frame") {
      return await runStreamFrameTask(task, (w) => arrayFor(w, w.arrayPath));
    }
    if (task.kind === "stream-blocks") {
      return await runStreamBlocksTask(task, await arrayFor(task, task.arrayPath));
    }
    if (task.kind === "convert-tiff") {
      // Loaded on first use: only queue workers converting TIFFs need the TIFF reader.
      const { runConvertTiffTask } = await import("../src/engine/convert-task.js");
      return await runConvertTiffTask(task, await arrayFor(task, task.arrayPath));
    }
    if (task.kind === "copy-blocks") {
      const [source, target] = await Promise.all([
        arrayIn(task.runId, task.source, task.sourcePath),
        arrayFor(task, task.targetPath),
      ]);
      return await runCopyBlocksTask(task, source, target);
    }
    const [source, target] = await Promise.all([
      arrayFor(task, task.sourcePath),
      arrayFor(task, task.targetPath),
    ]);
    return await runPyramidTask(task, source, target);
  } catch (err) {
    return { ok: false, error: serializeError(err) };
  }
}
