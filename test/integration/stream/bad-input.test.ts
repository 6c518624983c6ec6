/**
 * Issue 14, bad input: wrong frame shape or dtype, an index past a closed axis, a frame written
 * twice, a write after close, a second writer on one image, bad options: typed errors, and the
 * store byte-identical afterwards. A createStream killed before its state file is taken over by
 * the next createStream; nothing else is.
 */
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { Position } from "../../../src/nodes/position.js";
import { openOmeZarr } from "../../../src/open.js";
import { openLocalStore } from "../../../src/store/index.js";
import { lockKeyFor } from "../../../src/store/lock.js";
import type { CreateStreamOptions, StreamWriter } from "../../../src/stream/index.js";
import { untouched } from "../nodes/delete-helpers.js";
import { expectRejectedUntouched, tempDir } from "../nodes/open-helpers.js";
import { newPosition } from "./helpers.js";

const SHAPE = [3, 1, 2, 6, 5];
const PLANE = 30;
/** The stream of these tests: 2 levels, on this thread. */
const STREAM: CreateStreamOptions = {
  dtype: "uint16",
  shape: SHAPE,
  chunks: [1, 1, 1, 4, 4],
  pyramid: { levels: 2, dims: ["y", "x"] },
  workers: 0,
};

async function setup(): Promise<{ dir: string; pos: Position; s: StreamWriter }> {
  const dir = join(await tempDir(), "img.zarr");
  const pos = await newPosition(await openLocalStore(dir, { create: true }), "0.5");
  const s = await pos.createStream("0", STREAM);
  await s.write(0, new Uint16Array(PLANE).fill(7));
  await s.flush();
  return { dir, pos, s };
}

describe("frames", () => {
  test("wrong length, dtype or shape: ShapeMismatchError, nothing written", async () => {
    const { dir, s } = await setup();
    await expectRejectedUntouched(dir, "ShapeMismatch", () => s.write(1, new Uint16Array(29)));
    await expectRejectedUntouched(dir, "ShapeMismatch", () => s.write(1, new Uint8Array(PLANE)));
    await expectRejectedUntouched(dir, "ShapeMismatch", () =>
      s.write(1, { data: new Uint16Array(PLANE), shape: [5, 6] }),
    );
    // Still usable afterwards.
    await s.write(1, { data: new Uint16Array(PLANE), shape: [1, 6, 5] });
    expect(s.hasFrame(1)).toBe(true);
    await s.abandon();
  });

  test("index past the closed append axis, bad coordinates, a frame twice: InvalidOptionsError", async () => {
    const { dir, s } = await setup();
    const plane = new Uint16Array(PLANE);
    const err = await expectRejectedUntouched(dir, "InvalidOptions", () => s.write(6, plane));
    expect(err.option).toBe("index");
    await expectRejectedUntouched(dir, "InvalidOptions", () => s.write([3, 0, 0], plane));
    await expectRejectedUntouched(dir, "InvalidOptions", () => s.write([0, 0, 2], plane));
    await expectRejectedUntouched(dir, "InvalidOptions", () => s.write([0, 0], plane));
    await expectRejectedUntouched(dir, "InvalidOptions", () => s.write(-1, plane));
    await expectRejectedUntouched(dir, "InvalidOptions", () => s.write(0, plane));
    await s.abandon();
  });

  test("write, flush or close after close: ReadOnlyError", async () => {
    const { dir, s } = await setup();
    const img = await s.close();
    expect(img.shape).toEqual([1, 1, 2, 6, 5]);
    await expectRejectedUntouched(dir, "ReadOnly", () => s.write(1, new Uint16Array(PLANE)));
    await expectRejectedUntouched(dir, "ReadOnly", () => s.flush());
    await expectRejectedUntouched(dir, "ReadOnly", () => s.close());
  });
});

describe("writers", () => {
  test("a second writer on one image: ConcurrentWriteError (this process), AlreadyExists for a new stream", async () => {
    const { dir, pos, s } = await setup();
    const other = (await openOmeZarr(await openLocalStore(dir), { mode: "r+" })) as Position;
    await expectRejectedUntouched(dir, "ConcurrentWrite", () => other.openStream("0"));
    await expectRejectedUntouched(dir, "ConcurrentWrite", () => pos.openStream("0"));
    await expectRejectedUntouched(dir, "AlreadyExists", () =>
      pos.createStream("0", { dtype: "uint16", shape: SHAPE }),
    );
    await s.abandon();
    // Once given up, the image can be continued.
    const again = await other.openStream("0", { workers: 0 });
    expect(again.hasFrame(0)).toBe(true);
    await again.close();
    await expectRejectedUntouched(dir, "NotFound", () => other.openStream("0"));
  });

  test("another live process holds the image's stream lock: LockTimeoutError at once, nothing written", async () => {
    const { dir, pos, s } = await setup();
    await s.abandon();
    // A live process on this host as the holder (what a writer in another process leaves).
    const holder = spawn("sleep", ["60"], { stdio: "ignore" });
    try {
      const stat = readFileSync(`/proc/${holder.pid}/stat`, "utf8");
      const start = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
      const body = { pid: holder.pid, host: hostname(), time: Date.now(), start };
      writeFileSync(join(dir, lockKeyFor("0-stream")), JSON.stringify(body));
      const t0 = performance.now();
      const err = await expectRejectedUntouched(dir, "LockTimeout", () => pos.openStream("0"));
      expect(performance.now() - t0).toBeLessThan(5_000);
      expect(String((err as Error).message)).toContain(`process ${holder.pid}`);
    } finally {
      holder.kill();
    }
  });

  test("bad options: InvalidOptionsError before anything is written", async () => {
    const dir = join(await tempDir(), "img.zarr");
    const pos = await newPosition(await openLocalStore(dir, { create: true }), "0.5");
    const bad: [string, Record<string, unknown>][] = [
      ["dtype", { dtype: "uint17", shape: SHAPE }],
      ["shape", { dtype: "uint8", shape: [3, 6, 5] }],
      ["shape[2]", { dtype: "uint8", shape: [3, 1, 0, 6, 5] }],
      ["appendAxis", { dtype: "uint8", shape: SHAPE, appendAxis: "y" }],
      ["pyramid.dims", { dtype: "uint8", shape: SHAPE, pyramid: { levels: 2, dims: ["t", "y"] } }],
      ["pyramid.levels", { dtype: "uint8", shape: SHAPE, pyramid: { levels: 0 } }],
      ["pyramid.method", { dtype: "uint8", shape: SHAPE, pyramid: { levels: 2, method: "avg" } }],
      ["chunks", { dtype: "uint8", shape: SHAPE, chunks: [1, 1] }],
      ["workers", { dtype: "uint8", shape: SHAPE, workers: -1 }],
      ["maxQueuedFrames", { dtype: "uint8", shape: SHAPE, maxQueuedFrames: 0 }],
    ];
    for (const [option, opts] of bad) {
      const err = await expectRejectedUntouched(dir, "InvalidOptions", () =>
        pos.createStream("0", opts as never),
      );
      expect(err.option).toBe(option);
    }
  });
});

test("abort: every later call rejects with the signal's reason; what was flushed stays", async () => {
  const dir = join(await tempDir(), "img.zarr");
  const pos = await newPosition(await openLocalStore(dir, { create: true }), "0.5");
  const ac = new AbortController();
  const s = await pos.createStream("0", {
    dtype: "uint16",
    shape: [Infinity, 1, 1, 6, 5],
    chunks: [1, 1, 1, 4, 4],
    workers: 0,
    signal: ac.signal,
  });
  await s.write(0, new Uint16Array(PLANE).fill(3));
  await s.flush();
  const reason = new Error("stop");
  ac.abort(reason);
  await expect(s.write(1, new Uint16Array(PLANE))).rejects.toBe(reason);
  await expect(s.flush()).rejects.toBe(reason);
  await s.abandon();
  const again = await pos.openStream("0", { workers: 0 });
  expect(again.nextFrame()).toBe(1);
  const img = await again.close();
  expect(img.shape).toEqual([1, 1, 1, 6, 5]);
});

describe("a createStream killed before its state file", () => {
  /** What such a kill leaves: the image listed, every level empty along t, no state file. */
  async function leftover(): Promise<{ dir: string; pos: Position }> {
    const dir = join(await tempDir(), "img.zarr");
    const pos = await newPosition(await openLocalStore(dir, { create: true }), "0.5");
    await pos.createZeros("0", { shape: [0, 1, 2, 6, 5], dtype: "uint16", workers: 0 });
    return { dir, pos };
  }

  test("createStream again takes its place and completes", async () => {
    const { dir, pos } = await leftover();
    const s = await pos.createStream("0", STREAM);
    await s.write(0, new Uint16Array(PLANE).fill(3));
    const img = await s.close();
    expect(img.shape).toEqual([1, 1, 2, 6, 5]);
    const again = (await openOmeZarr(await openLocalStore(dir), { mode: "r" })) as Position;
    expect(again.levelPaths).toEqual(["0", "1"]);
    const back = await (await again.get("0")).read([0, 0, 0]);
    expect(Array.from(back.data as Uint16Array)).toEqual(Array(PLANE).fill(3));
  });

  test("an image with data, or with an unfinished stream, is never taken: AlreadyExistsError", async () => {
    const { dir, pos } = await leftover();
    // An unfinished stream of the same image (its state file).
    const s = await pos.createStream("0", { dtype: "uint16", shape: SHAPE, workers: 0 });
    await s.write(0, new Uint16Array(PLANE).fill(1));
    await s.flush();
    await s.abandon();
    const err = await untouched(dir, "AlreadyExists", () =>
      pos.createStream("0", { dtype: "uint16", shape: SHAPE, workers: 0 }),
    );
    expect(err.message).toMatch(/unfinished stream.*openStream/);
    // A finished one: data along t.
    await (await pos.openStream("0", { workers: 0 })).close();
    const err2 = await untouched(dir, "AlreadyExists", () =>
      pos.createStream("0", { dtype: "uint16", shape: SHAPE, workers: 0 }),
    );
    expect(err2.message).toMatch(/level 0 holds data/);
  });
});
