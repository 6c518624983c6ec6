/**
 * Streaming acquisition benchmarks (issue 14), each measurement in a fresh child process:
 *
 * - **sustained**: 1,000 frames of 2048×2048 uint16 (1×1 channel/z, chunks 256², blosc lz4 5
 *   shuffle, NGFF 0.4) through `createStream` with a 5-level mean pyramid on y and x, 2 workers:
 *   MB/s of level-0 input and frames/s, beside the same run's codec floor (the same frames'
 *   level-0 chunks blosc-encoded by 2 processes, no writing): asserted ≥ 50% of it. RSS is
 *   sampled every 100 ms: asserted flat after warm-up (max over the last 80% of the run ≤ max
 *   over frames 50–150 + 30 MB). Beside it, the stream's unavoidable work alone: every level's
 *   chunks of the same frames (levels computed beforehand) encoded and written as files, a
 *   directory per frame, by 2 processes; its share of the codec floor bounds the stream's.
 *   `--layout sharded --only sustained`: the stream as NGFF 0.5 with one shard per plane (shards
 *   2048², chunks 256²; the unavoidable-work row still writes a file per chunk). `--keep`:
 *   leave the stores (deleting them makes the next run's file creation slower: see below).
 * - **P1 fused**: `createImage(1×1×16×2048×2048 uint16, 256² chunks, blosc lz4, { pyramid: 5
 *   levels mean y, x })` from an in-memory array, a new process per run, pool start included:
 *   median ≤ 1.5× the floor (every level's chunks encoded and written as files by 2 processes),
 *   peak RSS (the child's `maxRSS`, which includes the 134 MB input) ≤ 300 MB.
 * - **latency**: frames written at 10 fps; a poller (every 5 ms, in the writer's process) sees a
 *   frame's level-0 and level-4 chunks on disk and inside the advertised extent; median, p99.
 *
 *   node --import tsx bench/stream.bench.ts            # full (asserts the targets)
 *   node --import tsx bench/stream.bench.ts --quick    # smoke run: small counts, no asserts
 *   options: --runs N (P1 runs, default 3), --dir <path> (stores there instead of the OS temp),
 *   --dist (the built library: `npm run build` first; what the README's numbers use; the
 *   children then run as plain JavaScript, this file bundled by esbuild), --only
 *   sustained|p1|latency (one benchmark), --lib <dist/src of another build> (with --dist: that
 *   build instead, e.g. an older commit's, for a before/after in the same window)
 *
 * Do not take its numbers on a loaded machine: the floors move with load, the ratios less so.
 * Every store stays until the end: on these VMs' journal-less ext4, creating a file scans past the
 * inodes deleted in the last minute (README, "Measuring file-heavy jobs"), so a run started right
 * after deleting the previous one's files paid for that deletion (measured: `open` was 25% of a
 * P1 pool thread's time).
 */
import { spawn } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { fillPlane } from "./blobs.js";

const SELF = fileURLToPath(import.meta.url);
/**
 * How a child starts: this file through tsx, or (`--dist`) this file bundled into plain
 * JavaScript (see `plainChildren`): a user's process runs JavaScript, and tsx's loader hooks
 * would slow every module load of the library (measured: 3× the import's CPU, +55 MB RSS).
 */
let childEntry: string[] = ["--import", "tsx", SELF];
const CODEC = { name: "blosc", cname: "lz4", clevel: 5, shuffle: "shuffle" } as const;
const N = 2048;
/** The stream of the sustained and latency runs: open-ended t, 256² chunks, 5 levels mean. */
const SHARDED = process.env.NGFF_BENCH_LAYOUT === "sharded";
const STREAM = {
  dtype: "uint16",
  shape: [Infinity, 1, 1, N, N],
  chunks: [1, 1, 1, 256, 256],
  ...(SHARDED ? { shardsRatio: [1, 1, 1, 8, 8] } : {}),
  codec: CODEC,
  pyramid: { levels: 5, method: "mean", dims: ["y", "x"] },
  workers: 2,
} as const;
const DISTINCT = 8;
const MB = 1e6;

const args = process.argv.slice(2);
const flag = (name: string) => args.includes(name);
const value = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

/** The distinct frames the benchmarks cycle through (seeded blobs plus noise). */
function frames(count = DISTINCT): Uint16Array[] {
  return Array.from({ length: count }, (_, s) => {
    const f = new Uint16Array(N * N);
    fillPlane(f, N, N, 101 + s);
    return f;
  });
}

/** Run this file as a child with `childArgs`; resolves with its last stdout line as JSON. */
function child<T>(childArgs: string[], onLine?: (line: string) => void): Promise<T> {
  return new Promise((resolve, reject) => {
    const c = spawn(process.execPath, [...childEntry, "--child", ...childArgs], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    c.stdout.on("data", (d) => {
      out += String(d);
      for (const line of String(d).split("\n")) if (line !== "") onLine?.(line);
    });
    c.stderr.on("data", (d) => {
      err += String(d);
    });
    c.on("exit", (code) => {
      if (code !== 0) reject(new Error(`child ${childArgs.join(" ")} failed (${code}):\n${err}`));
      else resolve(JSON.parse(out.trim().split("\n").at(-1)!) as T);
    });
  });
}

/** Two floor children prepare, then encode (and write) their halves; ms from go to both done. */
async function floor(kind: "frames" | "frames-all" | "p1", arg: string): Promise<number> {
  const kids = [0, 1].map((k) => {
    const c = spawn(process.execPath, [...childEntry, "--child", "floor", kind, arg, String(k)], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    let err = "";
    c.stderr.on("data", (d) => {
      err += String(d);
    });
    const ready = new Promise<void>((r) =>
      c.stdout.on("data", (d) => String(d).includes("ready") && r()),
    );
    const done = new Promise<void>((r, j) =>
      c.on("exit", (code) => (code === 0 ? r() : j(new Error(`floor child failed:\n${err}`)))),
    );
    return { c, ready, done };
  });
  await Promise.all(kids.map((k) => k.ready));
  const t0 = performance.now();
  for (const k of kids) k.c.stdin.write("go\n");
  await Promise.all(kids.map((k) => k.done));
  return performance.now() - t0;
}

/**
 * The library from src/ (through tsx), or with `--dist` from dist/ (`npm run build` first; the
 * children get its URL in `NGFF_BENCH_LIB`): the built library is what users run.
 */
const LIB = process.env.NGFF_BENCH_LIB ?? "../src";

/** `--dist`: bundle this file (the library stays external) so children run without tsx. */
async function plainChildren(root: string): Promise<void> {
  const { build } = await import("esbuild");
  const outfile = join(root, "stream-bench.mjs");
  await build({
    entryPoints: [SELF],
    outfile,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    logLevel: "silent",
  });
  const dist = value("--lib") ?? join(dirname(SELF), "../dist/src");
  process.env.NGFF_BENCH_LIB = pathToFileURL(resolve(dist)).href;
  childEntry = [outfile];
}
function lib(): Promise<typeof import("../src/index.js")> {
  return import(`${LIB}/index.js`);
}
function libModule<T>(sub: string): Promise<T> {
  return import(`${LIB}/${sub}`) as Promise<T>;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * p))]!;

// ---------------------------------------------------------------- children

async function openPosition(dir: string) {
  const { openOmeZarr } = await lib();
  return (await openOmeZarr(dir, {
    layout: "fov",
    mode: "w",
    channelNames: ["cam"],
    version: SHARDED ? "0.5" : "0.4",
  })) as import("../src/index.js").Position;
}

interface SustainedResult {
  seconds: number;
  frames: number;
  /** [frame accepted so far, rss MB] every ~100 ms. */
  rss: [number, number][];
}

async function sustainedChild(dir: string, count: number): Promise<SustainedResult> {
  const src = frames();
  const pos = await openPosition(dir);
  const rss: [number, number][] = [];
  let accepted = 0;
  const timer = setInterval(() => rss.push([accepted, process.memoryUsage().rss / MB]), 100);
  const t0 = performance.now();
  const s = await pos.createStream("0", STREAM);
  for (let i = 0; i < count; i++) {
    await s.write(i, src[i % DISTINCT]!);
    accepted = i + 1;
  }
  await s.close();
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(timer);
  // The library's own (a bundled build has its own copy of each module).
  await (await lib()).closeSharedPools();
  return { seconds, frames: count, rss };
}

interface P1Result {
  seconds: number;
  maxRssMB: number;
}

async function p1Child(dir: string): Promise<P1Result> {
  const z = 16;
  const data = new Uint16Array(z * N * N);
  for (let i = 0; i < z; i++) fillPlane(data.subarray(i * N * N, (i + 1) * N * N), N, N, 7 + i);
  const t0 = performance.now();
  const pos = await openPosition(dir);
  await pos.createImage(
    "0",
    { data, shape: [1, 1, z, N, N] },
    {
      chunks: [1, 1, 1, 256, 256],
      codec: CODEC,
      pyramid: { levels: 5, method: "mean", dims: ["y", "x"] },
      workers: 2,
    },
  );
  const seconds = (performance.now() - t0) / 1000;
  // The library's own (a bundled build has its own copy of each module).
  await (await lib()).closeSharedPools();
  return { seconds, maxRssMB: (process.resourceUsage().maxRSS * 1024) / MB };
}

interface LatencyResult {
  l0: number[];
  l4: number[];
}

async function latencyChild(dir: string, count: number): Promise<LatencyResult> {
  const { openArray, openLocalStore, blockKeyOf } =
    await libModule<typeof import("../src/store/index.js")>("store/index.js");
  const { existsSync, readFileSync } = await import("node:fs");
  const src = frames(2);
  const pos = await openPosition(dir);
  const s = await pos.createStream("0", STREAM);
  const store = await openLocalStore(dir, { readOnly: true });
  const levels = [await openArray(store, "0"), await openArray(store, "4")];
  const written = new Map<number, number>();
  const seen = [new Map<number, number>(), new Map<number, number>()];
  const extent = (k: number) =>
    (
      JSON.parse(readFileSync(join(dir, k === 0 ? "0" : "4", ".zarray"), "utf8")) as {
        shape: number[];
      }
    ).shape[0]!;
  const poll = setInterval(() => {
    const now = performance.now();
    for (const [k, a] of levels.entries()) {
      let ext = -1;
      for (const [t] of written) {
        if (seen[k]!.has(t)) continue;
        if (ext < 0) ext = extent(k);
        if (t < ext && existsSync(join(dir, blockKeyOf(a, [t, 0, 0, 0, 0])))) seen[k]!.set(t, now);
      }
    }
  }, 5);
  for (let i = 0; i < count; i++) {
    const t = performance.now();
    await s.write(i, src[i % 2]!);
    written.set(i, t);
    await new Promise((r) => setTimeout(r, Math.max(0, 100 - (performance.now() - t))));
  }
  // The last frames become visible at flush (or the next metadata write): give them 10 s.
  await s.flush();
  for (let w = 0; w < 200 && (seen[0]!.size < count || seen[1]!.size < count); w++) {
    await new Promise((r) => setTimeout(r, 50));
  }
  clearInterval(poll);
  await s.close();
  // The library's own (a bundled build has its own copy of each module).
  await (await lib()).closeSharedPools();
  const lat = (m: Map<number, number>) => [...m].map(([t, at]) => at - written.get(t)!);
  return { l0: lat(seen[0]!), l4: lat(seen[1]!) };
}

/** A floor child: prepare the chunks of its half, print "ready", wait for "go", encode (write). */
async function floorChild(kind: string, arg: string, half: number): Promise<void> {
  const { ChunkCodec } =
    await libModule<typeof import("../src/store/chunk-codec.js")>("store/chunk-codec.js");
  const { resolveArraySpec } =
    await libModule<typeof import("../src/store/spec.js")>("store/spec.js");
  const codecs = new Map<string, InstanceType<typeof ChunkCodec>>();
  const codecFor = (h: number, w: number) => {
    const key = `${h}x${w}`;
    let c = codecs.get(key);
    if (c === undefined) {
      c = new ChunkCodec(
        resolveArraySpec(2, { shape: [h, w], dtype: "uint16", chunks: [h, w], codec: CODEC }),
      );
      codecs.set(key, c);
    }
    return c;
  };
  const cut = (plane: Uint16Array, h: number, w: number, cy: number, cx: number, c: number) => {
    const out = new Uint16Array(c * c);
    for (let y = 0; y < c; y++) {
      const row = (cy * c + y) * w + cx * c;
      if (cy * c + y < h) out.set(plane.subarray(row, row + Math.min(c, w - cx * c)), y * c);
    }
    return out;
  };
  // Work items: [chunk, edge] (the frames floor repeats the distinct frames' chunks).
  const work: { chunk: Uint16Array; c: number }[] = [];
  let repeat = 1;
  let out: string | undefined;
  if (kind === "frames-all") {
    // Every level's chunks of each frame, encoded and written as files (sync, as pool threads
    // do), a directory per frame: the stream's work without its mean, copies and messages.
    const [countArg, dir] = arg.split("@") as [string, string];
    const count = Number(countArg);
    const { downsample } = await lib();
    const per = frames().map((f) => {
      const list: { chunk: Uint16Array; c: number }[] = [];
      let plane = f;
      let n = N;
      for (let k = 0; k < 5; k++) {
        if (k > 0) {
          const next = new Uint16Array((n / 2) * (n / 2));
          downsample("mean", "uint16", plane, [n, n], [2, 2], next);
          plane = next;
          n /= 2;
        }
        for (let cy = 0; cy < Math.ceil(n / 256); cy++)
          for (let cx = 0; cx < Math.ceil(n / 256); cx++)
            list.push({ chunk: cut(plane, n, n, cy, cx, 256), c: 256 });
      }
      return list;
    });
    const { mkdirSync, writeFileSync } = await import("node:fs");
    process.stdout.write("ready\n");
    await new Promise<void>((r) => process.stdin.once("data", () => r()));
    for (let i = half; i < count; i += 2) {
      const frameDir = join(dir, String(i));
      mkdirSync(frameDir, { recursive: true });
      for (const [j, w] of per[i % DISTINCT]!.entries()) {
        writeFileSync(join(frameDir, String(j)), await codecFor(w.c, w.c).encode(w.chunk));
      }
    }
    process.exit(0);
  }
  if (kind === "frames") {
    const count = Number(arg);
    const src = frames();
    // Chunks of frame i are the chunks of distinct frame i % DISTINCT: encode those per frame.
    const per: { chunk: Uint16Array; c: number }[][] = src.map((f) => {
      const list: { chunk: Uint16Array; c: number }[] = [];
      for (let cy = 0; cy < N / 256; cy++)
        for (let cx = 0; cx < N / 256; cx++)
          list.push({ chunk: cut(f, N, N, cy, cx, 256), c: 256 });
      return list;
    });
    for (let i = half; i < count; i += 2) work.push(...per[i % DISTINCT]!);
    repeat = 1;
  } else {
    const { openArray, openLocalStore } =
      await libModule<typeof import("../src/store/index.js")>("store/index.js");
    const store = await openLocalStore(arg, { readOnly: true });
    let n = 0;
    for (let k = 0; k < 5; k++) {
      const a = await openArray(store, String(k));
      const c = a.chunks[3]!;
      const [, , z, h, w] = a.shape as number[];
      for (let zi = 0; zi < z!; zi++) {
        const plane = (await a.readRegion([
          [0, 1],
          [0, 1],
          [zi, zi + 1],
          [0, h!],
          [0, w!],
        ])) as Uint16Array;
        for (let cy = 0; cy < Math.ceil(h! / c); cy++)
          for (let cx = 0; cx < Math.ceil(w! / c); cx++)
            if (n++ % 2 === half) work.push({ chunk: cut(plane, h!, w!, cy, cx, c), c });
      }
    }
    out = join(arg, `../floor-${half}`);
    await mkdir(out, { recursive: true });
  }
  process.stdout.write("ready\n");
  await new Promise<void>((r) => process.stdin.once("data", () => r()));
  for (let r = 0; r < repeat; r++) {
    for (const [i, w] of work.entries()) {
      const bytes = await codecFor(w.c, w.c).encode(w.chunk);
      if (out !== undefined) await writeFile(join(out, String(i)), bytes);
    }
  }
  process.exit(0);
}

// ---------------------------------------------------------------- parent

async function main(): Promise<void> {
  const only = value("--only");
  if (value("--layout") === "sharded") {
    if (only !== "sustained") throw new Error("--layout sharded goes with --only sustained");
    process.env.NGFF_BENCH_LAYOUT = "sharded";
  }
  const want = (b: string) => only === undefined || only === b;
  const quick = flag("--quick");
  const runs = Number(value("--runs") ?? (quick ? 1 : 3));
  const count = quick ? 60 : 1000;
  const latencyFrames = quick ? 20 : 100;
  const root = await mkdtemp(join(value("--dir") ?? tmpdir(), "ngff-stream-bench-"));
  if (flag("--dist")) await plainChildren(root);
  const failures: string[] = [];
  const rows: string[] = [];
  try {
    // Sustained stream.
    if (want("sustained")) {
      const s = await child<SustainedResult>(["sustained", join(root, "s.zarr"), String(count)]);
      const floorMs = await floor("frames", String(count));
      const workMs = await floor("frames-all", `${count}@${join(root, "work-floor")}`);
      const inMB = (count * N * N * 2) / MB;
      const mbs = inMB / s.seconds;
      const floorMBs = inMB / (floorMs / 1000);
      const workMBs = inMB / (workMs / 1000);
      const warm = s.rss.filter(
        ([f]) => f >= Math.min(50, count * 0.05) && f <= Math.min(150, count * 0.15),
      );
      const late = s.rss.slice(Math.floor(s.rss.length * 0.2));
      const warmMax = Math.max(...warm.map(([, r]) => r));
      const lateMax = Math.max(...late.map(([, r]) => r));
      rows.push(
        `| sustained stream, ${count} frames 2048² uint16, 5 levels mean | ${mbs.toFixed(0)} MB/s, ${(count / s.seconds).toFixed(1)} frames/s | codec floor ${floorMBs.toFixed(0)} MB/s (2 processes): ${((100 * mbs) / floorMBs).toFixed(0)}% (target ≥ 50%) | RSS max warm-up ${warmMax.toFixed(0)} MB, after ${lateMax.toFixed(0)} MB (target ≤ +30) |`,
      );
      rows.push(
        `| its unavoidable work: every level's chunks encoded and written as files, no mean, no copies (2 processes) | ${workMBs.toFixed(0)} MB/s | ${((100 * workMBs) / floorMBs).toFixed(0)}% of the codec floor: the most the stream can reach; the stream does ${((100 * mbs) / workMBs).toFixed(0)}% of it | |`,
      );
      if (mbs < 0.5 * floorMBs)
        failures.push(`sustained ${mbs.toFixed(0)} MB/s < 50% of ${floorMBs.toFixed(0)}`);
      if (!(lateMax <= warmMax + 30))
        failures.push(`RSS grew: ${warmMax.toFixed(0)} → ${lateMax.toFixed(0)} MB`);
    }

    // P1 fused, a new process per run, then its floor.
    if (want("p1")) {
      const p1: P1Result[] = [];
      const floors: number[] = [];
      for (let r = 0; r < runs; r++) {
        const dir = join(root, `p1-${r}`, "p1.zarr");
        p1.push(await child<P1Result>(["p1", dir]));
        floors.push((await floor("p1", dir)) / 1000);
      }
      const med = median(p1.map((x) => x.seconds));
      const medFloor = median(floors);
      const rss = Math.max(...p1.map((x) => x.maxRssMB));
      rows.push(
        `| P1 fused createImage (1×1×16×2048² uint16, 5 levels mean), ${runs} runs | median ${med.toFixed(2)} s (${p1.map((x) => x.seconds.toFixed(2)).join(", ")}) | floor ${medFloor.toFixed(2)} s: ${(med / medFloor).toFixed(2)}× (target ≤ 1.5×) | peak RSS ${rss.toFixed(0)} MB (target ≤ 300) |`,
      );
      if (med > 1.5 * medFloor)
        failures.push(`P1 ${med.toFixed(2)} s > 1.5 × floor ${medFloor.toFixed(2)} s`);
      if (rss > 300) failures.push(`P1 peak RSS ${rss.toFixed(0)} MB > 300 MB`);
    }

    // Frame-to-visible latency.
    if (want("latency")) {
      const lat = await child<LatencyResult>([
        "latency",
        join(root, "l.zarr"),
        String(latencyFrames),
      ]);
      const f = (xs: number[]) =>
        xs.length === 0 ? "–" : `${median(xs).toFixed(0)} / ${pct(xs, 0.99).toFixed(0)} ms`;
      rows.push(
        `| frame-to-visible latency, ${latencyFrames} frames at 10 fps (median / p99) | level 0: ${f(lat.l0)} | level 4: ${f(lat.l4)} | metadata cadence 1 s (default) |`,
      );
      if (lat.l0.length < latencyFrames)
        failures.push(`latency: ${lat.l0.length} of ${latencyFrames} frames seen at level 0`);
    }
  } finally {
    if (!flag("--keep")) await rm(root, { recursive: true, force: true });
  }
  process.stdout.write(
    `| benchmark | throughput / time | against the floor | memory |\n|---|---|---|---|\n${rows.join("\n")}\n`,
  );
  if (quick) {
    process.stdout.write(
      `\n--quick: smoke run, targets not asserted${failures.length ? ` (would fail: ${failures.join("; ")})` : ""}\n`,
    );
    return;
  }
  if (failures.length > 0) {
    process.stderr.write(`targets missed:\n- ${failures.join("\n- ")}\n`);
    process.exit(1);
  }
}

if (args[0] === "--child") {
  const [, kind, a, b, c] = args;
  let result: unknown;
  if (kind === "sustained") result = await sustainedChild(a!, Number(b));
  else if (kind === "p1") result = await p1Child(a!);
  else if (kind === "latency") result = await latencyChild(a!, Number(b));
  else if (kind === "floor") await floorChild(a!, b!, Number(c));
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
} else {
  await main();
}
