/**
 * `writeRegionInPool`: whole blocks encoded and written by pool workers from shared memory must
 * give the same files, byte for byte, as `array.writeRegion` of the same data on this thread.
 * One pool of 2 workers serves every test (each worker boots the tsx loader: ~0.5 s).
 */
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { Piscina } from "piscina";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { createPyramidPool } from "../../../src/engine/pool.js";
import { writeRegionInPool } from "../../../src/engine/pool-write.js";
import { isOmeZarrError, type WorkerTaskError } from "../../../src/errors.js";
import {
  type ArraySpec,
  type CodecSpec,
  createArray,
  createMemoryStore,
  type DataType,
  openLocalStore,
  type ZarrArray,
  type ZarrFormat,
  type ZarrStore,
} from "../../../src/store/index.js";
import { LOCK_NAME_PATTERN } from "../../../src/store/lock.js";
import {
  type AnyTypedArray,
  dtypeByteSize,
  type Region,
  typedArrayView,
} from "../../../src/store/types.js";

const SHAPE = [3, 37, 45];
const CHUNKS = [2, 16, 16];
const FULL: Region = SHAPE.map((s) => [0, s] as const);
const LZ4: CodecSpec = { name: "blosc", cname: "lz4", clevel: 5, shuffle: "shuffle" };
const ZSTD: CodecSpec = { name: "zstd", level: 3 };
const NONE: CodecSpec = { name: "none" };

let pool: Piscina;
let dir: string;
let store: ZarrStore;

beforeAll(() => {
  pool = createPyramidPool({ workers: 2 });
});
afterAll(async () => {
  await pool.destroy();
});
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ngff-pool-write-"));
  store = await openLocalStore(dir);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Elements of `dtype` for a region, deterministic per seed; the first chunk's box is zero. */
function seeded(
  dtype: DataType,
  region: Region,
  seed: number,
  opts: { shared?: boolean } = {},
): AnyTypedArray {
  const shape = region.map(([a, b]) => b - a);
  const n = shape.reduce((p, x) => p * x, 1);
  const bytes = n * dtypeByteSize(dtype);
  const buffer = opts.shared ? new SharedArrayBuffer(bytes) : new ArrayBuffer(bytes);
  const out = typedArrayView(dtype, new Uint8Array(buffer));
  let s = seed >>> 0;
  const [, ny, nx] = shape as [number, number, number];
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const z = Math.floor(i / (ny * nx)) + region[0]![0];
    const y = (Math.floor(i / nx) % ny) + region[1]![0];
    const x = (i % nx) + region[2]![0];
    // Zero over the first chunk: a sharded array leaves that inner chunk out of its shard.
    const zero = z < CHUNKS[0]! && y < CHUNKS[1]! && x < CHUNKS[2]!;
    const r = zero ? 0 : s >>> 8;
    if (out instanceof BigUint64Array) out[i] = zero ? 0n : (BigInt(r) << 32n) | BigInt(s);
    else if (out instanceof BigInt64Array) out[i] = BigInt(r - 0x800000);
    else if (dtype === "bool") out[i] = r & 1;
    else if (out instanceof Float32Array || out instanceof Float64Array) out[i] = r / 7 - 1000;
    else if (out instanceof Int32Array || out instanceof Int16Array || out instanceof Int8Array)
      out[i] = r - 0x800000; // wraps to the type's range
    else (out as Uint16Array)[i] = r & 0xffff; // a Uint8Array keeps the low byte
  }
  return out;
}

/** Two arrays with the same spec (`pool/<name>` and `ref/<name>`). */
async function twins(
  format: ZarrFormat,
  spec: ArraySpec,
  name = "a",
): Promise<{ inPool: ZarrArray; ref: ZarrArray }> {
  return {
    inPool: await createArray(store, `pool/${name}`, format, spec),
    ref: await createArray(store, `ref/${name}`, format, spec),
  };
}

/**
 * Chunk and metadata files of an array directory (relative path → sha256). Lock files are left
 * out before reading: partial-chunk writes take one that lingers ~20 ms and then disappears.
 */
async function arrayFiles(path: string): Promise<Map<string, string>> {
  const root = join(dir, path);
  const out = new Map<string, string>();
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  for (const e of entries) {
    if (!e.isFile() || LOCK_NAME_PATTERN.test(e.name)) continue;
    const abs = join(e.parentPath, e.name);
    out.set(
      relative(root, abs),
      createHash("sha256")
        .update(await readFile(abs))
        .digest("hex"),
    );
  }
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Files under the two arrays' directories must be the same set with the same bytes. */
async function expectSameFiles(name = "a"): Promise<Map<string, string>> {
  const a = await arrayFiles(`pool/${name}`);
  const b = await arrayFiles(`ref/${name}`);
  expect([...a.keys()]).toEqual([...b.keys()]);
  expect(a).toEqual(b);
  return a;
}

/** Total size of the chunk files of the (Zarr v2) array at `path`: files not named ".…". */
async function chunkBytes(path: string): Promise<number> {
  let total = 0;
  for (const e of await readdir(join(dir, path), { recursive: true, withFileTypes: true })) {
    if (e.isFile() && !e.name.startsWith("."))
      total += (await stat(join(e.parentPath, e.name))).size;
  }
  return total;
}

/** Files of the array at `path` (relative paths under it). */
async function filesOf(path: string): Promise<string[]> {
  return (await readdir(join(dir, path), { recursive: true, withFileTypes: true }))
    .filter((e) => e.isFile())
    .map((e) => e.name)
    .sort();
}

describe("byte-identical to writeRegion", () => {
  test.each<[string, ZarrFormat, DataType, CodecSpec, number[] | undefined, boolean]>([
    ["uint8 v2 blosc lz4 shuffle", 2, "uint8", LZ4, undefined, false],
    ["uint16 v3 zstd", 3, "uint16", ZSTD, undefined, false],
    ["int32 v2 raw, data in shared memory", 2, "int32", NONE, undefined, true],
    ["float32 v3 blosc lz4 shuffle", 3, "float32", LZ4, undefined, false],
    ["float64 v2 zstd", 2, "float64", ZSTD, undefined, false],
    ["bool v3 raw", 3, "bool", NONE, undefined, false],
    ["uint64 v3 blosc lz4 shuffle", 3, "uint64", LZ4, undefined, false],
    ["uint64 v2 raw, data in shared memory", 2, "uint64", NONE, undefined, true],
    ["int64 v3 zstd", 3, "int64", ZSTD, undefined, false],
    ["int8 v2 blosc lz4 shuffle", 2, "int8", LZ4, undefined, false],
    ["uint16 v3 sharded [1,2,2] zstd", 3, "uint16", ZSTD, [2, 32, 32], false],
    ["float32 v3 sharded [1,2,2] raw", 3, "float32", NONE, [2, 32, 32], true],
  ])("%s", async (_, format, dtype, codec, shards, shared) => {
    const spec: ArraySpec = { shape: SHAPE, dtype, chunks: CHUNKS, codec };
    if (shards !== undefined) spec.shards = shards;
    const { inPool, ref } = await twins(format, spec);
    const data = seeded(dtype, FULL, 11, { shared });
    const before = pool.completed;
    // ~3 KB per task: several tasks per array, both workers busy.
    await writeRegionInPool(inPool, FULL, data, { pool, taskBytes: 3000 });
    expect(pool.completed - before).toBeGreaterThan(1);
    await ref.writeRegion(FULL, data);
    const files = await expectSameFiles();
    const blocks = (shards ?? CHUNKS).map((b, i) => Math.ceil(SHAPE[i]! / b));
    const meta = format === 2 ? 2 : 1; // .zarray + .zattrs, or zarr.json
    expect(files.size).toBe(blocks.reduce((p, x) => p * x, 1) + meta);
    expect(await inPool.readRegion(FULL)).toEqual(data);
  });
});

describe("regions and task sizes", () => {
  /** An array filled with data A, then region `r` overwritten with data B, both ways. */
  async function overwrite(format: ZarrFormat, spec: ArraySpec, r: Region) {
    const { inPool, ref } = await twins(format, spec);
    const a = seeded(spec.dtype, FULL, 3);
    await inPool.writeRegion(FULL, a);
    await ref.writeRegion(FULL, a);
    const b = seeded(spec.dtype, r, 5);
    await writeRegionInPool(inPool, r, b, { pool, taskBytes: 4000 });
    await ref.writeRegion(r, b);
    await expectSameFiles();
    // Expected: A everywhere, B inside the region.
    const expected = a.slice() as Uint16Array;
    const [nz, ny, nx] = SHAPE as [number, number, number];
    const rw = r.map(([lo, hi]) => hi - lo);
    for (let z = 0; z < nz; z++)
      for (let y = 0; y < ny; y++)
        for (let x = 0; x < nx; x++) {
          const inside = [z, y, x].every((v, i) => v >= r[i]![0] && v < r[i]![1]);
          if (!inside) continue;
          const j = ((z - r[0]![0]) * rw[1]! + (y - r[1]![0])) * rw[2]! + (x - r[2]![0]);
          expected[(z * ny + y) * nx + x] = (b as Uint16Array)[j]!;
        }
    expect(await inPool.readRegion(FULL)).toEqual(expected);
  }

  // Covers whole blocks (incl. edge blocks) and blocks cut by the region's low corner.
  const REGION: Region = [
    [0, 3],
    [3, 37],
    [10, 45],
  ];

  test("a region that is not block-aligned over existing data (v2 chunks)", async () => {
    await overwrite(2, { shape: SHAPE, dtype: "uint16", chunks: CHUNKS, codec: LZ4 }, REGION);
  });

  test("a region that is not block-aligned over existing data (v3 shards)", async () => {
    const spec: ArraySpec = { shape: SHAPE, dtype: "uint16", chunks: CHUNKS, shards: [2, 32, 32] };
    await overwrite(3, spec, REGION);
  });

  test("a region inside one block (no whole block: main thread only)", async () => {
    const r: Region = [
      [1, 2],
      [17, 20],
      [3, 9],
    ];
    await overwrite(2, { shape: SHAPE, dtype: "uint16", chunks: CHUNKS, codec: ZSTD }, r);
  });

  test("taskBytes 1 (a task per block) and 1 GiB (one task) write the same bytes", async () => {
    const spec: ArraySpec = { shape: SHAPE, dtype: "float32", chunks: CHUNKS, codec: LZ4 };
    const small = await twins(3, spec, "small");
    const big = await twins(3, spec, "big");
    const data = seeded("float32", FULL, 9);
    const before = pool.completed;
    await writeRegionInPool(small.inPool, FULL, data, { pool, taskBytes: 1 });
    // 2 × 3 × 3 blocks, one task each.
    expect(pool.completed - before).toBe(18);
    await writeRegionInPool(big.inPool, FULL, data, { pool, taskBytes: 1 << 30 });
    expect(pool.completed - before).toBe(19);
    await small.ref.writeRegion(FULL, data);
    await big.ref.writeRegion(FULL, data);
    expect(await expectSameFiles("small")).toEqual(await expectSameFiles("big"));
  });

  test("onProgress counts blocks (pool tasks, then partial blocks) up to the total", async () => {
    const { inPool } = await twins(2, { shape: SHAPE, dtype: "uint8", chunks: CHUNKS });
    const seen: { done: number; total: number; bytes: number }[] = [];
    await writeRegionInPool(inPool, REGION, seeded("uint8", REGION, 1), {
      pool,
      taskBytes: 1,
      onProgress: (p) => seen.push(p),
    });
    // REGION touches 2 × 3 × 3 blocks: 2 × 2 × 2 whole ones, 10 cut by the region.
    expect(seen).toHaveLength(18);
    expect(seen.map((p) => p.done)).toEqual(Array.from({ length: 18 }, (_, i) => i + 1));
    expect(new Set(seen.map((p) => p.total))).toEqual(new Set([18]));
    expect(seen.at(-1)).toMatchObject({ done: 18, total: 18 });
    expect(seen[7]!.bytes).toBeGreaterThan(0);
    // Bytes grow with every block, the partial ones (written on this thread) too, and end at
    // what is on disk: every chunk file of the array, as stored.
    for (let i = 1; i < seen.length; i++)
      expect(seen[i]!.bytes).toBeGreaterThan(seen[i - 1]!.bytes);
    expect(seen.at(-1)!.bytes).toBe(await chunkBytes("pool/a"));
  });
});

describe("errors", () => {
  test("data of the wrong type or length: ShapeMismatchError, nothing written", async () => {
    const { inPool } = await twins(2, { shape: SHAPE, dtype: "uint16", chunks: CHUNKS });
    const n = SHAPE.reduce((p, x) => p * x, 1);
    for (const data of [new Float32Array(n), new Int16Array(n), new Uint16Array(n - 1)]) {
      const err = await writeRegionInPool(inPool, FULL, data, { pool }).catch((e: unknown) => e);
      expect(isOmeZarrError(err, "ShapeMismatch")).toBe(true);
    }
    expect(await filesOf("pool/a")).toEqual([".zarray", ".zattrs"]);
  });

  test("a memory store: UnsupportedError", async () => {
    const mem = await createArray(createMemoryStore(), "a", 3, {
      shape: SHAPE,
      dtype: "uint8",
      chunks: CHUNKS,
    });
    const err = await writeRegionInPool(mem, FULL, seeded("uint8", FULL, 1), { pool }).catch(
      (e: unknown) => e,
    );
    expect(isOmeZarrError(err, "Unsupported")).toBe(true);
  });

  test("an already aborted signal: rejects with its reason, nothing written", async () => {
    const { inPool } = await twins(3, { shape: SHAPE, dtype: "uint8", chunks: CHUNKS });
    const reason = new Error("stop here");
    const signal = AbortSignal.abort(reason);
    const before = pool.completed;
    const err = await writeRegionInPool(inPool, FULL, seeded("uint8", FULL, 2), {
      pool,
      signal,
    }).catch((e: unknown) => e);
    expect(err).toBe(reason);
    expect(pool.completed).toBe(before);
    expect(await filesOf("pool/a")).toEqual(["zarr.json"]);
  });

  test("a failing task: WorkerTaskError (level -1, its region, the cause); the pool still works", async () => {
    // v2 keys use "/": chunk (z, y, x) of "pool/a" is the file pool/a/z/y/x. A regular file
    // where directory pool/a/2 must go makes every write of plane z = 2 fail in the worker.
    const spec: ArraySpec = { shape: [4, 32, 32], dtype: "uint16", chunks: [1, 16, 16] };
    const { inPool, ref } = await twins(2, spec);
    await writeFile(join(dir, "pool", "a", "2"), "not a directory");
    const full: Region = spec.shape.map((s) => [0, s] as const);
    const data = seeded("uint16", full, 4);
    const err = await writeRegionInPool(inPool, full, data, { pool, taskBytes: 1 }).catch(
      (e: unknown) => e,
    );
    expect(isOmeZarrError(err, "WorkerTask")).toBe(true);
    const e = err as WorkerTaskError;
    expect(e.level).toBe(-1);
    // One block (taskBytes 1) of plane 2.
    expect(e.region).toHaveLength(3);
    expect(e.region[0]).toEqual([2, 3]);
    expect(e.region.slice(1).every(([a, b]) => b - a === 16 && a % 16 === 0)).toBe(true);
    expect(e.cause).toBeInstanceOf(Error);
    expect((e.cause as Error).message).toContain('"pool/a/2"');
    expect((e.cause as Error).message).toContain("it is a file");
    expect(e.message).toContain("pool/a");

    // The pool goes on: the same data into a healthy array matches writeRegion.
    const ok = await createArray(store, "pool/b", 2, spec);
    await writeRegionInPool(ok, full, data, { pool, taskBytes: 1 });
    await ref.writeRegion(full, data);
    expect(await arrayFiles("pool/b")).toEqual(await arrayFiles("ref/a"));
  });
});

describe("locks", () => {
  test("a read-modify-write of a block the pool is rewriting waits for it (no lost update)", async () => {
    const spec: ArraySpec = { shape: SHAPE, dtype: "uint16", chunks: CHUNKS, codec: LZ4 };
    const { inPool, ref } = await twins(2, spec);
    const data = seeded("uint16", FULL, 11);
    // Inside block [0, 0, 1] (the first task's): 2×3×4 elements, issued right after the pooled
    // write. It must land on top of the pooled data, as if the two writes ran one after another.
    const small: Region = [
      [0, 2],
      [3, 6],
      [17, 21],
    ];
    const patch = Uint16Array.from({ length: 24 }, (_, i) => 60000 + i);
    const pooled = writeRegionInPool(inPool, FULL, data, { pool, taskBytes: 1 });
    const patched = inPool.writeRegion(small, patch);
    await Promise.all([pooled, patched]);
    await ref.writeRegion(FULL, data);
    await ref.writeRegion(small, patch);
    expect(Array.from((await inPool.readRegion(FULL)) as Uint16Array)).toEqual(
      Array.from((await ref.readRegion(FULL)) as Uint16Array),
    );
    await expectSameFiles();
  });
});

describe("shared-memory slots", () => {
  test("are reused by the next write through the same pool, at most one per task in flight", async () => {
    const { _cachedSlots } = await import("../../../src/engine/pool-write.js");
    const spec: ArraySpec = { shape: SHAPE, dtype: "uint16", chunks: CHUNKS, codec: LZ4 };
    const { inPool, ref } = await twins(2, spec);
    const data = seeded("uint16", FULL, 21);
    await writeRegionInPool(inPool, FULL, data, { pool, taskBytes: 1 });
    const first = [..._cachedSlots(pool)];
    const limit = 2 * pool.maxThreads * pool.options.concurrentTasksPerWorker;
    expect(first.length).toBeGreaterThan(0);
    expect(first.length).toBeLessThanOrEqual(limit);
    await writeRegionInPool(ref, FULL, data, { pool, taskBytes: 1 });
    const second = _cachedSlots(pool);
    expect(second.length).toBe(first.length);
    // The very same buffers: nothing new was allocated for the second write.
    for (const s of second) expect(first).toContain(s);
    await expectSameFiles();
  });
});
