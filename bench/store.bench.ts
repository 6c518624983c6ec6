/**
 * Store-layer throughput vs plain zarrita.
 *
 * 8192×8192 uint16 (134 MB), 256×256 chunks, blosc lz4 clevel 5 byte-shuffle, local disk (temp
 * dir). Writes the whole array, then reads it back, several runs each; prints medians in MB/s.
 *
 *   node --import tsx bench/store.bench.ts [runs=5]
 *
 * This layer runs with Zarr v2 and v3 metadata (same codec; typesize 2 in the blosc header).
 * Plain zarrita: `zarr.create` + `zarr.set` / `zarr.get` on @zarrita/storage FileSystemStore,
 * v3 only. With the spec's `shuffle: "shuffle"` zarrita actually writes *no* shuffle (typesize 4);
 * a second baseline row passes the non-spec integer `shuffle: 1` to get a real byte shuffle.
 * The store layer's index is NOT imported here, so zarrita's codec registry stays unpatched.
 */
import * as fs from "node:fs/promises";
import * as os from "node:os";
import * as path from "node:path";
import FileSystemStore from "@zarrita/storage/fs";
import * as zarr from "zarrita";
import { createArray, openArray } from "../src/store/array.js";
import { readBloscHeader } from "../src/store/blosc.js";
import type { ZarrStore } from "../src/store/store.js";
import { openLocalStore } from "../src/store/store.js";
import type { ZarrFormat } from "../src/store/types.js";

const N = 8192;
const CHUNK = 256;
const RUNS = Number(process.argv[2] ?? 5);
const MB = (N * N * 2) / 1e6;

function makeData(): Uint16Array {
  const d = new Uint16Array(N * N);
  let s = 12345;
  for (let y = 0; y < N; y++) {
    for (let x = 0; x < N; x++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      d[y * N + x] = 1000 + ((x + y) >> 2) + ((s >>> 16) & 63);
    }
  }
  return d;
}

function counting(inner: ZarrStore): { store: ZarrStore; gets: () => number } {
  let gets = 0;
  const store: ZarrStore = {
    kind: inner.kind,
    root: inner.root,
    readOnly: inner.readOnly,
    get: (k) => {
      gets++;
      return inner.get(k);
    },
    set: (k, v) => inner.set(k, v),
    delete: (k) => inner.delete(k),
    has: (k) => inner.has(k),
    list: (p) => inner.list(p),
    deletePrefix: (p) => inner.deletePrefix(p),
    rename: (a, b) => inner.rename(a, b),
  };
  return { store, gets: () => gets };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

/** Wall seconds of `fn`; its CPU seconds (all threads) are pushed to `cpu`. */
async function time(fn: () => Promise<unknown>, cpu?: number[]): Promise<number> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const c = process.cpuUsage(c0);
  cpu?.push((c.user + c.system) / 1e6);
  return (performance.now() - t0) / 1000;
}

interface Row {
  name: string;
  write: number[];
  read: number[];
  writeCpu: number[];
  readCpu: number[];
  gets: number;
  bytes: number;
  header: string;
}

function newRow(name: string): Row {
  return { name, write: [], read: [], writeCpu: [], readCpu: [], gets: 0, bytes: 0, header: "" };
}

async function dirBytes(d: string): Promise<number> {
  let total = 0;
  for (const ent of await fs.readdir(d, { withFileTypes: true, recursive: true })) {
    if (ent.isFile()) total += (await fs.stat(path.join(ent.parentPath, ent.name))).size;
  }
  return total;
}

async function headerOf(file: string): Promise<string> {
  const h = readBloscHeader(new Uint8Array(await fs.readFile(file)));
  return `${h.shuffle}/ts${h.typesize}`;
}

const WHOLE: [number, number][] = [
  [0, N],
  [0, N],
];

/** One write+read run through this layer. */
async function oursOnce(
  row: Row,
  format: ZarrFormat,
  data: Uint16Array,
  dir: string,
): Promise<void> {
  const { store, gets } = counting(await openLocalStore(dir, { create: true }));
  const arr = await createArray(store, "a", format, {
    shape: [N, N],
    dtype: "uint16",
    chunks: [CHUNK, CHUNK],
    codec: { name: "blosc", cname: "lz4", clevel: 5, shuffle: "shuffle" },
  });
  const before = gets();
  row.write.push(await time(() => arr.writeRegion(WHOLE, data), row.writeCpu));
  row.gets += gets() - before;
  const back = await openArray(store, "a");
  let out: unknown;
  row.read.push(
    await time(async () => {
      out = await back.readRegion(WHOLE);
    }, row.readCpu),
  );
  if ((out as Uint16Array)[N * N - 1] !== data[N * N - 1]) throw new Error("read back mismatch");
  row.bytes = await dirBytes(dir);
  row.header = await headerOf(path.join(dir, "a", format === 2 ? "0/0" : "c/0/0"));
}

/** One write+read run through plain zarrita (v3, FileSystemStore). */
async function zarritaOnce(
  row: Row,
  shuffle: string | number,
  data: Uint16Array,
  dir: string,
): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  const fsStore = new FileSystemStore(dir);
  let gets = 0;
  const store = {
    get: (k: `/${string}`) => {
      gets++;
      return fsStore.get(k);
    },
    set: (k: `/${string}`, v: Uint8Array) => fsStore.set(k, v),
  };
  const arr = await zarr.create(zarr.root(store).resolve("a"), {
    shape: [N, N],
    chunkShape: [CHUNK, CHUNK],
    dtype: "uint16",
    fillValue: 0,
    codecs: [
      { name: "bytes", configuration: { endian: "little" } },
      {
        name: "blosc",
        configuration: { cname: "lz4", clevel: 5, shuffle, typesize: 2, blocksize: 0 },
      },
    ],
  });
  const before = gets;
  row.write.push(
    await time(() => zarr.set(arr, null, { data, shape: [N, N], stride: [N, 1] }), row.writeCpu),
  );
  row.gets += gets - before;
  const back = await zarr.open(zarr.root(fsStore).resolve("a"), { kind: "array" });
  let out: unknown;
  row.read.push(
    await time(async () => {
      out = await zarr.get(back);
    }, row.readCpu),
  );
  if ((out as { data: Uint16Array }).data[N * N - 1] !== data[N * N - 1])
    throw new Error("read back mismatch");
  row.bytes = await dirBytes(dir);
  row.header = await headerOf(path.join(dir, "a", "c/0/0"));
}

const base = await fs.mkdtemp(path.join(os.tmpdir(), "ngff-store-bench-"));
try {
  const data = makeData();
  const configs: [Row, (row: Row, dir: string) => Promise<void>][] = [
    [newRow('plain zarrita v3, shuffle "shuffle"'), (r, d) => zarritaOnce(r, "shuffle", data, d)],
    [newRow("plain zarrita v3, shuffle 1"), (r, d) => zarritaOnce(r, 1, data, d)],
    [newRow("this layer, Zarr v2"), (r, d) => oursOnce(r, 2, data, d)],
    [newRow("this layer, Zarr v3"), (r, d) => oursOnce(r, 3, data, d)],
  ];
  // Runs are interleaved (run 1 of every config, then run 2, ...) so machine noise hits all alike.
  for (let run = 0; run < RUNS; run++) {
    for (const [i, [row, once]] of configs.entries()) {
      const dir = path.join(base, `c${i}-r${run}`);
      await once(row, dir);
      await fs.rm(dir, { recursive: true, force: true });
    }
  }
  const rows = configs.map(([r]) => r);
  const baseline = rows[1]!;
  const w0 = MB / median(baseline.write);
  const r0 = MB / median(baseline.read);
  const cw0 = MB / median(baseline.writeCpu);
  const cr0 = MB / median(baseline.readCpu);
  const out: string[] = [
    `store layer vs plain zarrita — ${N}×${N} uint16 (${MB.toFixed(1)} MB), ${CHUNK}² chunks, blosc lz4 clevel 5, ${RUNS} interleaved runs (medians), ${os.cpus().length} cores, load avg ${os.loadavg()[0]!.toFixed(1)}`,
    "",
    "| writer | write MB/s | read MB/s | write / read vs baseline | write MB/CPU-s | read MB/CPU-s | CPU write / read vs baseline | get() during writes | on disk MB | blosc header |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
  ];
  for (const r of rows) {
    const w = MB / median(r.write);
    const rd = MB / median(r.read);
    const cw = MB / median(r.writeCpu);
    const cr = MB / median(r.readCpu);
    out.push(
      `| ${r.name} | ${w.toFixed(0)} | ${rd.toFixed(0)} | ${(w / w0).toFixed(2)}× / ${(rd / r0).toFixed(2)}× | ${cw.toFixed(0)} | ${cr.toFixed(0)} | ${(cw / cw0).toFixed(2)}× / ${(cr / cr0).toFixed(2)}× | ${r.gets} | ${(r.bytes / 1e6).toFixed(1)} | ${r.header} |`,
    );
  }
  out.push(
    "",
    'Baseline: "plain zarrita v3, shuffle 1" (the same work: a real byte shuffle). MB/s = MB / wall s;',
    "MB/CPU-s = MB / (user + system CPU seconds of all threads), less sensitive to other load.",
    `Reproduce: node --import tsx bench/store.bench.ts ${RUNS}`,
  );
  console.log(`\n${out.join("\n")}`);
} finally {
  await fs.rm(base, { recursive: true, force: true });
}
