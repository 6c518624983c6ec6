/**
 * Cross-process locks for read-modify-write in a local store: plate and well metadata, and
 * partial-chunk (or partial-shard) writes. A lock is a file created with `O_EXCL` next to what
 * it guards, holding `{ pid, host, time }`; it is stale when its process is dead on this host,
 * or when it is older than `staleMs` (a holder touches it every `staleMs / 3`, so only a dead
 * or frozen holder gets that old). Lock operations are a handful of synchronous syscalls: cheap
 * next to the read-modify-write they guard, and free of event-loop hops.
 */
import * as fs from "node:fs";
import { hostname } from "node:os";
import { sep } from "node:path";
import { LockTimeoutError } from "../errors.js";
import { withLock } from "./concurrency.js";
import type { ZarrStore } from "./store.js";

/** Suffix of every lock file; no child name may end with it. */
export const LOCK_SUFFIX = ".ngff-lock";

/** Lock files (`.ngff-lock`, `.<name>.ngff-lock`) and the stale ones being removed (`….ngff-lock.stale-<rand>`). */
export const LOCK_NAME_PATTERN = /^\.(.*\.)?ngff-lock(\.stale-[0-9a-z]+)?$/;

/** Timing of the cross-process locks of a local store. */
export interface LockOptions {
  /** A lock whose file was not touched for this long is stale (default 30 s). */
  staleMs?: number;
  /** Give up waiting after this long with {@link LockTimeoutError} (default 120 s). */
  timeoutMs?: number;
  /** Keep an idle lock this long for the next call of this process (default 20 ms; 0 = never). */
  lingerMs?: number;
}

export const DEFAULT_STALE_MS = 30_000;
const DEFAULT_TIMEOUT_MS = 120_000;
const DEFAULT_LINGER_MS = 20;
/** A lock file still empty after this long lost its holder between create and write. */
const EMPTY_STALE_MS = 2_000;
const HOST = hostname();

/** Start time of process `pid` in clock ticks since boot (Linux `/proc`), or undefined. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/** This process's start time: a pid reused by a later process (a restarted container's writer
 * often gets the same small pid) is told apart from the holder that died. */
const START = startTimeOf(process.pid);

/**
 * The store key of the lock guarding group `key`: `.<name>.ngff-lock` next to it (a well
 * `A/1` → `A/.1.ngff-lock`), `.ngff-lock` for the root group (`""`). Keeping the lock outside
 * the directory it guards lets that directory be renamed or removed. (Chunks: {@link chunkLockKey}.)
 */
export function lockKeyFor(key: string): string {
  if (key === "") return LOCK_SUFFIX;
  const i = key.lastIndexOf("/");
  return i < 0 ? `.${key}${LOCK_SUFFIX}` : `${key.slice(0, i)}/.${key.slice(i + 1)}${LOCK_SUFFIX}`;
}

/**
 * Run `fn` holding the cross-process lock that guards `key` of `store` (see {@link lockKeyFor}).
 * Stores without cross-process locking (memory, read-only) run `fn` directly: the in-process
 * serialisation of the caller is all they need.
 * @throws {LockTimeoutError} when the lock stays held by a live process for `timeoutMs`.
 */
export function withStoreLock<T>(store: ZarrStore, key: string, fn: () => Promise<T>): Promise<T> {
  return store.lock === undefined || store.readOnly ? fn() : store.lock(lockKeyFor(key), fn);
}

interface Holder {
  pid?: unknown;
  host?: unknown;
  time?: unknown;
  start?: unknown;
}

function errCode(e: unknown): string | undefined {
  return typeof e === "object" && e !== null && "code" in e ? String(e.code) : undefined;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return errCode(e) === "EPERM"; // exists, owned by someone else
  }
}

/** Why the lock file at `path` (seen with `st`) is stale, or undefined when it is live. */
function staleness(path: string, st: fs.Stats, staleMs: number): string | undefined {
  const age = Date.now() - st.mtimeMs;
  let text: string;
  try {
    text = fs.readFileSync(path, "utf8");
  } catch {
    return undefined; // gone or replaced meanwhile: look again
  }
  let h: Holder | undefined;
  try {
    h = JSON.parse(text) as Holder;
  } catch {
    h = undefined;
  }
  if (h === undefined || typeof h.pid !== "number") {
    return age > Math.min(EMPTY_STALE_MS, staleMs)
      ? "its holder died while creating it"
      : undefined;
  }
  if (h.host === HOST) {
    if (h.pid !== process.pid && !alive(h.pid)) return `process ${h.pid} on ${HOST} is dead`;
    const start = typeof h.start === "string" ? startTimeOf(h.pid) : undefined;
    if (start !== undefined && start !== h.start) {
      return `process ${h.pid} on ${HOST} is dead (its pid now belongs to another process)`;
    }
  }
  return age > staleMs ? `untouched for ${Math.round(age)} ms` : undefined;
}

/**
 * Remove the stale lock file at `path` (inode `ino`) unless it was replaced meanwhile: move it
 * aside atomically, then check that what was moved is the stale file; if a live lock was moved
 * by mistake (another process broke the stale lock and took it first), put it back.
 */
function breakStale(path: string, ino: number): void {
  const aside = `${path}.stale-${process.pid.toString(36)}${Math.random().toString(36).slice(2, 8)}`;
  try {
    fs.renameSync(path, aside);
  } catch (e) {
    if (errCode(e) === "ENOENT") return;
    throw e;
  }
  try {
    if (fs.statSync(aside).ino !== ino) {
      try {
        fs.linkSync(aside, path);
      } catch (e) {
        if (errCode(e) !== "EEXIST") throw e;
      }
    }
  } finally {
    fs.rmSync(aside, { force: true });
  }
}

function describeHolder(path: string): string {
  try {
    const h = JSON.parse(fs.readFileSync(path, "utf8")) as Holder;
    return `process ${String(h.pid)} on ${String(h.host)} since ${typeof h.time === "number" ? new Date(h.time).toISOString() : "?"}`;
  } catch {
    return "an unknown process";
  }
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Create the lock file at `path` (waiting while a live process holds it); returns its fd. */
async function acquire(path: string, staleMs: number, timeoutMs: number): Promise<number> {
  const started = Date.now();
  const body = JSON.stringify({ pid: process.pid, host: HOST, time: started, start: START });
  let delay = 1;
  for (;;) {
    try {
      const fd = fs.openSync(path, "wx");
      try {
        fs.writeSync(fd, body);
      } catch (e) {
        fs.closeSync(fd);
        fs.rmSync(path, { force: true });
        throw e;
      }
      return fd;
    } catch (e) {
      if (errCode(e) !== "EEXIST") throw e;
    }
    let st: fs.Stats;
    try {
      st = fs.statSync(path);
    } catch (e) {
      if (errCode(e) === "ENOENT") continue; // released meanwhile
      throw e;
    }
    if (staleness(path, st, staleMs) !== undefined) {
      breakStale(path, st.ino);
      continue;
    }
    const waited = Date.now() - started;
    if (waited >= timeoutMs) {
      throw new LockTimeoutError(
        path,
        waited,
        `waited ${waited} ms for the lock ${path}, held by ${describeHolder(path)}; if no writer is running, remove the file`,
      );
    }
    await sleep(delay * (0.5 + Math.random()));
    delay = Math.min(delay * 2, 25);
  }
}

/**
 * Remove the lock file at `path` if it is still the one `fd` created, and close `fd`. When it is
 * not there any more (moved with its directory, or broken as stale and replaced), the file `fd`
 * created may still exist elsewhere, naming this live process: its times are set to 1970 so that
 * whoever finds it sees it stale at once instead of waiting `staleMs` for a heartbeat that stopped.
 */
function release(path: string, fd: number): void {
  try {
    const mine = fs.fstatSync(fd);
    let current: fs.Stats | undefined;
    try {
      current = fs.statSync(path);
    } catch {
      current = undefined;
    }
    if (current !== undefined && current.ino === mine.ino && current.dev === mine.dev) {
      fs.unlinkSync(path);
    } else {
      try {
        fs.futimesSync(fd, 0, 0);
      } catch {
        // best effort, as the heartbeat
      }
    }
  } finally {
    fs.closeSync(fd);
  }
}

/** A lock file this thread holds: its fd, its heartbeat, and the linger timer once idle. */
interface Held {
  fd: number;
  beat: NodeJS.Timeout;
  linger: NodeJS.Timeout | undefined;
}

const held = new Map<string, Held>();
let exitHook = false;

function releaseHeld(path: string): void {
  const h = held.get(path);
  if (h === undefined) return;
  held.delete(path);
  clearInterval(h.beat);
  if (h.linger !== undefined) clearTimeout(h.linger);
  release(path, h.fd);
}

function hold(path: string, fd: number, staleMs: number): Held {
  // Touch the file while held, so a long holder never looks stale to other hosts.
  const beat = setInterval(
    () => {
      try {
        const now = new Date();
        fs.futimesSync(fd, now, now);
      } catch {
        // best effort
      }
    },
    Math.max(10, staleMs / 3),
  );
  beat.unref();
  if (!exitHook) {
    exitHook = true;
    // Lingering locks of a process that exits normally are removed on the way out.
    process.once("exit", () => {
      for (const p of [...held.keys()]) releaseHeld(p);
    });
  }
  const h: Held = { fd, beat, linger: undefined };
  held.set(path, h);
  return h;
}

/**
 * Run `fn` holding the lock file at absolute `path` (its directory must exist). Callers in this
 * thread queue in memory first, so only one of them at a time uses the file. When `fn` is done
 * the file is kept `lingerMs` longer: the next call of this thread (the next plane written into
 * the same chunk, the next position of the same well) then costs no file operation at all.
 * @throws {LockTimeoutError} after `timeoutMs` of waiting for a live holder.
 */
export function withLockFile<T>(
  path: string,
  fn: () => Promise<T>,
  opts: LockOptions = {},
): Promise<T> {
  const staleMs = opts.staleMs ?? DEFAULT_STALE_MS;
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const lingerMs = opts.lingerMs ?? DEFAULT_LINGER_MS;
  return withLock(`file-lock:${path}`, async () => {
    let h = held.get(path);
    if (h !== undefined && h.linger !== undefined) {
      clearTimeout(h.linger);
      h.linger = undefined;
    }
    h ??= hold(path, await acquire(path, staleMs, timeoutMs), staleMs);
    try {
      return await fn();
    } finally {
      if (lingerMs > 0) {
        h.linger = setTimeout(() => releaseHeld(path), lingerMs);
        h.linger.unref();
      } else releaseHeld(path);
    }
  });
}

/** Release every lock file this thread keeps lingering (tests; a process exit does it too). */
export function releaseLingeringLocks(): void {
  for (const p of [...held.keys()]) releaseHeld(p);
}

/**
 * Release the lock files this thread keeps lingering inside directory `dir` (absolute, with
 * symlinks resolved, as the store's root is), before `dir` is renamed or removed: a lock file
 * moved with its directory can no longer be removed by its path. Locks in use are left alone.
 */
export function releaseLingeringLocksUnder(dir: string): void {
  const prefix = dir.endsWith(sep) ? dir : dir + sep;
  for (const [p, h] of [...held]) {
    if (h.linger !== undefined && p.startsWith(prefix)) releaseHeld(p);
  }
}

/**
 * The lock key of chunk (or shard) `key` of the array at `arrayPath`: a file in the array's own
 * directory, `<array>/.<chunk key with "." for "/">.ngff-lock`. Not next to the chunk: creating
 * a file in the directory where a chunk was just replaced by rename waits for ext4 to flush it
 * (auto_da_alloc), which made each lock cost ~1 ms instead of ~40 µs.
 */
export function chunkLockKey(arrayPath: string, key: string): string {
  const rel = arrayPath === "" ? key : key.slice(arrayPath.length + 1);
  const name = `.${rel.replaceAll("/", ".")}${LOCK_SUFFIX}`;
  return arrayPath === "" ? name : `${arrayPath}/${name}`;
}

/**
 * Run `fn` under the cross-process lock of chunk or shard `key` of the array at `arrayPath`
 * when the write is `partial` (a read-modify-write); a write of whole blocks reads nothing and
 * needs no lock.
 */
export function withChunkLock<T>(
  store: ZarrStore,
  arrayPath: string,
  key: string,
  partial: boolean,
  fn: () => Promise<T>,
): Promise<T> {
  if (!partial || store.lock === undefined || store.readOnly) return fn();
  return store.lock(chunkLockKey(arrayPath, key), fn);
}
