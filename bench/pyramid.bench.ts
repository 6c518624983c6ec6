/**
 * Pyramid engine benchmark (computeLevels), each measurement in a fresh child process so that
 * peak RSS (VmHWM) belongs to one configuration.
 *
 *   node --import tsx bench/pyramid.bench.ts                # P1: 134 MB image, 1 vs 2 workers
 *   node --import tsx bench/pyramid.bench.ts --p2           # also P2 at 256 MiB and 1 GiB
 *   node --import tsx bench/pyramid.bench.ts --p2 --p2-4g   # P2 also at 4 GiB (needs ~5 GB disk)
 *   node --import tsx bench/pyramid.bench.ts --p2-only      # P2 without P1
 *   options: --runs N (default 3 for P1, 1 for P2); --dist runs the built library
 *   (`npm run build` first: dist/src, JavaScript workers without the tsx loader), as users do.
 *
 * P1: 1×1×16×2048×2048 uint16 (seeded smooth blobs plus noise), chunks 1×1×1×256×256, Zarr v2
 * blosc lz4 clevel 5 shuffle, levels 0..4 downsampling y and x by 2. Level 0 is written with
 * writeRegion plane by plane (timed separately), then the peak RSS is reset and computeLevels
 * runs. P2: computeLevels alone from a level 0 on disk of 256 MiB / 1 GiB / 4 GiB
 * (4096×4096 planes), mean, 2 workers: time should be linear in voxels and RSS flat.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { PyramidTask } from "../src/pyramid/protocol.js";
import type { ArraySpec } from "../src/store/index.js";

/** The library, from source (default) or from the build (`--dist`). */
async function loadLibrary(dist: boolean) {
  const base = dist ? "../dist/src" : "../src";
  const [compute, plan, pool, store] = await Promise.all([
    import(`${base}/pyramid/compute.js`) as Promise<typeof import("../src/pyramid/compute.js")>,
    import(`${base}/pyramid/plan.js`) as Promise<typeof import("../src/pyramid/plan.js")>,
    import(`${base}/pyramid/pool.js`) as Promise<typeof import("../src/pyramid/pool.js")>,
    import(`${base}/store/index.js`) as Promise<typeof import("../src/store/index.js")>,
  ]);
  return { ...compute, ...plan, ...pool, ...store };
}

const F = [1, 1, 1, 2, 2];
const FACTORS = [F, F, F, F];

interface Measurement {
  writeSeconds: number;
  /** Starting the worker threads (module loading), before computeLevels. */
  poolStartSeconds: number;
  computeSeconds: number;
  /** CPU seconds of the whole process (all threads) during computeLevels: robust to a busy machine. */
  computeCpuSeconds: number;
  /** Peak RSS of the compute phase (VmHWM reset after level 0 was written), MB. */
  computePeakMB: number;
  /** Peak RSS of the whole child process, MB. */
  processPeakMB: number;
}

function vmHWM(): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
  return m ? Number(m[1]) / 1024 : Number.NaN;
}

/** Smooth Gaussian blobs (separable, so cheap) plus uniform noise, from a seed. */
function plane(h: number, w: number, seed: number): Uint16Array {
  let s = seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const blobs = Array.from({ length: 8 }, () => {
    const cy = rand() * h;
    const cx = rand() * w;
    const sigma = (0.03 + rand() * 0.1) * Math.min(h, w);
    const amp = 4000 + rand() * 20000;
    const gy = Float64Array.from(
      { length: h },
      (_, y) => amp * Math.exp(-(((y - cy) / sigma) ** 2)),
    );
    const gx = Float64Array.from({ length: w }, (_, x) => Math.exp(-(((x - cx) / sigma) ** 2)));
    return { gy, gx };
  });
  const out = new Uint16Array(h * w);
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      let v = 100;
      for (const b of blobs) v += b.gy[y]! * b.gx[x]!;
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      out[row + x] = Math.min(65535, v + (s >>> 26));
    }
  }
  return out;
}

async function child(
  job: string,
  method: "mean" | "stride",
  workers: number,
  planes: number,
  side: number,
  dist: boolean,
) {
  const { computeLevels, planLevels, createPyramidPool, createArray, openArray, openLocalStore } =
    await loadLibrary(dist);
  const dir = await mkdtemp(join(tmpdir(), "ngff-bench-pyramid-"));
  try {
    const store = await openLocalStore(dir);
    const spec: ArraySpec = {
      shape: [1, 1, planes, side, side],
      dtype: "uint16",
      chunks: [1, 1, 1, 256, 256],
      codec: { name: "blosc", cname: "lz4", clevel: 5, shuffle: "shuffle" },
    };
    const levelPaths: string[] = [];
    for (const [k, l] of planLevels(spec, FACTORS).entries()) {
      await createArray(store, String(k), 2, { ...spec, shape: l.shape, chunks: l.chunks });
      levelPaths.push(String(k));
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
    const writeSeconds = writeMs / 1000;
    // Start the threads outside the timed region (a caller-owned pool, as a plate job would
    // share one): the warm-up tasks compute no blocks, they only load the worker module.
    const tp = performance.now();
    const pool = createPyramidPool({ workers });
    const warm: PyramidTask = {
      runId: "warm-up",
      storeRoot: dir,
      sourcePath: "0",
      targetPath: "1",
      blocks: [],
      factors: F,
      method,
      dtype: "uint16",
    };
    await Promise.all(Array.from({ length: 2 * workers }, () => pool.run(warm)));
    const poolStartSeconds = (performance.now() - tp) / 1000;
    const processPeakBefore = vmHWM();
    (globalThis as { gc?: () => void }).gc?.();
    writeFileSync("/proc/self/clear_refs", "5"); // resets VmHWM to the current RSS
    const t1 = performance.now();
    const c1 = process.cpuUsage();
    let computeSeconds: number;
    let computeCpuSeconds: number;
    try {
      await computeLevels({ store, levelPaths, factors: FACTORS, method, pool });
      computeSeconds = (performance.now() - t1) / 1000;
      const c = process.cpuUsage(c1);
      computeCpuSeconds = (c.user + c.system) / 1e6;
    } finally {
      await pool.destroy();
    }
    const computePeakMB = vmHWM();
    const m: Measurement = {
      writeSeconds,
      poolStartSeconds,
      computeSeconds,
      computeCpuSeconds,
      computePeakMB,
      processPeakMB: Math.max(processPeakBefore, computePeakMB),
    };
    process.stdout.write(`${JSON.stringify({ job, ...m })}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function measure(args: string[]): Measurement {
  const self = fileURLToPath(import.meta.url);
  const r = spawnSync(
    process.execPath,
    ["--expose-gc", "--import", "tsx", self, "--child", ...args],
    {
      encoding: "utf8",
      maxBuffer: 1 << 20,
    },
  );
  if (r.status !== 0) throw new Error(`child ${args.join(" ")} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split("\n").at(-1)!) as Measurement;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (x: number, d = 2) => x.toFixed(d);

function p1(p1Runs: number, dist: string): void {
  const rows: string[] = [];
  const med = new Map<
    string,
    { compute: number; cpu: number; start: number; write: number; rss: number; procRss: number }
  >();
  for (const method of ["mean", "stride"] as const) {
    for (const workers of [1, 2]) {
      const ms = Array.from({ length: p1Runs }, () =>
        measure(["P1", method, String(workers), "16", "2048", dist]),
      );
      med.set(`${method}/${workers}`, {
        compute: median(ms.map((m) => m.computeSeconds)),
        start: median(ms.map((m) => m.poolStartSeconds)),
        cpu: median(ms.map((m) => m.computeCpuSeconds)),
        write: median(ms.map((m) => m.writeSeconds)),
        rss: median(ms.map((m) => m.computePeakMB)),
        procRss: median(ms.map((m) => m.processPeakMB)),
      });
    }
    const one = med.get(`${method}/1`)!;
    for (const workers of [1, 2]) {
      const m = med.get(`${method}/${workers}`)!;
      rows.push(
        `| P1 | ${method} | ${workers} | ${fmt(m.compute)} | ${fmt(one.compute / m.compute)}× | ${fmt(m.cpu)} | ` +
          `${fmt(m.rss, 0)} | ${fmt(m.procRss, 0)} | ${fmt(m.start)} | ${fmt(m.write)} |`,
      );
    }
  }
  process.stdout.write(
    `Pyramid engine, P1: 1×1×16×2048×2048 uint16 (134 MB), 256² chunks, v2 blosc lz4 5 shuffle, ` +
      `levels 1–4 (y, x ÷2). Library from ${dist}/. Median of ${p1Runs} runs, one child process ` +
      "each; the pool is started (and timed) before computeLevels.\n\n" +
      "| job | method | workers | computeLevels s | speed-up vs 1 | CPU s | peak RSS compute MB | peak RSS process MB | pool start s | write level 0 s |\n" +
      "|---|---|---|---|---|---|---|---|---|---|\n" +
      `${rows.join("\n")}\n\n` +
      "Targets: mean ≤ 1.0 s on 2 workers; RSS ≤ 400 MB; 2 workers ≥ 1.6× one.\n",
  );
}

function main(): void {
  const argv = process.argv.slice(2);
  const runsArg = argv.indexOf("--runs");
  const runs = runsArg >= 0 ? Number(argv[runsArg + 1]) : undefined;
  const cmd = `node --import tsx bench/pyramid.bench.ts ${argv.join(" ")}`.trim();
  const dist = argv.includes("--dist") ? "dist" : "src";

  if (!argv.includes("--p2-only")) p1(runs ?? 3, dist);

  if (argv.includes("--p2") || argv.includes("--p2-only")) {
    const sizes: [string, number][] = [
      ["256 MiB", 8],
      ["1 GiB", 32],
    ];
    if (argv.includes("--p2-4g")) sizes.push(["4 GiB", 128]);
    const p2Runs = runs ?? 1;
    const lines: string[] = [];
    let base: { wall: number; cpu: number } | undefined;
    for (const [label, planes] of sizes) {
      const ms = Array.from({ length: p2Runs }, () =>
        measure(["P2", "mean", "2", String(planes), "4096", dist]),
      );
      const wall = median(ms.map((m) => m.computeSeconds));
      const cpu = median(ms.map((m) => m.computeCpuSeconds));
      base ??= { wall: wall / planes, cpu: cpu / planes };
      lines.push(
        `| P2 | ${label} | ${fmt(wall)} | ${fmt(cpu)} | ` +
          `${fmt((planes * 4096 * 4096 * 2) / wall / 2 ** 20, 0)} | ` +
          `${fmt(wall / planes / base.wall)} / ${fmt(cpu / planes / base.cpu)} | ` +
          `${fmt(median(ms.map((m) => m.computePeakMB)), 0)} |`,
      );
    }
    process.stdout.write(
      "\nP2: computeLevels alone (mean, 2 workers, warm pool) from a level 0 on disk of 4096² " +
        `uint16 planes; library from ${dist}/; median of ${p2Runs} run(s).\n\n` +
        "| job | level 0 | seconds | CPU s | level-0 MiB/s | wall / CPU per voxel vs 256 MiB | peak RSS compute MB |\n" +
        "|---|---|---|---|---|---|---|\n" +
        `${lines.join("\n")}\n`,
    );
  }
  process.stdout.write(`\nReproduce: \`${cmd}\`\n`);
}

const argv = process.argv.slice(2);
if (argv[0] === "--child") {
  const [, job, method, workers, planes, side, lib] = argv;
  await child(
    job!,
    method as "mean" | "stride",
    Number(workers),
    Number(planes),
    Number(side),
    lib === "dist",
  );
} else {
  main();
}
