/**
 * Issue 14 items 4-5: flush() is the durability point and openStream continues to the
 * uninterrupted bytes; the store validates (strict) while a stream is in progress, with the
 * complete steps advertised and readable at every level.
 */
import { join } from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { closeSharedPools } from "../../../src/engine/shared-pool.js";
import type { Position } from "../../../src/nodes/position.js";
import { openOmeZarr } from "../../../src/open.js";
import { openArray, openLocalStore } from "../../../src/store/index.js";
import { dirContents, expectValidStore, listFiles, tempDir } from "../nodes/open-helpers.js";
import { type Case, frameOrder, newPosition, seeded } from "./helpers.js";

afterAll(async () => {
  await closeSharedPools();
});

const C: Case = {
  version: "0.5",
  dtype: "uint16",
  method: "mean",
  shape: [6, 1, 5, 19, 17],
  chunks: [1, 1, 2, 8, 8],
  levels: 3,
  dims: ["z", "y", "x"],
  order: "in",
  seed: 21,
};
const PLANE = C.shape[3]! * C.shape[4]!;
const FRAMES = C.shape.slice(0, 3).reduce((a, b) => a * b, 1);
const DATA = seeded(C.dtype, FRAMES * PLANE, C.seed);
const frame = (i: number) => DATA.subarray(i * PLANE, (i + 1) * PLANE);

async function open(dir: string, version: "0.4" | "0.5"): Promise<Position> {
  return (await openOmeZarr(await openLocalStore(dir), { mode: "r+", version })) as Position;
}

async function startStream(dir: string, version: "0.4" | "0.5", workers: number) {
  const pos = await newPosition(await openLocalStore(dir, { create: true }), version);
  return pos.createStream("0", {
    dtype: C.dtype,
    shape: [Infinity, 1, 5, 19, 17],
    chunks: C.chunks,
    ...(version === "0.5" ? { shardsRatio: [1, 1, 1, 2, 1] } : {}),
    pyramid: { levels: C.levels, method: C.method, dims: C.dims },
    workers,
    metadataIntervalMs: 0,
  });
}

/** The uninterrupted stream's directory. */
async function uninterrupted(version: "0.4" | "0.5", workers: number): Promise<string> {
  const dir = join(await tempDir(), "img.zarr");
  const s = await startStream(dir, version, workers);
  for (let i = 0; i < FRAMES; i++) await s.write(i, frame(i));
  await s.close();
  return dir;
}

describe.each([
  ["0.5", 2],
  ["0.4", 0],
] as const)("NGFF %s, workers %i", (version, workers) => {
  test("flush, give up, reopen in a new node, continue: the uninterrupted bytes", async () => {
    const want = await dirContents(await uninterrupted(version, workers));
    const dir = join(await tempDir(), "img.zarr");
    const s = await startStream(dir, version, workers);
    // 2 steps and a half (t = 0, 1 whole; t = 2: z 0..2 of 5), in random order.
    const first = frameOrder(13, "random", 4);
    for (const i of first) await s.write(i, frame(i));
    await s.flush();
    // What a reader sees now: 2 complete steps at every level, readable, a valid store.
    await expectValidStore(dir);
    const pos = await open(dir, version);
    for (const name of ["0", "1", "2"]) {
      const a = await openArray(pos.ctx.store, name);
      expect(a.shape[0], `level ${name}`).toBe(2);
    }
    const l0 = await openArray(pos.ctx.store, "0");
    const got = await l0.readRegion(l0.shape.map((n) => [0, n] as const));
    expect(Array.from(got as Uint16Array)).toEqual(
      Array.from(DATA.subarray(0, 10 * PLANE) as Uint16Array),
    );
    // Frames after the flush are not durable: a crash loses them (abandon stands in for it).
    await s.write(13, frame(13));
    await s.abandon();

    const again = await (await open(dir, version)).openStream("0", { workers });
    expect(again.hasFrame(12)).toBe(true);
    expect(again.nextFrame()).toBe(13);
    for (let i = 0; i < FRAMES; i++) if (!again.hasFrame(i)) await again.write(i, frame(i));
    await again.close();
    const files = await dirContents(dir);
    expect(Object.keys(files).sort()).toEqual(Object.keys(want).sort());
    expect(files).toEqual(want);
    expect((await listFiles(dir)).some((f) => f.includes("ngff-stream"))).toBe(false);
    await expectValidStore(dir);
  });
});

test("metadata grows with complete steps only, level 0 first; the validator accepts every state", async () => {
  const dir = join(await tempDir(), "img.zarr");
  const s = await startStream(dir, "0.5", 0);
  const extents: number[][] = [];
  const store = await openLocalStore(dir);
  for (let i = 0; i < FRAMES; i++) {
    await s.write(i, frame(i));
    if (i % 5 === 4) {
      await s.flush();
      extents.push(
        await Promise.all(["0", "1", "2"].map(async (n) => (await openArray(store, n)).shape[0]!)),
      );
      await expectValidStore(dir);
    }
  }
  await s.close();
  // One step (5 frames) completes per flush here.
  expect(extents).toEqual([1, 2, 3, 4, 5, 6].map((t) => [t, t, t]));
});
