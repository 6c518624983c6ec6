/**
 * Local-directory {@link ZarrStore} with atomic writes (temp file in the same directory, then
 * rename), remembered directories (no `mkdir -p` per chunk) and refusal to write through
 * symlinks that resolve outside the root.
 */
import { randomBytes } from "node:crypto";
import type { Stats } from "node:fs";
import * as fsc from "node:fs";
import * as fs from "node:fs/promises";
import * as nodePath from "node:path";
import {
  AlreadyExistsError,
  NotFoundError,
  ReadOnlyError,
  UnsafePathError,
  UnsupportedError,
} from "../errors.js";
import { forEachBounded } from "./concurrency.js";
import { LOCK_NAME_PATTERN, type LockOptions, withLockFile } from "./lock.js";
import type { FileStoreRef } from "./ref.js";
import { assertSafeKey, TEMP_NAME_PATTERN } from "./safe-name.js";
import type { ByteRange, ZarrStore } from "./store.js";

const PROCESS_TAG = randomBytes(4).toString("hex");
let tempCounter = 0;

/** The temp name used while writing `name`: `.<name>.tmp-<pid>-<rand>` (hidden from readers). */
export function tempNameFor(name: string): string {
  tempCounter = (tempCounter + 1) % 0x7fffffff;
  return `.${name}.tmp-${process.pid}-${PROCESS_TAG}${tempCounter.toString(36)}`;
}

function errCode(err: unknown): string | undefined {
  return typeof err === "object" && err !== null && "code" in err
    ? String((err as { code: unknown }).code)
    : undefined;
}

/**
 * Write `value` into the new file `tmp` (`O_EXCL`), close it, and rename it to `target`, with
 * callback fs calls under one promise (the promise API costs a FileHandle and several promises
 * per step). On failure the temp file is removed.
 */
function writeThenRename(tmp: string, target: string, value: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    const fail = (e: unknown) => fsc.rm(tmp, { force: true }, () => reject(e));
    fsc.open(tmp, "wx", 0o666, (err, fd) => {
      if (err) return reject(err);
      let done = 0;
      const step = (): void => {
        if (done < value.length) {
          fsc.write(fd, value, done, value.length - done, null, (e, n) => {
            if (e) return fsc.close(fd, () => fail(e));
            done += n;
            step();
          });
          return;
        }
        fsc.close(fd, (e) => {
          if (e) return fail(e);
          fsc.rename(tmp, target, (e2) => (e2 ? fail(e2) : resolve()));
        });
      };
      step();
    });
  });
}

/** The directory calls of `#checkDir`, as promises; the sync set runs on the calling thread. */
interface DirIO {
  lstat(p: string): Promise<Stats>;
  stat(p: string): Promise<Stats>;
  mkdir(p: string): Promise<unknown>;
  realpath(p: string): Promise<string>;
}
const ASYNC_DIR_IO: DirIO = {
  lstat: (p) => fs.lstat(p),
  stat: (p) => fs.stat(p),
  mkdir: (p) => fs.mkdir(p),
  realpath: (p) => fs.realpath(p),
};
/**
 * For `syncIO` stores (pool workers): async calls would go through libuv's one threadpool and
 * its lock, shared by every worker thread of the process.
 */
const SYNC_DIR_IO: DirIO = {
  lstat: async (p) => fsc.lstatSync(p),
  stat: async (p) => fsc.statSync(p),
  mkdir: async (p) => fsc.mkdirSync(p),
  realpath: async (p) => fsc.realpathSync(p),
};

/**
 * {@link writeThenRename} with synchronous calls, on the calling thread: for worker threads,
 * whose async fs calls would all queue on the process's one libuv threadpool (4 threads shared
 * by every worker, plus a hand-off per call). Same temp file, same rename, same cleanup.
 */
function writeThenRenameSync(tmp: string, target: string, value: Uint8Array): void {
  const fd = fsc.openSync(tmp, "wx", 0o666);
  try {
    try {
      let done = 0;
      while (done < value.length) done += fsc.writeSync(fd, value, done, value.length - done);
    } finally {
      fsc.closeSync(fd);
    }
    fsc.renameSync(tmp, target);
  } catch (e) {
    fsc.rmSync(tmp, { force: true });
    throw e;
  }
}

function readWhole(path: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    fsc.readFile(path, (e, b) => (e ? reject(e) : resolve(b)));
  });
}

function parentKey(key: string): string {
  const i = key.lastIndexOf("/");
  return i < 0 ? "" : key.slice(0, i);
}

function baseName(key: string): string {
  return key.slice(key.lastIndexOf("/") + 1);
}

/** Local directory store; see {@link openLocalStore}. */
export class LocalStore implements ZarrStore {
  readonly kind = "local" as const;
  readonly root: string;
  readonly ref: FileStoreRef;
  readonly readOnly: boolean;
  /** Directory keys known to exist and to lie inside the root (`""` is the root). */
  readonly #dirs = new Set<string>([""]);
  readonly #pendingDirs = new Map<string, Promise<void>>();
  /** Cross-process locks (undefined when opened with `lock: false`). */
  readonly lock: (<T>(lockKey: string, fn: () => Promise<T>) => Promise<T>) | undefined;
  /** `get` and `set` run their file calls synchronously on the calling thread. */
  readonly #syncIO: boolean;

  constructor(root: string, readOnly: boolean, lock: LockOptions | false = {}, syncIO = false) {
    this.root = root;
    this.ref = { kind: "file", path: root };
    this.readOnly = readOnly;
    this.#syncIO = syncIO;
    this.lock =
      lock === false
        ? undefined
        : async (lockKey, fn) => {
            assertSafeKey(lockKey);
            this.#assertWritable(lockKey);
            // The lock's directory is checked like any write path (no symlink out of the root).
            await this.#checkDir(parentKey(lockKey), true);
            return withLockFile(this.#abs(lockKey), fn, lock);
          };
  }

  #abs(key: string): string {
    if (key === "") return this.root;
    // Keys are checked (no empty, "." or ".." segments), so plain concatenation is exact.
    if (nodePath.sep === "/")
      return this.root.endsWith("/") ? this.root + key : `${this.root}/${key}`;
    return nodePath.join(this.root, ...key.split("/"));
  }

  #assertWritable(key: string): void {
    if (this.readOnly) {
      throw new ReadOnlyError(key, `cannot write "${key}": the store at ${this.root} is read-only`);
    }
  }

  #inside(real: string): boolean {
    return real === this.root || real.startsWith(this.root + nodePath.sep);
  }

  /**
   * Make sure directory `dirKey` exists (when `create`) and that no component of it is a
   * symlink resolving outside the root. Results are remembered.
   */
  async #checkDir(dirKey: string, create: boolean): Promise<boolean> {
    if (this.#dirs.has(dirKey)) return true;
    const pending = this.#pendingDirs.get(dirKey);
    if (pending !== undefined) {
      await pending;
      return this.#dirs.has(dirKey);
    }
    let exists = true;
    const work = (async () => {
      const parent = parentKey(dirKey);
      if (!(await this.#checkDir(parent, create))) {
        exists = false;
        return;
      }
      const abs = this.#abs(dirKey);
      const io = this.#syncIO ? SYNC_DIR_IO : ASYNC_DIR_IO;
      if (create) {
        // mkdir first: a writer mostly meets new directories (a stream makes several per frame),
        // and a failed lstat costs an error object. Made here: a directory, no symlink, inside
        // the root (its parent was checked). EEXIST: check what is there, below.
        const made = await io.mkdir(abs).then(
          () => true,
          (e: unknown) => {
            if (errCode(e) !== "EEXIST") throw e;
            return false;
          },
        );
        if (made) {
          this.#dirs.add(dirKey);
          return;
        }
      }
      let st = await io.lstat(abs).catch((e: unknown) => {
        if (errCode(e) === "ENOENT") return undefined;
        throw e;
      });
      if (st === undefined) {
        exists = false;
        return;
      }
      if (st.isSymbolicLink()) {
        const real = await io.realpath(abs);
        if (!this.#inside(real)) {
          throw new UnsafePathError(
            dirKey,
            `it is a symlink to ${real}, outside the store root ${this.root}; writes never follow it`,
            { what: "directory" },
          );
        }
        st = await io.stat(abs);
      }
      if (!st.isDirectory()) {
        throw new UnsupportedError(
          "non-directory in key path",
          `cannot use "${dirKey}" as a directory in ${this.root}: it is a file`,
        );
      }
      this.#dirs.add(dirKey);
    })();
    this.#pendingDirs.set(dirKey, work);
    try {
      await work;
    } finally {
      this.#pendingDirs.delete(dirKey);
    }
    return exists;
  }

  #forgetDirs(prefix: string): void {
    if (prefix === "") {
      this.#dirs.clear();
      this.#dirs.add("");
      return;
    }
    for (const d of [...this.#dirs]) {
      if (d === prefix || d.startsWith(`${prefix}/`)) this.#dirs.delete(d);
    }
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    assertSafeKey(key);
    try {
      const buf = this.#syncIO ? fsc.readFileSync(this.#abs(key)) : await readWhole(this.#abs(key));
      return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
    } catch (e) {
      const code = errCode(e);
      if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") return undefined;
      throw e;
    }
  }

  async getRange(key: string, range: ByteRange): Promise<Uint8Array | undefined> {
    assertSafeKey(key);
    let fh: fs.FileHandle | undefined;
    try {
      fh = await fs.open(this.#abs(key), "r");
      let offset: number;
      let length: number;
      if ("suffixLength" in range) {
        const size = (await fh.stat()).size;
        length = Math.min(range.suffixLength, size);
        offset = size - length;
      } else {
        offset = range.offset;
        length = range.length;
      }
      const out = new Uint8Array(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(out, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done === length ? out : out.subarray(0, done);
    } catch (e) {
      const code = errCode(e);
      if (code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR") return undefined;
      throw e;
    } finally {
      await fh?.close();
    }
  }

  async set(key: string, value: Uint8Array): Promise<void> {
    assertSafeKey(key);
    this.#assertWritable(key);
    const dirKey = parentKey(key);
    const abs = this.#abs(key);
    const base = baseName(key);
    const tmp = abs.slice(0, abs.length - base.length) + tempNameFor(base);
    if (!this.#dirs.has(dirKey)) await this.#checkDir(dirKey, true);
    const write = this.#syncIO
      ? async () => writeThenRenameSync(tmp, abs, value)
      : () => writeThenRename(tmp, abs, value);
    try {
      await write();
    } catch (e) {
      if (errCode(e) !== "ENOENT") throw e;
      // The directory vanished behind our back (deletePrefix elsewhere): recreate once, with
      // any of its parents that vanished too.
      for (let d = dirKey; d !== ""; d = parentKey(d)) this.#dirs.delete(d);
      this.#forgetDirs(dirKey);
      await this.#checkDir(dirKey, true);
      await write();
    }
  }

  async delete(key: string): Promise<void> {
    assertSafeKey(key);
    this.#assertWritable(key);
    if (!(await this.#checkDir(parentKey(key), false))) return;
    await fs.rm(this.#abs(key), { force: true });
  }

  async has(key: string): Promise<boolean> {
    assertSafeKey(key);
    try {
      return (await fs.stat(this.#abs(key))).isFile();
    } catch {
      return false;
    }
  }

  async list(prefix: string): Promise<{ dirs: string[]; files: string[] }> {
    assertSafeKey(prefix, true);
    let entries: import("node:fs").Dirent[];
    try {
      entries = await fs.readdir(this.#abs(prefix), { withFileTypes: true });
    } catch (e) {
      const code = errCode(e);
      if (code === "ENOENT" || code === "ENOTDIR") return { dirs: [], files: [] };
      throw e;
    }
    const dirs: string[] = [];
    const files: string[] = [];
    for (const ent of entries) {
      if (TEMP_NAME_PATTERN.test(ent.name) || LOCK_NAME_PATTERN.test(ent.name)) continue;
      let isDir = ent.isDirectory();
      let isFile = ent.isFile();
      if (ent.isSymbolicLink()) {
        const st = await fs.stat(nodePath.join(this.#abs(prefix), ent.name)).catch(() => undefined);
        isDir = st?.isDirectory() ?? false;
        isFile = st?.isFile() ?? false;
      }
      if (isDir) dirs.push(ent.name);
      else if (isFile) files.push(ent.name);
    }
    return { dirs: dirs.sort(), files: files.sort() };
  }

  async deletePrefix(prefix: string): Promise<void> {
    assertSafeKey(prefix, true);
    this.#assertWritable(prefix);
    if (prefix === "") {
      const names = await fs.readdir(this.root);
      await forEachBounded(names, 8, (n) =>
        fs.rm(nodePath.join(this.root, n), { recursive: true, force: true }),
      );
      this.#forgetDirs("");
      return;
    }
    if (!(await this.#checkDir(parentKey(prefix), false))) return;
    // fs.rm does not follow a symlink at `prefix` itself: it removes the link.
    await fs.rm(this.#abs(prefix), { recursive: true, force: true });
    this.#forgetDirs(prefix);
  }

  async rename(from: string, to: string): Promise<void> {
    assertSafeKey(from);
    assertSafeKey(to);
    this.#assertWritable(to);
    if (to === from || to.startsWith(`${from}/`)) {
      throw new UnsafePathError(to, `cannot move "${from}" into itself`, { what: "rename target" });
    }
    if (!(await this.#checkDir(parentKey(from), false))) {
      throw new NotFoundError(from, `cannot rename "${from}" in ${this.root}: it does not exist`);
    }
    const src = this.#abs(from);
    const dst = this.#abs(to);
    const exists = await fs.lstat(src).then(
      () => true,
      () => false,
    );
    if (!exists) {
      throw new NotFoundError(from, `cannot rename "${from}" in ${this.root}: it does not exist`);
    }
    const taken = await fs.lstat(dst).then(
      () => true,
      () => false,
    );
    if (taken) {
      throw new AlreadyExistsError(
        to,
        `cannot rename "${from}" to "${to}" in ${this.root}: the target exists; remove it first`,
      );
    }
    await this.#checkDir(parentKey(to), true);
    await fs.rename(src, dst);
    this.#forgetDirs(from);
  }
}

/** Implementation of `openLocalStore` (see store.ts for the documented contract). */
export async function openLocalStoreImpl(
  path: string,
  opts?: { readOnly?: boolean; create?: boolean; lock?: LockOptions | false; syncIO?: boolean },
): Promise<ZarrStore> {
  const abs = nodePath.resolve(path);
  let st = await fs.stat(abs).catch((e: unknown) => {
    if (errCode(e) === "ENOENT") return undefined;
    throw e;
  });
  if (st === undefined) {
    if (!opts?.create || opts.readOnly) {
      throw new NotFoundError(
        abs,
        `no store at ${abs}: the directory does not exist` +
          (opts?.readOnly ? "" : "; pass { create: true } to create it"),
      );
    }
    await fs.mkdir(abs, { recursive: true });
    st = await fs.stat(abs);
  }
  if (!st.isDirectory()) {
    throw new UnsupportedError(
      "store path is a file",
      `cannot open ${abs} as a store: it is not a directory`,
    );
  }
  return new LocalStore(
    await fs.realpath(abs),
    opts?.readOnly ?? false,
    opts?.lock ?? {},
    opts?.syncIO ?? false,
  );
}

/**
 * Remove temp files (`.<name>.tmp-<pid>-<rand>`) and lock files (`….ngff-lock`) left under
 * `root` by writers that crashed. Only call it when no writer is active on the store. Returns
 * how many were removed.
 */
export async function cleanupTempFiles(root: string): Promise<number> {
  let removed = 0;
  const walk = async (dir: string): Promise<void> => {
    const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
    for (const ent of entries) {
      const p = nodePath.join(dir, ent.name);
      if (ent.isDirectory()) await walk(p);
      else if (
        ent.isFile() &&
        (TEMP_NAME_PATTERN.test(ent.name) || LOCK_NAME_PATTERN.test(ent.name))
      ) {
        await fs.rm(p, { force: true });
        removed++;
      }
    }
  };
  await walk(nodePath.resolve(root));
  return removed;
}
