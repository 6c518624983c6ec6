/** Snapshots of every metadata file written, and reading metadata back. */
import { describe, expect, test } from "vitest";
import { isOmeZarrError } from "../../../src/errors.js";
import {
  type ArraySpec,
  createArray,
  createGroup,
  createMemoryStore,
  listChildren,
  openArray,
  readAttributes,
  readNode,
  removeNode,
  writeAttributes,
  type ZarrFormat,
  type ZarrStore,
} from "../../../src/store/index.js";

async function files(store: ZarrStore, prefix = ""): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (p: string) => {
    const { dirs, files: fs } = await store.list(p);
    for (const f of fs) {
      const key = p ? `${p}/${f}` : f;
      if (/(^|\/)(zarr\.json|\.zarray|\.zgroup|\.zattrs)$/.test(key)) {
        out[key] = new TextDecoder().decode(await store.get(key));
      }
    }
    for (const d of dirs) await walk(p ? `${p}/${d}` : d);
  };
  await walk(prefix);
  return out;
}

const SPECS: [label: string, format: ZarrFormat, spec: ArraySpec][] = [
  [
    "v2 uint16 default codec",
    2,
    {
      shape: [1, 2, 3, 512, 512],
      dtype: "uint16",
      chunks: [1, 1, 1, 256, 256],
      attributes: { note: "x" },
    },
  ],
  [
    "v2 float64 zstd, Infinity fill",
    2,
    {
      shape: [10],
      dtype: "float64",
      chunks: [5],
      codec: { name: "zstd", level: 5 },
      fillValue: Infinity,
    },
  ],
  [
    "v2 bool uncompressed",
    2,
    { shape: [4, 4], dtype: "bool", chunks: [2, 2], codec: { name: "none" }, fillValue: true },
  ],
  [
    "v3 default codec with dimension names, NaN fill",
    3,
    {
      shape: [2, 64, 64],
      dtype: "float32",
      chunks: [1, 32, 32],
      dimensionNames: ["c", "y", "x"],
      fillValue: Number.NaN,
    },
  ],
  [
    "v3 sharded int64 gzip, big fill",
    3,
    {
      shape: [100, 100],
      dtype: "int64",
      chunks: [10, 10],
      shards: [50, 50],
      codec: { name: "gzip", level: 6 },
      fillValue: 2n ** 60n + 1n,
    },
  ],
  ["v3 uint8 lz4", 3, { shape: [7], dtype: "uint8", chunks: [7], codec: { name: "lz4" } }],
  [
    "v3 int16 zlib",
    3,
    { shape: [7], dtype: "int16", chunks: [7], codec: { name: "zlib", level: 3 } },
  ],
];

describe("metadata files", () => {
  test.each([2, 3] as const)("v%i groups with attributes and parents", async (format) => {
    const store = createMemoryStore();
    await createGroup(store, "", format, { ome: { version: format === 2 ? "0.4" : "0.5" } });
    await createGroup(store, "A/1", format, { well: { images: [] } }, { parents: true });
    expect(await files(store)).toMatchSnapshot();
  });

  test.each(SPECS)("%s", async (_label, format, spec) => {
    const store = createMemoryStore();
    await createArray(store, "arr", format, spec);
    expect(await files(store)).toMatchSnapshot();
  });

  test.each(SPECS)("%s: openArray reads back what was written", async (_label, format, spec) => {
    const store = createMemoryStore();
    await createArray(store, "arr", format, spec);
    const a = await openArray(store, "arr");
    expect({
      format: a.format,
      shape: a.shape,
      dtype: a.dtype,
      chunks: a.chunks,
      shards: a.shards,
      dimensionNames: a.dimensionNames,
    }).toEqual({
      format,
      shape: spec.shape,
      dtype: spec.dtype,
      chunks: spec.chunks,
      shards: spec.shards,
      dimensionNames: format === 3 ? spec.dimensionNames : undefined,
    });
    expect(
      Object.is(a.fillValue, spec.fillValue ?? a.fillValue) || a.fillValue === spec.fillValue,
    ).toBe(true);
    if (spec.codec) expect(a.codec).toMatchObject(spec.codec);
  });
});

describe("hierarchy", () => {
  test("writeAttributes on v3 keeps every other zarr.json field", async () => {
    const store = createMemoryStore();
    await createArray(store, "a", 3, {
      shape: [4],
      dtype: "uint8",
      chunks: [2],
      dimensionNames: ["x"],
    });
    await writeAttributes(store, "a", 3, { b: 2 });
    const a = await openArray(store, "a");
    expect(a.dimensionNames).toEqual(["x"]);
    expect(await readAttributes(store, "a")).toEqual({ b: 2 });
  });

  test("listChildren sorts and skips directories without metadata", async () => {
    const store = createMemoryStore();
    await createGroup(store, "", 2);
    await createGroup(store, "b", 2);
    await createGroup(store, "a", 2);
    await createArray(store, "0", 2, { shape: [2], dtype: "uint8", chunks: [2] });
    await store.set("junk/file", new Uint8Array(1));
    expect(await listChildren(store, "")).toEqual({ groups: ["a", "b"], arrays: ["0"] });
    await removeNode(store, "a");
    expect((await listChildren(store, "")).groups).toEqual(["b"]);
  });

  test("errors: corrupt JSON, missing nodes, existing nodes, format mismatch", async () => {
    const store = createMemoryStore();
    await store.set("bad/zarr.json", new TextEncoder().encode("{nope"));
    await expect(readNode(store, "bad")).rejects.toSatisfy((e) =>
      isOmeZarrError(e, "InvalidMetadata"),
    );
    await expect(readAttributes(store, "missing")).rejects.toSatisfy((e) =>
      isOmeZarrError(e, "NotFound"),
    );
    await expect(openArray(store, "missing")).rejects.toSatisfy((e) =>
      isOmeZarrError(e, "NotFound"),
    );
    await createGroup(store, "g", 2);
    await expect(openArray(store, "g")).rejects.toSatisfy((e) => isOmeZarrError(e, "NotFound"));
    await expect(createGroup(store, "g", 3)).rejects.toSatisfy((e) =>
      isOmeZarrError(e, "LayoutMismatch"),
    );
    await expect(
      createArray(store, "g", 2, { shape: [1], dtype: "uint8", chunks: [1] }),
    ).rejects.toSatisfy((e) => isOmeZarrError(e, "AlreadyExists"));
    const a = await createArray(
      store,
      "g",
      2,
      { shape: [1], dtype: "uint8", chunks: [1] },
      { overwrite: true },
    );
    expect(a.shape).toEqual([1]);
  });

  test("invalid specs are refused before anything is written", async () => {
    const store = createMemoryStore();
    const bad: ArraySpec[] = [
      { shape: [4], dtype: "uint8", chunks: [0] },
      { shape: [4, 4], dtype: "uint8", chunks: [2] },
      { shape: [4], dtype: "uint8", chunks: [2], fillValue: 256 },
      { shape: [4], dtype: "uint8", chunks: [2], codec: { name: "blosc", clevel: 12 } },
      { shape: [4], dtype: "uint8", chunks: [2], shards: [3] },
      { shape: [-1], dtype: "uint8", chunks: [2] },
    ];
    for (const spec of bad) {
      await expect(createArray(store, "x", 3, spec), JSON.stringify(spec)).rejects.toSatisfy((e) =>
        isOmeZarrError(e),
      );
    }
    expect(await store.list("")).toEqual({ dirs: [], files: [] });
  });
});
