/**
 * Shared pieces of the queue tests: `ngff worker` child processes, a child coordinator, test
 * images, and store comparisons.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import type { Position } from "../../../src/nodes/position.js";
import { openOmeZarr } from "../../../src/open.js";
import type { ZarrStore } from "../../../src/store/index.js";
import { type FixtureName, fixtureArgv, spawnFixture } from "../../helpers/fixtures.js";
import { seededUint16 } from "../pyramid/helpers.js";

export const ROOT = new URL("../../../", import.meta.url).pathname;

/** A child process with its output collected. */
export interface Child {
  proc: ChildProcess;
  pid: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (or the signal name). */
  exited: Promise<number | string>;
}

/**
 * Start fixture `name` (bundled: test/helpers/fixtures.ts) with `args`, its output collected;
 * `via` prefixes a command that runs node (`["ip", "netns", "exec", ns]`).
 */
export function spawnChild(
  name: FixtureName,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
  via: readonly string[] = [],
): Child {
  const opts = { cwd: ROOT, env: { ...process.env, ...env } };
  const proc =
    via.length === 0
      ? spawnFixture(name, args, opts)
      : spawn(via[0]!, [...via.slice(1), process.execPath, ...fixtureArgv(name, args)], {
          ...opts,
          stdio: ["ignore", "pipe", "pipe"],
        });
  let out = "";
  let err = "";
  proc.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
  });
  proc.stderr?.on("data", (d: Buffer) => {
    err += d.toString();
  });
  const exited = new Promise<number | string>((resolve) =>
    proc.once("exit", (code, signal) => resolve(code ?? signal ?? -1)),
  );
  return { proc, pid: proc.pid!, stdout: () => out, stderr: () => err, exited };
}

/** Resolves once `pred(child)` holds; rejects after `ms` with the child's output. */
export async function waitFor(
  what: string,
  pred: () => boolean | Promise<boolean>,
  ms: number,
  child?: Child,
): Promise<void> {
  const deadline = performance.now() + ms;
  while (!(await pred())) {
    if (performance.now() > deadline) {
      throw new Error(
        `timed out after ${ms} ms waiting for ${what}${child ? `\nstdout: ${child.stdout()}\nstderr: ${child.stderr()}` : ""}`,
      );
    }
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** A running `ngff worker`. */
export interface WorkerProcess extends Child {
  /** BullMQ worker name (`host/pid`), as jobs record it in processedBy. */
  name: string;
  /** SIGTERM, then wait (SIGKILL after 15 s). */
  stop(): Promise<number | string>;
}

/** SIGTERM a child, then wait for it (SIGKILL after 15 s). */
export async function stopChild(c: Child): Promise<number | string> {
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) return c.exited;
  c.proc.kill("SIGTERM");
  const t = setTimeout(() => c.proc.kill("SIGKILL"), 15_000);
  const r = await c.exited;
  clearTimeout(t);
  return r;
}

/** The arguments of an `ngff worker` with 1 thread, 2 jobs at once and 2 s locks. */
export function workerArgs(url: string, queue?: string): string[] {
  return [
    "worker",
    "--redis",
    url,
    "--workers",
    "1",
    "--concurrency",
    "2",
    "--lock-duration",
    "2000",
    "--stalled-interval",
    "1000",
    ...(queue === undefined ? [] : ["--queue", queue]),
  ];
}

/** Start `n` workers (1 thread, 2 jobs at once, 2 s locks) and wait until each is ready. */
export async function startWorkers(
  n: number,
  url: string,
  opts: { queue?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<WorkerProcess[]> {
  const args = workerArgs(url, opts.queue);
  const children = Array.from({ length: n }, () => spawnChild("queue-ngff", args, opts.env));
  const workers = children.map((c) => {
    const w = c as WorkerProcess;
    w.stop = () => stopChild(c);
    return w;
  });
  try {
    await Promise.all(
      workers.map(async (w) => {
        await waitFor("a worker to be ready", () => / ready: /.test(w.stdout()), 100_000, w);
        w.name = /ngff worker (\S+): ready/.exec(w.stdout())![1]!;
      }),
    );
  } catch (err) {
    await Promise.all(workers.map((w) => w.stop()));
    throw err;
  }
  return workers;
}

/** The coordinator fixture in a child process. */
export function spawnCoordinator(path: string, url: string, levels: number, method: string): Child {
  return spawnChild("queue-coordinator", [path, url, String(levels), method]);
}

/** A BullMQ queue handle for looking at (or planting) jobs; close it. */
export function queueHandle(url: string, name = "ngff"): Queue {
  const u = new URL(url);
  const q = new Queue(name, { connection: { host: u.hostname, port: Number(u.port) } });
  q.on("error", () => {});
  return q;
}

/** The id of the last entry of a queue's event stream (`"0"` when empty): a mark for {@link completedByKind}. */
export async function lastEventId(port: number, queue = "ngff"): Promise<string> {
  const r = new Redis(port, "127.0.0.1");
  try {
    const last = await r.xrevrange(`bull:${queue}:events`, "+", "-", "COUNT", 1);
    return last[0]?.[0] ?? "0";
  } finally {
    r.disconnect();
  }
}

/**
 * Jobs that workers completed after event `mark`, by kind, from the queue's event stream (job
 * records are removed when a run ends; the stream keeps its last 10 000 events): conversion
 * jobs have ids `c…`, pyramid jobs `p…`, probes `probe…`.
 */
export async function completedByKind(
  port: number,
  mark: string,
  queue = "ngff",
): Promise<{ convert: number; pyramid: number; probe: number }> {
  const r = new Redis(port, "127.0.0.1");
  try {
    const events = await r.xrange(`bull:${queue}:events`, `(${mark}`, "+");
    const out = { convert: 0, pyramid: 0, probe: 0 };
    const seen = new Set<string>();
    for (const [, f] of events) {
      if (f[f.indexOf("event") + 1] !== "completed") continue;
      const id = f[f.indexOf("jobId") + 1]!;
      if (seen.has(id)) continue;
      seen.add(id);
      if (id.startsWith("probe")) out.probe++;
      else if (id.startsWith("c")) out.convert++;
      else if (id.startsWith("p")) out.pyramid++;
    }
    return out;
  } finally {
    r.disconnect();
  }
}

/** Options of {@link writeImage}. */
export interface ImageSpec {
  version: "0.4" | "0.5";
  shape: number[];
  chunks: number[];
  shardsRatio?: number[] | undefined;
  /** Few distinct values (labels, for mode), else a smooth pattern with noise. */
  labels?: boolean;
  s3?: { endpoint: string; region: string; forcePathStyle: boolean };
}

/** Create a position with level 0 only (seeded data); returns it open (dispose it). */
export async function writeImage(target: string | ZarrStore, spec: ImageSpec): Promise<Position> {
  const pos = (await openOmeZarr(target, {
    layout: "fov",
    mode: "w-",
    version: spec.version,
    channelNames: spec.shape[1] === 2 ? ["DAPI", "GFP"] : ["DAPI"],
    ...(spec.s3 === undefined ? {} : { s3: spec.s3 }),
  })) as Position;
  const n = spec.shape.reduce((a, b) => a * b, 1);
  const data = seededUint16(n, 11);
  if (spec.labels) for (let i = 0; i < n; i++) data[i] = (data[i]! >> 11) & 3;
  await pos.createImage(
    "0",
    { data, shape: spec.shape },
    {
      chunks: spec.chunks,
      ...(spec.shardsRatio === undefined ? {} : { shardsRatio: spec.shardsRatio }),
    },
  );
  return pos;
}
