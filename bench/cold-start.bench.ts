/**
 * Cold start of the built library (issue 14): what a new process pays before and while it writes
 * P1, each measurement in a fresh child process running plain JavaScript (no tsx loader: its
 * hooks would slow every module load), medians of `--runs` children:
 *
 * - **import**: `await import("dist/src/index.js")`;
 * - **pool start**: from `createPyramidPool({ workers: 2 })` (`new Piscina`) until both threads
 *   ran a first task (a tiny `stream-chain` task each: 16² → 8², no I/O), library already loaded;
 * - **P1 cold**: import, `openOmeZarr` and `createImage` of P1 (1×1×16×2048² uint16, 256² chunks,
 *   blosc lz4 shuffle, 5-level mean pyramid on y and x, 2 workers), as bench/stream.bench.ts
 *   times it (pixels generated before the clock starts);
 * - **P1 warm**: a second `createImage` of P1 in the same process (pool and modules loaded);
 * - **P1 cold peak RSS** (`maxRSS` after the first `createImage`, including the 134 MB input);
 * - with `--only …,import-tsx,p1-tsx`: the import, or P1, with the tsx loader registered in the
 *   child, as bench/stream.bench.ts runs its children (pool threads start without it).
 *
 * Wall time and CPU time (`process.cpuUsage()`: every thread of the process) of each; prefer
 * CPU time on a busy machine. `--before <root>` also measures the build in another checkout (its
 * `dist/` and `node_modules/`, e.g. a copy of dist/ from before a change), runs alternating with
 * this one's, so one table compares them.
 *
 *   npm run build && node --import tsx bench/cold-start.bench.ts
 *   options: --runs N (default 5), --before <root>, --dir <path> (stores there, not the OS temp),
 *   --only import,pool,p1 (the default; also import-tsx, p1-tsx)
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { fillPlane } from "./blobs.js";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const value = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const RUNS = Number(value("--runs") ?? 5);
const BEFORE = value("--before");
const ONLY = (value("--only") ?? "import,pool,p1").split(",");

/** What a child prints (one JSON line): times in ms, RSS in MB. */
interface Sample {
  wall: number;
  cpu: number;
  warmWall?: number;
  warmCpu?: number;
  maxRssMB?: number;
}

/**
 * The children's code: plain JavaScript, run with `node --input-type=module -e`. `fillPlane`
 * (bench/blobs.ts, the pixels every pyramid bench uses) is passed as its source text, which tsx
 * has already compiled to JavaScript.
 */
const CHILD = `
const [root, mode, dir] = process.argv.slice(1);
const __name = (f) => f; // tsx's keepNames helper, which the compiled fillPlane calls
const fillPlane = ${fillPlane.toString()};
const lib = () => import(root + "/dist/src/index.js");
const cpu = () => { const c = process.cpuUsage(); return (c.user + c.system) / 1000; };
const out = (o) => { process.stdout.write(JSON.stringify(o) + "\\n"); process.exit(0); };
if (mode === "import") {
  const c0 = cpu(), t0 = performance.now();
  await lib();
  out({ wall: performance.now() - t0, cpu: cpu() - c0 });
} else if (mode === "pool") {
  const { createPyramidPool } = await lib();
  const c0 = cpu(), t0 = performance.now();
  const pool = createPyramidPool({ workers: 2 });
  const task = () => {
    const planes = [16, 8].map((n) => new Uint16Array(new SharedArrayBuffer(n * n * 2)));
    return pool.run({ kind: "stream-chain", runId: "cold", method: "mean", dtype: "uint16",
      factors: [2, 2], planes: planes.map((p, k) => ({ buffer: p.buffer, byteOffset: 0,
      shape: [16 >> k, 16 >> k] })) });
  };
  const results = await Promise.all([task(), task()]);
  const wall = performance.now() - t0, used = cpu() - c0;
  if (!results.every((r) => r.ok)) throw new Error(JSON.stringify(results));
  await pool.destroy();
  out({ wall, cpu: used });
} else if (mode === "p1") {
  const N = 2048, z = 16;
  const data = new Uint16Array(z * N * N);
  for (let i = 0; i < z; i++) fillPlane(data.subarray(i * N * N, (i + 1) * N * N), N, N, 7 + i);
  const write = async (path) => {
    const { openOmeZarr } = await lib();
    const pos = await openOmeZarr(path, { layout: "fov", mode: "w", channelNames: ["cam"], version: "0.4" });
    await pos.createImage("0", { data, shape: [1, 1, z, N, N] }, {
      chunks: [1, 1, 1, 256, 256],
      codec: { name: "blosc", cname: "lz4", clevel: 5, shuffle: "shuffle" },
      pyramid: { levels: 5, method: "mean", dims: ["y", "x"] },
      workers: 2,
    });
  };
  let c0 = cpu(), t0 = performance.now();
  await write(dir + "/cold.zarr");
  const wall = performance.now() - t0, used = cpu() - c0;
  const maxRssMB = (process.resourceUsage().maxRSS * 1024) / 1e6;
  c0 = cpu(); t0 = performance.now();
  await write(dir + "/warm.zarr");
  const warmWall = performance.now() - t0, warmCpu = cpu() - c0;
  await (await lib()).closeSharedPools();
  out({ wall, cpu: used, warmWall, warmCpu, maxRssMB });
}
`;

function child(root: string, mode: string, dir = ""): Promise<Sample> {
  const env = { ...process.env };
  delete env.NGFF_PYRAMID_WORKER; // the worker shipped beside each build
  // "<mode>-tsx": the same with the tsx loader registered, as bench/stream.bench.ts's children
  // run (its hooks see every module the library loads).
  const tsx = mode.endsWith("-tsx");
  const argv = ["--input-type=module", "-e", CHILD, root, mode.replace(/-tsx$/, ""), dir];
  return new Promise((res, rej) => {
    const c = spawn(process.execPath, tsx ? ["--import", "tsx", ...argv] : argv, {
      env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    c.stdout.on("data", (d) => {
      out += String(d);
    });
    c.stderr.on("data", (d) => {
      err += String(d);
    });
    c.on("exit", (code) => {
      if (code !== 0) rej(new Error(`${mode} child of ${root} failed (${code}):\n${err}`));
      else res(JSON.parse(out.trim().split("\n").at(-1)!) as Sample);
    });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const builds: [string, string][] = [["this build", ROOT]];
  if (BEFORE !== undefined) builds.unshift(["before", resolve(BEFORE)]);
  for (const [, root] of builds) {
    if (!existsSync(join(root, "dist/src/index.js"))) {
      throw new Error(`${root}/dist is missing: run \`npm run build\` there first`);
    }
  }
  const parent = value("--dir") ?? tmpdir();
  const tmp = await mkdtemp(join(parent, "ngff-cold-"));
  const samples = new Map<string, Sample[]>();
  const add = (key: string, s: Sample) => samples.set(key, [...(samples.get(key) ?? []), s]);
  try {
    for (let r = 0; r < RUNS; r++) {
      for (const [name, root] of builds) {
        for (const mode of ["import", "import-tsx", "pool", "p1", "p1-tsx"]) {
          if (!ONLY.includes(mode)) continue;
          const dir = mode.startsWith("p1") ? await mkdtemp(join(tmp, "p1-")) : "";
          add(`${name}/${mode}`, await child(root, mode, dir));
          if (dir !== "") await rm(dir, { recursive: true, force: true });
        }
      }
    }
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  const ms = (xs: number[]) => `${median(xs).toFixed(0)} ms`;
  const rows: string[] = [];
  for (const [name] of builds) {
    const get = (k: string) => samples.get(`${name}/${k}`) ?? [];
    const row = (what: string, xs: Sample[], warm = false) => {
      if (xs.length === 0) return;
      const wall = xs.map((s) => (warm ? s.warmWall! : s.wall));
      const cpu = xs.map((s) => (warm ? s.warmCpu! : s.cpu));
      rows.push(`| ${name} | ${what} | ${ms(wall)} | ${ms(cpu)} |`);
    };
    row("import dist/src/index.js", get("import"));
    row("import, under --import tsx", get("import-tsx"));
    row("pool start (2 threads, first task each)", get("pool"));
    for (const [mode, how] of [
      ["p1", ""],
      ["p1-tsx", ", under --import tsx"],
    ] as const) {
      const p1 = get(mode);
      row(`P1 cold (import + createImage)${how}`, p1);
      row(`P1 warm (second createImage)${how}`, p1, true);
      if (p1.length > 0) {
        const rss = median(p1.map((s) => s.maxRssMB!));
        rows.push(`| ${name} | P1 cold peak RSS${how} | ${rss.toFixed(0)} MB | |`);
      }
    }
  }
  process.stdout.write(
    `medians of ${RUNS} runs, each in a new process\n\n| build | measurement | wall | CPU (all threads) |\n|---|---|---|---|\n${rows.join("\n")}\n`,
  );
}

await main();
