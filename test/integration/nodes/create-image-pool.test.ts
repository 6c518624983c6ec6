/**
 * `createImage` and `computePyramid` through worker pools: a big image goes to the process's
 * shared pool (started on first use, reused by `computePyramid`), a caller's pool is used and
 * left running, bad `workers` values are refused before anything is written, and the files are
 * byte-identical to writing on the calling thread (`workers: 0`).
 *
 * The tests run in order and share the process's pool state (one pool start per phase: each
 * worker boots the tsx loader, ~0.5 s).
 */
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { createPyramidPool } from "../../../src/engine/pool.js";
import { closeSharedPools, hasSharedPool, sharedPool } from "../../../src/engine/shared-pool.js";
import { isOmeZarrError } from "../../../src/errors.js";
import type { Position } from "../../../src/nodes/position.js";
import { openOmeZarr } from "../../../src/open.js";
import { createMemoryStore } from "../../../src/store/index.js";
import { readTree, seededUint16 } from "../pyramid/helpers.js";
import { expectValidStore, listFiles, rejection, tempDir, vals } from "./open-helpers.js";

afterAll(async () => {
  await closeSharedPools();
});

/** A new position `img.zarr` in a fresh temp dir (same name everywhere: `omero.name` is it). */
async function newPosition(
  version: "0.4" | "0.5" = "0.4",
): Promise<{ pos: Position; dir: string }> {
  const dir = join(await tempDir(), "img.zarr");
  const pos = await openOmeZarr(dir, { layout: "fov", mode: "w", channelNames: ["BF"], version });
  return { pos, dir };
}

/** A position holding a small uint16 image "0" written on this thread. */
async function smallImage(seed: number): Promise<{ pos: Position; dir: string }> {
  const p = await newPosition();
  const shape = [1, 1, 4, 40, 56];
  const data = seededUint16(
    shape.reduce((a, b) => a * b, 1),
    seed,
  );
  await p.pos.createImage("0", { data, shape }, { chunks: [1, 1, 2, 16, 16], workers: 0 });
  return p;
}

describe("shared pool", () => {
  test("a 16 MiB image: default options use the shared pool; same files as workers: 0", async () => {
    expect(hasSharedPool()).toBe(false);
    const shape = [1, 1, 4, 1024, 2048];
    const data = { data: seededUint16(4 * 1024 * 2048, 3), shape };
    expect(data.data.byteLength).toBe(16 << 20);

    const here = await newPosition();
    await here.pos.createImage("0", data, { workers: 0 });
    expect(hasSharedPool()).toBe(false);

    const pooled = await newPosition();
    await pooled.pos.createImage("0", data);
    expect(hasSharedPool()).toBe(true);
    expect(sharedPool().completed).toBeGreaterThan(0);

    const a = await readTree(pooled.dir);
    const b = await readTree(here.dir);
    expect([...a.keys()]).toEqual([...b.keys()]);
    expect(a).toEqual(b);
    expect([...a.keys()].filter((k) => k.startsWith("0/") && !k.includes(".z")).length).toBe(2);
    await expectValidStore(pooled.dir);
  });

  test("a caller's pool is used even for a small image, and left running", async () => {
    const pool = createPyramidPool({ workers: 1 });
    try {
      const shape = [1, 1, 2, 64, 64];
      const data = { data: seededUint16(2 * 64 * 64, 5), shape };
      expect(data.data.byteLength).toBeLessThan(2 << 20);
      const a = await newPosition("0.5");
      await a.pos.createImage("0", data, { pool, chunks: [1, 1, 1, 32, 32] });
      const first = pool.completed;
      expect(first).toBeGreaterThan(0);
      // Still running: a second image goes through it too.
      const b = await newPosition("0.5");
      await b.pos.createImage("0", data, { pool, chunks: [1, 1, 1, 32, 32] });
      expect(pool.completed).toBeGreaterThan(first);

      const ref = await newPosition("0.5");
      await ref.pos.createImage("0", data, { workers: 0, chunks: [1, 1, 1, 32, 32] });
      expect(await readTree(a.dir)).toEqual(await readTree(ref.dir));
      await expectValidStore(a.dir);
    } finally {
      await pool.destroy();
    }
  });

  test("a caller's pool with a memory store: the image is written on this thread", async () => {
    // Workers reopen a store by path, so a memory store never goes to a pool: computePyramid
    // already runs in-process there, pool or not (DESIGN.md section 5). createImage with a pool
    // must do the same, not reject with UnsupportedError after creating the array.
    const pool = createPyramidPool({ workers: 1 });
    try {
      const pos = await openOmeZarr(createMemoryStore(), {
        layout: "fov",
        mode: "w",
        channelNames: ["BF"],
      });
      const data = seededUint16(4 * 16, 9);
      const img = await pos.createImage("0", { data, shape: [1, 1, 1, 4, 16] }, { pool });
      expect(vals(await img.read())).toEqual([...data]);
      expect(pos.levelPaths).toEqual(["0"]);
      await pos.computePyramid({ levels: 2, pool });
      expect(pos.levelPaths).toEqual(["0", "1"]);
      expect(pool.completed).toBe(0);
    } finally {
      await pool.destroy();
    }
  });

  test("computePyramid without a pool reuses the shared pool (same pool, same threads)", async () => {
    const pool = sharedPool();
    const threads = pool.threads.map((t) => t.threadId).sort();
    const before = pool.completed;
    const one = await smallImage(1);
    const two = await smallImage(2);
    await one.pos.computePyramid({ levels: 3 });
    const afterOne = pool.completed;
    expect(afterOne).toBeGreaterThan(before);
    await two.pos.computePyramid({ levels: 3 });
    expect(pool.completed).toBeGreaterThan(afterOne);
    expect(sharedPool()).toBe(pool);
    expect(pool.threads.map((t) => t.threadId).sort()).toEqual(threads);
    expect(two.pos.levelPaths).toEqual(["0", "1", "2"]);
  });

  test("after closeSharedPools() none runs, and computePyramid starts a new one", async () => {
    const old = sharedPool();
    await closeSharedPools();
    expect(hasSharedPool()).toBe(false);

    const pooled = await smallImage(7);
    await pooled.pos.computePyramid({ levels: 3 });
    expect(hasSharedPool()).toBe(true);
    expect(sharedPool()).not.toBe(old);
    expect(sharedPool().completed).toBeGreaterThan(0);

    const here = await smallImage(7);
    await here.pos.computePyramid({ levels: 3, workers: 0 });
    expect(await readTree(pooled.dir)).toEqual(await readTree(here.dir));
    await expectValidStore(pooled.dir);
  });
});

describe("bad workers values are refused before anything is written", () => {
  test.each<[string, unknown]>([
    ["-1", -1],
    ["1.5", 1.5],
    ['"2"', "2"],
    ["NaN", Number.NaN],
  ])("createImage workers %s: InvalidOptionsError, no new array", async (_, workers) => {
    const { pos, dir } = await newPosition();
    const before = await listFiles(dir);
    const err = await rejection(
      pos.createImage(
        "0",
        { data: new Uint16Array(16), shape: [1, 1, 1, 4, 4] },
        {
          workers: workers as number,
        },
      ),
    );
    expect(isOmeZarrError(err, "InvalidOptions") && err.option).toBe("workers");
    expect((err as Error).message).toContain("expected an integer >= 0");
    expect(await listFiles(dir)).toEqual(before);
    expect(await pos.arrayKeys()).toEqual([]);
  });

  test("computePyramid workers -1: InvalidOptionsError, no level array created", async () => {
    const { pos, dir } = await smallImage(3);
    const before = await listFiles(dir);
    const err = await rejection(pos.computePyramid({ levels: 3, workers: -1 }));
    expect(isOmeZarrError(err, "InvalidOptions") && err.option).toBe("workers");
    expect(await listFiles(dir)).toEqual(before);
    expect(await pos.arrayKeys()).toEqual(["0"]);
    expect(pos.levelPaths).toEqual(["0"]);
  });
});

describe("ImageArray.write", () => {
  test("a write of >= 16 MiB goes through the shared pool and writes what writeRegion writes", async () => {
    const dir = await tempDir();
    const shape = [1, 1, 4, 1024, 2048];
    const data = seededUint16(
      shape.reduce((p, n) => p * n, 1),
      5,
    );
    const open = async (name: string) => {
      const pos = (await openOmeZarr(join(dir, name), {
        layout: "fov",
        mode: "w",
        version: "0.4",
        channelNames: ["c0"],
      })) as Position;
      await pos.createZeros("0", { shape, dtype: "uint16", chunks: [1, 1, 1, 256, 512] });
      return pos;
    };
    const a = await open("a.zarr");
    const before = sharedPool().completed;
    await (await a.data).write([], { data, shape });
    expect(sharedPool().completed).toBeGreaterThan(before);
    // The reference: the same data through the store layer on this thread.
    const b = await open("b.zarr");
    const { openArray, openLocalStore } = await import("../../../src/store/index.js");
    const refArray = await openArray(await openLocalStore(join(dir, "b.zarr")), "0");
    await refArray.writeRegion(
      shape.map((n) => [0, n] as const),
      data,
    );
    const ta = await readTree(join(dir, "a.zarr"));
    const tb = await readTree(join(dir, "b.zarr"));
    expect([...ta.keys()].filter((k) => !k.endsWith(".zattrs")).sort()).toEqual(
      [...tb.keys()].filter((k) => !k.endsWith(".zattrs")).sort(),
    );
    for (const [k, v] of ta) if (!k.endsWith(".zattrs")) expect(v).toEqual(tb.get(k));
    expect(vals(await (await a.data).read([0, 0, 3]))).toEqual(
      vals(await (await b.data).read([0, 0, 3])),
    );
  });
});
