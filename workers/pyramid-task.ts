/**
 * Piscina worker entry of the pyramid engine: one task computes some target blocks of one level
 * from the level before it (see src/pyramid/protocol.ts). The worker reopens the local store by
 * path and caches opened stores and arrays for the duration of one run (`task.runId`).
 */
// Side effect: installs the codec wrappers (blosc shuffle/typesize, gzip, zlib) in this thread.
import "../src/store/index.js";
import type { PyramidTask, PyramidTaskResult } from "../src/pyramid/protocol.js";
import { serializeError } from "../src/pyramid/protocol.js";
import { runPyramidTask } from "../src/pyramid/run-task.js";
import { openArray, openLocalStore, type ZarrArray, type ZarrStore } from "../src/store/index.js";

// Failed opens are dropped from the caches so that the next task retries them.
let cachedRun = "";
const stores = new Map<string, Promise<ZarrStore>>();
const arrays = new Map<string, Promise<ZarrArray>>();

function arrayFor(task: PyramidTask, path: string): Promise<ZarrArray> {
  if (task.runId !== cachedRun) {
    cachedRun = task.runId;
    stores.clear();
    arrays.clear();
  }
  const key = `${task.storeRoot}\0${path}`;
  let array = arrays.get(key);
  if (array === undefined) {
    let store = stores.get(task.storeRoot);
    if (store === undefined) {
      store = openLocalStore(task.storeRoot);
      store.catch(() => stores.delete(task.storeRoot));
      stores.set(task.storeRoot, store);
    }
    array = store.then((s) => openArray(s, path));
    array.catch(() => arrays.delete(key));
    arrays.set(key, array);
  }
  return array;
}

/** Run one pyramid task; never rejects (errors come back as data). */
export default async function pyramidTask(task: PyramidTask): Promise<PyramidTaskResult> {
  try {
    const [source, target] = await Promise.all([
      arrayFor(task, task.sourcePath),
      arrayFor(task, task.targetPath),
    ]);
    return await runPyramidTask(task, source, target);
  } catch (err) {
    return { ok: false, error: serializeError(err) };
  }
}
