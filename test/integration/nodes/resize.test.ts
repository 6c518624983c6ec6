/**
 * ImageArray.resize / append (issue 12 item 5): the pyramid follows, the result equals the image
 * written whole and pyramided, wrappers never go stale, bad input leaves every byte as it was.
 */
import { createHash } from "node:crypto";
import { readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { RESIZE_MARKER, schedule } from "../../../src/nodes/grow.js";
import type { Position } from "../../../src/nodes/position.js";
import { openOmeZarr } from "../../../src/open.js";
import { levelPairIssue } from "../../../src/validate/store-image.js";
import { expectRejectedUntouched, expectValidStore, listFiles, tempDir } from "./open-helpers.js";

type Version = "0.4" | "0.5";
type Method = "mean" | "mode";

const FULL = [3, 1, 5, 11, 13]; // t c z y x, odd sizes
const CHUNKS = [1, 1, 2, 4, 4];

/** Deterministic data of `shape`; a small value range for mode (ties happen). */
function dataOf(shape: readonly number[], method: Method, seed = 1): Uint16Array {
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Uint16Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1103515245 + 12345) & 0x7fffffff;
    out[i] = method === "mode" ? (s >> 16) % 4 : (s >> 8) % 60000;
  }
  return out;
}

/** The box `region` of C-order data of `shape`. */
function slice(
  data: Uint16Array,
  shape: readonly number[],
  region: readonly (readonly [number, number])[],
): { data: Uint16Array; shape: number[] } {
  const out = region.map(([a, b]) => b - a);
  const n = out.reduce((a, b) => a * b, 1);
  const res = new Uint16Array(n);
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const idx = out.map(() => 0);
  for (let j = 0; j < n; j++) {
    let src = 0;
    for (let i = 0; i < idx.length; i++) src += (idx[i]! + region[i]![0]) * strides[i]!;
    res[j] = data[src]!;
    for (let i = idx.length - 1; i >= 0; i--) {
      if (++idx[i]! < out[i]!) break;
      idx[i] = 0;
    }
  }
  return { data: res, shape: out };
}

interface Layout {
  version: Version;
  sharded: boolean;
}

async function newPosition(dir: string, layout: Layout): Promise<Position> {
  return openOmeZarr(join(dir, "img.zarr"), {
    layout: "fov",
    mode: "w",
    channelNames: ["A"],
    version: layout.version,
  });
}

async function create(pos: Position, data: { data: Uint16Array; shape: number[] }, layout: Layout) {
  await pos.createImage("0", data, {
    chunks: CHUNKS,
    ...(layout.sharded ? { shardsRatio: [1, 1, 1, 2, 2] } : {}),
  });
}

/** Every level of the image: shape and the bytes of its data. */
async function levels(pos: Position): Promise<{ shape: readonly number[]; bytes: string }[]> {
  const out = [];
  for (const p of pos.levelPaths) {
    const a = await pos.get(p);
    const d = await a.read();
    const v = d.data as Uint16Array;
    out.push({
      shape: [...a.shape],
      bytes: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("base64"),
    });
  }
  return out;
}

/** The bytes of every chunk file of levels whose chunk geometry is the same in both stores. */
async function chunkFiles(dir: string): Promise<Record<string, string>> {
  const root = join(dir, "img.zarr");
  const out: Record<string, string> = {};
  for (const f of await listFiles(root)) {
    const name = f.split("/").pop()!;
    if ([".zattrs", ".zgroup", ".zarray", "zarr.json"].includes(name)) continue;
    out[f] = (await readFile(join(root, f))).toString("base64");
  }
  return out;
}

describe("append equals the image written whole and pyramided", () => {
  const cases: (Layout & { method: Method; axis: "t" | "x" | "z" })[] = [];
  for (const [version, sharded] of [
    ["0.4", false],
    ["0.5", false],
    ["0.5", true],
  ] as const) {
    for (const method of ["mean", "mode"] as const) {
      for (const axis of ["t", "x", "z"] as const) cases.push({ version, sharded, method, axis });
    }
  }
  test.each(cases)("$version sharded=$sharded $method along $axis", async (c) => {
    const ai = { t: 0, z: 2, x: 4 }[c.axis];
    const full = dataOf(FULL, c.method);
    const whole = full.slice();
    // Batch: the whole image, then computePyramid.
    const dirB = await tempDir();
    const b = await newPosition(dirB, c);
    await create(b, { data: whole, shape: [...FULL] }, c);
    await b.computePyramid({ levels: 3, method: c.method, workers: 0 });

    // Grown: a first part, its pyramid, then two appends.
    const cuts = c.axis === "t" ? [1, 2, 3] : c.axis === "z" ? [2, 3, 5] : [7, 10, 13];
    const box = (lo: number, hi: number) =>
      FULL.map((n, i) => (i === ai ? ([lo, hi] as const) : ([0, n] as const)));
    const dirA = await tempDir();
    const a = await newPosition(dirA, c);
    await create(a, slice(full, FULL, box(0, cuts[0]!)), c);
    await a.computePyramid({ levels: 3, method: c.method, workers: 0 });
    const img = await a.get(0);
    const other = await a.get(0); // a second wrapper: must not go stale
    const level1 = await a.get(1);
    const before1 = [...level1.shape];
    await img.append(slice(full, FULL, box(cuts[0]!, cuts[1]!)), c.axis);
    await expectValidStore(join(dirA, "img.zarr"));
    await other.append(slice(full, FULL, box(cuts[1]!, cuts[2]!)), ai);
    expect(img.shape).toEqual(FULL);
    expect(other.shape).toEqual(FULL);
    expect(level1.shape).not.toEqual(before1);
    expect(a.levelPaths).toEqual(["0", "1", "2"]);
    expect(a.multiscale?.type).toBe(c.method);

    expect(await levels(a)).toEqual(await levels(b));
    await expectValidStore(join(dirA, "img.zarr"));
    expect(await listFiles(join(dirA, "img.zarr"))).not.toContain(`0/${RESIZE_MARKER}`);
    // Same chunk geometry at every level when nothing was clipped: the same chunk files too.
    if (!c.sharded && c.axis === "t")
      expect(await chunkFiles(dirA)).toEqual(await chunkFiles(dirB));
    // A fresh open reads the same.
    const reopened = await openOmeZarr(join(dirA, "img.zarr"), { layout: "fov", mode: "r" });
    expect(await levels(reopened)).toEqual(await levels(b));
  });
});

describe("resize", () => {
  test.each([
    { version: "0.4", sharded: false },
    { version: "0.5", sharded: true },
  ] as const)("$version sharded=$sharded: grows with fill, old edge recomputed", async (c) => {
    const small = [2, 1, 3, 7, 9];
    const big = [3, 1, 5, 11, 13];
    const part = dataOf(small, "mean", 7);
    const dirA = await tempDir();
    const a = await newPosition(dirA, c);
    await create(a, { data: part, shape: small }, c);
    await a.computePyramid({ levels: 3, method: "mean", workers: 0 });
    const img = await a.get("0");
    await img.resize(big);
    expect(img.shape).toEqual(big);
    await expectValidStore(join(dirA, "img.zarr"));

    // The same data, zero-padded, written whole.
    const padded = new Uint16Array(big.reduce((x, y) => x * y, 1));
    const sb = big.map((_, i) => big.slice(i + 1).reduce((x, y) => x * y, 1));
    const ss = small.map((_, i) => small.slice(i + 1).reduce((x, y) => x * y, 1));
    for (let j = 0; j < part.length; j++) {
      let r = j;
      let dst = 0;
      for (let i = 0; i < small.length; i++) {
        const q = Math.floor(r / ss[i]!);
        r -= q * ss[i]!;
        dst += q * sb[i]!;
      }
      padded[dst] = part[j]!;
    }
    const dirB = await tempDir();
    const b = await newPosition(dirB, c);
    await create(b, { data: padded, shape: big }, c);
    await b.computePyramid({ levels: 3, method: "mean", workers: 0 });
    expect(await levels(a)).toEqual(await levels(b));

    // Resizing to the current shape writes nothing.
    const files = await listFiles(join(dirA, "img.zarr"));
    await img.resize(big);
    expect(await listFiles(join(dirA, "img.zarr"))).toEqual(files);
  });
});

describe("an interrupted append is completed", () => {
  test("by the same call, or by the next call once level 0 shows it", async () => {
    const layout = { version: "0.5", sharded: false } as const;
    const full = dataOf(FULL, "mean", 3);
    const box = (lo: number, hi: number) =>
      FULL.map((n, i) => (i === 0 ? ([lo, hi] as const) : ([0, n] as const)));
    const dirB = await tempDir();
    const b = await newPosition(dirB, layout);
    await create(b, { data: full, shape: [...FULL] }, layout);
    await b.computePyramid({ levels: 3, method: "mean", workers: 0 });

    const dir = await tempDir();
    const a = await newPosition(dir, layout);
    await create(a, slice(full, FULL, box(0, 1)), layout);
    await a.computePyramid({ levels: 3, method: "mean", workers: 0 });
    const img = await a.get(0);
    // What a kill leaves early: the marker of frame 1's append, nothing else yet.
    const frame = (t: number) => slice(full, FULL, box(t, t + 1));
    const digest = (t: number) => {
      const d = frame(t).data;
      return createHash("sha256").update(new Uint8Array(d.buffer)).digest("hex");
    };
    const marker = {
      ngffWriterResize: 1,
      kind: "append",
      axis: 0,
      from: [1, ...FULL.slice(1)],
      to: [2, ...FULL.slice(1)],
      multiscale: a.multiscale,
      digest: digest(1),
    };
    const markerFile = join(dir, "img.zarr", "0", RESIZE_MARKER);
    await writeFile(markerFile, JSON.stringify(marker));
    const reopened = await openOmeZarr(join(dir, "img.zarr"), { layout: "fov", mode: "r+" });
    const again = await reopened.get(0);
    // Bad input is still refused untouched while the marker is there.
    await expectRejectedUntouched(dir, "ShapeMismatch", () =>
      again.append({ data: new Uint16Array(3), shape: [1, 3] }, "t"),
    );
    // The next frame (a writer that believes frame 1 is done) is refused while level 0 does
    // not show frame 1: frame 1's data may not have landed.
    await expectRejectedUntouched(dir, "PyramidState", () =>
      again.append(slice(full, FULL, box(2, 3)), "t"),
    );
    // The same call completes it.
    await again.append(slice(full, FULL, box(1, 2)), "t");
    expect(await listFiles(join(dir, "img.zarr"))).not.toContain(`0/${RESIZE_MARKER}`);
    await expectValidStore(join(dir, "img.zarr"));

    // Killed later: frame 2 landed and level 0 shows it; the next call completes it first.
    await writeFile(
      markerFile,
      JSON.stringify({
        ...marker,
        from: [2, ...FULL.slice(1)],
        to: [3, ...FULL.slice(1)],
        digest: digest(2),
      }),
    );
    const level0 = await openOmeZarr(join(dir, "img.zarr"), { layout: "fov", mode: "r+" });
    const raw = (await level0.get(0)).zarrArray;
    const grown = await raw.resize([3, ...FULL.slice(1)]);
    await grown.writeRegion(box(2, 3), slice(full, FULL, box(2, 3)).data);
    await expectValidStore(join(dir, "img.zarr")); // level 1 lags by one frame: still valid
    const fresh = await reopened.get(0); // as a new process sees it: 3 frames
    expect(fresh.shape[0]).toBe(3);
    await fresh.resize(fresh.shape); // completes frame 2, grows nothing more
    expect(img.shape).toEqual(FULL); // the first wrapper is not stale either
    expect(await levels(a)).toEqual(await levels(b));
    await expectValidStore(join(dir, "img.zarr"));
    expect(await listFiles(join(dir, "img.zarr"))).not.toContain(`0/${RESIZE_MARKER}`);
  });
});

describe("a large growth; levels out of multiscales while they grow", () => {
  // The levels leave multiscales only when the validator's level rule admits no order of
  // per-level writes (or more than MAX_STEPS of them): since the rule lets a level lag along a
  // ratio-1 axis, a T growth goes level 0 first. The state a kill leaves while the levels are
  // out is built by hand below, and the rerun must put them back.
  test("300 frames at once; a kill while detached is completed by the rerun", async () => {
    const layout = { version: "0.4", sharded: false } as const;
    const small = [1, 1, 3, 7, 9];
    const big = [300, 1, 3, 7, 9];
    const part = dataOf(small, "mean", 5);
    const dir = await tempDir();
    const a = await newPosition(dir, layout);
    await create(a, { data: part, shape: small }, layout);
    await a.computePyramid({ levels: 3, method: "mean", workers: 0 });
    const before = structuredClone(a.multiscale);
    const img = await a.get(0);
    await img.resize(big);
    expect(a.multiscale).toEqual(before);
    const shapes = [];
    for (const p of a.levelPaths) shapes.push([...(await a.get(p)).shape]);
    expect(shapes).toEqual([big, [300, 1, 2, 4, 5], [300, 1, 1, 2, 3]]);
    await expectValidStore(join(dir, "img.zarr"));

    // Killed while detached: level 0 grown, levels 1 and 2 out of multiscales, marker there.
    const marker = {
      ngffWriterResize: 1,
      kind: "resize",
      axis: null,
      from: big,
      to: [600, ...big.slice(1)],
      multiscale: a.multiscale,
    };
    await writeFile(join(dir, "img.zarr", "0", RESIZE_MARKER), JSON.stringify(marker));
    const live = (a as unknown as { _liveMultiscale(): { datasets: unknown[] } })._liveMultiscale();
    live.datasets = live.datasets.slice(0, 1);
    await a.dumpMeta();
    await (await a.get(0)).zarrArray.resize(marker.to);
    await expectValidStore(join(dir, "img.zarr"));
    const reopened = await openOmeZarr(join(dir, "img.zarr"), { layout: "fov", mode: "r+" });
    expect(reopened.levelPaths).toEqual(["0"]);
    await (await reopened.get(0)).resize(marker.to);
    expect(reopened.levelPaths).toEqual(["0", "1", "2"]);
    expect(reopened.multiscale).toEqual(before);
    expect([...(await reopened.get(2)).shape]).toEqual([600, 1, 1, 2, 3]);
    expect(await listFiles(join(dir, "img.zarr"))).not.toContain(`0/${RESIZE_MARKER}`);
    await expectValidStore(join(dir, "img.zarr"));
  });
});

describe("bad input: typed error, every file byte-identical", () => {
  test.each(["0.4", "0.5"] as const)("%s", async (version) => {
    const dir = await tempDir();
    const pos = await newPosition(dir, { version, sharded: false });
    const shape = [2, 1, 3, 5, 6];
    await create(pos, { data: dataOf(shape, "mean"), shape }, { version, sharded: false });
    await pos.computePyramid({ levels: 2, method: "mean", workers: 0 });
    const img = await pos.get(0);
    const frame = (
      s: number[],
      d: Uint16Array | Float32Array = new Uint16Array(s.reduce((a, b) => a * b, 1)),
    ) => ({
      data: d,
      shape: s,
    });
    const msgs: string[] = [];
    const bad = async (
      tag: Parameters<typeof expectRejectedUntouched>[1],
      run: () => Promise<unknown>,
    ) => msgs.push((await expectRejectedUntouched(dir, tag, run)).message);
    await bad("ShapeMismatch", () => img.append(frame([1, 3, 5, 6]), "t")); // rank
    await bad("ShapeMismatch", () => img.append(frame([1, 1, 3, 5, 7]), "t")); // other axis
    await bad("ShapeMismatch", () => img.append(frame([1, 1, 3, 5, 6], new Float32Array(90)), "t")); // dtype
    await bad("InvalidOptions", () => img.append(frame([1, 1, 3, 5, 6]), "q")); // unknown axis
    await bad("InvalidOptions", () => img.append(frame([1, 1, 3, 5, 6]), 7));
    await bad("InvalidOptions", () => img.resize([2, 1, 3, 5, 5])); // shrink
    await bad("InvalidOptions", () => img.resize([2, 1, 3, 5]));
    await bad("Unsupported", () => img.resize([2, 2, 3, 5, 6])); // channel axis
    await bad("Unsupported", () => img.append(frame([2, 1, 3, 5, 6]), "c"));
    const level1 = await pos.get(1);
    await bad("Unsupported", () => level1.resize([3, 1, 2, 3, 3]));
    // Read-only node.
    const ro = await openOmeZarr(join(dir, "img.zarr"), { layout: "fov", mode: "r" });
    const roImg = await ro.get(0);
    await bad("ReadOnly", () => roImg.append(frame([1, 1, 3, 5, 6]), "t"));
    await bad("ReadOnly", () => roImg.resize([3, 1, 3, 5, 6]));
    // A pending (interrupted) append of another extent: refused until it is completed.
    const marker = join(dir, "img.zarr", "0", RESIZE_MARKER);
    await writeFile(
      marker,
      JSON.stringify({
        ngffWriterResize: 1,
        kind: "append",
        axis: 0,
        from: shape,
        to: [4, 1, 3, 5, 6],
        multiscale: pos.multiscale,
      }),
    );
    await bad("PyramidState", () => img.append(frame([1, 1, 3, 5, 6]), "t"));
    await bad("PyramidState", () => img.resize([3, 1, 3, 5, 6]));
    await rm(marker);
    // Labels keep the image's shape: an image with labels, and a label image, do not grow.
    const label = await pos.createLabel(
      "cells",
      { data: new Uint8Array(180).fill(1), shape },
      { workers: 0 },
    );
    await bad("Unsupported", () => img.append(frame([1, 1, 3, 5, 6]), "t"));
    const labelImg = await label.get(0);
    await bad("Unsupported", () => labelImg.resize([3, 1, 3, 5, 6]));
    expect(msgs.join("\n")).toMatchSnapshot();
  });
});

describe("schedule: metadata growth order where each step validates", () => {
  const axes = ["t", "y", "x"];
  const scales = [
    [1, 1, 1],
    [1, 2, 2],
    [1, 4, 4],
  ];
  test("a downsampled axis grows step by step", () => {
    const steps = schedule(
      [
        [1, 10, 10],
        [1, 5, 5],
        [1, 3, 3],
      ],
      [
        [1, 40, 10],
        [1, 20, 5],
        [1, 10, 3],
      ],
      scales,
      axes,
    );
    expect(steps).toBeDefined();
    expect(steps!.length).toBeGreaterThan(3); // one write per level is not enough from 10 to 40
    // Every intermediate state passes the validator's rule.
    const state = [
      [1, 10, 10],
      [1, 5, 5],
      [1, 3, 3],
    ];
    for (const s of steps!) {
      state[s.level] = s.shape;
      for (let k = 1; k < 3; k++) {
        const issue = levelPairIssue(
          { path: "a", shape: state[k - 1]!, scale: scales[k - 1] },
          { path: "b", shape: state[k]!, scale: scales[k] },
          axes,
          k,
          { growing: true },
        );
        expect(issue).toBeUndefined();
      }
    }
    expect(state).toEqual([
      [1, 40, 10],
      [1, 20, 5],
      [1, 10, 3],
    ]);
  });
  test("an axis no level downsamples grows level 0 first while the marker allows the lag", () => {
    const steps = schedule(
      [
        [1, 10, 10],
        [1, 5, 5],
      ],
      [
        [2, 10, 10],
        [2, 5, 5],
      ],
      scales.slice(0, 2),
      axes,
    );
    // While the resize marker exists the validator lets a level lag its predecessor along such
    // an axis, so level 0 grows first (without that rule the levels would be taken out of
    // multiscales while they grow).
    expect(steps?.[0]).toEqual({ level: 0, shape: [2, 10, 10] });
  });
});
