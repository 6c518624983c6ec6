/**
 * P1 end to end through the public node API: `openOmeZarr` → `position.createImage` →
 * `position.computePyramid`, each configuration in a fresh child process so that its peak RSS
 * (VmHWM) is its own. The engine alone (computeLevels on a level 0 written elsewhere) is
 * measured by bench/pyramid.bench.ts.
 *
 *   node --import tsx bench/p1-e2e.bench.ts                          # library from src/
 *   node --import tsx bench/p1-e2e.bench.ts --dist --runs 5 --jobs 3 # built library
 *   add --dir <path> to put the stores under <path> instead of the OS temp directory
 *
 * P1: 1×1×16×2048×2048 uint16 (seeded smooth blobs plus noise, 134 MB), chunks 1×1×1×256×256,
 * NGFF 0.4 (Zarr v2), blosc lz4 clevel 5 shuffle, 5 levels downsampling Y and X by 2; methods
 * mean and stride, 1 vs 2 workers (`workers` of createImage and computePyramid: the process's
 * shared pool of that many threads). Each child runs the job `--jobs` times into new stores:
 * the first job is cold (it starts the pool: threads boot and load the store and codecs), the
 * others warm (a pipeline writing many images). Generating the data is not timed, but its
 * 134 MB buffer is part of the peak RSS, as it would be for a caller; so is the tsx loader the
 * child runs under (~33 MB on the main thread; the pool's threads do not load it).
 *
 * Method notes, from measuring this machine:
 * - Stores are deleted only after the last run: on this VM's ext4 (no journal), creating a file
 *   scans past every inode of its block group deleted in the last 60 s (360 s while the inode
 *   table block is dirty: `recently_deleted()` under `__ext4_new_inode` in perf). /tmp, where
 *   every test suite deletes thousands of files, then costs 2× the kernel time per job of a
 *   directory nobody deletes in (`--dir`); the table says which was used.
 * - `sync` before each job, so the write-back of earlier jobs does not land in a timed one.
 * - The machine's own 2-way scaling is measured before and after: a latency-bound integer loop
 *   in 1 vs 2 threads (2.0× on a quiet VM, 1.0× while another process ran), and the job's own
 *   kinds of work: blosc lz4 encode + decode of P1 chunks in 1 vs 2 processes (1.7-1.85× on a
 *   quiet VM: the two vCPUs share more than latency-bound loops show), and P1's file work
 *   (write and read back 1,388 files of 64 KiB) in 1 vs 2 threads. The 2 vs 1 ratios can only
 *   be compared with the last two.
 * - This VM hands the pages its guest frees back to the host (virtio-balloon free page
 *   reporting, 2 s after they are freed): touching such a page again is a host page fault,
 *   ~6 µs more per 4 KiB page (256 MB touched: 1.5-2 µs/page right after another process freed
 *   memory, 8.6 µs/page later). Every page of the page cache a job writes (89 MB, 22,800 pages
 *   for P1) is such a first touch, inside `write()`: a third to a half of a 1-worker job's time,
 *   the part that scales worst between the two vCPUs.
 */
import { execSync, spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import ndarray from "ndarray";
import { fillPlane } from "./blobs.js";

const SHAPE = [1, 1, 16, 2048, 2048] as const;
const LEVELS = 5;

type Method = "mean" | "stride";

interface Job {
  createSeconds: number;
  pyramidSeconds: number;
  /** CPU seconds of the whole process (all threads) during the job. */
  cpuSeconds: number;
}

interface Measurement {
  jobs: Job[];
  /** VmHWM at the end of the child (all jobs), MB. */
  peakMB: number;
}

const cpuSeconds = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1e6;

/** The public API, from source (default) or from the build (`--dist`). */
async function loadLibrary(dist: boolean): Promise<typeof import("../src/index.js")> {
  return import(dist ? "../dist/src/index.js" : "../src/index.js");
}

function vmHWM(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** Child: `jobs` P1 jobs in `dir`; prints a {@link Measurement} as JSON. */
async function child(
  dir: string,
  method: Method,
  workers: number,
  dist: boolean,
  jobs: number,
): Promise<void> {
  const { openOmeZarr, closeSharedPools } = await loadLibrary(dist);
  const [, , planes, h, w] = SHAPE;
  const data = new Uint16Array(planes * h * w);
  for (let z = 0; z < planes; z++) {
    fillPlane(data.subarray(z * h * w, (z + 1) * h * w), h, w, 1000 + z);
  }
  const out: Job[] = [];
  for (let j = 0; j < jobs; j++) {
    execSync("sync");
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const position = await openOmeZarr(join(dir, `p1-${j}.zarr`), {
      layout: "fov",
      mode: "w",
      version: "0.4",
      channelNames: ["c0"],
    });
    await position.createImage("0", ndarray(data, [...SHAPE]), {
      chunks: [1, 1, 1, 256, 256],
      codec: { name: "blosc", cname: "lz4", clevel: 5, shuffle: "shuffle" },
      workers,
    });
    const t1 = performance.now();
    await position.computePyramid({ levels: LEVELS, method, dims: ["Y", "X"], workers });
    const t2 = performance.now();
    out.push({
      createSeconds: (t1 - t0) / 1000,
      pyramidSeconds: (t2 - t1) / 1000,
      cpuSeconds: cpuSeconds(process.cpuUsage(c0)),
    });
  }
  const m: Measurement = { jobs: out, peakMB: vmHWM() };
  await closeSharedPools();
  process.stdout.write(`${JSON.stringify(m)}\n`);
}

function runChild(method: Method, workers: number, lib: string, dir: string, jobs: number) {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(
    process.execPath,
    ["--import", "tsx", self, "--child", dir, method, String(workers), lib, String(jobs)],
    { encoding: "utf8", maxBuffer: 1 << 20 },
  );
  if (r.status !== 0) throw new Error(`child ${method}/${workers} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as Measurement;
}

/** Milliseconds until one worker per entry of `data` (running `code`) posted its message. */
async function timeWorkers(code: string, data: unknown[]): Promise<number> {
  const t0 = performance.now();
  await Promise.all(
    data.map((workerData) => {
      const w = new Worker(code, { eval: true, workerData });
      return new Promise((resolve, reject) => {
        w.once("message", resolve);
        w.once("error", reject);
      }).finally(() => w.terminate());
    }),
  );
  return performance.now() - t0;
}

/**
 * How much faster two threads finish two units of pure CPU work than one thread finishes one
 * (2.0 = two free cores), for a latency-bound integer loop (what "2 cores" promises).
 */
async function loopScaling(): Promise<number> {
  const code = `
    const { parentPort } = require("node:worker_threads");
    let x = 0;
    for (let i = 0; i < 1.5e8; i++) x = (x + i * 2654435761) | 0;
    parentPort.postMessage(x);`;
  const run = (n: number) =>
    timeWorkers(
      code,
      Array.from({ length: n }, () => undefined),
    );
  const ratios: number[] = [];
  for (let i = 0; i < 3; i++) {
    const one = await run(1);
    ratios.push((2 * one) / (await run(2)));
  }
  return median(ratios);
}

/** Codec child: encode and decode one P1 chunk (256², blosc lz4 shuffle) for ~1 s; prints ms. */
async function codecChild(dist: boolean): Promise<void> {
  const base = dist ? "../dist/src/store" : "../src/store";
  await import(`${base}/index.js`);
  const { ChunkCodec } = (await import(
    `${base}/chunk-codec.js`
  )) as typeof import("../src/store/chunk-codec.js");
  const { ByteScratch } = (await import(
    `${base}/scratch.js`
  )) as typeof import("../src/store/scratch.js");
  const { resolveArraySpec } = (await import(
    `${base}/spec.js`
  )) as typeof import("../src/store/spec.js");
  const meta = resolveArraySpec(2, {
    shape: [256, 256],
    dtype: "uint16",
    chunks: [256, 256],
    codec: { name: "blosc", cname: "lz4", clevel: 5, shuffle: "shuffle" },
  });
  const codec = new ChunkCodec(meta);
  const chunk = new Uint16Array(256 * 256);
  fillPlane(chunk, 256, 256, 7);
  const scratch = new ByteScratch();
  const encoded = (await codec.encode(chunk)).slice();
  const round = async () => {
    await codec.encodeTo(chunk, scratch);
    await codec.decodeWith(encoded, "chunk", (c) => c[0]);
  };
  for (let i = 0; i < 300; i++) await round();
  const t0 = performance.now();
  for (let i = 0; i < 6000; i++) await round();
  process.stdout.write(`${performance.now() - t0}\n`);
}

/**
 * The same for the job's own kind of work: blosc lz4 encode + decode of P1 chunks, in 1 vs 2
 * processes at once. On this VM it stays near 1.5× while the integer loop reaches 2.0×: two
 * vCPUs that share a core's caches and execution units (as SMT siblings do) give latency-bound
 * loops their full speed, not throughput-bound codec work.
 */
async function codecScaling(lib: string): Promise<number> {
  const self = fileURLToPath(import.meta.url);
  const once = () =>
    new Promise<number>((resolve, reject) => {
      const child = spawn(process.execPath, ["--import", "tsx", self, "--codec-child", lib], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.on("error", reject);
      child.on("exit", (code) =>
        code === 0 ? resolve(Number(out.trim())) : reject(new Error(`codec child exit ${code}`)),
      );
    });
  const ratios: number[] = [];
  for (let i = 0; i < 3; i++) {
    const one = await once();
    const two = await Promise.all([once(), once()]);
    // Each child times its own loop; both loops overlap for all but the start-up skew.
    ratios.push((4 * one) / (two[0]! + two[1]!));
  }
  return median(ratios);
}

/**
 * The same for the job's file work alone: each thread writes its share of P1's files (1,388
 * files of ~64 KiB in 352 directories per job: temp file, write, rename, as the store does) and
 * reads them back, 1 vs 2 threads, into new directories under `dir` (nothing deleted until the
 * bench ends). On this VM the page cache's new pages are first touched inside `write()`, and
 * pages the guest freed earlier were handed back to the host (virtio-balloon free page
 * reporting), so each first touch is a host page fault: the file work scales far less than 2×.
 */
async function fileScaling(dir: string): Promise<number> {
  const code = `
    const { parentPort, workerData } = require("node:worker_threads");
    const fs = require("node:fs");
    const { dir, files } = workerData;
    const buf = Buffer.alloc(64 << 10);
    for (let i = 0; i < buf.length; i++) buf[i] = (i * 2654435761) >>> 24;
    const t0 = performance.now();
    for (let i = 0; i < files; i++) {
      const d = dir + "/" + (i >> 2);
      if ((i & 3) === 0) fs.mkdirSync(d, { recursive: true });
      const fd = fs.openSync(d + "/.t" + i, "wx");
      fs.writeSync(fd, buf);
      fs.closeSync(fd);
      fs.renameSync(d + "/.t" + i, d + "/" + i);
    }
    for (let i = 0; i < files; i++) fs.readFileSync(dir + "/" + (i >> 2) + "/" + i);
    parentPort.postMessage(performance.now() - t0);`;
  let n = 0;
  const run = (threads: number) =>
    timeWorkers(
      code,
      Array.from({ length: threads }, () => ({
        dir: join(dir, `files-${n++}`),
        files: Math.round(1388 / threads),
      })),
    );
  const ratios: number[] = [];
  for (let i = 0; i < 5; i++) {
    execSync("sync");
    const one = await run(1);
    execSync("sync");
    ratios.push(one / (await run(2)));
  }
  return median(ratios);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (x: number, d = 2) => x.toFixed(d);
const mark = (ok: boolean) => (ok ? "✓" : "✗");
const total = (j: Job) => j.createSeconds + j.pyramidSeconds;

function intArg(argv: string[], name: string, fallback: number, min: number): number {
  const i = argv.indexOf(name);
  const v = i >= 0 ? Number(argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be ≥ ${min}; found ${v}`);
  return v;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const runs = intArg(argv, "--runs", 3, 1);
  const jobs = intArg(argv, "--jobs", 3, 2);
  const lib = argv.includes("--dist") ? "dist" : "src";
  const configs: { method: Method; workers: number }[] = [];
  for (const method of ["mean", "stride"] as const) {
    for (const workers of [1, 2]) configs.push({ method, workers });
  }
  const results: Measurement[][] = configs.map(() => []);
  const dirArg = argv.indexOf("--dir");
  const parent = dirArg >= 0 ? argv[dirArg + 1]! : tmpdir();
  const root = await mkdtemp(join(parent, "ngff-bench-p1e2e-"));
  let before = { loop: 0, codec: 0, files: 0 };
  let after = before;
  try {
    before = {
      loop: await loopScaling(),
      codec: await codecScaling(lib),
      files: await fileScaling(root),
    };
    // Interleave configurations so that a burst of load from elsewhere hits them alike.
    for (let r = 0; r < runs; r++) {
      for (const [i, c] of configs.entries()) {
        const dir = join(root, `${r}-${i}`);
        execSync(`mkdir -p ${JSON.stringify(dir)}`);
        results[i]!.push(runChild(c.method, c.workers, lib, dir, jobs));
      }
    }
    after = {
      loop: await loopScaling(),
      codec: await codecScaling(lib),
      files: await fileScaling(root),
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }

  const cold = (ms: Measurement[]) => ms.map((m) => m.jobs[0]!);
  const warm = (ms: Measurement[]) => ms.flatMap((m) => m.jobs.slice(1));
  const med = results.map((ms) => ({
    coldCreate: median(cold(ms).map((j) => j.createSeconds)),
    coldPyramid: median(cold(ms).map((j) => j.pyramidSeconds)),
    cold: median(cold(ms).map(total)),
    warmCreate: median(warm(ms).map((j) => j.createSeconds)),
    warmPyramid: median(warm(ms).map((j) => j.pyramidSeconds)),
    warm: median(warm(ms).map(total)),
    cpu: median(warm(ms).map((j) => j.cpuSeconds)),
    rss: median(ms.map((m) => m.peakMB)),
    all: warm(ms)
      .map((j) => fmt(total(j)))
      .join(", "),
  }));
  const rows = configs.map((c, i) => {
    const m = med[i]!;
    let ratios = "— | — | —";
    if (c.workers === 2) {
      const one = med[i - 1]!;
      const rc = one.cold / m.cold;
      const rw = one.warm / m.warm;
      // Each warm job against the same job of the 1-worker run just before it (same moment's load).
      const paired = median(
        results[i]!.flatMap((run, r) =>
          run.jobs.slice(1).map((j, k) => total(results[i - 1]![r]!.jobs[k + 1]!) / total(j)),
        ),
      );
      ratios =
        `${fmt(rc)}× ${mark(rc >= 1.6)} | ${fmt(rw)}× ${mark(rw >= 1.6)} | ` +
        `${fmt(paired)}× ${mark(paired >= 1.6)}`;
    }
    const target = c.method === "mean" && c.workers === 2;
    const cell = (x: number) => (target ? `${fmt(x)} ${mark(x <= 1.0)}` : fmt(x));
    return (
      `| ${c.method} | ${c.workers} | ${fmt(m.coldCreate)} + ${fmt(m.coldPyramid)} = ${cell(m.cold)} | ` +
      `${fmt(m.warmCreate)} + ${fmt(m.warmPyramid)} = ${cell(m.warm)} | ` +
      `${fmt(m.rss, 0)} ${mark(m.rss <= 400)} | ${ratios} | ${fmt(m.cpu)} | ${m.all} |`
    );
  });
  const cmd = `node --import tsx bench/p1-e2e.bench.ts ${argv.join(" ")}`.trim();
  process.stdout.write(
    "P1 end to end (openOmeZarr → createImage → computePyramid): 1×1×16×2048×2048 uint16 " +
      "(134 MB), chunks 1×1×1×256×256, NGFF 0.4 / Zarr v2, blosc lz4 5 shuffle, 5 levels (Y, X ÷2); " +
      `library from ${lib}/; stores under ${parent}; ${runs} runs × ${jobs} jobs per configuration (one process per run, ` +
      "interleaved; job 1 cold, the rest warm), medians. The machine's own 2-way scaling, " +
      `before / after: integer loop in 2 threads ${fmt(before.loop)}× / ${fmt(after.loop)}×, ` +
      `blosc lz4 encode + decode of a P1 chunk in 2 processes ${fmt(before.codec)}× / ` +
      `${fmt(after.codec)}×, P1's file work (write 1,388 files of 64 KiB by temp + rename, read ` +
      `them back) in 2 threads ${fmt(before.files)}× / ${fmt(after.files)}×; load average ${loadavg()
        .map((x) => fmt(x, 1))
        .join(" ")} at the end.\n\n` +
      "| method | workers | cold: create + pyramid = total s | warm: create + pyramid = total s | peak RSS MB | 2 vs 1 cold | 2 vs 1 warm | 2 vs 1 warm, paired jobs | CPU s per warm job | warm totals s |\n" +
      "|---|---|---|---|---|---|---|---|---|---|\n" +
      `${rows.join("\n")}\n\n` +
      "Targets: total (mean, 2 workers) ≤ 1.0 s; peak RSS ≤ 400 MB (the 134 MB input buffer, the " +
      "tsx loader and the pool's threads included); 2 workers ≥ 1.6× one, which needs the machine's " +
      "own scaling for the job's kinds of work (codec, files: above) to exceed it. Cold = the first job of a process (starts the shared pool); warm = later " +
      "jobs. CPU s (all threads) is robust to a busy machine; wall s is not.\n" +
      `\nReproduce: \`${cmd}\`\n`,
  );
}

const argv = process.argv.slice(2);
if (argv[0] === "--child") {
  const [, dir, method, workers, lib, jobs] = argv;
  await child(dir!, method as Method, Number(workers), lib === "dist", Number(jobs));
} else if (argv[0] === "--codec-child") {
  await codecChild(argv[1] === "dist");
} else {
  await main();
}
