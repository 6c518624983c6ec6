/**
 * The blosc header on disk carries the shuffle and typesize the metadata claims, and the codecs
 * registered in zarrita's registry encode (zarrita alone cannot encode gzip/zlib/crc32c and
 * turns the v3 string shuffle into "no shuffle").
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import * as zarr from "zarrita";
import { isOmeZarrError } from "../../../src/errors.js";
import { bitShuffle, byteShuffle, encodeBloscFrame } from "../../../src/store/blosc.js";
import {
  asZarritaStore,
  type BloscShuffle,
  blockKeyOf,
  createArray,
  createMemoryStore,
  DATA_TYPES,
  dtypeByteSize,
  openLocalStore,
  readBloscHeader,
  registerCodecs,
  type ZarrStore,
} from "../../../src/store/index.js";
import { sampleData, tempDir, toArray } from "./helpers.js";

const SHUFFLES: BloscShuffle[] = ["noshuffle", "shuffle", "bitshuffle"];

describe("blosc header matches the metadata", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: ZarrStore;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    store = await openLocalStore(dir, { create: true });
  });
  afterEach(() => cleanup());

  test.each([2, 3] as const)(
    "v%i: every data type × shuffle, read from the chunk file",
    async (format) => {
      for (const dtype of DATA_TYPES) {
        for (const shuffle of SHUFFLES) {
          const name = `${dtype}-${shuffle}`;
          const arr = await createArray(store, name, format, {
            shape: [64, 64],
            chunks: [32, 32],
            dtype,
            codec: { name: "blosc", cname: "lz4", clevel: 5, shuffle },
          });
          await arr.writeRegion(
            [
              [0, 64],
              [0, 64],
            ],
            sampleData(dtype, 64 * 64),
          );
          const meta = JSON.parse(
            await fs.readFile(path.join(dir, name, format === 2 ? ".zarray" : "zarr.json"), "utf8"),
          );
          const claimed =
            format === 2
              ? { shuffle: SHUFFLES[meta.compressor.shuffle], typesize: dtypeByteSize(dtype) }
              : {
                  shuffle: meta.codecs[1].configuration.shuffle,
                  typesize: meta.codecs[1].configuration.typesize,
                };
          expect(claimed).toEqual({ shuffle, typesize: dtypeByteSize(dtype) });
          const chunk = await fs.readFile(path.join(dir, ...blockKeyOf(arr, [1, 0]).split("/")));
          const h = readBloscHeader(chunk);
          expect({ shuffle: h.shuffle, typesize: h.typesize }, name).toEqual(claimed);
          expect(h.nbytes).toBe(32 * 32 * dtypeByteSize(dtype));
          expect(h.cbytes).toBe(chunk.length);
        }
      }
    },
  );
});

describe("blosc frame internals", () => {
  test("byteShuffle groups byte j of every element together", () => {
    const src = new Uint8Array([1, 2, 3, 4, 5, 6, 7]);
    const dst = new Uint8Array(7);
    byteShuffle(src, dst, 2);
    expect(Array.from(dst)).toEqual([1, 3, 5, 2, 4, 6, 7]);
  });

  test("the word-wise 2-byte shuffle equals the generic one", () => {
    const src = new Uint8Array(4 * 1000 + 3).map((_, i) => (i * 7919) & 0xff);
    const fast = new Uint8Array(src.length);
    byteShuffle(src, fast, 2); // n = 2001: generic path
    const n = Math.floor(src.length / 2);
    const expected = new Uint8Array(src.length);
    for (let i = 0; i < n; i++) {
      expected[i] = src[2 * i]!;
      expected[n + i] = src[2 * i + 1]!;
    }
    expected[src.length - 1] = src[src.length - 1]!;
    expect(Array.from(fast)).toEqual(Array.from(expected));
    const even = src.subarray(0, 4000);
    const out = new Uint8Array(4000);
    byteShuffle(even, out, 2);
    expect(Array.from(out.subarray(0, 2000))).toEqual(
      Array.from(even.filter((_, i) => i % 2 === 0)),
    );
    expect(Array.from(out.subarray(2000))).toEqual(Array.from(even.filter((_, i) => i % 2 === 1)));
  });

  test("bitShuffle puts bit b of byte j of element e at row j*8+b, bit e%8", () => {
    // 8 uint16 elements; only element 3 has bit 2 of its high byte set.
    const src = new Uint8Array(16);
    src[3 * 2 + 1] = 0b100;
    const dst = new Uint8Array(16);
    bitShuffle(src, dst, 2);
    const expected = new Uint8Array(16);
    expected[1 * 8 + 2] = 1 << 3;
    expect(Array.from(dst)).toEqual(Array.from(expected));
  });

  test("bitShuffle copies blocks whose element count is not a multiple of 8 (blosc format 2)", () => {
    const src = new Uint8Array(18).map((_, i) => i * 13);
    const dst = new Uint8Array(18);
    bitShuffle(src, dst, 2);
    expect(Array.from(dst)).toEqual(Array.from(src));
  });

  test("incompressible and tiny buffers are stored memcpyed with the claimed flags", async () => {
    const tiny = await encodeBloscFrame(new Uint8Array(10), {
      cname: "zstd",
      clevel: 5,
      shuffle: "bitshuffle",
      typesize: 2,
      blocksize: 0,
    });
    expect(readBloscHeader(tiny)).toMatchObject({
      flags: 0x80 | 0x10 | 0x04 | 0x02,
      typesize: 2,
      nbytes: 10,
      cbytes: 26,
    });
    const noise = new Uint8Array(4096).map(() => Math.floor(Math.random() * 256));
    const enc = await encodeBloscFrame(noise, {
      cname: "lz4",
      clevel: 5,
      shuffle: "shuffle",
      typesize: 8,
      blocksize: 0,
    });
    expect(readBloscHeader(enc).shuffle).toBe("shuffle");
    expect(enc.length).toBeLessThanOrEqual(noise.length + 16);
  });

  test("blosclz is refused for non-4-byte types and works for 4-byte ones", async () => {
    const store = createMemoryStore();
    await expect(
      createArray(store, "a", 2, {
        shape: [4],
        chunks: [4],
        dtype: "uint16",
        codec: { name: "blosc", cname: "blosclz" },
      }),
    ).rejects.toSatisfy((e) => isOmeZarrError(e, "Unsupported"));
    expect(await store.list("")).toEqual({ dirs: [], files: [] });
    const arr = await createArray(store, "b", 3, {
      shape: [300],
      chunks: [100],
      dtype: "float32",
      codec: { name: "blosc", cname: "blosclz" },
    });
    const data = sampleData("float32", 300);
    await arr.writeRegion([[0, 300]], data);
    expect(toArray(await arr.readRegion([[0, 300]]))).toEqual(toArray(data));
  });
});

describe("codecs registered in zarrita's registry", () => {
  test("registerCodecs is idempotent", () => {
    registerCodecs();
    registerCodecs();
    expect(zarr.registry.has("numcodecs.gzip")).toBe(true);
  });

  test.each([
    [{ name: "gzip", configuration: { level: 5 } }],
    [{ name: "zlib", configuration: { level: 5 } }],
    [{ name: "crc32c" }],
    [
      {
        name: "blosc",
        configuration: {
          cname: "lz4",
          clevel: 5,
          shuffle: "bitshuffle",
          typesize: 2,
          blocksize: 0,
        },
      },
    ],
  ] as [zarr.CodecMetadata][])("zarrita can encode with %j", async (codec) => {
    const store = createMemoryStore();
    const zs = asZarritaStore(store);
    const arr = await zarr.create(zarr.root(zs).resolve("x"), {
      shape: [64],
      chunkShape: [64],
      dtype: "uint16" as const,
      codecs: [{ name: "bytes", configuration: { endian: "little" } }, codec],
      fillValue: 0,
    });
    const data = new Uint16Array(64).map((_, i) => i * 3);
    await zarr.set(arr, null, { data, shape: [64], stride: [1] });
    const back = await zarr.get(arr);
    expect(Array.from(back.data as Uint16Array)).toEqual(Array.from(data));
    if (codec.name === "blosc") {
      const h = readBloscHeader((await store.get("x/c/0"))!);
      expect({ shuffle: h.shuffle, typesize: h.typesize }).toEqual({
        shuffle: "bitshuffle",
        typesize: 2,
      });
    }
  });
});
