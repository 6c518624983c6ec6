/**
 * The write and read fast paths (reused per-lane chunk and encode buffers, encoding a contiguous
 * run of the caller's data without a copy, decoding straight into the destination, chunk order
 * across directories) must not change a single byte on disk or in what is read back.
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import FileSystemStore from "@zarrita/storage/fs";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import * as zarr from "zarrita";
import {
  type CodecSpec,
  createArray,
  openArray,
  openLocalStore,
  type Region,
  type ZarrFormat,
} from "../../../src/store/index.js";
import { LOCK_NAME_PATTERN } from "../../../src/store/lock.js";
import { contiguousOffset } from "../../../src/store/region.js";
import { sampleData, tempDir } from "./helpers.js";

let dir: string;
let cleanup: () => Promise<void>;
beforeEach(async () => {
  ({ dir, cleanup } = await tempDir("ngff-fast-"));
});
afterEach(() => cleanup());

/** Every file under `root` (relative path → bytes); lock files (they linger briefly) excluded. */
async function files(root: string): Promise<Map<string, Buffer>> {
  const out = new Map<string, Buffer>();
  for (const ent of await fs.readdir(root, { withFileTypes: true, recursive: true })) {
    if (!ent.isFile() || LOCK_NAME_PATTERN.test(ent.name)) continue;
    const p = path.join(ent.parentPath, ent.name);
    out.set(path.relative(root, p), await fs.readFile(p));
  }
  return out;
}

/** The sub-array of C-order `data` (shape `shape`) inside `region`. */
function cut(data: Uint16Array, shape: readonly number[], region: Region): Uint16Array {
  const [z0, z1] = region[0]!;
  const [y0, y1] = region[1]!;
  const [x0, x1] = region[2]!;
  const out = new Uint16Array((z1 - z0) * (y1 - y0) * (x1 - x0));
  let k = 0;
  for (let z = z0; z < z1; z++)
    for (let y = y0; y < y1; y++)
      for (let x = x0; x < x1; x++) out[k++] = data[(z * shape[1]! + y) * shape[2]! + x]!;
  return out;
}

const box = (...r: [number, number][]): Region => r;

const SHAPE = [5, 37, 45]; // edge chunks on every axis
const CODECS: CodecSpec[] = [
  { name: "blosc", cname: "lz4", clevel: 5, shuffle: "shuffle" },
  { name: "blosc", cname: "zstd", clevel: 1, shuffle: "bitshuffle" },
  { name: "zstd", level: 3 },
  { name: "none" },
];

describe.each([2, 3] as const)("Zarr v%i", (format: ZarrFormat) => {
  test.each(CODECS.map((c) => [JSON.stringify(c), c] as const))(
    "whole, chunk-aligned, unaligned and contiguous-run writes give identical files (%s)",
    async (_name, codec) => {
      const data = sampleData("uint16", SHAPE[0]! * SHAPE[1]! * SHAPE[2]!, 11) as Uint16Array;
      const layouts: Record<string, Region[]> = {
        whole: [box([0, 5], [0, 37], [0, 45])],
        // Tiles on chunk boundaries: every chunk whole, written from a strided region.
        aligned: [0, 16, 32].flatMap((y) =>
          [0, 2, 4].map((z) => box([z, Math.min(z + 2, 5)], [y, Math.min(y + 16, 37)], [0, 45])),
        ),
        // Odd tiles: most chunks are written in pieces (read-modify-write).
        unaligned: [0, 3].flatMap((z) =>
          [0, 13, 29].flatMap((y) =>
            [0, 7, 30].map((x) =>
              box(
                [z, z === 0 ? 3 : 5],
                [y, y === 0 ? 13 : y === 13 ? 29 : 37],
                [x, x === 0 ? 7 : x === 7 ? 30 : 45],
              ),
            ),
          ),
        ),
        // Chunks [1, 16, 45]: one plane at a time, each full chunk a contiguous run of the data
        // (encoded without a copy) ...
        planes: [0, 1, 2, 3, 4].map((z) => box([z, z + 1], [0, 37], [0, 45])),
        // ... and the same chunks composed from two column halves (read-modify-write).
        halves: [box([0, 5], [0, 37], [0, 20]), box([0, 5], [0, 37], [20, 45])],
      };
      const chunksFor = (name: string) =>
        name === "planes" || name === "halves" ? [1, 16, 45] : [2, 16, 16];
      const results = new Map<string, Map<string, Buffer>>();
      for (const [name, regions] of Object.entries(layouts)) {
        const root = path.join(dir, name);
        const store = await openLocalStore(root, { create: true });
        const arr = await createArray(store, "a", format, {
          shape: SHAPE,
          dtype: "uint16",
          chunks: chunksFor(name),
          codec,
          fillValue: 3,
        });
        for (const r of regions) await arr.writeRegion(r, cut(data, SHAPE, r), { concurrency: 2 });
        const back = await openArray(store, "a");
        const all = await back.readRegion(box([0, 5], [0, 37], [0, 45]));
        expect(Buffer.from(all.buffer).equals(Buffer.from(data.buffer))).toBe(true);
        const r = box([1, 4], [5, 33], [3, 41]);
        const part = (await back.readRegion(r)) as Uint16Array;
        expect(Array.from(part)).toEqual(Array.from(cut(data, SHAPE, r)));
        results.set(name, await files(root));
      }
      for (const [a, b] of [
        ["whole", "aligned"],
        ["whole", "unaligned"],
        ["planes", "halves"],
      ] as const) {
        const x = results.get(a)!;
        const y = results.get(b)!;
        expect([...y.keys()].sort()).toEqual([...x.keys()].sort());
        const differing = [...x].filter(([k, v]) => !v.equals(y.get(k)!)).map(([k]) => k);
        expect(differing, `${a} vs ${b}`).toEqual([]);
      }
    },
  );
});

test("edge chunks are padded with the fill value even when a lane's buffer held other data", async () => {
  const store = await openLocalStore(dir, { create: true });
  const arr = await createArray(store, "a", 2, {
    shape: [10, 10],
    dtype: "uint16",
    chunks: [4, 4],
    codec: { name: "none" },
    fillValue: 7,
  });
  // One lane: the full chunks (all 1s) are composed in the same buffer as the edge chunks after.
  await arr.writeRegion(box([0, 10], [0, 10]), new Uint16Array(100).fill(1), { concurrency: 1 });
  const edge = new Uint16Array((await fs.readFile(path.join(dir, "a", "2", "2"))).buffer.slice(0));
  expect(Array.from(edge)).toEqual([1, 1, 7, 7, 1, 1, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7]);
  const side = new Uint16Array((await fs.readFile(path.join(dir, "a", "0", "2"))).buffer.slice(0));
  expect(Array.from(side)).toEqual([1, 1, 7, 7, 1, 1, 7, 7, 1, 1, 7, 7, 1, 1, 7, 7]);
});

test("a partial write into a chunk starts from the stored chunk, not from the lane's last chunk", async () => {
  const store = await openLocalStore(dir, { create: true });
  const arr = await createArray(store, "a", 3, {
    shape: [8, 8],
    dtype: "uint16",
    chunks: [4, 4],
    fillValue: 0,
  });
  const all = (v: number) => new Uint16Array(64).fill(v);
  await arr.writeRegion(box([0, 8], [0, 8]), all(5));
  // Chunk (0,0) gets 9s in one corner; chunks (0,1) and (1,*) stay 5 even though one lane
  // composes them all.
  await arr.writeRegion(box([1, 3], [1, 7]), new Uint16Array(12).fill(9), { concurrency: 1 });
  const back = (await arr.readRegion(box([0, 8], [0, 8]))) as Uint16Array;
  const expected = all(5);
  for (let y = 1; y < 3; y++) for (let x = 1; x < 7; x++) expected[y * 8 + x] = 9;
  expect(Array.from(back)).toEqual(Array.from(expected));
});

test("chunks written by c-blosc (split, typesize 4 headers) read back through the fallback", async () => {
  // zarrita writes blosc frames with c-blosc; we decode those with c-blosc, not our decoder.
  await fs.mkdir(dir, { recursive: true });
  const zs = new FileSystemStore(dir);
  const data = sampleData("uint16", 64 * 64, 3) as Uint16Array;
  const z = await zarr.create(zarr.root(zs).resolve("z"), {
    shape: [64, 64],
    chunkShape: [32, 32],
    dtype: "uint16",
    fillValue: 0,
    codecs: [
      { name: "bytes", configuration: { endian: "little" } },
      {
        name: "blosc",
        configuration: { cname: "lz4", clevel: 5, shuffle: 1, typesize: 2, blocksize: 0 },
      },
    ],
  });
  await zarr.set(z, null, { data, shape: [64, 64], stride: [64, 1] });
  const arr = await openArray(await openLocalStore(dir), "z");
  const got = (await arr.readRegion(box([0, 64], [0, 64]))) as Uint16Array;
  expect(Array.from(got)).toEqual(Array.from(data));
});

test.each([
  [[5, 37, 45], [2, 16, 0], [1, 16, 45], (2 * 37 + 16) * 45],
  [[5, 37, 45], [2, 16, 1], [1, 16, 44], -1],
  [[5, 37, 45], [0, 16, 0], [2, 16, 45], -1],
  [[5, 37, 45], [1, 0, 0], [2, 37, 45], 37 * 45],
  [[5, 37, 45], [4, 36, 7], [1, 1, 30], (4 * 37 + 36) * 45 + 7],
  [[10], [3], [4], 3],
])("contiguousOffset(%j, %j, %j) = %i", (shape, start, size, expected) => {
  expect(contiguousOffset(shape, start, size)).toBe(expected);
});
