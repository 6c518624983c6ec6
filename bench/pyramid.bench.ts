/**
 * Pyramid engine benchmark (computeLevels). Level 0 is written by one child process, the pyramid
 * computed by a fresh one, so that the peak RSS (VmHWM) is that of the pyramid job alone.
 *
 *   node --import tsx bench/pyramid.bench.ts                # P1: 134 MB image, 1 vs 2 workers
 *   node --import tsx bench/pyramid.bench.ts --p2           # also P2 at 256 MiB and 1 GiB
 *   node --import tsx bench/pyramid.bench.ts --p2-only      # P2 without P1
 *   add --p2-4g for P2 at 4 GiB too (needs ~5 GB of disk); --runs N (default 3 for P1, 1 for
 *   P2); --dist runs the built library (`npm run build` first: JavaScript workers, no tsx);
 *   --compare-io adds P1 runs with async file I/O in the workers (`syncIO: false`); --warm N
 *   measures each P1 run after N pyramids of the same level 0 in the same pool (steady state).
 *
 * P1: 1×1×16×2048×2048 uint16 (seeded smooth blobs plus noise), chunks 1×1×1×256×256, Zarr v2
 * blosc lz4 clevel 5 shuffle, levels 0..4 downsampling y and x by 2; level 0 written with
 * writeRegion plane by plane. P2: the same layout with 4096² planes, level 0 of 256 MiB / 1 GiB /
 * 4 GiB, mean, 2 workers: time should be linear in voxels and RSS flat.
 * The compute child starts its pool (timed apart) and then runs computeLevels with it.
 */
import { execSync, spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { PyramidTask } from "../src/engine/protocol.js";
import type { ArraySpec } from "../src/store/index.js";
import { fillPlane } from "./blobs.js";

const F = [1, 1, 1, 2, 2];
const FACTORS = [F, F, F, F];
const LEVEL_PATHS = ["0", "1", "2", "3", "4"];

/** The library, from source (default) or from the build (`--dist`). */
async function loadLibrary(dist: boolean) {
  const base = dist ? "../dist/src" : "../src";
  const [compute, plan, pool, store] = await Promise.all([
    import(`${base}/engine/compute.js`) as Promise<typeof import("../src/engine/compute.js")>,
    import(`${base}/engine/plan.js`) as Promise<typeof import("../src/engine/plan.js")>,
    import(`${base}/engine/pool.js`) as Promise<typeof import("../src/engine/pool.js")>,
    import(`${base}/store/index.js`) as Promise<typeof import("../src/store/index.js")>,
  ]);
  return { ...compute, ...plan, ...pool, ...store };
}

interface Measurement {
  /** Starting the worker threads (module loading), before computeLevels. */
  poolStartSeconds: number;
  computeSeconds: number;
  /** CPU seconds of the process (all threads) during computeLevels: robust to a busy machine. */
  computeCpuSeconds: number;
  /** Peak RSS of the compute process (pool start included), MB. */
  peakMB: number;
  /** CPU seconds during computeLevels per thread group, user / system (see {@link threadCpu}). */
  threads: Record<ThreadGroup, [number, number]>;
}

type ThreadGroup = "main" | "workers" | "other";

/** utime/stime (seconds) of every thread of this process, by thread id, from /proc. */
function threadTimes(): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (const tid of readdirSync("/proc/self/task")) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      // Fields 14 and 15 of stat (utime, stime) in clock ticks (100 Hz on Linux).
      out.set(tid, [Number(f[11]) / 100, Number(f[12]) / 100]);
    } catch {
      // The thread ended meanwhile.
    }
  }
  return out;
}

/**
 * CPU per thread group between two snapshots: `main` (the process's own thread), `workers`
 * (threads that appeared while the pool started: the Piscina workers), `other` (libuv's
 * threadpool, where async fs calls run, and V8's platform threads: GC and compilation).
 */
function threadCpu(
  before: Map<string, [number, number]>,
  after: Map<string, [number, number]>,
  workerTids: ReadonlySet<string>,
): Record<ThreadGroup, [number, number]> {
  const r: Record<ThreadGroup, [number, number]> = { main: [0, 0], workers: [0, 0], other: [0, 0] };
  for (const [tid, [u, s]] of after) {
    const [u0, s0] = before.get(tid) ?? [0, 0];
    const g: ThreadGroup =
      tid === String(process.pid) ? "main" : workerTids.has(tid) ? "workers" : "other";
    r[g][0] += u - u0;
    r[g][1] += s - s0;
  }
  return r;
}

function vmHWM(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** Smooth Gaussian blobs plus noise, from a seed (bench/blobs.ts). */
function plane(h: number, w: number, seed: number): Uint16Array {
  const out = new Uint16Array(h * w);
  fillPlane(out, h, w, seed);
  return out;
}

/** Child phase 1: create the level arrays and write level 0; prints the write seconds. */
async function writePhase(dir: string, planes: number, side: number, dist: boolean) {
  const { planLevels, createArray, openArray, openLocalStore } = await loadLibrary(dist);
  const store = await openLocalStore(dir);
  const spec: ArraySpec = {
    shape: [1, 1, planes, side, side],
    dtype: "uint16",
    chunks: [1, 1, 1, 256, 256],
    codec: { name: "blosc", cname: "lz4", clevel: 5, shuffle: "shuffle" },
  };
  for (const [k, l] of planLevels(spec, FACTORS).entries()) {
    await createArray(store, String(k), 2, { ...spec, shape: l.shape, chunks: l.chunks });
  }
  const level0 = await openArray(store, "0");
  let writeMs = 0;
  for (let z = 0; z < planes; z++) {
    const data = plane(side, side, 1000 + z);
    const t0 = performance.now();
    const region = [
      [0, 1],
      [0, 1],
      [z, z + 1],
      [0, side],
      [0, side],
    ] as const;
    await level0.writeRegion(region, data);
    writeMs += performance.now() - t0;
  }
  process.stdout.write(`${JSON.stringify({ writeSeconds: writeMs / 1000 })}\n`);
}

/** Child phase 2: start a pool, run computeLevels with it; prints a {@link Measurement}. */
async function computePhase(
  dir: string,
  method: "mean" | "stride",
  workers: number,
  dist: boolean,
  io: IOMode,
  warmJobs: number,
) {
  const { computeLevels, createPyramidPool, openLocalStore, openArray, createArray, planLevels } =
    await loadLibrary(dist);
  const store = await openLocalStore(dir);
  // A caller-owned pool, as a plate job would share one; the warm-up tasks compute no blocks,
  // they only load the worker module in every thread.
  const tp = performance.now();
  const beforePool = new Set(threadTimes().keys());
  const pool = createPyramidPool({ workers, syncIO: io === "sync" });
  const warm: PyramidTask = {
    runId: "warm-up",
    store: { kind: "file", path: dir },
    sourcePath: "0",
    targetPath: "1",
    blocks: [],
    factors: F,
    method,
    dtype: "uint16",
  };
  try {
    await Promise.all(Array.from({ length: 4 * workers }, () => pool.run(warm)));
    const poolStartSeconds = (performance.now() - tp) / 1000;
    // --warm N: N pyramids of the same level 0 into fresh level arrays first (a plate job's
    // later wells: JIT compiled, buffers grown). Fresh arrays, because overwriting chunk files
    // waits for a synchronous discard on this machine's file system.
    if (warmJobs > 0) {
      const level0 = await openArray(store, "0");
      const spec: ArraySpec = {
        shape: level0.shape,
        dtype: level0.dtype,
        chunks: level0.chunks,
        codec: level0.codec,
      };
      const levels = planLevels(spec, FACTORS);
      for (let w = 0; w < warmJobs; w++) {
        const paths = ["0"];
        for (const [k, l] of levels.entries()) {
          if (k === 0) continue;
          const path = `warm-${process.pid}-${w}-${k}`;
          await createArray(store, path, 2, { ...spec, shape: l.shape, chunks: l.chunks });
          paths.push(path);
        }
        await computeLevels({ store, levelPaths: paths, factors: FACTORS, method, pool });
      }
      execSync("sync");
    }
    const th0 = threadTimes();
    const workerTids = new Set([...th0.keys()].filter((t) => !beforePool.has(t)));
    const t1 = performance.now();
    const c1 = process.cpuUsage();
    await computeLevels({ store, levelPaths: LEVEL_PATHS, factors: FACTORS, method, pool });
    const computeSeconds = (performance.now() - t1) / 1000;
    const c = process.cpuUsage(c1);
    const threads = threadCpu(th0, threadTimes(), workerTids);
    const m: Measurement = {
      poolStartSeconds,
      computeSeconds,
      computeCpuSeconds: (c.user + c.system) / 1e6,
      peakMB: vmHWM(),
      threads,
    };
    process.stdout.write(`${JSON.stringify(m)}\n`);
  } finally {
    await pool.destroy();
  }
}

function runChild(args: string[]): unknown {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(process.execPath, ["--import", "tsx", self, "--child", ...args], {
    encoding: "utf8",
    maxBuffer: 1 << 20,
  });
  if (r.status !== 0) throw new Error(`child ${args.join(" ")} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!);
}

/** Write level 0 once, then measure each configuration `runs` times on it. */
async function measureJob(
  planes: number,
  side: number,
  configs: readonly Config[],
  runs: number,
  lib: string,
  warmJobs = 0,
): Promise<{ writeSeconds: number; results: Measurement[][] }> {
  const dir = await mkdtemp(join(tmpdir(), "ngff-bench-pyramid-"));
  try {
    const { writeSeconds } = runChild(["write", dir, String(planes), String(side), lib]) as {
      writeSeconds: number;
    };
    const results: Measurement[][] = configs.map(() => []);
    // Interleave configurations so that a burst of load from elsewhere hits them alike.
    for (let r = 0; r < runs; r++) {
      configs.forEach((c, i) => {
        results[i]!.push(
          runChild([
            "compute",
            dir,
            c.method,
            String(c.workers),
            lib,
            c.io ?? "sync",
            String(warmJobs),
          ]) as Measurement,
        );
      });
    }
    return { writeSeconds, results };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

type IOMode = "sync" | "async";

interface Config {
  method: "mean" | "stride";
  workers: number;
  /** How the pool's workers do file I/O (`createPyramidPool({ syncIO })`); default sync. */
  io?: IOMode;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (x: number, d = 2) => x.toFixed(d);

async function p1(runs: number, lib: string, compareIO: boolean, warmJobs: number): Promise<void> {
  const ios: IOMode[] = compareIO ? ["sync", "async"] : ["sync"];
  const configs: Config[] = [];
  for (const method of ["mean", "stride"] as const) {
    for (const io of ios) for (const workers of [1, 2]) configs.push({ method, workers, io });
  }
  const { writeSeconds, results } = await measureJob(16, 2048, configs, runs, lib, warmJobs);
  const med = results.map((ms) => ({
    wall: median(ms.map((m) => m.computeSeconds)),
    best: Math.min(...ms.map((m) => m.computeSeconds)),
    cpu: median(ms.map((m) => m.computeCpuSeconds)),
    rss: median(ms.map((m) => m.peakMB)),
    th: (g: ThreadGroup) =>
      `${fmt(median(ms.map((m) => m.threads[g][0])))} / ${fmt(median(ms.map((m) => m.threads[g][1])))}`,
    all: ms.map((m) => fmt(m.computeSeconds)).join(", "),
  }));
  const rows = configs.map((c, i) => {
    const m = med[i]!;
    const oneIdx = c.workers === 1 ? i : i - 1;
    const one = med[oneIdx]!;
    // Runs are interleaved: the ratio of each 1-worker run to the 2-worker run right after it
    // shares the machine's load of that moment.
    const paired = median(
      results[i]!.map((r, k) => results[oneIdx]![k]!.computeSeconds / r.computeSeconds),
    );
    return (
      `| ${c.method} | ${c.io} | ${c.workers} | ${fmt(m.wall)} | ${fmt(one.wall / m.wall)}× | ` +
      `${fmt(paired)}× | ${fmt(m.best)} | ${fmt(one.best / m.best)}× | ${fmt(m.cpu)} | ` +
      `${m.th("main")} | ${m.th("workers")} | ${m.th("other")} | ${fmt(m.rss, 0)} | ${m.all} |`
    );
  });
  process.stdout.write(
    "Pyramid engine, P1: 1×1×16×2048×2048 uint16 (134 MB), 256² chunks, v2 blosc lz4 5 shuffle, " +
      `levels 1–4 (y, x ÷2); library from ${lib}/; median of ${runs} interleaved runs, one ` +
      `process each${warmJobs > 0 ? `, each measured after ${warmJobs} pyramid(s) in the same pool (--warm)` : ""}; load average ${loadavg()
        .map((x) => fmt(x, 1))
        .join(" ")} at the end.\n` +
      `Level 0 written with writeRegion in ${fmt(writeSeconds)} s (separate process).\n\n` +
      "| method | worker I/O | workers | computeLevels s (median) | 2 vs 1 (medians) | 2 vs 1 (paired runs) | best s | 2 vs 1 (best) | CPU s | main thread CPU s user / sys | worker threads | other threads (libuv fs pool, V8 GC) | peak RSS MB | runs s |\n" +
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|\n" +
      `${rows.join("\n")}\n\n` +
      "Targets: mean ≤ 1.0 s on 2 workers; RSS ≤ 400 MB; 2 workers ≥ 1.6× one. On a shared " +
      "machine the best run is the closest to an idle one; CPU s shows the work itself. A " +
      "1-worker job that uses more than one core (other threads' CPU) bounds what 2 workers gain.\n",
  );
}

async function p2(runs: number, lib: string, with4g: boolean): Promise<void> {
  const sizes: [string, number][] = [
    ["256 MiB", 8],
    ["1 GiB", 32],
  ];
  if (with4g) sizes.push(["4 GiB", 128]);
  const lines: string[] = [];
  let base: { wall: number; cpu: number } | undefined;
  for (const [label, planes] of sizes) {
    const { results } = await measureJob(planes, 4096, [{ method: "mean", workers: 2 }], runs, lib);
    const ms = results[0]!;
    const wall = median(ms.map((m) => m.computeSeconds));
    const cpu = median(ms.map((m) => m.computeCpuSeconds));
    base ??= { wall: wall / planes, cpu: cpu / planes };
    lines.push(
      `| P2 | ${label} | ${fmt(wall)} | ${fmt(cpu)} | ` +
        `${fmt((planes * 4096 * 4096 * 2) / wall / 2 ** 20, 0)} | ` +
        `${fmt(wall / planes / base.wall)} / ${fmt(cpu / planes / base.cpu)} | ` +
        `${fmt(median(ms.map((m) => m.peakMB)), 0)} |`,
    );
  }
  process.stdout.write(
    "\nP2: computeLevels alone (mean, 2 workers, pool started first) from a level 0 on disk of " +
      `4096² uint16 planes; library from ${lib}/; median of ${runs} run(s).\n\n` +
      "| job | level 0 | seconds | CPU s | level-0 MiB/s | wall / CPU per voxel vs 256 MiB | peak RSS MB |\n" +
      "|---|---|---|---|---|---|---|\n" +
      `${lines.join("\n")}\n`,
  );
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const runsArg = argv.indexOf("--runs");
  const runs = runsArg >= 0 ? Number(argv[runsArg + 1]) : undefined;
  const lib = argv.includes("--dist") ? "dist" : "src";
  const warmArg = argv.indexOf("--warm");
  const warmJobs = warmArg >= 0 ? Number(argv[warmArg + 1]) : 0;
  if (!Number.isInteger(warmJobs) || warmJobs < 0) {
    throw new RangeError(`--warm must be an integer ≥ 0; found ${argv[warmArg + 1]}`);
  }
  if (!argv.includes("--p2-only")) {
    await p1(runs ?? 3, lib, argv.includes("--compare-io"), warmJobs);
  }
  if (argv.includes("--p2") || argv.includes("--p2-only")) {
    await p2(runs ?? 1, lib, argv.includes("--p2-4g"));
  }
  const cmd = `node --import tsx bench/pyramid.bench.ts ${argv.join(" ")}`.trim();
  process.stdout.write(`\nReproduce: \`${cmd}\`\n`);
}

const argv = process.argv.slice(2);
if (argv[0] === "--child") {
  const [, phase, dir, a, b, lib, io, warm] = argv;
  if (phase === "write") await writePhase(dir!, Number(a), Number(b), lib === "dist");
  else {
    const method = a as "mean" | "stride";
    await computePhase(dir!, method, Number(b), lib === "dist", io as IOMode, Number(warm ?? 0));
  }
} else {
  await main();
}
