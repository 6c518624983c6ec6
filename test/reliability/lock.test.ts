/**
 * The cross-process lock (src/store/lock.ts): where lock files live, stale-lock recovery after
 * a holder is SIGKILLed (dead pid on this host), after a holder on another host stops touching
 * its file, and after a holder died between creating and writing it; a live holder makes
 * waiters time out with LockTimeoutError, touching nothing.
 */
import * as fs from "node:fs/promises";
import { hostname } from "node:os";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { isOmeZarrError, openOmeZarr, type Plate, type Position } from "../../src/index.js";
import { stageOutput } from "../../src/staged-output.js";
import {
  assertSafeName,
  cleanupTempFiles,
  openLocalStore,
  type ZarrStore,
} from "../../src/store/index.js";
import {
  chunkLockKey,
  LOCK_NAME_PATTERN,
  lockKeyFor,
  releaseLingeringLocks,
  withLockFile,
  withStoreLock,
} from "../../src/store/lock.js";
import { startWriter } from "./helpers/procs.js";
import { digestTree, listFiles, tempDir } from "./helpers/tree.js";

let root: string;
beforeEach(async () => {
  root = await tempDir("lock");
});
afterEach(() => fs.rm(root, { recursive: true, force: true }));

test.each([
  ["", ".ngff-lock"],
  ["A/1", "A/.1.ngff-lock"],
  ["plate", ".plate.ngff-lock"],
  ["0/c/0/0/1", "0/c/0/0/.1.ngff-lock"],
])("the lock of %j is %j, outside what it guards", (key, lock) => {
  expect(lockKeyFor(key)).toBe(lock);
  expect(LOCK_NAME_PATTERN.test(path.basename(lock))).toBe(true);
});

test.each([".ngff-lock", ".A.ngff-lock", ".1.ngff-lock.stale-k3j2"])(
  "no child may be named like a lock file: %j",
  (name) => {
    let err: unknown;
    try {
      assertSafeName(name, "field name");
    } catch (e) {
      err = e;
    }
    expect(isOmeZarrError(err, "UnsafePath")).toBe(true);
    expect(String(err)).toContain("lock file");
  },
);

async function newPlate(dir: string): Promise<Plate> {
  const plate = (await openOmeZarr(dir, {
    layout: "hcs",
    mode: "w-",
    channelNames: ["c"],
  })) as Plate;
  await plate.createPositions(["A/1/0"]);
  releaseLingeringLocks(); // the test plays the other processes: this one holds nothing now
  return plate;
}

describe("a holder SIGKILLed while holding the lock", () => {
  test("plate metadata: the next writer breaks the dead holder's lock at once", async () => {
    const dir = path.join(root, "p.zarr");
    await newPlate(dir);
    const holder = startWriter(["hold", dir, lockKeyFor("")]);
    await holder.ready;
    expect(await listFiles(dir)).toContain(".ngff-lock");
    holder.child.kill("SIGKILL");
    expect((await holder.exit).signal).toBe("SIGKILL");
    expect(await listFiles(dir)).toContain(".ngff-lock"); // left behind by the kill

    const plate = (await openOmeZarr(dir, { layout: "hcs", mode: "r+" })) as Plate;
    const t0 = performance.now();
    await plate.createPositions(["B/2/0", "A/1/1"]);
    expect(performance.now() - t0).toBeLessThan(5_000); // far below the 30 s stale timeout
    expect(plate.wellPaths()).toEqual(["A/1", "B/2"]);
    releaseLingeringLocks();
    expect((await listFiles(dir)).filter((f) => LOCK_NAME_PATTERN.test(path.basename(f)))).toEqual(
      [],
    );
  });

  test("a partial chunk: the next partial write goes through", async () => {
    const dir = path.join(root, "i.zarr");
    const pos = (await openOmeZarr(dir, {
      layout: "fov",
      mode: "w-",
      channelNames: ["c"],
    })) as Position;
    const img = await pos.createZeros("0", {
      shape: [1, 1, 1, 8, 8],
      dtype: "uint8",
      chunks: [1, 1, 1, 8, 8],
    });
    const lockKey = chunkLockKey("0", "0/0/0/0/0/0");
    expect(lockKey).toBe("0/.0.0.0.0.0.ngff-lock");
    const holder = startWriter(["hold", dir, lockKey]);
    await holder.ready;
    expect(await listFiles(dir)).toContain(lockKey);
    holder.child.kill("SIGKILL");
    await holder.exit;
    await img.write([0, 0, 0, [0, 2], [0, 2]], 7);
    const data = (await img.toArray()).data as Uint8Array;
    expect(data.reduce((a, b) => a + b, 0)).toBe(4 * 7);
  });
});

describe("lock files of other hosts and half-written ones", () => {
  async function plantLock(dir: string, body: string, ageMs: number): Promise<string> {
    const file = path.join(dir, ".ngff-lock");
    await fs.writeFile(file, body);
    const t = new Date(Date.now() - ageMs);
    await fs.utimes(file, t, t);
    return file;
  }
  const foreign = (pid: number) =>
    JSON.stringify({ pid, host: `not-${hostname()}`, time: Date.now() });

  async function storeWith(dir: string, opts: { staleMs?: number; timeoutMs?: number }) {
    return openLocalStore(dir, { lock: opts });
  }

  test("a live foreign holder: waiters time out with LockTimeoutError, nothing written", async () => {
    const dir = path.join(root, "t.zarr");
    await newPlate(dir);
    await plantLock(dir, foreign(process.pid), 0);
    const before = await digestTree(dir, { skipScratch: false });
    const store = await storeWith(dir, { timeoutMs: 300 });
    const plate = (await openOmeZarr(store, { layout: "hcs", mode: "r+" })) as Plate;
    const err = await plate.createPositions(["B/1/0"]).catch((e) => e);
    expect(isOmeZarrError(err, "LockTimeout")).toBe(true);
    expect(err.message).toMatch(/held by process \d+ on not-/);
    expect(err.message).toContain("if no writer is running, remove the file");
    expect(await digestTree(dir, { skipScratch: false })).toEqual(before);
  });

  test("a foreign holder that stopped touching its file is stale after staleMs", async () => {
    const dir = path.join(root, "s.zarr");
    await newPlate(dir);
    await plantLock(dir, foreign(1), 1_000);
    const store = await storeWith(dir, { staleMs: 500, timeoutMs: 10_000 });
    const plate = (await openOmeZarr(store, { layout: "hcs", mode: "r+" })) as Plate;
    await plate.createPositions(["B/1/0"]);
    expect(plate.wellPaths()).toEqual(["A/1", "B/1"]);
  });

  test("an empty lock file (holder died between create and write) is stale after 2 s", async () => {
    const dir = path.join(root, "e.zarr");
    await newPlate(dir);
    await plantLock(dir, "", 3_000);
    const plate = (await openOmeZarr(dir, { layout: "hcs", mode: "r+" })) as Plate;
    await plate.createPositions(["C/1/0"]);
    expect(plate.wellPaths()).toEqual(["A/1", "C/1"]);
  });

  test("a holder whose pid now belongs to another process (pid reuse) is stale at once", async () => {
    const dir = path.join(root, "r.zarr");
    await newPlate(dir);
    // Same host, a live pid (ours), but another process start time: a writer that died and
    // whose pid was given to a later process (a restarted container often gets the same pid).
    await plantLock(
      dir,
      JSON.stringify({ pid: process.pid, host: hostname(), time: Date.now(), start: "1" }),
      0,
    );
    const store = await storeWith(dir, { timeoutMs: 2_000 });
    const plate = (await openOmeZarr(store, { layout: "hcs", mode: "r+" })) as Plate;
    await plate.createPositions(["D/1/0"]);
    expect(plate.wellPaths()).toEqual(["A/1", "D/1"]);
  });

  test("cleanupTempFiles removes lock files left by killed writers", async () => {
    const dir = path.join(root, "c.zarr");
    await newPlate(dir);
    await plantLock(dir, foreign(1), 0);
    await fs.writeFile(path.join(dir, "A", ".1.ngff-lock"), "");
    expect(await cleanupTempFiles(dir)).toBe(2);
    expect((await listFiles(dir)).some((f) => f.includes("ngff-lock"))).toBe(false);
  });
});

test("a long holder touches its lock file, so it never looks stale", async () => {
  const dir = await fs.mkdtemp(path.join(root, "beat-"));
  const file = path.join(dir, ".ngff-lock");
  const seen: number[] = [];
  await withLockFile(
    file,
    async () => {
      for (let i = 0; i < 4; i++) {
        seen.push((await fs.stat(file)).mtimeMs);
        await new Promise((r) => setTimeout(r, 120));
      }
    },
    { staleMs: 150, lingerMs: 0 },
  );
  expect(seen.at(-1)!).toBeGreaterThan(seen[0]!);
  await expect(fs.stat(file)).rejects.toThrow(); // released
});

test("an idle lock lingers for the next call of its process, then goes", async () => {
  const dir = await fs.mkdtemp(path.join(root, "linger-"));
  const file = path.join(dir, ".ngff-lock");
  const inodes: number[] = [];
  for (let i = 0; i < 3; i++) {
    await withLockFile(file, async () => {
      inodes.push((await fs.stat(file)).ino);
    });
  }
  expect(new Set(inodes).size).toBe(1); // one lock file for the three calls
  await new Promise((r) => setTimeout(r, 80));
  await expect(fs.stat(file)).rejects.toThrow(); // released 20 ms after the last call
});

// `ngff convert` builds a store in `<output>.partial-<pid>` and renames it into place. The plate's
// metadata lock, idle and lingering 20 ms for a next call, moved with the directory: its release
// then found nothing at its old path and only closed its fd, leaving `<output>/.ngff-lock`
// naming this live process, fresh, with no heartbeat. The next plate update of this process
// (`ngff rename-wells` in the CLI tests) waited the 30 s until it looked stale.
describe("a lingering lock whose directory is renamed", () => {
  test("is left stale, not live: the next holder at the new place waits for nothing", async () => {
    const built = path.join(root, "p.zarr.partial");
    const output = path.join(root, "p.zarr");
    await fs.mkdir(built);
    await withLockFile(path.join(built, ".ngff-lock"), async () => {}); // lingers
    await fs.rename(built, output);
    await new Promise((r) => setTimeout(r, 80)); // the linger ends; the file moved with `built`
    const t0 = performance.now();
    await withLockFile(path.join(output, ".ngff-lock"), async () => {}, {
      timeoutMs: 1_000,
      lingerMs: 0,
    });
    expect(performance.now() - t0).toBeLessThan(500);
  });

  test("a staged output is committed without this process's lock files", async () => {
    const output = path.join(root, "s.zarr");
    const staged = await stageOutput(output);
    const partial = (await staged.partial()) as string;
    await using plate = await openOmeZarr(partial, {
      layout: "hcs",
      mode: "w-",
      channelNames: ["c"],
    });
    await plate.createPositions(["A/1/0", "A/2/0"]); // its locks linger
    await staged.commit();
    expect((await listFiles(output)).filter((f) => f.includes("ngff-lock"))).toEqual([]);
    const again = (await openOmeZarr(output, { layout: "hcs", mode: "r+" })) as Plate;
    const t0 = performance.now();
    await again.renameWell("A/1", "B/1");
    expect(performance.now() - t0).toBeLessThan(500);
  });
});

test("listings hide lock files; memory stores need none", async () => {
  const dir = path.join(root, "l.zarr");
  await newPlate(dir);
  const store: ZarrStore = await openLocalStore(dir);
  let inside: string[] = [];
  await withStoreLock(store, "A/2", async () => {
    expect(await listFiles(dir)).toContain("A/.2.ngff-lock");
    inside = (await store.list("A")).files;
  });
  expect(inside.some((f) => f.includes("ngff-lock"))).toBe(false);
  const { createMemoryStore } = await import("../../src/store/index.js");
  expect(createMemoryStore().lock).toBeUndefined();
});
