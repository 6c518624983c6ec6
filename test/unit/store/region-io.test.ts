/**
 * Region I/O: whole chunks are written without reading, partial chunks are read-modify-write
 * serialised per chunk (no lost update), and concurrency stays bounded.
 */
import { describe, expect, test } from "vitest";
import { isOmeZarrError } from "../../../src/errors.js";
import {
  blockKeyOf,
  createArray,
  createMemoryStore,
  type ZarrStore,
} from "../../../src/store/index.js";
import { blocksInRegion, copyBox, fillBox, intersect } from "../../../src/store/region.js";
import { sampleData, sliceRef, toArray } from "./helpers.js";

/** A store that counts calls and in-flight writes, optionally with random delays. */
function instrumented(inner: ZarrStore, delayMs = 0) {
  const stats = { get: 0, set: 0, inflight: 0, maxInflight: 0 };
  const pause = () =>
    delayMs > 0 ? new Promise((r) => setTimeout(r, Math.random() * delayMs)) : Promise.resolve();
  const store: ZarrStore = {
    kind: inner.kind,
    root: inner.root,
    ref: inner.ref,
    readOnly: inner.readOnly,
    async get(k) {
      stats.get++;
      await pause();
      return inner.get(k);
    },
    async set(k, v) {
      stats.set++;
      stats.inflight++;
      stats.maxInflight = Math.max(stats.maxInflight, stats.inflight);
      try {
        await pause();
        await inner.set(k, v);
      } finally {
        stats.inflight--;
      }
    },
    delete: (k) => inner.delete(k),
    has: (k) => inner.has(k),
    list: (p) => inner.list(p),
    deletePrefix: (p) => inner.deletePrefix(p),
    rename: (a, b) => inner.rename(a, b),
  };
  return { store, stats };
}

describe("full-chunk writes never read", () => {
  test.each([2, 3] as const)(
    "v%i: chunk-aligned writeRegion and writeBlock make zero get calls",
    async (format) => {
      const { store, stats } = instrumented(createMemoryStore());
      const arr = await createArray(store, "a", format, {
        shape: [64, 50],
        dtype: "uint16",
        chunks: [16, 16],
      });
      const getsAfterCreate = stats.get;
      await arr.writeRegion(
        [
          [0, 64],
          [0, 50],
        ],
        sampleData("uint16", 64 * 50),
      );
      await arr.writeRegion(
        [
          [16, 48],
          [16, 48],
        ],
        sampleData("uint16", 32 * 32),
      );
      await arr.writeRegion(
        [
          [0, 64],
          [0, 50],
        ],
        3,
      );
      await arr.writeBlock([3, 3], sampleData("uint16", 16 * 2));
      expect(stats.get - getsAfterCreate).toBe(0);
      expect(stats.set).toBeGreaterThan(0);
    },
  );

  test("sharded: whole-shard writes make zero get calls; a partial one reads its shard once", async () => {
    const { store, stats } = instrumented(createMemoryStore());
    const arr = await createArray(store, "s", 3, {
      shape: [32, 32],
      dtype: "uint8",
      chunks: [8, 8],
      shards: [16, 16],
    });
    const g0 = stats.get;
    await arr.writeRegion(
      [
        [0, 32],
        [0, 32],
      ],
      sampleData("uint8", 32 * 32),
    );
    expect(stats.get - g0).toBe(0);
    await arr.writeRegion(
      [
        [0, 4],
        [0, 4],
      ],
      1,
    );
    expect(stats.get - g0).toBe(1);
  });

  test("a partial chunk write reads exactly the chunks it touches partially", async () => {
    const { store, stats } = instrumented(createMemoryStore());
    const arr = await createArray(store, "a", 2, {
      shape: [32, 32],
      dtype: "int16",
      chunks: [8, 8],
    });
    const g0 = stats.get;
    // rows 4..20 × cols 0..8: chunks (0,0) and (2,0) partial, (1,0) whole.
    await arr.writeRegion(
      [
        [4, 20],
        [0, 8],
      ],
      1,
    );
    expect(stats.get - g0).toBe(2);
  });
});

describe("read-modify-write is serialised per chunk", () => {
  test.each([2, 3] as const)(
    "v%i: concurrent writes into one chunk lose nothing",
    async (format) => {
      const { store } = instrumented(createMemoryStore(), 3);
      const arr = await createArray(store, "a", format, {
        shape: [16, 16],
        dtype: "uint8",
        chunks: [16, 16],
        ...(format === 3 ? { shards: [16, 16], chunks: [8, 8] } : {}),
      });
      // 16 writers, each owning one row of the same chunk (or shard), all at once.
      await Promise.all(
        Array.from({ length: 16 }, (_, r) =>
          arr.writeRegion(
            [
              [r, r + 1],
              [0, 16],
            ],
            new Uint8Array(16).fill(r + 1),
          ),
        ),
      );
      const back = await arr.readRegion([
        [0, 16],
        [0, 16],
      ]);
      for (let r = 0; r < 16; r++)
        expect(toArray(back).slice(r * 16, r * 16 + 16), `row ${r}`).toEqual(
          new Array(16).fill(r + 1),
        );
    },
  );
});

describe("bounded concurrency", () => {
  test("no more than `concurrency` chunk writes are in flight", async () => {
    const { store, stats } = instrumented(createMemoryStore(), 2);
    const arr = await createArray(store, "a", 2, {
      shape: [64, 64],
      dtype: "uint8",
      chunks: [4, 4],
    });
    await arr.writeRegion(
      [
        [0, 64],
        [0, 64],
      ],
      1,
      { concurrency: 3 },
    );
    expect(stats.set).toBeGreaterThanOrEqual(256);
    expect(stats.maxInflight).toBeLessThanOrEqual(3);
    stats.maxInflight = 0;
    await arr.writeRegion(
      [
        [0, 64],
        [0, 64],
      ],
      sampleData("uint8", 64 * 64),
    );
    expect(stats.maxInflight).toBeLessThanOrEqual(8);
    expect(stats.maxInflight).toBeGreaterThan(1);
  });

  test.each([
    ["v2 chunks", 2, undefined],
    ["v3 shards", 3, [8, 8]],
  ] as const)("%s: writeRegion resolves with the bytes it stored", async (_, format, shards) => {
    // Random delays interleave the lanes: a lost update in the sum would show.
    const { store } = instrumented(createMemoryStore(), 2);
    let stored = 0;
    const set = store.set.bind(store);
    store.set = async (k, v) => {
      await set(k, v);
      if (!k.endsWith("zarr.json") && !k.endsWith(".zarray")) stored += v.length;
    };
    const arr = await createArray(store, "a", format, {
      shape: [30, 30],
      dtype: "uint16",
      chunks: [4, 4],
      ...(shards === undefined ? {} : { shards: [...shards] }),
      codec: { name: "zstd", level: 1 },
    });
    stored = 0;
    const region: [number, number][] = [
      [3, 29],
      [1, 30],
    ];
    const bytes = await arr.writeRegion(region, sampleData("uint16", 26 * 29));
    expect(bytes).toBe(stored);
    expect(bytes).toBeGreaterThan(0);
    stored = 0;
    expect(await arr.writeRegion(region, 7)).toBe(stored);
    expect(
      await arr.writeRegion(
        [
          [0, 0],
          [0, 30],
        ],
        7,
      ),
    ).toBe(0);
  });

  test("a bad concurrency or mismatched data is refused before writing", async () => {
    const { store, stats } = instrumented(createMemoryStore());
    const arr = await createArray(store, "a", 3, { shape: [8, 8], dtype: "uint8", chunks: [4, 4] });
    const s0 = stats.set;
    await expect(
      arr.writeRegion(
        [
          [0, 8],
          [0, 8],
        ],
        1,
        { concurrency: 0 },
      ),
    ).rejects.toSatisfy((e) => isOmeZarrError(e, "InvalidOptions") && e.option === "concurrency");
    await expect(
      arr.writeRegion(
        [
          [0, 8],
          [0, 8],
        ],
        new Uint16Array(64),
      ),
    ).rejects.toSatisfy((e) => isOmeZarrError(e, "ShapeMismatch"));
    await expect(
      arr.writeRegion(
        [
          [0, 8],
          [0, 8],
        ],
        new Uint8Array(63),
      ),
    ).rejects.toSatisfy((e) => isOmeZarrError(e, "ShapeMismatch"));
    await expect(
      arr.writeRegion(
        [
          [0, 9],
          [0, 8],
        ],
        1,
      ),
    ).rejects.toSatisfy((e) => isOmeZarrError(e, "ShapeMismatch"));
    await expect(
      arr.writeRegion(
        [
          [0, 8],
          [0, 8],
        ],
        300,
      ),
    ).rejects.toSatisfy((e) => isOmeZarrError(e, "ShapeMismatch"));
    await expect(arr.readRegion([[0, 8]])).rejects.toSatisfy((e) =>
      isOmeZarrError(e, "ShapeMismatch"),
    );
    expect(stats.set).toBe(s0);
  });
});

describe("resize", () => {
  test.each([2, 3] as const)(
    "v%i: shrinking deletes blocks outside; growing reads fill",
    async (format) => {
      const store = createMemoryStore();
      const arr = await createArray(store, "a", format, {
        shape: [10, 10],
        dtype: "uint8",
        chunks: [4, 4],
        fillValue: 9,
      });
      const data = sampleData("uint8", 100);
      await arr.writeRegion(
        [
          [0, 10],
          [0, 10],
        ],
        data,
      );
      const small = await arr.resize([5, 10]);
      expect(small.shape).toEqual([5, 10]);
      const keys = (await store.list(format === 2 ? "a" : "a/c")).dirs;
      expect(keys).toEqual(["0", "1"]);
      const big = await small.resize([12, 10]);
      const back = await big.readRegion([
        [0, 12],
        [0, 10],
      ]);
      expect(toArray(back.subarray(0, 50))).toEqual(
        sliceRef(
          data,
          [10, 10],
          [
            [0, 5],
            [0, 10],
          ],
        ),
      );
      // rows 5..7 are still in chunk row 1 (zarr keeps partial chunks), rows 8..11 are fill.
      expect(toArray(back.subarray(80))).toEqual(new Array(40).fill(9));
    },
  );

  test("shrinking along two axes deletes each block outside once; growing deletes nothing", async () => {
    const deleted: string[] = [];
    const { store } = instrumented(createMemoryStore());
    const counting: ZarrStore = {
      ...store,
      delete: (k) => {
        deleted.push(k);
        return store.delete(k);
      },
    };
    const arr = await createArray(counting, "a", 2, {
      shape: [3, 12, 12],
      dtype: "uint8",
      chunks: [1, 4, 4],
    });
    await arr.writeRegion(
      [
        [0, 3],
        [0, 12],
        [0, 12],
      ],
      sampleData("uint8", 3 * 144),
    );
    // Grid 3×3×3 → 3×1×2: 27 - 6 blocks go, each deleted once.
    const small = await arr.resize([3, 4, 8]);
    expect(deleted).toHaveLength(21);
    expect(new Set(deleted).size).toBe(21);
    const left = [];
    for (let t = 0; t < 3; t++)
      for (const x of [0, 1]) left.push(await counting.has(blockKeyOf(small, [t, 0, x])));
    expect(left).toEqual(new Array(6).fill(true));
    expect(await counting.has(blockKeyOf(small, [0, 1, 0]))).toBe(false);
    expect(await counting.has(blockKeyOf(small, [2, 0, 2]))).toBe(false);
    // Growing (what a stream does every second) visits no block: from a grid of 5·10⁷ blocks,
    // which visiting (as resize once did) takes seconds, a growth takes milliseconds.
    deleted.length = 0;
    const long = await small.resize([2.5e7, 4, 8]);
    const t0 = performance.now();
    await long.resize([5e7, 8, 8]);
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(deleted).toEqual([]);
  });
});

describe("region arithmetic", () => {
  test("blocksInRegion enumerates the overlapping blocks in C order", () => {
    expect([
      ...blocksInRegion(
        [
          [3, 9],
          [0, 5],
        ],
        [4, 5],
      ),
    ]).toEqual([
      [0, 0],
      [1, 0],
      [2, 0],
    ]);
    expect([
      ...blocksInRegion(
        [
          [2, 2],
          [0, 5],
        ],
        [4, 5],
      ),
    ]).toEqual([]);
  });

  test("intersect returns undefined for disjoint boxes", () => {
    expect(intersect([[0, 4]], [[4, 8]])).toBeUndefined();
    expect(
      intersect(
        [
          [0, 5],
          [2, 9],
        ],
        [
          [4, 8],
          [0, 3],
        ],
      ),
    ).toEqual([
      [4, 5],
      [2, 3],
    ]);
  });

  test("copyBox and fillBox move boxes between differently shaped C-order arrays", () => {
    const src = Uint8Array.from({ length: 24 }, (_, i) => i); // shape [2,3,4]
    const dst = new Uint8Array(3 * 4 * 5);
    copyBox(src, [2, 3, 4], [1, 1, 1], dst, [3, 4, 5], [0, 2, 3], [1, 2, 2]);
    expect([dst[13], dst[14], dst[18], dst[19]]).toEqual([17, 18, 21, 22]);
    fillBox(dst, [3, 4, 5], [2, 0, 0], [1, 4, 5], 7);
    expect(Array.from(dst.subarray(40))).toEqual(new Array(20).fill(7));
  });
});
