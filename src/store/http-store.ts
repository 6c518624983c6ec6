/** HTTP read-only store (placeholder until the HTTP store lands). */
import { UnsupportedError } from "../errors.js";
import type { HttpStoreRef } from "./ref.js";
import type { OpenStoreOptions } from "./registry.js";
import type { ZarrStore } from "./store.js";

/** Open a store served over HTTP(S), read-only. */
export async function openHttpStore(
  ref: HttpStoreRef,
  _opts: OpenStoreOptions,
): Promise<ZarrStore> {
  throw new UnsupportedError("http", `HTTP stores are not available yet (${ref.url})`);
}
