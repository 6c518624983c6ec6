import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { isOmeZarrError } from "../../../src/errors.js";
import type { Position } from "../../../src/nodes/position.js";
import { openOmeZarr } from "../../../src/open.js";
import { DEFAULT_PYRAMID_LEVELS } from "../../../src/schema/index.js";
import { createMemoryStore } from "../../../src/store/index.js";
import { dirContents, expectValidStore, rejection, tempDir, vals } from "./open-helpers.js";

const SHAPE = [1, 1, 4, 8, 10];
const N = SHAPE.reduce((a, b) => a * b);

async function withImage(): Promise<Position> {
  const pos = await openOmeZarr(createMemoryStore(), {
    layout: "fov",
    mode: "w",
    channelNames: ["BF"],
    version: "0.5",
  });
  await pos.createImage("0", { data: new Uint8Array(N).map((_, i) => i % 251), shape: SHAPE });
  return pos;
}

describe("pyramid state rules (iohub's errors)", () => {
  test("no level 0", async () => {
    const pos = await openOmeZarr(createMemoryStore(), {
      layout: "fov",
      mode: "w",
      channelNames: ["BF"],
    });
    for (const run of [
      () => pos.initializePyramid(2),
      () => pos.computePyramid({ levels: 2 }),
      () => pos.deletePyramid(),
    ]) {
      const err = await rejection(run());
      expect(isOmeZarrError(err, "PyramidState")).toBe(true);
      expect((err as Error).message).toContain("no level 0");
    }
  });

  test("no pyramid and no levels: DEFAULT_PYRAMID_LEVELS (5, ome-zarr-py's default)", async () => {
    const pos = await withImage();
    expect(pos.levelPaths).toEqual(["0"]);
    await pos.computePyramid({ workers: 0 });
    expect(DEFAULT_PYRAMID_LEVELS).toBe(5);
    expect(pos.levelPaths).toEqual(["0", "1", "2", "3", "4"]);
  });

  test("a pyramid of another level count needs deletePyramid() first; the same count is kept", async () => {
    const pos = await withImage();
    await pos.initializePyramid(3);
    expect(pos.levelPaths).toEqual(["0", "1", "2"]);
    await pos.initializePyramid(3); // same count: nothing to do
    for (const run of [
      () => pos.initializePyramid(2),
      () => pos.computePyramid({ levels: 4, workers: 0 }),
    ]) {
      const err = await rejection(run());
      expect(isOmeZarrError(err, "PyramidState")).toBe(true);
      expect((err as Error).message).toMatch(/call deletePyramid\(\) first$/);
    }
    await pos.deletePyramid();
    expect(pos.levelPaths).toEqual(["0"]);
    expect(await pos.arrayKeys()).toEqual(["0"]);
    expect(pos.multiscale?.type).toBe("none"); // a single level: nothing downsampled
    expect(pos.multiscale?.metadata).toMatchObject({ method: "none", library: "ngff-writer" });
    await pos.computePyramid({ levels: 2, method: "max", workers: 0 });
    expect(pos.multiscale?.type).toBe("max");
  });

  test("bad levels, method and dims are rejected before writing", async () => {
    const dir = join(await tempDir(), "p.zarr");
    const pos = await openOmeZarr(dir, { layout: "fov", mode: "w", channelNames: ["BF", "GFP"] });
    await pos.createImage("0", { data: new Uint8Array(N), shape: SHAPE });
    const before = await dirContents(dir);
    expect(
      isOmeZarrError(await rejection(pos.computePyramid({ levels: 0 })), "InvalidOptions"),
    ).toBe(true);
    expect(
      isOmeZarrError(
        await rejection(pos.computePyramid({ levels: 2, method: "gauss" as never })),
        "InvalidOptions",
      ),
    ).toBe(true);
    expect(
      isOmeZarrError(await rejection(pos.initializePyramid(2, { dims: ["w"] })), "NotFound"),
    ).toBe(true);
    expect(
      isOmeZarrError(
        await rejection(pos.initializePyramid(2, { dims: { x: 1.5 } })),
        "InvalidOptions",
      ),
    ).toBe(true);
    expect(await dirContents(dir)).toEqual(before);
  });
});

describe("pyramid geometry and data", () => {
  test("initializePyramid: ceil shapes, scaled chunks and scales, empty levels", async () => {
    const pos = await withImage();
    await pos.setScale("0", "x", 0.5);
    await pos.initializePyramid(3);
    const l1 = await pos.get("1");
    const l2 = await pos.get("2");
    expect(l1.shape).toEqual([1, 1, 2, 4, 5]);
    expect(l2.shape).toEqual([1, 1, 1, 2, 3]);
    expect(l2.chunks).toEqual([1, 1, 1, 2, 3]);
    expect(pos.getEffectiveScale("2")).toEqual([1, 1, 4, 4, 2]);
    expect(vals(await l1.toArray()).every((v) => v === 0)).toBe(true);
  });

  test("dims: only Y and X, or explicit factors", async () => {
    const pos = await withImage();
    await pos.initializePyramid(2, { dims: ["y", "x"] });
    expect((await pos.get("1")).shape).toEqual([1, 1, 4, 4, 5]);
    await pos.deletePyramid();
    await pos.initializePyramid(2, { dims: { X: 5 } });
    expect((await pos.get("1")).shape).toEqual([1, 1, 4, 8, 2]);
    expect(pos.getEffectiveScale("1")).toEqual([1, 1, 1, 1, 5]);
  });

  test("computePyramid: mean values, type, progress, and a resumed run gives the same bytes", async () => {
    const pos = await withImage();
    const progress: number[] = [];
    const report = await pos.computePyramid({
      levels: 3,
      workers: 0,
      onProgress: (p) => progress.push(p.level),
    });
    expect(report.levels.map((l) => l.level)).toEqual([1, 2]);
    expect(progress).toContain(1);
    expect(progress).toContain(2);
    expect(pos.multiscale?.type).toBe("mean");
    const src = await (await pos.data).toArray();
    const l1 = await (await pos.get("1")).toArray();
    // level 1 (0,0,0,0): mean of the 2×2×2 block at the origin, rounded half to even
    const block = [0, 1].flatMap((z) =>
      [0, 1].flatMap((y) => [0, 1].map((x) => src.get(0, 0, z, y, x) as number)),
    );
    const mean = block.reduce((a, b) => a + b) / 8;
    const rounded =
      Math.abs(mean - Math.floor(mean) - 0.5) < 1e-9 ? 2 * Math.round(mean / 2) : Math.round(mean);
    expect(l1.get(0, 0, 0, 0, 0)).toBe(rounded);
    const level2 = vals(await (await pos.get("2")).toArray());
    // wipe level 2 and compute again: the cascade completes it identically
    await (await pos.get("2")).write([], 0);
    await pos.computePyramid({ workers: 0 });
    expect(vals(await (await pos.get("2")).toArray())).toEqual(level2);
    await expectValidStore(pos.ctx.store);
  });

  test("an aborted run leaves a valid store; running again completes it", async () => {
    const pos = await withImage();
    const ac = new AbortController();
    ac.abort(new Error("stop"));
    const err = await rejection(pos.computePyramid({ levels: 3, workers: 0, signal: ac.signal }));
    expect((err as Error).message).toBe("stop");
    expect(pos.levelPaths).toEqual(["0", "1", "2"]);
    await expectValidStore(pos.ctx.store);
    await pos.computePyramid({ workers: 0 });
    expect(pos.multiscale?.type).toBe("mean");
    expect(vals(await (await pos.get("2")).toArray()).some((v) => v !== 0)).toBe(true);
    await pos.deletePyramid();
    await expectValidStore(pos.ctx.store);
  });

  test("worker pool and in-process runs write the same levels (local store)", async () => {
    const results: (number | bigint)[][] = [];
    for (const workers of [0, 2]) {
      const dir = join(await tempDir(), `w${workers}.zarr`);
      const pos = await openOmeZarr(dir, { layout: "fov", mode: "w", channelNames: ["BF", "GFP"] });
      await pos.createImage("0", {
        data: new Uint16Array(2 * 8 * 40 * 40).map((_, i) => (i * 37) % 1009),
        shape: [1, 2, 8, 40, 40],
      });
      await pos.computePyramid({ levels: 3, method: "median", workers });
      results.push([
        ...vals(await (await pos.get("1")).toArray()),
        ...vals(await (await pos.get("2")).toArray()),
      ]);
      await expectValidStore(dir);
    }
    expect(results[1]).toEqual(results[0]);
  });
});
