/**
 * Object keys of an S3 store: the store prefix plus the store key, and the store's own hidden
 * objects. Our own objects are named `.ngff:<what>` at the store root: no store key can be
 * named so (`assertSafeKey` refuses `:`), so they never collide with data, and listings hide
 * them, as they hide lock objects (`lock.ts`'s names) and temp-file names.
 */
import { LOCK_NAME_PATTERN } from "../lock.js";
import { TEMP_NAME_PATTERN } from "../safe-name.js";

/** Name prefix of the store's own objects (lease, probe). */
export const OWN_PREFIX = ".ngff:";

/** The single-writer lease at the store root (servers without conditional writes). */
export const LEASE_NAME = `${OWN_PREFIX}lease`;

/** The object written twice by the conditional-write probe at open. */
export function probeName(tag: string): string {
  return `${OWN_PREFIX}probe-${tag}`;
}

/** True for names listings hide: ours, lock objects, temp-file names. */
export function isHiddenName(name: string): boolean {
  return (
    name.startsWith(OWN_PREFIX) || LOCK_NAME_PATTERN.test(name) || TEMP_NAME_PATTERN.test(name)
  );
}

/** Maps store keys to object keys under a prefix (`""` = the bucket root). */
export class KeyMap {
  readonly prefix: string;
  constructor(prefix: string) {
    this.prefix = prefix;
  }

  /** Object key of store key `key` (`""` → the prefix itself). */
  full(key: string): string {
    if (this.prefix === "") return key;
    return key === "" ? this.prefix : `${this.prefix}/${key}`;
  }

  /** Listing prefix of everything under store key `dir` (`""` = the whole store). */
  under(dir: string): string {
    const f = this.full(dir);
    return f === "" ? "" : `${f}/`;
  }
}
