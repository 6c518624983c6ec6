/**
 * Store-layer throughput vs plain zarrita.
 *
 * 8192×8192 uint16 (134 MB), 256×256 chunks, blosc lz4 clevel 5 byte-shuffle, local disk (temp
 * dir). Writes the whole array, then reads it back, several runs each; prints medians in MB/s.
 *
 *   node --import tsx bench/store.bench.ts [runs=5] [--compare <checkout dir>]...
 *
 * `--compare <dir>` adds a row for the store layer of another checkout (e.g. a `git archive` of an
 * older commit with node_modules linked), interleaved with the others: before/after in one run.
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
import * as array from "../src/store/array.js";
import { readBloscHeader } from "../src/store/blosc.js";
import type { ZarrStore } from "../src/store/store.js";
import * as storeModule from "../src/store/store.js";
import type { ZarrFormat } from "../src/store/types.js";

const N = 8192;
const CHUNK = 256;
const args = process.argv.slice(2);
const compare: string[] = [];
for (let i = args.indexOf("--compare"); i >= 0; i = args.indexOf("--compare")) {
  compare.push(path.resolve(args[i + 1] ?? "."));
  args.splice(i, 2);
}
const RUNS = Number(args[0] ?? 5);
const MB = (N * N * 2) / 1e6;

/** The store-layer entry points a row uses (this checkout's, or another's with --compare). */
interface Layer {
  createArray: typeof array.createArray;
  openArray: typeof array.openArray;
  openLocalStore: typeof storeModule.openLocalStore;
}
const thisLayer: Layer = { ...array, openLocalStore: storeModule.openLocalStore };

async function layerAt(dir: string): Promise<Layer> {
  const a = (await import(path.join(dir, "src/store/array.ts"))) as typeof array;
  const s = (await import(path.join(dir, "src/store/store.ts"))) as typeof storeModule;
  return { createArray: a.createArray, openArray: a.openArray, openLocalStore: s.openLocalStore };
}

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
    ref: inner.ref,
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

/** Seconds of one phase: wall, and user / system CPU of all threads. */
interface Sample {
  wall: number;
  user: number;
  sys: number;
}

async function time(fn: () => Promise<unknown>, into: Sample[]): Promise<void> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  await fn();
  const c = process.cpuUsage(c0);
  into.push({ wall: (performance.now() - t0) / 1000, user: c.user / 1e6, sys: c.system / 1e6 });
}

interface Row {
  name: string;
  write: Sample[];
  read: Sample[];
  gets: number;
  bytes: number;
  header: string;
}

function newRow(name: string): Row {
  return { name, write: [], read: [], gets: 0, bytes: 0, header: "" };
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

/** One write+read run through a store layer. */
async function oursOnce(
  layer: Layer,
  row: Row,
  format: ZarrFormat,
  data: Uint16Array,
  dir: string,
): Promise<void> {
  const { store, gets } = counting(await layer.openLocalStore(dir, { create: true }));
  const arr = await layer.createArray(store, "a", format, {
    shape: [N, N],
    dtype: "uint16",
    chunks: [CHUNK, CHUNK],
    codec: { name: "blosc", cname: "lz4", clevel: 5, shuffle: "shuffle" },
  });
  const before = gets();
  await time(() => arr.writeRegion(WHOLE, data), row.write);
  row.gets += gets() - before;
  const back = await layer.openArray(store, "a");
  let out: unknown;
  await time(async () => {
    out = await back.readRegion(WHOLE);
  }, row.read);
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
  await time(() => zarr.set(arr, null, { data, shape: [N, N], stride: [N, 1] }), row.write);
  row.gets += gets - before;
  const back = await zarr.open(zarr.root(fsStore).resolve("a"), { kind: "array" });
  let out: unknown;
  await time(async () => {
    out = await zarr.get(back);
  }, row.read);
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
    [newRow("this layer, Zarr v2"), (r, d) => oursOnce(thisLayer, r, 2, data, d)],
    [newRow("this layer, Zarr v3"), (r, d) => oursOnce(thisLayer, r, 3, data, d)],
  ];
  for (const dir of compare) {
    const layer = await layerAt(dir);
    const label = path.basename(dir);
    configs.push([newRow(`${label}, Zarr v2`), (r, d) => oursOnce(layer, r, 2, data, d)]);
    configs.push([newRow(`${label}, Zarr v3`), (r, d) => oursOnce(layer, r, 3, data, d)]);
  }
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
  const wall = (xs: Sample[]) => MB / median(xs.map((x) => x.wall));
  const cpu = (xs: Sample[]) => MB / median(xs.map((x) => x.user + x.sys));
  const ms = (xs: Sample[], k: "user" | "sys") => (1000 * median(xs.map((x) => x[k]))).toFixed(0);
  const out: string[] = [
    `store layer vs plain zarrita — ${N}×${N} uint16 (${MB.toFixed(1)} MB), ${CHUNK}² chunks, blosc lz4 clevel 5, ${RUNS} interleaved runs (medians), ${os.cpus().length} cores, load avg ${os.loadavg()[0]!.toFixed(1)}`,
    "",
    "| writer | write MB/s | read MB/s | wall write / read vs baseline | write MB/CPU-s | read MB/CPU-s | CPU write / read vs baseline | write CPU ms user / sys | read CPU ms user / sys | get() during writes | on disk MB | blosc header |",
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
  ];
  for (const r of rows) {
    const ratio = (f: (xs: Sample[]) => number) =>
      `${(f(r.write) / f(baseline.write)).toFixed(2)}× / ${(f(r.read) / f(baseline.read)).toFixed(2)}×`;
    out.push(
      `| ${r.name} | ${wall(r.write).toFixed(0)} | ${wall(r.read).toFixed(0)} | ${ratio(wall)} | ${cpu(r.write).toFixed(0)} | ${cpu(r.read).toFixed(0)} | ${ratio(cpu)} | ${ms(r.write, "user")} / ${ms(r.write, "sys")} | ${ms(r.read, "user")} / ${ms(r.read, "sys")} | ${r.gets} | ${(r.bytes / 1e6).toFixed(1)} | ${r.header} |`,
    );
  }
  out.push(
    "",
    'Baseline: "plain zarrita v3, shuffle 1" (the same work: a real byte shuffle). MB/s = MB / wall s;',
    "MB/CPU-s = MB / (user + system CPU seconds of all threads), less sensitive to other load. System",
    "time is mostly the kernel's file work (the same for every row) and varies with machine load.",
    `Reproduce: node --import tsx bench/store.bench.ts ${RUNS}${compare.map((c) => ` --compare ${c}`).join("")}`,
  );
  console.log(`\n${out.join("\n")}`);
} finally {
  await fs.rm(base, { recursive: true, force: true });
}
