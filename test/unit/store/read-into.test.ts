import { describe, expect, test } from "vitest";
import { ShapeMismatchError } from "../../../src/errors.js";
import { createArray, createMemoryStore } from "../../../src/store/index.js";
import type { Region } from "../../../src/store/types.js";

/** readRegion into a caller's buffer (reused by pyramid tasks): same values as a fresh read. */
describe("readRegion with opts.out", () => {
  const cases = [
    { name: "chunked v2", format: 2 as const, shards: undefined },
    { name: "sharded v3", format: 3 as const, shards: [4, 8] },
  ];
  for (const c of cases) {
    test(`${c.name}: missing chunks and shards read as the fill value, not stale data`, async () => {
      const store = createMemoryStore();
      const a = await createArray(store, "a", c.format, {
        shape: [10, 13],
        dtype: "int16",
        chunks: [2, 4],
        fillValue: -7,
        ...(c.shards === undefined ? {} : { shards: c.shards }),
      });
      // Write only part of the array: some chunks (and shards) stay absent.
      const part: Region = [
        [0, 3],
        [2, 9],
      ];
      await a.writeRegion(
        part,
        Int16Array.from({ length: 21 }, (_, i) => i + 1),
      );
      const region: Region = [
        [1, 10],
        [0, 13],
      ];
      const fresh = (await a.readRegion(region)) as Int16Array;
      const out = new Int16Array(9 * 13).fill(12345);
      const got = (await a.readRegion(region, { out })) as Int16Array;
      expect(got).toBe(out);
      expect(Array.from(got)).toEqual(Array.from(fresh));
      expect(Array.from(got)).toContain(-7);
      expect(Array.from(got)).not.toContain(12345);
    });
  }

  test("an out of the wrong type or length is refused before reading", async () => {
    const a = await createArray(createMemoryStore(), "a", 2, {
      shape: [4, 4],
      dtype: "uint16",
      chunks: [2, 2],
    });
    const region: Region = [
      [0, 2],
      [0, 2],
    ];
    await expect(a.readRegion(region, { out: new Uint16Array(3) })).rejects.toBeInstanceOf(
      ShapeMismatchError,
    );
    await expect(a.readRegion(region, { out: new Int16Array(4) })).rejects.toBeInstanceOf(
      ShapeMismatchError,
    );
  });
});
