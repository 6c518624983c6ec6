/**
 * One error class for bad options (issue 12 item 1): every public entry point called with a bad
 * option rejects with InvalidOptionsError naming the option (never a bare TypeError/RangeError),
 * and — where a store is involved — leaves every file of it byte-identical.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  computeLevels,
  convertStore,
  convertTiff,
  createPyramidPool,
  isOmeZarrError,
  openLocalStore,
  openOmeZarr,
  type Position,
  rowLetters,
  sharedPool,
  startQueueWorker,
  writeImage,
  writeMultiscale,
} from "../../src/index.js";
import { expectRejectedUntouched } from "../integration/nodes/open-helpers.js";

const SHAPE = [1, 2, 1, 8, 8];
const pixels = () => ({ data: new Uint8Array(2 * 64), shape: SHAPE });

/** A store with one image (one level), and a plate with one position. */
let dir: string;
let fov: string;
let plateDir: string;
const dirs: string[] = [];

/** A temporary directory kept for the whole file (open-helpers' tempDir is removed after each test). */
const tempDir = () => mkdtemp(join(tmpdir(), "ngff-options-"));

beforeAll(async () => {
  dir = await tempDir();
  dirs.push(dir);
  fov = join(dir, "img.zarr");
  await using pos = await openOmeZarr(fov, {
    layout: "fov",
    mode: "w-",
    channelNames: ["DAPI", "GFP"],
  });
  await pos.createImage("0", pixels());
  plateDir = await tempDir();
  dirs.push(plateDir);
  await using plate = await openOmeZarr(join(plateDir, "p.zarr"), {
    layout: "hcs",
    mode: "w-",
    channelNames: ["DAPI"],
  });
  await plate.createPosition("A", "1", "0");
});

afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

/** Open the image read/write for one case (closed by the caller's `await using`). */
const openFov = () => openOmeZarr(fov, { layout: "fov", mode: "r+" }) as Promise<Position>;

type Case = [what: string, option: string, root: () => string, run: () => Promise<unknown>];

const storeCases: Case[] = [
  ["openOmeZarr mode", "mode", () => dir, () => openOmeZarr(fov, { mode: "x" as never })],
  [
    "openOmeZarr layout auto in mode w (nothing deleted)",
    "layout",
    () => dir,
    () => openOmeZarr(fov, { mode: "w", channelNames: ["a"] }),
  ],
  [
    "openOmeZarr version",
    "version",
    () => dir,
    () =>
      openOmeZarr(join(dir, "new.zarr"), { mode: "w-", layout: "fov", version: "0.6" as never }),
  ],
  [
    "writeImage scaler.levels",
    "scaler.levels",
    () => dir,
    () => writeImage(pixels(), join(dir, "w.zarr"), { scaler: { levels: 1.5 } }),
  ],
  [
    "writeImage fmt",
    "fmt",
    () => dir,
    () => writeImage(pixels(), join(dir, "w.zarr"), { fmt: "0.6" as never }),
  ],
  [
    "writeImage storageOptions key",
    "storageOptions",
    () => dir,
    () =>
      writeImage(pixels(), join(dir, "w.zarr"), {
        storageOptions: { compressor: "zstd" } as never,
      }),
  ],
  [
    "writeMultiscale no levels",
    "pyramid",
    () => dir,
    () => writeMultiscale([], join(dir, "m.zarr")),
  ],
  [
    "createImage workers",
    "workers",
    () => dir,
    async () => {
      await using pos = await openFov();
      await pos.createImage("1", pixels(), { workers: -1 });
    },
  ],
  [
    "computePyramid levels",
    "levels",
    () => dir,
    async () => {
      await using pos = await openFov();
      await pos.computePyramid({ levels: 1.5 });
    },
  ],
  [
    "computePyramid dims factor",
    "dims.x",
    () => dir,
    async () => {
      await using pos = await openFov();
      await pos.computePyramid({ levels: 2, dims: { x: 0 } });
    },
  ],
  [
    "computePyramid queue without connection",
    "queue.connection",
    () => dir,
    async () => {
      await using pos = await openFov();
      await pos.computePyramid({ levels: 2, queue: {} as never });
    },
  ],
  [
    "get with a negative level index",
    "index",
    () => dir,
    async () => {
      await using pos = await openFov();
      await pos.get(-1);
    },
  ],
  [
    "getChannel with a fractional index",
    "channel",
    () => dir,
    async () => {
      await using pos = await openFov();
      await (await pos.get(0)).getChannel(0.5);
    },
  ],
  [
    "setAttrs with a bigint",
    "attrs.big",
    () => dir,
    async () => {
      await using pos = await openFov();
      await pos.setAttrs({ big: 1n });
    },
  ],
  [
    "computeLevels workers",
    "workers",
    () => dir,
    async () => {
      const store = await openLocalStore(fov);
      await computeLevels({
        store,
        levelPaths: ["0", "1"],
        factors: [[1, 1, 1, 2, 2]],
        method: "mean",
        workers: -1,
      });
    },
  ],
  [
    "convertStore version",
    "version",
    () => dir,
    () => convertStore(fov, join(dir, "c.zarr"), { version: "0.6" as never }),
  ],
  [
    "convertTiff chunks",
    "chunks",
    () => dir,
    () => convertTiff(join(dir, "none.tif"), join(dir, "t.zarr"), { chunks: 5 as never }),
  ],
  [
    "createPositions concurrency",
    "concurrency",
    () => plateDir,
    async () => {
      await using plate = await openOmeZarr(join(plateDir, "p.zarr"), {
        layout: "hcs",
        mode: "r+",
      });
      await plate.createPositions(["B/1/0"], { concurrency: 0 });
    },
  ],
];

describe("entry points with a store: InvalidOptionsError naming the option, store untouched", () => {
  test.each(storeCases)("%s", async (_what, option, root, run) => {
    const err = await expectRejectedUntouched(root(), "InvalidOptions", run);
    expect(err.option).toBe(option);
    expect(err.message).toContain("expected");
    expect(err).not.toBeInstanceOf(TypeError);
    expect(err).not.toBeInstanceOf(RangeError);
  });
});

/** The error `run` throws or rejects with. */
async function errorOf(run: () => unknown): Promise<unknown> {
  try {
    await run();
  } catch (e) {
    return e;
  }
  throw new Error("expected an error");
}

const plainCases: [what: string, option: string, run: () => unknown][] = [
  ["createPyramidPool workers", "workers", () => createPyramidPool({ workers: 0 })],
  [
    "createPyramidPool tasksPerWorker",
    "tasksPerWorker",
    () => createPyramidPool({ tasksPerWorker: 1.5 }),
  ],
  ["sharedPool workers", "workers", () => sharedPool(-2)],
  ["rowLetters index", "index", () => rowLetters(-1)],
  [
    "startQueueWorker port",
    "queue.connection.port",
    () => startQueueWorker({ connection: { host: "127.0.0.1", port: -1 } }),
  ],
  [
    "startQueueWorker concurrency",
    "concurrency",
    () => startQueueWorker({ connection: "redis://127.0.0.1:1", concurrency: 0 }),
  ],
];

describe("entry points without a store: InvalidOptionsError naming the option", () => {
  test.each(plainCases)("%s", async (_what, option, run) => {
    const err = await errorOf(run);
    expect(isOmeZarrError(err, "InvalidOptions"), String(err)).toBe(true);
    expect(isOmeZarrError(err, "InvalidOptions") && err.option).toBe(option);
  });
});
