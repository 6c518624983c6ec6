/** In-memory {@link ZarrStore}: a `Map` of keys to bytes (tests, in-process pyramids). */
import { AlreadyExistsError, NotFoundError, UnsafePathError } from "../errors.js";
import type { MemoryStoreRef } from "./ref.js";
import { assertSafeKey } from "./safe-name.js";
import type { ByteRange, ZarrStore } from "./store.js";

let memoryCount = 0;
/** This thread's memory stores by reference id (weakly held: a dropped store goes away). */
const live = new Map<string, WeakRef<MemoryStore>>();
const gone = new FinalizationRegistry<string>((id) => {
  if (live.get(id)?.deref() === undefined) live.delete(id);
});

/** The memory store of this thread with reference id `id`, while it is alive. */
export function findMemoryStore(id: string): MemoryStore | undefined {
  return live.get(id)?.deref();
}

/** In-memory store; values are copied on `set` and `get`. */
export class MemoryStore implements ZarrStore {
  readonly kind = "memory" as const;
  readonly root = undefined;
  readonly ref: MemoryStoreRef = { kind: "memory", id: `m${++memoryCount}` };
  readonly readOnly = false;
  readonly #data = new Map<string, Uint8Array>();

  constructor() {
    live.set(this.ref.id, new WeakRef(this));
    gone.register(this, this.ref.id);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    assertSafeKey(key);
    return this.#data.get(key)?.slice();
  }

  async getRange(key: string, range: ByteRange): Promise<Uint8Array | undefined> {
    assertSafeKey(key);
    const v = this.#data.get(key);
    if (v === undefined) return undefined;
    if ("suffixLength" in range) return v.slice(Math.max(0, v.length - range.suffixLength));
    return v.slice(range.offset, range.offset + range.length);
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    assertSafeKey(key);
    this.#data.set(key, value.slice());
  }

  async delete(key: string): Promise<void> {
    assertSafeKey(key);
    this.#data.delete(key);
  }

  async has(key: string): Promise<boolean> {
    assertSafeKey(key);
    return this.#data.has(key);
  }

  async list(prefix: string): Promise<{ dirs: string[]; files: string[] }> {
    assertSafeKey(prefix, true);
    const start = prefix === "" ? "" : `${prefix}/`;
    const dirs = new Set<string>();
    const files: string[] = [];
    for (const k of this.#data.keys()) {
      if (!k.startsWith(start)) continue;
      const rest = k.slice(start.length);
      const slash = rest.indexOf("/");
      if (slash < 0) files.push(rest);
      else dirs.add(rest.slice(0, slash));
    }
    return { dirs: [...dirs].sort(), files: files.sort() };
  }

  async deletePrefix(prefix: string): Promise<void> {
    assertSafeKey(prefix, true);
    const start = prefix === "" ? "" : `${prefix}/`;
    for (const k of [...this.#data.keys()]) {
      if (k === prefix || k.startsWith(start)) this.#data.delete(k);
    }
  }

  async rename(from: string, to: string): Promise<void> {
    assertSafeKey(from);
    assertSafeKey(to);
    if (to === from || to.startsWith(`${from}/`)) {
      throw new UnsafePathError(to, `cannot move "${from}" into itself`, { what: "rename target" });
    }
    const moved = [...this.#data.keys()].filter((k) => k === from || k.startsWith(`${from}/`));
    if (moved.length === 0)
      throw new NotFoundError(from, `cannot rename "${from}": it does not exist`);
    const taken = [...this.#data.keys()].some((k) => k === to || k.startsWith(`${to}/`));
    if (taken) {
      throw new AlreadyExistsError(to, `cannot rename "${from}" to "${to}": the target exists`);
    }
    for (const k of moved) {
      const v = this.#data.get(k)!;
      this.#data.delete(k);
      this.#data.set(to + k.slice(from.length), v);
    }
  }
}
