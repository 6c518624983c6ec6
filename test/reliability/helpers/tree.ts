/**
 * Store-tree helpers of the reliability suites: a digest of every file (to prove bad input
 * changed nothing, and that a resumed job wrote the same bytes as an uninterrupted one), and a
 * check that every array present decodes block by block.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import {
  blockKeyOf,
  openArray,
  openLocalStore,
  readNode,
  TEMP_NAME_PATTERN,
  type ZarrStore,
} from "../../../src/store/index.js";
import { LOCK_NAME_PATTERN } from "../../../src/store/lock.js";

export { LOCK_NAME_PATTERN };

/** Files written by a writer that are not part of the data: temp files and lock files. */
export function isScratch(name: string): boolean {
  return TEMP_NAME_PATTERN.test(name) || LOCK_NAME_PATTERN.test(name);
}

/** Every file under `dir` (relative paths, `/`-separated, sorted); symlinks listed, not followed. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, rel: string): Promise<void> => {
    const entries = await fs
      .readdir(d, { withFileTypes: true })
      .catch((e: NodeJS.ErrnoException) => {
        if (e.code === "ENOENT") return [];
        throw e;
      });
    for (const ent of entries) {
      const r = rel === "" ? ent.name : `${rel}/${ent.name}`;
      if (ent.isDirectory()) await walk(path.join(d, ent.name), r);
      else out.push(r);
    }
  };
  await walk(dir, "");
  return out.sort();
}

/**
 * `relative path → sha256` of every file under `dir` (symlinks by their target path), and of
 * every directory (`path/` → ""), so that an added empty directory also shows.
 * @param opts.skipScratch - leave temp and lock files out (default true).
 */
export async function digestTree(
  dir: string,
  opts: { skipScratch?: boolean } = {},
): Promise<Record<string, string>> {
  const skip = opts.skipScratch ?? true;
  const out: Record<string, string> = {};
  const walk = async (d: string, rel: string): Promise<void> => {
    const entries = await fs
      .readdir(d, { withFileTypes: true })
      .catch((e: NodeJS.ErrnoException) => {
        if (e.code === "ENOENT") return [];
        throw e;
      });
    for (const ent of entries) {
      if (skip && isScratch(ent.name)) continue;
      const abs = path.join(d, ent.name);
      const r = rel === "" ? ent.name : `${rel}/${ent.name}`;
      if (ent.isSymbolicLink()) out[r] = `-> ${await fs.readlink(abs)}`;
      else if (ent.isDirectory()) {
        out[`${r}/`] = "";
        await walk(abs, r);
      } else
        out[r] = createHash("sha256")
          .update(await fs.readFile(abs))
          .digest("hex");
    }
  };
  await walk(dir, "");
  return out;
}

/** Store paths of every array under `dir` (directories holding `.zarray`, or an array `zarr.json`). */
export async function findArrays(store: ZarrStore, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  const walk = async (p: string): Promise<void> => {
    const node = await readNode(store, p).catch(() => undefined);
    if (node?.kind === "array") {
      out.push(p);
      return;
    }
    const { dirs } = await store.list(p);
    for (const d of dirs) await walk(p === "" ? d : `${p}/${d}`);
  };
  await walk(prefix);
  return out;
}

/**
 * Decode every chunk (or shard) present in every array under the store at `dir`: a torn or
 * garbage block throws. Returns how many blocks were present.
 */
export async function decodeEveryBlock(dir: string): Promise<{ arrays: number; blocks: number }> {
  const store = await openLocalStore(dir, { readOnly: true });
  const arrays = await findArrays(store);
  let blocks = 0;
  for (const p of arrays) {
    const a = await openArray(store, p);
    const grid = a.blockGrid();
    if (grid.some((g) => g === 0)) continue;
    const coords = grid.map(() => 0);
    for (;;) {
      if (await store.has(blockKeyOf(a, coords))) {
        await a.readRegion(a.blockRegion(coords));
        blocks++;
      }
      let ax = grid.length - 1;
      for (; ax >= 0; ax--) {
        coords[ax] = coords[ax]! + 1;
        if (coords[ax]! < grid[ax]!) break;
        coords[ax] = 0;
      }
      if (ax < 0) break;
    }
  }
  return { arrays: arrays.length, blocks };
}

/** A seeded pseudo-random generator in [0, 1) (LCG; enough to spread kill points and inputs). */
export function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Temp dir for a test; remove it with `fs.rm(dir, { recursive: true, force: true })`. */
export function tempDir(prefix: string): Promise<string> {
  return fs.mkdtemp(path.join(process.env.TMPDIR ?? "/tmp", `ngff-rel-${prefix}-`));
}
