/** Test helpers for the plate tests: a store wrapper that counts operations, and store snapshots. */

import type { NgffVersion, NodeContext } from "../../../src/nodes/context.js";
import { createMemoryStore, type ZarrStore } from "../../../src/store/index.js";

/** Counts of store operations by key. */
export interface StoreCounts {
  gets: Map<string, number>;
  sets: Map<string, number>;
}

/** Wrap `inner` so every get/set is counted by key. `reset()` clears the counts. */
export function countingStore(inner: ZarrStore): {
  store: ZarrStore;
  counts: StoreCounts;
  reset(): void;
} {
  const counts: StoreCounts = { gets: new Map(), sets: new Map() };
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const store: ZarrStore = {
    kind: inner.kind,
    root: inner.root,
    ref: inner.ref,
    readOnly: inner.readOnly,
    get: (k) => {
      bump(counts.gets, k);
      return inner.get(k);
    },
    set: (k, v) => {
      bump(counts.sets, k);
      return inner.set(k, v);
    },
    delete: (k) => inner.delete(k),
    has: (k) => inner.has(k),
    list: (p) => inner.list(p),
    deletePrefix: (p) => inner.deletePrefix(p),
    rename: (a, b) => inner.rename(a, b),
  };
  return {
    store,
    counts,
    reset() {
      counts.gets.clear();
      counts.sets.clear();
    },
  };
}

/** The attribute file of a node: `.zattrs` (v2) or `zarr.json` (v3). */
export function attrsKey(path: string, version: NgffVersion): string {
  const f = version === "0.4" ? ".zattrs" : "zarr.json";
  return path === "" ? f : `${path}/${f}`;
}

/** A root context on a fresh memory store. */
export function memoryCtx(
  version: NgffVersion,
  store: ZarrStore = createMemoryStore(),
): NodeContext {
  return { store, path: "", format: version === "0.4" ? 2 : 3, version, mode: "w-" };
}

/** Every key and value of a store (recursively), for byte-identity checks. */
export async function dumpStore(store: ZarrStore, prefix = ""): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (p: string): Promise<void> => {
    const { dirs, files } = await store.list(p);
    for (const f of files) {
      const key = p === "" ? f : `${p}/${f}`;
      const v = await store.get(key);
      out.set(key, Buffer.from(v ?? new Uint8Array()).toString("base64"));
    }
    for (const d of dirs) await walk(p === "" ? d : `${p}/${d}`);
  };
  await walk(prefix);
  return out;
}

/** Metadata files (JSON) of a store, parsed, keyed by path: for file snapshots. */
export async function metadataFiles(store: ZarrStore): Promise<Record<string, unknown>> {
  const all = await dumpStore(store);
  const out: Record<string, unknown> = {};
  for (const key of [...all.keys()].sort()) {
    if (/(^|\/)(\.zattrs|\.zgroup|\.zarray|zarr\.json)$/.test(key)) {
      out[key] = JSON.parse(Buffer.from(all.get(key)!, "base64").toString("utf8"));
    }
  }
  return out;
}
