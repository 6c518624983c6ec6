/**
 * Issue 14, a concurrent reader: while a child process streams 200 frames (the crash suite's
 * stream job, paced by a short pause per frame), this process opens the store read-only in a
 * loop: `openOmeZarr` mode "r", `validateStore` (strict), every level's array metadata, the
 * existence of every chunk (shard) key inside the advertised shape (a missing chunk file would
 * read as fill), and the values inside it against the expected pyramid. It must never see an
 * invalid store, a missing block or a wrong value. Bounded by the writer's run.
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { closeSharedPools } from "../../src/engine/shared-pool.js";
import {
  LayoutMismatchError,
  NotFoundError,
  openOmeZarr,
  type Position,
  validateStore,
} from "../../src/index.js";
import { blockKeyOf, openArray, openLocalStore } from "../../src/store/index.js";
import {
  expectedLevels,
  frameCount,
  type Level,
  VARIANTS,
} from "../fixtures/reliability/stream-job.js";
import { spawnFixture } from "../helpers/fixtures.js";
import { tempDir } from "./helpers/tree.js";

afterAll(async () => {
  await closeSharedPools();
});

/** Every block coordinate of a grid (C order). */
function* blocks(grid: readonly number[]): Generator<number[]> {
  if (grid.some((g) => g === 0)) return;
  const c = grid.map(() => 0);
  for (;;) {
    yield [...c];
    let ax = grid.length - 1;
    for (; ax >= 0; ax--) {
      c[ax] = c[ax]! + 1;
      if (c[ax]! < grid[ax]!) break;
      c[ax] = 0;
    }
    if (ax < 0) return;
  }
}

/**
 * One look at the store as a reader: `undefined` while there is no image yet (no store, or a
 * position without multiscales); else the advertised extent along t of every level.
 */
async function look(dir: string, want: Level[], started: boolean): Promise<number[] | undefined> {
  let pos: Position;
  try {
    pos = (await openOmeZarr(dir, { mode: "r" })) as Position;
  } catch (err) {
    // Before the writer's first multiscales: no store, or a group without it (the API's order:
    // the group, level 0's array, then the multiscales that list it). Never after.
    if (!started && (err instanceof NotFoundError || err instanceof LayoutMismatchError)) {
      return undefined;
    }
    throw err;
  }
  if (pos.levelPaths.length === 0) return undefined;
  const result = await validateStore(dir, { strict: true });
  expect(result.issues).toEqual([]);
  const store = await openLocalStore(dir, { readOnly: true });
  const extents: number[] = [];
  // createStream lists the levels one by one, all empty, before its first frame.
  expect(pos.levelPaths).toEqual(want.slice(0, pos.levelPaths.length).map((_, k) => String(k)));
  for (const [k, w] of want.slice(0, pos.levelPaths.length).entries()) {
    const a = await openArray(store, String(k));
    expect(a.shape.slice(1)).toEqual(w.shape.slice(1));
    extents.push(a.shape[0]!);
    for (const c of blocks(a.blockGrid())) {
      const key = blockKeyOf(a, c);
      expect(await store.has(key), `level ${k} block ${key} inside ${a.shape}`).toBe(true);
    }
    if (a.shape[0] === 0) continue;
    const got = (await a.readRegion(a.shape.map((s) => [0, s] as const))) as Uint16Array;
    const exp = w.data.subarray(0, got.length);
    if (
      !Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(
        Buffer.from(exp.buffer, exp.byteOffset, exp.byteLength),
      )
    ) {
      const i = got.findIndex((x, j) => x !== exp[j]);
      throw new Error(
        `level ${k} of extent ${a.shape[0]}: element ${i} is ${got[i]}, expected ${exp[i]}`,
      );
    }
  }
  if (extents.length < want.length) expect(extents.every((t) => t === 0)).toBe(true);
  return extents;
}

describe.each(["z", "s"] as const)("stream variant %s", (name) => {
  test("a reader in a loop sees valid stores, every block inside the advertised shape, the right values", {
    timeout: 600_000,
  }, async () => {
    const v = VARIANTS[name]!;
    const want = await expectedLevels(v);
    const root = await tempDir(`stream-reader-${name}`);
    const dir = path.join(root, "live.zarr");
    try {
      const child = spawnFixture("stream-job", [name, dir, "15"]);
      let stderr = "";
      child.stderr.on("data", (d) => {
        stderr += String(d);
      });
      child.stdout.resume();
      let exited = false;
      const exit = new Promise<number | null>((r) =>
        child.on("exit", (code) => {
          exited = true;
          r(code);
        }),
      );
      const seen = new Set<string>();
      let looks = 0;
      let growing = 0;
      let last = -1;
      try {
        while (!exited) {
          const ext = await look(dir, want, last >= 0);
          looks++;
          if (ext === undefined) continue;
          seen.add(ext.join(","));
          if (ext[0]! > last) growing++;
          last = Math.max(last, ext[0]!);
        }
      } finally {
        if (!exited) child.kill("SIGKILL");
      }
      expect(await exit, stderr).toBe(0);
      // After close: the whole image at every level.
      expect(await look(dir, want, true)).toEqual(want.map((w) => w.shape[0]));
      // The reader saw the stream in progress (several partial extents), not only its end.
      expect(
        growing,
        `extents seen in ${looks} looks: ${[...seen].join(" | ")}`,
      ).toBeGreaterThanOrEqual(3);
      expect(frameCount(v)).toBe(200);
    } finally {
      await fs.rm(root, { recursive: true, force: true });
    }
  });
});
