/**
 * The coordinator side of the queue: runs each level's planned tasks as BullMQ jobs on workers
 * of any host (a {@link LevelRunner} for `computeLevels`, which keeps planning, the level barrier
 * and progress). Writes no pixel data and no metadata: the caller (`computePyramid`) writes all
 * metadata itself, before and after.
 *
 * - Job ids are deterministic (level key + level + target region, see protocol.ts): a job added
 *   twice is one job, and a coordinator restarted with the same inputs finds the jobs of the run
 *   it resumes. Finished tasks (completed jobs) are not added again.
 * - Back-pressure: jobs are added in batches (`addBulk`) only while the queue holds fewer than
 *   `maxQueued` waiting, active or delayed jobs.
 * - Completion is followed by polling the state of each job by id (not by events), so nothing is
 *   missed across a Redis restart: a job Redis lost is added again (tasks are idempotent).
 * - Redis unreachable for longer than `outageMs` → a resumable `QueueAccessError`.
 * - A task whose attempts are spent fails the level: nothing more is added, the jobs already
 *   added settle, then a `WorkerTaskError` names the failed tasks.
 */
import { randomUUID } from "node:crypto";
import { type Job, Queue } from "bullmq";
import type { LevelRunner, LevelWork } from "../engine/compute.js";
import { type ConvertTiffTask, convertTaskRegion } from "../engine/convert-task.js";
import type { PlannedTask } from "../engine/plan.js";
import { QueueAccessError, WorkerTaskError } from "../errors.js";
import { refLabel } from "../store/ref.js";
import type { Region } from "../store/types.js";
import {
  checkRedis,
  errorCode,
  type ResolvedConnection,
  reconnectDelay,
  resolveConnection,
} from "./connection.js";
import type { CheckedQueueOptions } from "./options.js";
import {
  convertJob,
  convertJobId,
  type JobData,
  type JobKind,
  type JobResult,
  type ProbeTask,
  probeJob,
  probeJobId,
  pyramidJob,
  pyramidJobId,
  runKeyFor,
} from "./protocol.js";

/** What a coordinator did, over all levels. */
export interface QueueRunStats {
  /** Jobs added. */
  added: number;
  /** Tasks found finished already (a resumed run). */
  resumed: number;
  /** Jobs added again because Redis lost them (a restart without persistence). */
  readded: number;
  /** Jobs added, by kind (`pyramid`, `convert`). */
  byKind: Partial<Record<JobKind, number>>;
}

/** A task whose attempts are spent. */
interface Failure<T> {
  id: string;
  item: T;
  reason: string;
  attempts: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Job states that will still change without us. */
const PENDING = new Set(["waiting", "active", "delayed", "prioritized", "waiting-children"]);

/** Job ids polled per round trip burst. */
const POLL_CHUNK = 500;

type AnyJob = Job<JobData, JobResult, string>;

/** Runs pyramid levels through one BullMQ queue; open with {@link openQueueRun}. */
export class QueueRun implements LevelRunner {
  readonly parallelism: number;
  readonly taskBytes: number | undefined;
  readonly stats: QueueRunStats = { added: 0, resumed: 0, readded: 0, byKind: {} };
  readonly #queue: Queue;
  readonly #opts: CheckedQueueOptions;
  readonly #conn: ResolvedConnection;
  /** Ids of this run's jobs (removed when the run completes). */
  readonly #ids: string[] = [];
  #closed = false;

  constructor(queue: Queue, opts: CheckedQueueOptions, conn: ResolvedConnection) {
    this.#queue = queue;
    this.#opts = opts;
    this.#conn = conn;
    this.parallelism = opts.parallelism;
    this.taskBytes = opts.taskBytes;
  }

  #jobOpts(jobId: string) {
    const keep = { age: this.#opts.keepSeconds };
    return {
      jobId,
      attempts: this.#opts.attempts,
      backoff: { type: "exponential" as const, delay: this.#opts.backoffMs },
      removeOnComplete: keep,
      removeOnFail: keep,
    };
  }

  /**
   * Run `fn` against Redis, retrying while Redis is unreachable, for at most `outageMs` in all
   * since the last success.
   */
  async #redis<T>(what: string, fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    let since: number | undefined;
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        if (!isConnectionError(err)) throw err;
        const now = performance.now();
        since ??= now;
        if (now - since >= this.#opts.outageMs) {
          throw new QueueAccessError(
            this.#conn.label,
            `the queue's Redis at ${this.#conn.label} stayed unreachable for ${Math.round((now - since) / 1000)} s while ${what} ` +
              `(${err instanceof Error ? err.message : String(err)}); chunks already written are kept: ` +
              "run the same command again once Redis is back to resume",
            { cause: err, code: errorCode(err) },
          );
        }
        signal?.throwIfAborted();
        await sleep(Math.min(this.#opts.pollMs, 500));
      }
    }
  }

  /** States of `ids`, in order (`"unknown"` for a job Redis does not hold). */
  async #states(ids: readonly string[]): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < ids.length; i += POLL_CHUNK) {
      const chunk = ids.slice(i, i + POLL_CHUNK);
      out.push(...(await Promise.all(chunk.map((id) => this.#queue.getJobState(id)))));
    }
    return out;
  }

  /** Jobs waiting, active or delayed in the whole queue (all coordinators). */
  async #queued(): Promise<number> {
    const c = await this.#queue.getJobCounts("waiting", "active", "delayed", "prioritized");
    return Object.values(c).reduce((a, b) => a + b, 0);
  }

  /**
   * Have a worker open `task.arrayPath` of the store, writing nothing. Run before any metadata
   * is written: a store the workers cannot open fails here, with the store untouched.
   * @throws {WorkerTaskError} the probe failed on the workers (all attempts), naming the store.
   */
  async probe(task: ProbeTask, level: number, region: Region, signal?: AbortSignal): Promise<void> {
    const id = probeJobId(task.store, task.arrayPath, randomUUID().slice(0, 8));
    await this.#redis("adding the store probe", () =>
      this.#queue.add("probe", probeJob(task), this.#jobOpts(id)),
    );
    for (;;) {
      signal?.throwIfAborted();
      const [state] = await this.#redis("waiting for the store probe", () => this.#states([id]));
      if (state === "completed") {
        await this.#redis("removing the store probe", () => this.#queue.remove(id));
        return;
      }
      if (state === "failed" || state === "unknown") {
        const job =
          state === "failed"
            ? await this.#redis("reading the probe", () => this.#queue.getJob(id))
            : undefined;
        const reason = job?.failedReason ?? "Redis lost the job";
        throw new WorkerTaskError(
          level,
          region,
          `queue workers cannot open the store ${refLabel(task.store)} (array "${task.arrayPath}", probe job ${id}, ` +
            `${job?.attemptsMade ?? 0} attempt(s)): ${reason}. Nothing was written; make the store reachable ` +
            "from every worker (the same path on a shared filesystem, or S3 with credentials in the workers' environment) and run again",
        );
      }
      await sleep(Math.min(this.#opts.pollMs, 50));
    }
  }

  /** Run one level's tasks as jobs; resolves when all are done (the level barrier). */
  async runLevel(work: LevelWork): Promise<void> {
    const { level, source, target, tasks, signal } = work;
    if (tasks.length === 0) return;
    const t0 = work.toTask(tasks[0]!);
    const key = runKeyFor({
      store: t0.store,
      levelPaths: [source.path, target.path],
      factors: [t0.factors],
      method: t0.method,
      shapes: [source.shape, target.shape],
      dtype: target.dtype,
    });
    const failures = await this.#runJobs(
      `level ${level}`,
      tasks.map((task) => ({
        id: pyramidJobId(key, level, task.region),
        name: "pyramid" as const,
        data: () => pyramidJob(work.toTask(task)),
        item: task,
      })),
      {
        done: (task, result) => work.done(task, result?.bytes ?? 0),
        skipped: (task) => work.skipped(task),
      },
      signal,
    );
    if (failures.length > 0) throw this.#levelError(work, failures);
  }

  /**
   * Run conversion tasks (one per input file) as jobs; resolves when all are done (the barrier
   * before the pyramids). Progress: `onDone(task, bytes)` per finished task (resumed ones too).
   * @throws {WorkerTaskError} once the jobs added have settled, when tasks spent their attempts:
   *   level 0, the first failed task's region, naming its input file, and the ids and inputs of
   *   the failed jobs.
   */
  async runConversions(
    tasks: readonly ConvertTiffTask[],
    opts: {
      signal?: AbortSignal | undefined;
      onDone?: (task: ConvertTiffTask, bytes: number) => void;
    } = {},
  ): Promise<void> {
    if (tasks.length === 0) return;
    const failures = await this.#runJobs(
      "the conversion tasks",
      tasks.map((task) => ({
        id: convertJobId(task, convertTaskRegion(task)),
        name: "convert" as const,
        data: () => convertJob(task),
        item: task,
      })),
      {
        done: (task, result) => opts.onDone?.(task, result?.bytes ?? 0),
        skipped: (task) => opts.onDone?.(task, 0),
      },
      opts.signal,
    );
    if (failures.length === 0) return;
    const first = failures[0]!;
    const shown = failures.slice(0, 5).map((f) => `${f.id} (${f.item.input})`);
    const more =
      failures.length > shown.length ? `, and ${failures.length - shown.length} more` : "";
    throw new WorkerTaskError(
      0,
      convertTaskRegion(first.item),
      `converting ${first.item.input} into "${first.item.arrayPath}" failed on the queue's workers after ` +
        `${first.attempts} attempt(s): ${first.reason}; ${failures.length} of ${tasks.length} conversion task(s) ` +
        `failed: jobs ${shown.join(", ")}${more}. Inputs must be at a path every worker can read ` +
        "(a shared filesystem mounted at the same path)",
      { cause: new Error(first.reason) },
    );
  }

  /**
   * Add `jobs` (bounded batches, back-pressure on the queue's length) and wait until every one
   * settled. Jobs found completed count as done (a resumed run); after the first failure
   * nothing more is added, and the failures are returned once the jobs added have settled.
   */
  async #runJobs<T>(
    what: string,
    jobs: readonly { id: string; name: JobKind; data: () => JobData; item: T }[],
    hooks: { done(item: T, result: JobResult | undefined): void; skipped(item: T): void },
    signal: AbortSignal | undefined,
  ): Promise<Failure<T>[]> {
    const ids = jobs.map((j) => j.id);
    this.#ids.push(...ids);
    const jobOf = new Map(jobs.map((j) => [j.id, j]));
    const toAdd: string[] = [];
    const pending = new Set<string>();
    const failures: Failure<T>[] = [];

    // What a previous (interrupted) run left: finished tasks are done, failed ones run again.
    const states = await this.#redis(`looking up the jobs of ${what}`, () => this.#states(ids));
    for (const [i, id] of ids.entries()) {
      const s = states[i]!;
      if (s === "completed") {
        this.stats.resumed++;
        hooks.skipped(jobOf.get(id)!.item);
      } else if (PENDING.has(s)) pending.add(id);
      else {
        if (s === "failed")
          await this.#redis("removing a failed job", () => this.#queue.remove(id));
        toAdd.push(id);
      }
    }

    let next = 0;
    // After a failure nothing more is added: the loop ends once the jobs added have settled.
    while ((failures.length === 0 && next < toAdd.length) || pending.size > 0) {
      if (signal?.aborted) throw signal.reason;
      if (failures.length === 0 && next < toAdd.length) {
        const room =
          this.#opts.maxQueued -
          (await this.#redis("counting queued jobs", () => this.#queued(), signal));
        if (room > 0) {
          const batch = toAdd.slice(next, next + Math.min(room, this.#opts.batchSize));
          await this.#redis(
            `adding jobs of ${what}`,
            () =>
              this.#queue.addBulk(
                batch.map((id) => {
                  const job = jobOf.get(id)!;
                  return { name: job.name, data: job.data(), opts: this.#jobOpts(id) };
                }),
              ),
            signal,
          );
          next += batch.length;
          this.stats.added += batch.length;
          for (const id of batch) {
            pending.add(id);
            const kind = jobOf.get(id)!.name;
            this.stats.byKind[kind] = (this.stats.byKind[kind] ?? 0) + 1;
          }
        }
      }
      await sleep(this.#opts.pollMs);
      const polled = [...pending];
      const now = await this.#redis(
        `waiting for the jobs of ${what}`,
        () => this.#states(polled),
        signal,
      );
      for (const [i, id] of polled.entries()) {
        const s = now[i]!;
        if (PENDING.has(s)) continue;
        pending.delete(id);
        const item = jobOf.get(id)!.item;
        if (s === "completed") {
          const job = (await this.#redis("reading a job", () => this.#queue.getJob(id), signal)) as
            | AnyJob
            | undefined;
          hooks.done(item, job?.returnvalue);
        } else if (s === "failed") {
          const job = (await this.#redis("reading a job", () => this.#queue.getJob(id), signal)) as
            | AnyJob
            | undefined;
          failures.push({
            id,
            item,
            reason: job?.failedReason ?? "failed",
            attempts: job?.attemptsMade ?? 0,
          });
        } else {
          // Redis lost it (restarted without persistence): the task runs again.
          this.stats.readded++;
          toAdd.push(id);
        }
      }
    }
    return failures;
  }

  #levelError(work: LevelWork, failures: Failure<PlannedTask>[]): WorkerTaskError {
    const first = failures[0]!;
    const base = work.failure(first.item, new Error(first.reason));
    const shown = failures.slice(0, 5).map((f) => f.id);
    const more =
      failures.length > shown.length ? `, and ${failures.length - shown.length} more` : "";
    return new WorkerTaskError(
      work.level,
      first.item.region,
      `${base.message} (on the queue's workers after ${first.attempts} attempt(s); ${failures.length} of ` +
        `${work.tasks.length} task(s) of level ${work.level} failed: jobs ${shown.join(", ")}${more})`,
      { cause: base.cause },
    );
  }

  /** Remove the records of this run's jobs (called once the run completed). */
  async finish(): Promise<void> {
    const ids = this.#ids.splice(0);
    for (let i = 0; i < ids.length; i += POLL_CHUNK) {
      const chunk = ids.slice(i, i + POLL_CHUNK);
      await this.#redis("removing the run's finished jobs", () =>
        Promise.all(chunk.map((id) => this.#queue.remove(id))),
      );
    }
  }

  /** Close the connection (jobs in Redis stay). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#queue.close().catch(() => {});
  }
}

/** A connection-level failure (Redis unreachable), as opposed to a refused command. */
function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = errorCode(err);
  if (code !== undefined && /^E[A-Z]+$/.test(code)) return true;
  return /Connection is closed|MaxRetriesPerRequest|Stream isn't writeable|connect|ECONN|ETIMEDOUT|LOADING/i.test(
    `${err.name} ${err.message}`,
  );
}

/**
 * Connect to the queue's Redis (a typed error within seconds when it is unreachable: nothing
 * has been written then) and return a runner for `computeLevels`. Close it when done.
 * @throws {QueueAccessError} Redis cannot be reached.
 */
export async function openQueueRun(opts: CheckedQueueOptions): Promise<QueueRun> {
  const conn = resolveConnection(opts.connection);
  await checkRedis(conn);
  const queue = new Queue(opts.name, {
    connection: {
      ...conn.options,
      connectTimeout: 3000,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: true,
      retryStrategy: reconnectDelay,
    },
  });
  // Connection errors surface in the commands that fail (and are retried there).
  queue.on("error", () => {});
  try {
    await queue.waitUntilReady();
  } catch (err) {
    await queue.close().catch(() => {});
    throw new QueueAccessError(
      conn.label,
      `cannot open the queue on ${conn.label}: ${String(err)}; nothing was written`,
      {
        cause: err,
        code: errorCode(err),
      },
    );
  }
  return new QueueRun(queue, opts, conn);
}
