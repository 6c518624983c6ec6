/** Shards: CRC-32C vectors, index layout, empty inner chunks, and plain zarrita reading our shards. */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import FileSystemStore from "@zarrita/storage/fs";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import * as zarr from "zarrita";
import { isOmeZarrError } from "../../../src/errors.js";
import { crc32c, createArray, openLocalStore, type ZarrStore } from "../../../src/store/index.js";
import { EMPTY_CHUNK, encodeShard, splitShard } from "../../../src/store/shard.js";
import { sampleData, sliceRef, tempDir, toArray, wrapStore } from "./helpers.js";

describe("crc32c (Castagnoli)", () => {
  const ascii = (s: string) => new TextEncoder().encode(s);
  test.each([
    ["empty", new Uint8Array(0), 0x00000000],
    ['"123456789"', ascii("123456789"), 0xe3069283],
    ["32 zero bytes", new Uint8Array(32), 0x8a9136aa],
    ["32 0xFF bytes", new Uint8Array(32).fill(0xff), 0x62a8ab43],
    ["0x00..0x1F", new Uint8Array(32).map((_, i) => i), 0x46dd794e],
    ["0x1F..0x00", new Uint8Array(32).map((_, i) => 31 - i), 0x113fdb5c],
  ])("%s", (_label, data, expected) => {
    expect(crc32c(data)).toBe(expected);
  });

  test("running checksum equals one-shot checksum", () => {
    const d = ascii("123456789");
    expect(crc32c(d.subarray(4), crc32c(d.subarray(0, 4)))).toBe(0xe3069283);
  });
});

describe("shard encoding", () => {
  test("index marks empty inner chunks with 2^64-1 and ends with its crc32c", () => {
    const shard = encodeShard([new Uint8Array([1, 2, 3]), undefined, new Uint8Array([9])], true);
    const dv = new DataView(shard.buffer);
    const idx = 4;
    expect(dv.getBigUint64(idx, true)).toBe(0n);
    expect(dv.getBigUint64(idx + 8, true)).toBe(3n);
    expect(dv.getBigUint64(idx + 16, true)).toBe(EMPTY_CHUNK);
    expect(dv.getBigUint64(idx + 24, true)).toBe(EMPTY_CHUNK);
    expect(dv.getBigUint64(idx + 32, true)).toBe(3n);
    expect(dv.getBigUint64(idx + 40, true)).toBe(1n);
    expect(dv.getUint32(idx + 48, true)).toBe(crc32c(shard.subarray(idx, idx + 48)));
    expect(splitShard(shard, 3, true, "s").map((c) => (c ? Array.from(c) : c))).toEqual([
      [1, 2, 3],
      undefined,
      [9],
    ]);
  });

  test("a corrupted index is refused with InvalidMetadataError", () => {
    const shard = encodeShard([new Uint8Array([1, 2, 3])], true);
    shard[shard.length - 10]! ^= 1;
    expect(() => splitShard(shard, 1, true, "s")).toThrow(/crc32c/);
  });
});

describe("sharded arrays on disk", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: ZarrStore;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    store = await openLocalStore(dir, { create: true });
  });
  afterEach(() => cleanup());

  async function checkIndexes(
    arrayDir: string,
    innerPerShard: number,
  ): Promise<{ shards: number; empty: number }> {
    let shards = 0;
    let empty = 0;
    const walk = async (d: string): Promise<void> => {
      for (const ent of await fs.readdir(d, { withFileTypes: true })) {
        const p = path.join(d, ent.name);
        if (ent.isDirectory()) await walk(p);
        else {
          const bytes = new Uint8Array(await fs.readFile(p));
          const idxStart = bytes.length - (16 * innerPerShard + 4);
          const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
          expect(dv.getUint32(bytes.length - 4, true), p).toBe(
            crc32c(bytes.subarray(idxStart, bytes.length - 4)),
          );
          for (let i = 0; i < innerPerShard; i++) {
            const off = dv.getBigUint64(idxStart + 16 * i, true);
            const len = dv.getBigUint64(idxStart + 16 * i + 8, true);
            if (off === EMPTY_CHUNK) {
              expect(len).toBe(EMPTY_CHUNK);
              empty++;
            } else expect(off + len).toBeLessThanOrEqual(BigInt(idxStart));
          }
          shards++;
        }
      }
    };
    await walk(path.join(arrayDir, "c"));
    return { shards, empty };
  }

  test("plain zarrita reads shards with empty inner chunks; every index crc32c verifies", async () => {
    const shape = [45, 70];
    const arr = await createArray(store, "img", 3, {
      shape,
      dtype: "uint16",
      chunks: [8, 8],
      shards: [16, 32],
      fillValue: 5,
    });
    const data = sampleData("uint16", 45 * 70) as Uint16Array;
    // Leave a band of fill values so some inner chunks are empty.
    for (let r = 0; r < 16; r++) for (let c = 0; c < 16; c++) data[r * 70 + c] = 5;
    await arr.writeRegion(
      [
        [0, 45],
        [0, 70],
      ],
      data,
    );
    const z = await zarr.open(zarr.root(new FileSystemStore(dir)).resolve("img"), {
      kind: "array",
    });
    const got = await zarr.get(z);
    expect(Array.from(got.data as Uint16Array)).toEqual(Array.from(data));
    const { shards, empty } = await checkIndexes(path.join(dir, "img"), 8);
    expect(shards).toBe(3 * 3);
    // 4 fill chunks in the corner, plus inner chunks beyond the array edge (45 rows → 48; 70 cols → 96).
    expect(empty).toBeGreaterThanOrEqual(4);
  });

  test("partial shard writes are read-modify-write and keep untouched inner chunks byte-identical", async () => {
    const arr = await createArray(store, "a", 3, {
      shape: [32, 32],
      dtype: "int32",
      chunks: [8, 8],
      shards: [16, 16],
    });
    const data = sampleData("int32", 32 * 32);
    await arr.writeRegion(
      [
        [0, 32],
        [0, 32],
      ],
      data,
    );
    const before = new Uint8Array(await fs.readFile(path.join(dir, "a", "c", "0", "0")));
    const untouchedBefore = splitShard(before, 4, true, "before")[3]!;
    await arr.writeRegion(
      [
        [1, 3],
        [1, 3],
      ],
      new Int32Array([-1, -2, -3, -4]),
    );
    const after = new Uint8Array(await fs.readFile(path.join(dir, "a", "c", "0", "0")));
    expect(Array.from(splitShard(after, 4, true, "after")[3]!)).toEqual(
      Array.from(untouchedBefore),
    );
    const back = (await arr.readRegion([
      [0, 32],
      [0, 32],
    ])) as Int32Array;
    const expected = Int32Array.from(data as Int32Array);
    expected[33] = -1;
    expected[34] = -2;
    expected[65] = -3;
    expected[66] = -4;
    expect(Array.from(back)).toEqual(Array.from(expected));
  });

  test("writeBlock writes one whole (edge-clipped) shard", async () => {
    const arr = await createArray(store, "b", 3, {
      shape: [20, 20],
      dtype: "float64",
      chunks: [4, 4],
      shards: [8, 8],
    });
    expect(arr.blockGrid()).toEqual([3, 3]);
    expect(arr.blockRegion([2, 2])).toEqual([
      [16, 20],
      [16, 20],
    ]);
    const block = sampleData("float64", 16);
    const bytes = await arr.writeBlock([2, 2], block);
    const st = await fs.stat(path.join(dir, "b", "c", "2", "2"));
    expect(bytes).toBe(st.size);
    expect(
      toArray(
        await arr.readRegion([
          [16, 20],
          [16, 20],
        ]),
      ),
    ).toEqual(toArray(block));
    await expect(arr.writeBlock([3, 0], block)).rejects.toSatisfy((e) =>
      isOmeZarrError(e, "ShapeMismatch"),
    );
    await expect(arr.writeBlock([0, 0], block)).rejects.toSatisfy((e) =>
      isOmeZarrError(e, "ShapeMismatch"),
    );
  });

  test("small reads fetch the index and one inner chunk by byte range; large reads fetch the shard", async () => {
    const calls = { get: 0, range: 0 };
    const counted = wrapStore(store, {
      get: (k) => {
        calls.get++;
        return store.get(k);
      },
      getRange: (k, r) => {
        calls.range++;
        return store.getRange!(k, r);
      },
    });
    const arr = await createArray(counted, "r", 3, {
      shape: [64, 64],
      dtype: "uint16",
      chunks: [8, 8],
      shards: [32, 32],
    });
    const data = sampleData("uint16", 64 * 64);
    await arr.writeRegion(
      [
        [0, 64],
        [0, 64],
      ],
      data,
    );
    calls.get = 0;
    const small = await arr.readRegion([
      [9, 12],
      [40, 47],
    ]);
    expect(toArray(small)).toEqual(
      sliceRef(
        data,
        [64, 64],
        [
          [9, 12],
          [40, 47],
        ],
      ),
    );
    expect(calls).toEqual({ get: 0, range: 2 });
    calls.range = 0;
    const big = await arr.readRegion([
      [0, 32],
      [0, 32],
    ]);
    expect(toArray(big)).toEqual(
      sliceRef(
        data,
        [64, 64],
        [
          [0, 32],
          [0, 32],
        ],
      ),
    );
    expect(calls).toEqual({ get: 1, range: 0 });
  });

  test("shards are refused on Zarr v2", async () => {
    await expect(
      createArray(store, "v2", 2, { shape: [8], dtype: "uint8", chunks: [4], shards: [8] }),
    ).rejects.toSatisfy((e) => isOmeZarrError(e, "Unsupported"));
  });
});
