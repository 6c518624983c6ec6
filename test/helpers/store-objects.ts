/**
 * Every object of a store, as a reader sees it (walking `list`, so hidden lease, lock and temp
 * objects are left out): key → sha256 of its bytes, in key order. For object-for-object
 * comparisons of a remote store with a directory (`readTree` in test/integration/pyramid/helpers.ts).
 */
import { createHash } from "node:crypto";
import type { ZarrStore } from "../../src/store/index.js";

/** Every object under the store's root: key → sha256, sorted by key. */
export async function readObjects(store: ZarrStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  async function walk(prefix: string): Promise<void> {
    const { dirs, files } = await store.list(prefix);
    for (const f of files) {
      const key = prefix === "" ? f : `${prefix}/${f}`;
      out.set(
        key,
        createHash("sha256")
          .update((await store.get(key))!)
          .digest("hex"),
      );
    }
    for (const d of dirs) await walk(prefix === "" ? d : `${prefix}/${d}`);
  }
  await walk("");
  return sortedByKey(out);
}

/** The same map with its keys in order (for `toEqual` against {@link readObjects}). */
export function sortedByKey(m: Map<string, string>): Map<string, string> {
  return new Map([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}
