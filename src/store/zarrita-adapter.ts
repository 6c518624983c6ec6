/** Use a {@link ZarrStore} with zarrita (`zarr.open`, `zarr.get`, `zarr.set`). */
import type { AbsolutePath, AsyncMutable, RangeQuery } from "@zarrita/storage";
import type { ZarrStore } from "./store.js";

/** zarrita's store shape (keys are absolute: `/a/zarr.json`). */
export type ZarritaStore = AsyncMutable & {
  getRange(key: AbsolutePath, range: RangeQuery): Promise<Uint8Array | undefined>;
};

/**
 * Wrap a store for zarrita: keys lose their leading `/`, every key is still checked, writes
 * stay atomic. Note: zarrita writes its own (possibly invalid) v3 metadata on `zarr.create`;
 * create arrays with `createArray` and use zarrita for chunk I/O only.
 */
export function asZarritaStore(store: ZarrStore): ZarritaStore {
  const rel = (key: string) => key.replace(/^\/+/, "");
  return {
    get: (key) => store.get(rel(key)),
    set: (key, value) => store.set(rel(key), value),
    getRange: async (key, range) => {
      if (store.getRange !== undefined) return store.getRange(rel(key), range);
      const all = await store.get(rel(key));
      if (all === undefined) return undefined;
      if ("suffixLength" in range)
        return all.subarray(Math.max(0, all.length - range.suffixLength));
      return all.subarray(range.offset, range.offset + range.length);
    },
  };
}
