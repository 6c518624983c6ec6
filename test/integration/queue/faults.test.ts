/**
 * Faults and bad input on the queue, with a real redis-server and 3 `ngff worker` processes:
 * Redis unreachable (typed error within seconds, nothing written), bad options, a store the
 * workers cannot open (a worker whose S3 credentials s3rver refuses: typed error naming the
 * store and the probe job, the store untouched), a task failing on every attempt (typed error
 * naming the job), a job of another protocol version (refused without retry), Redis killed
 * mid-level (the run completes; and with a short outage limit, a resumable error that a rerun
 * completes), the coordinator killed with kill -9 (a restart resumes), a worker killed with
 * kill -9 mid-level (its jobs stall and run elsewhere). Every finished pyramid is byte-identical
 * to the local pool's.
 */
import { mkdir, mkdtemp, readdir, rename, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { closeSharedPools } from "../../../src/engine/shared-pool.js";
import { isOmeZarrError } from "../../../src/errors.js";
import { openOmeZarr } from "../../../src/open.js";
import { createMemoryStore } from "../../../src/store/index.js";
import { ngff, storeFiles, writeStack } from "../../fixtures/cli/run.js";
import { freePort, type RedisTestServer, startRedisServer } from "../../helpers/redis-server.js";
import { type S3TestServer, startS3Server, useS3rverCredentials } from "../../helpers/s3-server.js";
import { readTree } from "../pyramid/helpers.js";
import {
  completedByKind,
  lastEventId,
  queueHandle,
  spawnCoordinator,
  startWorkers,
  type WorkerProcess,
  waitFor,
  writeImage,
} from "./helpers.js";

const BUCKET = "ngff-queue-faults";
let redis: RedisTestServer;
let s3: S3TestServer;
let workers: WorkerProcess[] = [];
let badWorkers: WorkerProcess[] = [];
let dir: string;
let reference: Map<string, string>;

/** Level 1 has 128 tasks of one chunk each: enough to kill things in the middle of it. */
const BIG = { version: "0.4" as const, shape: [1, 1, 8, 256, 256], chunks: [1, 1, 1, 32, 32] };
const queue = (extra: Record<string, unknown> = {}) => ({
  connection: redis.url,
  taskBytes: 1,
  pollMs: 20,
  backoffMs: 100,
  ...extra,
});

let count = 0;
/** A fresh copy of the BIG image (level 0 only) in its own directory, named img.zarr. */
async function bigImage(): Promise<string> {
  const d = join(dir, `run-${++count}`);
  await mkdir(d);
  const path = join(d, "img.zarr");
  await using _ = await writeImage(path, BIG);
  return path;
}

beforeAll(async () => {
  useS3rverCredentials();
  [redis, s3] = await Promise.all([startRedisServer(), startS3Server([BUCKET])]);
  dir = await mkdtemp(join(tmpdir(), "ngff-queue-faults-"));
  // One worker on its own queue with an access key s3rver does not know.
  [workers, badWorkers] = await Promise.all([
    startWorkers(3, redis.url),
    startWorkers(1, redis.url, { queue: "badcreds", env: { AWS_ACCESS_KEY_ID: "NOPE" } }),
  ]);
  const ref = join(dir, "reference");
  await mkdir(ref);
  await using pos = await writeImage(join(ref, "img.zarr"), BIG);
  await pos.computePyramid({ levels: 3, method: "mean", workers: 2 });
  reference = await readTree(join(ref, "img.zarr"));
}, 180_000);

afterAll(async () => {
  const all = [...workers, ...badWorkers];
  await Promise.all(all.map((w) => w.stop()));
  await closeSharedPools();
  await Promise.all([redis?.dispose(), s3?.dispose()]);
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
}, 60_000);

/** The local store's hidden temp files (`.<name>.tmp-<pid>-<tag>`). */
const TEMP = /(^|\/)\.[^/]+\.tmp-\d+-/;

async function listing(root: string): Promise<string[]> {
  return (await readdir(root, { recursive: true })).sort();
}

describe("bad input", () => {
  test("unreachable Redis: QueueAccessError within seconds, nothing written (API, compute-pyramid, convert)", async () => {
    const path = await bigImage();
    const before = await listing(path);
    const url = `redis://127.0.0.1:${await freePort()}`;
    await using pos = await openOmeZarr(path, { layout: "fov", mode: "r+" });
    const t0 = performance.now();
    const err = await pos.computePyramid({ levels: 3, queue: { connection: url } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(performance.now() - t0).toBeLessThan(5000);
    expect(isOmeZarrError(err, "QueueAccess")).toBe(true);
    expect((err as Error).message).toContain(`cannot reach the queue's Redis at ${url}/0`);
    expect((err as { code?: string }).code).toBe("ECONNREFUSED");
    expect(await listing(path)).toEqual(before);

    const cli = await ngff("compute-pyramid", "-i", path, "-l", "3", "--overwrite", "--redis", url);
    expect(cli.code).toBe(1);
    expect(cli.stderr).toMatch(/^ngff compute-pyramid: error: cannot reach the queue's Redis/);
    expect(await listing(path)).toEqual(before);

    await writeStack(join(dir, "one.tif"), { sizeY: 40, sizeX: 40, dtype: "uint8" });
    const out = join(dir, "never.zarr");
    const conv = await ngff("convert", "-i", join(dir, "one.tif"), "-o", out, "--redis", url);
    expect(conv.code).toBe(1);
    expect(conv.stderr).toContain("cannot reach the queue's Redis");
    expect((await readdir(dir)).filter((f) => f.startsWith("never.zarr"))).toEqual([]);
  });

  test("bad queue options and a memory store: typed errors before anything is written", async () => {
    const path = await bigImage();
    const before = await listing(path);
    await using pos = await openOmeZarr(path, { layout: "fov", mode: "r+" });
    const fail = (queue: unknown) =>
      pos.computePyramid({ levels: 2, queue: queue as never }).then(
        () => undefined,
        (e: unknown) => e,
      );
    const scheme = await fail({ connection: "http://127.0.0.1:6379" });
    expect(isOmeZarrError(scheme, "Unsupported")).toBe(true);
    expect((scheme as Error).message).toContain(
      'has the scheme "http:"; expected redis://host:port',
    );
    for (const [queue, option] of [
      [{ connection: redis.url, attempts: 0 }, "queue.attempts"],
      [{ connection: redis.url, name: "a:b" }, "queue.name"],
      [{}, "queue.connection"],
    ] as const) {
      const err = await fail(queue);
      expect(isOmeZarrError(err, "InvalidOptions") && err.option).toBe(option);
    }
    expect(await listing(path)).toEqual(before);

    await using mem = await writeImage(createMemoryStore(), BIG);
    const memErr = await mem.computePyramid({ levels: 2, queue: { connection: redis.url } }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isOmeZarrError(memErr, "Unsupported")).toBe(true);
    expect((memErr as Error).message).toContain("cannot open an in-memory store");
    expect(mem.levelPaths).toEqual(["0"]);
  });

  test("a store the workers cannot open: WorkerTaskError naming the store and the probe, store untouched", async () => {
    const s3opts = { endpoint: s3.endpoint, region: "us-east-1", forcePathStyle: true };
    const url = `s3://${BUCKET}/denied/img.zarr`;
    await using pos = await writeImage(url, { ...BIG, s3: s3opts });
    const before = (await readdir(join(s3.dir, BUCKET, "denied"), { recursive: true })).sort();
    const err = await pos
      .computePyramid({
        levels: 3,
        queue: queue({ name: "badcreds", attempts: 2, backoffMs: 50 }),
      })
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isOmeZarrError(err, "WorkerTask")).toBe(true);
    const msg = (err as Error).message;
    expect(msg).toContain(`queue workers cannot open the store s3://${BUCKET}/denied/img.zarr`);
    expect(msg).toMatch(/probe job probe[0-9a-f]+\.[0-9a-f]+, 2 attempt\(s\)\)/);
    expect(msg).toMatch(/StoreAccess|InvalidAccessKeyId|403/);
    expect(msg).toContain("Nothing was written");
    expect((await readdir(join(s3.dir, BUCKET, "denied"), { recursive: true })).sort()).toEqual(
      before,
    );
  });

  test("a task failing on every attempt: WorkerTaskError naming the level, region and job", async () => {
    const path = await bigImage();
    // A level-0 chunk cut short: decoding it fails on every worker, every attempt.
    await truncate(join(path, "0", "0", "0", "3", "2", "5"), 5);
    await using pos = await openOmeZarr(path, { layout: "fov", mode: "r+" });
    // Back-pressure: at most 8 jobs queued at once (sampled while the run goes on).
    const q = queueHandle(redis.url);
    let most = 0;
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const c = await q.getJobCounts("waiting", "active", "delayed", "prioritized");
        most = Math.max(
          most,
          Object.values(c).reduce((a, b) => a + b, 0),
        );
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    const err = await pos
      .computePyramid({ levels: 3, queue: queue({ attempts: 2, backoffMs: 20, maxQueued: 8 }) })
      .then(
        () => undefined,
        (e: unknown) => e,
      )
      .finally(() => {
        sampling = false;
      });
    await sampler;
    await q.close();
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(8);
    expect(isOmeZarrError(err, "WorkerTask")).toBe(true);
    const e = err as { level: number; region: [number, number][]; message: string };
    expect(e.level).toBe(1);
    // Source chunk z=3, y=64..96, x=160..192 → target z=1, y=32..48, x=80..96 (a 32² target chunk).
    expect(e.region).toEqual([
      [0, 1],
      [0, 1],
      [1, 2],
      [32, 64],
      [64, 96],
    ]);
    // Nothing more was added after the failure: the level stopped there (level 2 never ran).
    expect(e.message).toContain("after 2 attempt(s); 1 of 64 task(s) of level 1 failed: jobs p");
    expect(e.message).toContain(".l1.0-1_0-1_1-2_32-64_64-96");
  });

  test("ngff convert --redis, an input the workers cannot read: WorkerTaskError naming the file and the job, no output", async () => {
    const inputs = join(dir, "unreadable");
    await mkdir(inputs);
    const csv: string[] = [];
    for (const [i, well] of ["A/1", "A/2", "B/1"].entries()) {
      await writeStack(join(inputs, `w${i}.tif`), {
        sizeZ: 2,
        sizeY: 40,
        sizeX: 48,
        dtype: "uint8",
      });
      csv.push(`w${i}.tif,${well}`);
    }
    await writeFile(join(inputs, "wells.csv"), `${csv.join("\n")}\n`);
    const outDir = join(dir, "unreadable-out");
    await mkdir(outDir);
    // The coordinator reads the headers; the workers find w1.tif gone (as on a host without the
    // shared filesystem). The queue is paused until the jobs are in it, so no worker opens an
    // input before it is moved away.
    const q = queueHandle(redis.url);
    await q.pause();
    let run: Promise<Awaited<ReturnType<typeof ngff>>> | undefined;
    try {
      run = ngff(
        "convert",
        "--plate",
        join(inputs, "wells.csv"),
        "-o",
        join(outDir, "plate.zarr"),
        "--levels",
        "1",
        "--redis",
        redis.url,
      );
      await waitFor(
        "the conversion jobs in the paused queue",
        async () => (await q.getJobCounts("waiting")).waiting === 3,
        60_000,
      );
      await rename(join(inputs, "w1.tif"), join(inputs, "w1.moved"));
    } finally {
      await q.resume();
      await q.close();
    }
    const r = await run!;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^ngff convert: error: converting \S+w1\.tif into "A\/2\/0\/0" failed on the queue's workers after 3 attempt\(s\)/,
    );
    expect(r.stderr).toContain(
      `NotFoundError [NotFound]: this worker cannot open the input file ${join(inputs, "w1.tif")}`,
    );
    expect(r.stderr).toMatch(
      /1 of 3 conversion task\(s\) failed: jobs c[0-9a-f]+\.l0\.0-1_0-1_0-2_0-40_0-48 \(\S+w1\.tif\)/,
    );
    // The staged output was removed: nothing at the output, no partial metadata beside it.
    expect(await readdir(outDir)).toEqual([]);
  });

  test("a job of another protocol version is refused at once, saying both versions", async () => {
    const q = queueHandle(redis.url);
    try {
      await q.add(
        "pyramid",
        { protocol: 999, kind: "pyramid", task: {} },
        { jobId: "future-job", attempts: 3 },
      );
      await waitFor(
        "the job to fail",
        async () => (await q.getJobState("future-job")) === "failed",
        15_000,
      );
      const job = await q.getJob("future-job");
      expect(job?.failedReason).toBe(
        "job future-job has protocol version 999 but this worker speaks version 2; run coordinators and workers of the same ngff-writer version",
      );
      expect(job?.attemptsMade).toBe(1);
      await q.remove("future-job");
    } finally {
      await q.close();
    }
  });
});

describe("faults", () => {
  test("Redis killed mid-level and restarted 2 s later: the run completes, same bytes", async () => {
    const path = await bigImage();
    await using pos = await openOmeZarr(path, { layout: "fov", mode: "r+" });
    let done1 = 0;
    const run = pos.computePyramid({
      levels: 3,
      method: "mean",
      queue: queue({ outageMs: 30_000 }),
      onProgress: (p) => {
        if (p.level === 1) done1 = p.done;
      },
    });
    run.catch(() => {});
    await waitFor("level 1 under way", () => done1 >= 10, 30_000);
    await redis.kill();
    await new Promise((r) => setTimeout(r, 2000));
    await redis.start();
    const report = await run;
    // Redis came back empty (no persistence): the jobs it lost were added again.
    expect(report.queue!.readded).toBeGreaterThan(0);
    expect(await readTree(path)).toEqual(reference);
  });

  test("Redis down longer than outageMs: resumable QueueAccessError; a rerun completes, same bytes", async () => {
    const path = await bigImage();
    {
      await using pos = await openOmeZarr(path, { layout: "fov", mode: "r+" });
      let done1 = 0;
      const run = pos.computePyramid({
        levels: 3,
        queue: queue({ outageMs: 300 }),
        onProgress: (p) => {
          if (p.level === 1) done1 = p.done;
        },
      });
      run.catch(() => {});
      await waitFor("level 1 under way", () => done1 >= 5, 30_000);
      await redis.kill();
      const err = await run.then(
        () => undefined,
        (e: unknown) => e,
      );
      await redis.start();
      expect(isOmeZarrError(err, "QueueAccess")).toBe(true);
      expect((err as Error).message).toContain(
        "run the same command again once Redis is back to resume",
      );
    }
    await using pos = await openOmeZarr(path, { layout: "fov", mode: "r+" });
    await pos.computePyramid({ levels: 3, queue: queue() });
    expect(await readTree(path)).toEqual(reference);
  });

  test("coordinator killed with kill -9 mid-level: a restarted one resumes, same bytes", async () => {
    const path = await bigImage();
    const first = spawnCoordinator(path, redis.url, 3, "mean");
    await waitFor(
      "the first coordinator to finish some level-1 tasks",
      () => /progress 1 (1\d|[2-9]\d)\//.test(first.stdout()),
      30_000,
      first,
    );
    first.proc.kill("SIGKILL");
    expect(await first.exited).toBe("SIGKILL");
    const second = spawnCoordinator(path, redis.url, 3, "mean");
    const code = await Promise.race([
      second.exited,
      new Promise((r) => setTimeout(() => r("timeout"), 60_000)),
    ]);
    expect(code, second.stderr()).toBe(0);
    const report = JSON.parse(second.stdout().trim().split("\n").pop()!) as {
      levels: { tasks: number }[];
      queue: { added: number; resumed: number };
    };
    const total = report.levels.reduce((a, l) => a + l.tasks, 0);
    expect(report.queue.resumed).toBeGreaterThanOrEqual(10);
    expect(report.queue.added).toBeLessThan(total);
    expect(await readTree(path)).toEqual(reference);
  });

  test("ngff convert --redis, a worker killed with kill -9 during the conversions: they run elsewhere, same bytes as the local convert", async () => {
    const inputs = join(dir, "kill-convert");
    await mkdir(inputs);
    const csv: string[] = [];
    // Many small chunks per input: each conversion task takes a while, so a worker holds one.
    for (let i = 0; i < 6; i++) {
      await writeStack(join(inputs, `w${i}.tif`), {
        sizeZ: 8,
        sizeY: 128 + 16 * i,
        sizeX: 128,
        dtype: "uint16",
      });
      csv.push(`w${i}.tif,${"AB"[i % 2]}/${1 + Math.floor(i / 2)}`);
    }
    await writeFile(join(inputs, "wells.csv"), `${csv.join("\n")}\n`);
    // Level 0 only: this test is about the conversion phase (equality.test.ts covers the
    // pyramids after it), and each position's pyramid would add a probe and barrier polls.
    const args = ["--plate", join(inputs, "wells.csv"), "--levels", "1", "--chunks", "1,1,1,16,16"];
    const local = join(dir, "kill-convert-local", "plate.zarr");
    const queued = join(dir, "kill-convert-queued", "plate.zarr");
    await mkdir(join(dir, "kill-convert-local"));
    await mkdir(join(dir, "kill-convert-queued"));
    const a = await ngff("convert", ...args, "-o", local, "--workers", "2");
    expect(a.code, a.stderr).toBe(0);

    const q = queueHandle(redis.url);
    const mark = await lastEventId(redis.port);
    let frozen: string[] = [];
    let victim: WorkerProcess | undefined;
    let run: Promise<Awaited<ReturnType<typeof ngff>>> | undefined;
    try {
      // Paused until all 6 conversion jobs are queued, then watched from the first fetch.
      await q.pause();
      run = ngff("convert", ...args, "-o", queued, "--redis", redis.url);
      await waitFor(
        "the conversion jobs in the paused queue",
        async () => (await q.getJobCounts("waiting")).waiting === 6,
        60_000,
      );
      await q.resume();
      await waitFor(
        "a worker holding a conversion job",
        async () => {
          const active = (await q.getActive()).filter((j) => j.id?.startsWith("c"));
          victim = workers.find((w) => active.some((j) => j.processedBy === w.name));
          return victim !== undefined;
        },
        20_000,
      );
      // Freeze it (none of its jobs can finish), then kill it.
      process.kill(victim!.pid, "SIGSTOP");
      frozen = (await q.getActive())
        .filter((j) => j.processedBy === victim!.name && j.id!.startsWith("c"))
        .map((j) => j.id!);
      process.kill(victim!.pid, "SIGKILL");
      expect(await victim!.exited).toBe("SIGKILL");
    } finally {
      await q.resume();
      await q.close();
    }
    // A replacement starts while the run goes on: the next tests have 3 workers again.
    const replacement = startWorkers(1, redis.url);
    const b = await run!;
    workers[workers.indexOf(victim!)] = (await replacement)[0]!;
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toMatch(/queue: 6 conversion job\(s\), 0 pyramid job\(s\)/);
    expect(frozen.length).toBeGreaterThan(0);
    // Every conversion completed on a worker; the frozen ones stalled and ran again elsewhere.
    expect((await completedByKind(redis.port, mark)).convert).toBe(6);
    const r = new Redis(redis.port, "127.0.0.1");
    try {
      const events = await r.xrange("bull:ngff:events", `(${mark}`, "+");
      const stalled = new Set(
        events.flatMap(([, f]) => (f[1] === "stalled" ? [f[f.indexOf("jobId") + 1]!] : [])),
      );
      expect(frozen.filter((id) => stalled.has(id))).toEqual(frozen);
    } finally {
      r.disconnect();
    }
    // Byte for byte the local conversion (a write cut by the kill leaves only a hidden temp
    // file of the killed worker, never read).
    const [x, y] = await Promise.all([storeFiles(local), storeFiles(queued)]);
    const temps = Object.keys(y).filter((k) => TEMP.test(k));
    for (const k of temps) delete y[k];
    expect(temps.every((k) => k.includes(`.tmp-${victim!.pid}-`))).toBe(true);
    expect(Object.keys(x).length).toBeGreaterThan(6 * 64);
    expect(y).toEqual(x);
  });

  test("a worker killed with kill -9 mid-level: its jobs stall and run elsewhere, same bytes", async () => {
    const path = await bigImage();
    await using pos = await openOmeZarr(path, { layout: "fov", mode: "r+" });
    let done1 = 0;
    const run = pos.computePyramid({
      levels: 3,
      queue: queue(),
      onProgress: (p) => {
        if (p.level === 1) done1 = p.done;
      },
    });
    run.catch(() => {});
    await waitFor("level 1 under way", () => done1 >= 5, 30_000);
    const q = queueHandle(redis.url);
    let frozen: string[] = [];
    let victimPid = 0;
    try {
      // Freeze a worker that holds jobs (so none of them can finish), then kill it.
      let victim: WorkerProcess | undefined;
      await waitFor(
        "a worker holding a job",
        async () => {
          const active = await q.getActive();
          victim = workers.find((w) => active.some((j) => j.processedBy === w.name));
          return victim !== undefined;
        },
        20_000,
      );
      victimPid = victim!.pid;
      process.kill(victim!.pid, "SIGSTOP");
      frozen = (await q.getActive())
        .filter((j) => j.processedBy === victim!.name)
        .map((j) => j.id!);
      process.kill(victim!.pid, "SIGKILL");
      expect(await victim!.exited).toBe("SIGKILL");
    } finally {
      await q.close();
    }
    expect(frozen.length).toBeGreaterThan(0);
    await run;
    // A worker killed in the middle of a write leaves its hidden temp file (`.<chunk>.tmp-<pid>-…`,
    // never read, removed by the store's leftover cleanup); every chunk is byte-identical.
    const tree = await readTree(path);
    const temps = [...tree.keys()].filter((k) => TEMP.test(k));
    for (const k of temps) tree.delete(k);
    expect(temps.every((k) => k.includes(`.tmp-${victimPid}-`))).toBe(true);
    expect(tree).toEqual(reference);
    // BullMQ's stalled-job check put the killed worker's jobs back in the queue.
    const r = new Redis(redis.port, "127.0.0.1");
    try {
      const events = await r.xrange("bull:ngff:events", "-", "+");
      const stalled = new Set(
        events.flatMap(([, f]) => (f[1] === "stalled" ? [f[f.indexOf("jobId") + 1]!] : [])),
      );
      expect(frozen.filter((id) => stalled.has(id))).toEqual(frozen);
    } finally {
      r.disconnect();
    }
  });
});
