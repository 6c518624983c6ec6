/**
 * Every data type × every codec × both formats round-trips through this layer, and plain
 * zarrita reads the same values back. Arrays are small: one with edge chunks, one smaller than
 * a single chunk.
 */

import { describe, expect, test } from "vitest";
import * as zarr from "zarrita";
import {
  asZarritaStore,
  type CodecSpec,
  createArray,
  createMemoryStore,
  DATA_TYPES,
  type DataType,
} from "../../../src/store/index.js";
import { sampleData, sliceRef, toArray } from "./helpers.js";

const CODECS: CodecSpec[] = [
  { name: "blosc", cname: "lz4", clevel: 5, shuffle: "noshuffle" },
  { name: "blosc", cname: "lz4", clevel: 5, shuffle: "shuffle" },
  { name: "blosc", cname: "zstd", clevel: 1, shuffle: "bitshuffle" },
  { name: "blosc", cname: "zlib", clevel: 3, shuffle: "shuffle" },
  { name: "blosc", cname: "lz4hc", clevel: 9, shuffle: "bitshuffle" },
  { name: "zstd", level: 3 },
  { name: "lz4", acceleration: 1 },
  { name: "gzip", level: 6 },
  { name: "zlib", level: 1 },
  { name: "none" },
];

const CASES: { label: string; shape: number[]; chunks: number[]; shards?: number[] }[] = [
  { label: "edge chunks", shape: [19, 23], chunks: [8, 6] },
  { label: "smaller than one chunk", shape: [3, 5], chunks: [8, 6] },
  { label: "3-D", shape: [3, 9, 10], chunks: [2, 4, 4] },
];

function fromZarrita(data: unknown): unknown[] {
  return Array.from(data as ArrayLike<unknown>, (v) => (typeof v === "boolean" ? Number(v) : v));
}

describe.each([2, 3] as const)("format v%i", (format) => {
  test.each(DATA_TYPES.map((d) => [d]))(
    "%s: every codec round-trips (ours and zarrita's reader)",
    async (dtype: DataType) => {
      for (const codec of CODECS) {
        for (const c of CASES) {
          const store = createMemoryStore();
          const arr = await createArray(store, "a", format, {
            shape: c.shape,
            chunks: c.chunks,
            dtype,
            codec,
          });
          const n = c.shape.reduce((a, b) => a * b, 1);
          const data = sampleData(dtype, n, 7);
          const whole = c.shape.map((s) => [0, s] as [number, number]);
          await arr.writeRegion(whole, data);
          const label = `${dtype} ${JSON.stringify(codec)} ${c.label}`;
          expect(toArray(await arr.readRegion(whole)), label).toEqual(toArray(data));
          const sub = c.shape.map((s) => [Math.floor(s / 3), s - 1] as [number, number]);
          expect(toArray(await arr.readRegion(sub)), label).toEqual(sliceRef(data, c.shape, sub));
          const z = await zarr.open(zarr.root(asZarritaStore(store)).resolve("a"), {
            kind: "array",
          });
          const got = await zarr.get(z);
          expect(fromZarrita(got.data), `zarrita: ${label}`).toEqual(toArray(data));
        }
      }
    },
  );
});

describe("sharded (v3)", () => {
  test.each(DATA_TYPES.map((d) => [d]))(
    "%s: sharded arrays round-trip with each codec",
    async (dtype: DataType) => {
      for (const codec of CODECS) {
        const store = createMemoryStore();
        const shape = [19, 23];
        const arr = await createArray(store, "s", 3, {
          shape,
          chunks: [4, 5],
          shards: [8, 10],
          dtype,
          codec,
        });
        const data = sampleData(dtype, 19 * 23, 3);
        await arr.writeRegion(
          [
            [0, 19],
            [0, 23],
          ],
          data,
        );
        const label = `${dtype} ${JSON.stringify(codec)}`;
        expect(
          toArray(
            await arr.readRegion([
              [0, 19],
              [0, 23],
            ]),
          ),
          label,
        ).toEqual(toArray(data));
        const z = await zarr.open(zarr.root(asZarritaStore(store)).resolve("s"), { kind: "array" });
        expect(fromZarrita((await zarr.get(z)).data), `zarrita: ${label}`).toEqual(toArray(data));
      }
    },
  );
});
