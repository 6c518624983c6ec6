/**
 * Pyramids through the BullMQ queue (DESIGN.md section 11) vs the in-process pool: 1, 2 and 3
 * `ngff worker` processes (1 pool thread each, 2 jobs at once, as `ngff worker --workers 1`)
 * against the local pool of 1 and 2 threads, on this one machine (the workers are local
 * processes on a loopback Redis: this measures the queue's cost, not a network's).
 *
 *   node --import tsx bench/queue.bench.ts [--quick] [--image-mib 1024] [--positions 64] [--dir <path>]
 *     [--only plate|image]
 *
 * The issue's full size (4 GiB image, 64-position plate; ~5–8 min on an idle 2-core machine):
 *
 *   node --import tsx bench/queue.bench.ts --image-mib 4096
 *
 * Data goes to a fresh directory under `--dir` (default the OS temp directory), removed at the
 * end, on failure and on Ctrl-C / SIGTERM. Before anything is written the free space there is
 * checked against the worst case (level 0 uncompressed + its pyramid + the plate, + 10 %): a
 * bench that cannot fit says so and writes nothing.
 *
 * Workloads (Zarr v2 / NGFF 0.4, chunks 1×1×1×256×256, blosc lz4 5 shuffle, mean, y and x ÷2):
 * - plate: `--positions` (64) positions of 1×1×4×512×512 uint16 (2 MiB each), 4 levels,
 *   3 positions at once (as `ngff compute-pyramid` with 2 threads: `--jobs` 3);
 * - image: one position of 1×1×Z×4096×4096 uint16 of `--image-mib` MiB (default 1024; 4096 is
 *   the issue's 4 GiB image, too slow on a loaded 2-core VM for every configuration), 5 levels.
 * `--quick`: the same 64-position plate, a 256 MiB image.
 *
 * Each configuration deletes the pyramid, computes it again and hashes every file of the store
 * except level 0's chunks; every digest must equal the 2-thread pool's (byte-identical
 * output). Each queue configuration gets a fresh redis-server (so `used_memory_peak` is its
 * own) and fresh workers (their start-up is not timed). Queue runs use `parallelism: 2` (this
 * machine's cores), so they plan the same tasks as the 2-thread pool, and the default `pollMs`
 * (250 ms), batch size and back-pressure.
 *
 * Queue overhead per task: (queue wall − pool wall) / tasks, against the pool of as many
 * threads as the queue has worker threads (1 → pool 1, 2 and 3 → pool 2: the machine has 2
 * cores). Worker-side overhead per job is measured apart from Redis's event stream: time
 * between a job's `active` and `completed` events minus the task's own time in the pool
 * (`returnvalue.ms`): BullMQ's lock, fetch and move-to-completed round trips.
 * Asserted: identical digests, and a queue overhead per task below `pollMs` (250 ms): the
 * coordinator's only per-task latency is polling (≤ pollMs, overlapped across tasks) plus a few
 * loopback round trips, so a full poll period per task would mean the fan-out has serialised;
 * and Redis's `used_memory_peak` below 256 MiB (job records are ~5.5 KB each: the 4 GiB
 * image's ~2,700 jobs are ~15 MB; hundreds of MiB would mean records are not removed).
 */
import { type ChildProcess, execSync, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { rmSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, statfs } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import * as lib from "../src/index.js";
import type { Position } from "../src/nodes/position.js";
import { type RedisTestServer, startRedisServer } from "../test/helpers/redis-server.js";
import { fillPlane } from "./blobs.js";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const NGFF = "test/fixtures/queue/ngff.ts";
const CHUNKS = [1, 1, 1, 256, 256];
const CODEC = { name: "blosc", cname: "lz4", clevel: 5, shuffle: "shuffle" } as const;
const POLL_MS = 250; // the queue's default, asserted against
const AT_ONCE = 3;
const REDIS_PEAK_MAX_MIB = 256;

function strArg(argv: string[], name: string, fallback: string): string {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? argv[i + 1]! : fallback;
}

/**
 * Worst-case bytes on disk: level 0 uncompressed, its pyramid (y/x ÷2: ≤ 1/3 more), the plate
 * (2 MiB per position, same), + 10 %.
 */
function bytesNeeded(positions: number, imageMiB: number): number {
  return Math.ceil((imageMiB + positions * 2) * 2 ** 20 * (4 / 3) * 1.1);
}

/** Refuse to start where the data cannot fit. */
async function checkRoom(dir: string, need: number): Promise<void> {
  const fs = await statfs(dir);
  const free = fs.bavail * fs.bsize;
  const gib = (b: number) => `${(b / 2 ** 30).toFixed(1)} GiB`;
  process.stderr.write(`data under ${dir}: needs up to ${gib(need)}, ${gib(free)} free\n`);
  if (free < need) {
    throw new Error(
      `not enough room under ${dir}: the bench needs up to ${gib(need)} and ${gib(free)} are free; ` +
        "give --dir a filesystem with room (check with df -h)",
    );
  }
}

function intArg(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(name);
  const v = i >= 0 ? Number(argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be ≥ 1; found ${v}`);
  return v;
}
const fmt = (x: number, d = 2) => x.toFixed(d);
const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(" ");
const median = (xs: number[]) =>
  xs.length === 0 ? Number.NaN : [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Run `fn` over `items`, `n` at once. */
async function forEach<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** sha256 over (path, sha256) of every file under `root`, level 0's chunks left out. */
async function digestStore(root: string): Promise<{ digest: string; files: number }> {
  const entries: string[] = [];
  async function walk(dir: string, rel: string): Promise<void> {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (/(^|\/)0\/0$/.test(r)) continue; // level 0's chunk directory (v2: 0/<t>/…)
        await walk(join(dir, e.name), r);
      } else {
        const h = createHash("sha256")
          .update(await readFile(join(dir, e.name)))
          .digest("hex");
        entries.push(`${r} ${h}`);
      }
    }
  }
  await walk(root, "");
  entries.sort();
  return {
    digest: createHash("sha256").update(entries.join("\n")).digest("hex").slice(0, 16),
    files: entries.length,
  };
}

interface Worker {
  proc: ChildProcess;
  out: string;
  exited: Promise<unknown>;
}

async function startWorkers(n: number, url: string): Promise<Worker[]> {
  const ws = Array.from({ length: n }, (): Worker => {
    const proc = spawn(
      process.execPath,
      ["--import", "tsx", NGFF, "worker", "--redis", url, "--workers", "1", "--concurrency", "2"],
      { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] },
    );
    const w: Worker = { proc, out: "", exited: new Promise((r) => proc.once("exit", r)) };
    proc.stdout?.on("data", (d: Buffer) => {
      w.out += d.toString();
    });
    proc.stderr?.on("data", (d: Buffer) => {
      w.out += d.toString();
    });
    return w;
  });
  const deadline = performance.now() + 120_000;
  while (!ws.every((w) => / ready: /.test(w.out))) {
    if (performance.now() > deadline || ws.some((w) => w.proc.exitCode !== null)) {
      await stopWorkers(ws);
      throw new Error(`workers did not start:\n${ws.map((w) => w.out).join("\n")}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return ws;
}

async function stopWorkers(ws: Worker[]): Promise<void> {
  await Promise.all(
    ws.map(async (w) => {
      if (w.proc.exitCode !== null || w.proc.signalCode !== null) return;
      w.proc.kill("SIGTERM");
      const t = setTimeout(() => w.proc.kill("SIGKILL"), 15_000);
      await w.exited;
      clearTimeout(t);
    }),
  );
}

/** From the queue's event stream: median ms per job between `active` and `completed`, minus the task's own ms. */
async function workerSideOverhead(port: number): Promise<{ ms: number; jobs: number }> {
  const r = new Redis(port, "127.0.0.1");
  try {
    const active = new Map<string, number>();
    const over: number[] = [];
    let start = "-";
    for (;;) {
      const page = (await r.xrange("bull:ngff:events", start, "+", "COUNT", 1000)) as [
        string,
        string[],
      ][];
      for (const [id, fields] of page) {
        const f: Record<string, string> = {};
        for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]!] = fields[i + 1]!;
        const t = Number(id.split("-")[0]);
        const job = f.jobId;
        if (job === undefined || !job.startsWith("p")) continue; // pyramid jobs only, no probes
        if (f.event === "active") active.set(job, t);
        else if (f.event === "completed" && active.has(job)) {
          const ms = (JSON.parse(f.returnvalue ?? "{}") as { ms?: number }).ms ?? 0;
          over.push(t - active.get(job)! - ms);
        }
      }
      if (page.length < 1000) break;
      start = `(${page[page.length - 1]![0]}`;
    }
    return { ms: median(over), jobs: over.length };
  } finally {
    r.disconnect();
  }
}

async function memory(port: number): Promise<{ used: number; peak: number }> {
  const r = new Redis(port, "127.0.0.1");
  try {
    const info = await r.info("memory");
    const get = (k: string) => Number(new RegExp(`^${k}:(\\d+)`, "m").exec(info)?.[1]);
    return { used: get("used_memory"), peak: get("used_memory_peak") };
  } finally {
    r.disconnect();
  }
}

interface Workload {
  name: string;
  levels: number;
  positions: string[];
  store: string;
  sourceMiB: number;
}

interface Row {
  workload: string;
  config: string;
  threads: number;
  processes: number;
  wall: number;
  tasks: number;
  digest: string;
  files: number;
  overheadMs?: number;
  workerSideMs?: number;
  redisPeakMiB?: number;
  redisPerJobB?: number;
  load: string;
}

async function runOnce(
  w: Workload,
  opts: { workers?: number; queue?: { connection: string; parallelism: number } },
): Promise<{ wall: number; tasks: number; added: number }> {
  // A clean start: no pyramid, so nothing left from the previous configuration can pass.
  await forEach(w.positions, AT_ONCE, async (p) => {
    await using pos = (await lib.openOmeZarr(p, { layout: "fov", mode: "r+" })) as Position;
    await pos.deletePyramid();
  });
  // Flush the deletes' writeback before the clock starts.
  execSync("sync");
  let tasks = 0;
  let added = 0;
  const t0 = performance.now();
  await forEach(w.positions, AT_ONCE, async (p) => {
    await using pos = (await lib.openOmeZarr(p, { layout: "fov", mode: "r+" })) as Position;
    const report = await pos.computePyramid({
      levels: w.levels,
      method: "mean",
      dims: ["y", "x"],
      ...(opts.queue === undefined ? { workers: opts.workers ?? 2 } : { queue: opts.queue }),
    });
    tasks += report.levels.reduce((a, l) => a + l.tasks, 0);
    added += report.queue?.added ?? 0;
  });
  return { wall: (performance.now() - t0) / 1000, tasks, added };
}

async function makeWorkloads(
  root: string,
  positions: number,
  imageMiB: number,
  only: string,
): Promise<Workload[]> {
  const out: Workload[] = [];
  if (only !== "image") out.push(await makePlate(root, positions));
  if (only !== "plate") out.push(await makeImage(root, imageMiB));
  return out;
}

async function makePlate(root: string, positions: number): Promise<Workload> {
  const plateShape = [1, 1, 4, 512, 512];
  const plane = new Uint16Array(512 * 512);
  const platePath = join(root, "plate.zarr");
  const plate = await lib.openOmeZarr(platePath, {
    layout: "hcs",
    mode: "w",
    version: "0.4",
    channelNames: ["a"],
  });
  const paths: string[] = [];
  for (let i = 0; i < positions; i++) {
    const row = String.fromCharCode(65 + Math.floor(i / 12));
    const col = String((i % 12) + 1);
    const pos = await plate.createPosition(row, col, "0");
    const data = new Uint16Array(plateShape.reduce((a, b) => a * b, 1));
    for (let z = 0; z < 4; z++) {
      fillPlane(plane, 512, 512, 1000 * i + z);
      data.set(plane, z * plane.length);
    }
    await pos.createImage(
      "0",
      { data, shape: plateShape },
      { chunks: CHUNKS, codec: CODEC, workers: 0 },
    );
    paths.push(join(platePath, row, col, "0"));
  }
  return {
    name: `plate: ${positions} positions of ${plateShape.join("×")} uint16, 4 levels`,
    levels: 4,
    positions: paths,
    store: platePath,
    sourceMiB: positions * 2,
  };
}

async function makeImage(root: string, imageMiB: number): Promise<Workload> {
  const planes = Math.max(1, Math.round((imageMiB * 2 ** 20) / (4096 * 4096 * 2)));
  const imagePath = join(root, "image.zarr");
  {
    await using pos = (await lib.openOmeZarr(imagePath, {
      layout: "fov",
      mode: "w",
      version: "0.4",
      channelNames: ["a"],
    })) as Position;
    const arr = await pos.createZeros("0", {
      shape: [1, 1, planes, 4096, 4096],
      dtype: "uint16",
      chunks: CHUNKS,
      codec: CODEC,
    });
    const big = new Uint16Array(4096 * 4096);
    for (let z = 0; z < planes; z++) {
      fillPlane(big, 4096, 4096, 7 + z);
      await arr.write([0, 0, z], big, { workers: 2 });
    }
  }
  return {
    name: `image: 1×1×${planes}×4096×4096 uint16 (${planes / 2 ** 5} GiB), 5 levels`,
    levels: 5,
    positions: [imagePath],
    store: imagePath,
    sourceMiB: planes * 32,
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const quick = argv.includes("--quick");
  const positions = intArg(argv, "--positions", 64);
  const imageMiB = intArg(argv, "--image-mib", quick ? 256 : 1024);
  const base = strArg(argv, "--dir", tmpdir());
  const only = strArg(argv, "--only", "both");
  if (!["both", "plate", "image"].includes(only)) {
    throw new RangeError(`--only must be plate or image; found ${only}`);
  }
  await checkRoom(
    base,
    bytesNeeded(only === "image" ? 0 : positions, only === "plate" ? 0 : imageMiB),
  );
  const root = await mkdtemp(join(base, "ngff-bench-q-"));
  const loadStart = load();
  const rows: Row[] = [];
  const failures: string[] = [];
  let redis: RedisTestServer | undefined;
  let workers: Worker[] = [];
  // Ctrl-C / SIGTERM: stop the children, remove the data (up to several GiB), exit.
  const onSignal = (sig: NodeJS.Signals) => {
    for (const w of workers) w.proc.kill("SIGKILL");
    const pid = redis?.pid;
    if (pid !== undefined) process.kill(pid, "SIGKILL");
    rmSync(root, { recursive: true, force: true });
    if (redis !== undefined) rmSync(redis.dir, { recursive: true, force: true });
    process.stderr.write(`${sig}: stopped, ${root} removed\n`);
    process.exit(130);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    const t0 = performance.now();
    const workloads = await makeWorkloads(root, positions, imageMiB, only);
    process.stderr.write(`level 0 written in ${fmt((performance.now() - t0) / 1000, 1)} s\n`);
    for (const w of workloads) {
      const pool: Record<number, number> = {};
      for (const threads of [1, 2]) {
        const r = await runOnce(w, { workers: threads });
        await lib.closeSharedPools();
        pool[threads] = r.wall;
        const d = await digestStore(w.store);
        rows.push({
          workload: w.name,
          config: `pool, ${threads} thread(s)`,
          threads,
          processes: 0,
          wall: r.wall,
          tasks: r.tasks,
          ...d,
          load: load(),
        });
        process.stderr.write(`${w.name}: pool ${threads}: ${fmt(r.wall)} s\n`);
      }
      for (const k of [1, 2, 3]) {
        redis = await startRedisServer();
        workers = await startWorkers(k, redis.url);
        const base = await memory(redis.port);
        const r = await runOnce(w, { queue: { connection: redis.url, parallelism: 2 } });
        const mem = await memory(redis.port);
        const side = await workerSideOverhead(redis.port);
        await stopWorkers(workers);
        workers = [];
        await redis.dispose();
        redis = undefined;
        const d = await digestStore(w.store);
        const ref = pool[Math.min(k, 2)]!;
        if (r.added !== r.tasks)
          failures.push(`${w.name}, ${k} worker(s): ${r.added} jobs added for ${r.tasks} tasks`);
        rows.push({
          workload: w.name,
          config: `queue, ${k} worker process(es)`,
          threads: k,
          processes: k,
          wall: r.wall,
          tasks: r.tasks,
          ...d,
          overheadMs: ((r.wall - ref) * 1000) / r.tasks,
          workerSideMs: side.ms,
          redisPeakMiB: mem.peak / 2 ** 20,
          // Job records stay until their position's run finishes: at the peak Redis holds about
          // the tasks of the positions running at once (all of them for one image).
          redisPerJobB:
            (mem.peak - base.used) /
            ((r.tasks * Math.min(AT_ONCE, w.positions.length)) / w.positions.length),
          load: load(),
        });
        process.stderr.write(`${w.name}: queue ${k}: ${fmt(r.wall)} s\n`);
      }
    }
  } finally {
    await stopWorkers(workers);
    await redis?.dispose();
    await lib.closeSharedPools();
    await rm(root, { recursive: true, force: true });
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
  }

  // Checks: the same bytes everywhere, and a per-task overhead below one poll period.
  for (const r of rows) {
    const ref = rows.find((x) => x.workload === r.workload && x.config === "pool, 2 thread(s)")!;
    if (r.digest !== ref.digest || r.files !== ref.files) {
      failures.push(
        `${r.workload}, ${r.config}: digest ${r.digest} (${r.files} files) ≠ pool's ${ref.digest} (${ref.files})`,
      );
    }
    if (r.redisPeakMiB !== undefined && !(r.redisPeakMiB < REDIS_PEAK_MAX_MIB)) {
      failures.push(
        `${r.workload}, ${r.config}: Redis used_memory_peak ${fmt(r.redisPeakMiB, 1)} MiB ≥ ${REDIS_PEAK_MAX_MIB} MiB`,
      );
    }
    if (r.overheadMs !== undefined && !(r.overheadMs < POLL_MS)) {
      failures.push(
        `${r.workload}, ${r.config}: ${fmt(r.overheadMs)} ms of queue overhead per task ≥ pollMs ${POLL_MS}`,
      );
    }
  }
  const table = rows.map(
    (r) =>
      `| ${r.workload} | ${r.config} | ${fmt(r.wall)} | ${r.tasks} | ` +
      `${r.overheadMs === undefined ? "–" : fmt(r.overheadMs, 1)} | ` +
      `${r.workerSideMs === undefined ? "–" : fmt(r.workerSideMs, 1)} | ` +
      `${r.redisPeakMiB === undefined ? "–" : fmt(r.redisPeakMiB, 1)} | ` +
      `${r.redisPerJobB === undefined ? "–" : fmt(r.redisPerJobB, 0)} | ${r.digest} | ${r.load} |`,
  );
  const cmd = `node --import tsx bench/queue.bench.ts ${argv.join(" ")}`.trim();
  process.stdout.write(
    `Pyramids through the queue (ngff worker processes of 1 thread, 2 jobs at once, on this machine, loopback Redis) vs the in-process pool; ` +
      `mean, y/x ÷2, chunks 256², blosc lz4; ${AT_ONCE} positions at once; one run each${quick ? " (--quick)" : ""}. ` +
      `Load average at start ${loadStart}, per row at its end.\n\n` +
      "| workload | configuration | wall s | tasks | queue overhead ms/task (vs pool of as many threads, max 2) | worker-side ms/job (active→completed − task) | Redis used_memory_peak MiB | Redis bytes/job ≈ (peak − empty) / jobs held at once | output digest | load 1/5/15 min |\n" +
      "|---|---|---|---|---|---|---|---|---|---|\n" +
      `${table.join("\n")}\n\n` +
      `Checks: every configuration's files equal the 2-thread pool's (digest over all files but level 0's chunks); queue overhead per task < pollMs (${POLL_MS} ms); Redis used_memory_peak < ${REDIS_PEAK_MAX_MIB} MiB.\n` +
      `${failures.length === 0 ? "All checks passed." : `FAILED:\n- ${failures.join("\n- ")}`}\n\nReproduce: \`${cmd}\`\n`,
  );
  if (failures.length > 0) process.exitCode = 1;
}

await main();
