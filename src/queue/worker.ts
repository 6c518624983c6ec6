/**
 * The worker side of the queue (`ngff worker`): a BullMQ `Worker` that runs each pyramid or conversion job in
 * this process's Piscina pool through the engine's own task handler (`workers/pyramid-task.ts`,
 * the same code the local pool runs, so the bytes are the same). Workers write chunk and shard
 * data only, never metadata.
 *
 * Fault handling: a task error (returned as data by the handler) fails the job, and BullMQ
 * retries it with the coordinator's attempts and backoff; a job of another protocol version is
 * refused without retry (`UnrecoverableError`). `close()` stops taking jobs and lets the jobs in
 * flight finish (SIGTERM). A worker killed outright holds its jobs' locks until `lockDuration`
 * runs out; the stalled-job check of any live worker (every `stalledInterval`) then puts them
 * back in the queue for another worker.
 *
 * Production values: lockDuration and stalledInterval 30 s (BullMQ's defaults: a dead worker's
 * jobs restart within about a minute, and a busy event loop never loses a lock by accident);
 * tests use 1-2 s.
 */
import { availableParallelism, hostname } from "node:os";
import { type Job, UnrecoverableError, Worker } from "bullmq";
import type { Piscina } from "piscina";
import { createPyramidPool, pyramidWorkerFile } from "../engine/pool.js";
import { deserializeError, type PyramidTaskResult } from "../engine/protocol.js";
import { tasksPerWorkerFor } from "../engine/shared-pool.js";
import { InvalidOptionsError } from "../errors.js";
import { openArray, openStoreRef } from "../store/index.js";
import { type QueueConnection, reconnectDelay, resolveConnection } from "./connection.js";
import { DEFAULT_QUEUE_NAME, type JobData, type JobResult, PROTOCOL_VERSION } from "./protocol.js";

/** Options of {@link startQueueWorker}. */
export interface QueueWorkerOptions {
  connection: QueueConnection;
  /** Queue name (default `"ngff"`). */
  queueName?: string;
  /** Pool threads (default: available cores). */
  threads?: number;
  /** Jobs taken at once (default 2 per thread: the pool stays fed between jobs). */
  concurrency?: number;
  /** Job lock in ms (default 30000); a killed worker's jobs restart after about this long. */
  lockDurationMs?: number;
  /** Stalled-job check period in ms (default 30000). */
  stalledIntervalMs?: number;
  /** Times a job may stall (its worker died) before it fails (default 2). */
  maxStalledCount?: number;
  /** Connection and processing errors that do not fail a job (logging). */
  onError?: (err: Error) => void;
}

/** A running worker. */
export interface QueueWorker {
  readonly name: string;
  readonly threads: number;
  readonly concurrency: number;
  /** Stop taking jobs, let the jobs in flight finish, close the pools and connections. */
  close(): Promise<void>;
}

/** The error a failed task result becomes: name, message and code of the worker's error. */
function taskFailure(result: PyramidTaskResult & { ok: false }): Error {
  const cause = deserializeError(result.error);
  const code = result.error.code === undefined ? "" : ` [${result.error.code}]`;
  return new Error(`${result.error.name}${code}: ${result.error.message}`, { cause });
}

/**
 * Start a worker; resolves once it is connected and taking jobs.
 * @throws {InvalidOptionsError | UnsupportedError} bad options.
 */
export async function startQueueWorker(opts: QueueWorkerOptions): Promise<QueueWorker> {
  const conn = resolveConnection(opts.connection);
  const threads = opts.threads ?? availableParallelism();
  const concurrency = opts.concurrency ?? 2 * threads;
  for (const [k, v] of [
    ["threads", threads],
    ["concurrency", concurrency],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new InvalidOptionsError(k, v, "an integer >= 1");
    }
  }
  // One pool per tasks-per-thread setting: files run one task per thread, remote stores several.
  const pools = new Map<string, Piscina>();
  const poolFor = (tasksPerWorker: number | undefined): Piscina => {
    const key = String(tasksPerWorker);
    let pool = pools.get(key);
    if (pool === undefined) {
      pool = createPyramidPool(
        tasksPerWorker === undefined ? { workers: threads } : { workers: threads, tasksPerWorker },
      );
      pools.set(key, pool);
    }
    return pool;
  };
  const filename = pyramidWorkerFile();

  const processor = async (job: Job<JobData, JobResult>): Promise<JobResult> => {
    const raw = job.data as Partial<JobData> | undefined;
    if (raw?.protocol !== PROTOCOL_VERSION) {
      throw new UnrecoverableError(
        `job ${job.id} has protocol version ${String(raw?.protocol)} but this worker speaks version ` +
          `${PROTOCOL_VERSION}; run coordinators and workers of the same ngff-writer version`,
      );
    }
    const data = raw as JobData;
    const started = performance.now();
    if (data.kind === "probe") {
      const store = await openStoreRef(data.task.store, { readOnly: true });
      await openArray(store, data.task.arrayPath);
      return { bytes: 0, ms: performance.now() - started };
    }
    if (data.kind !== "pyramid" && data.kind !== "convert") {
      throw new UnrecoverableError(
        `job ${job.id} is of kind ${JSON.stringify((data as { kind: unknown }).kind)}, which this worker does not run (protocol ${PROTOCOL_VERSION})`,
      );
    }
    // A conversion holds slabs of its input in memory: one per thread, whatever the store.
    const pool = poolFor(data.kind === "convert" ? undefined : tasksPerWorkerFor(data.task.store));
    const result = (await pool.run(data.task, { filename })) as PyramidTaskResult;
    if (!result.ok) throw taskFailure(result);
    return { bytes: result.bytes, ms: performance.now() - started };
  };

  const name = `${hostname()}/${process.pid}`;
  const worker = new Worker<JobData, JobResult>(opts.queueName ?? DEFAULT_QUEUE_NAME, processor, {
    name,
    connection: { ...conn.options, maxRetriesPerRequest: null, retryStrategy: reconnectDelay },
    concurrency,
    lockDuration: opts.lockDurationMs ?? 30_000,
    stalledInterval: opts.stalledIntervalMs ?? 30_000,
    maxStalledCount: opts.maxStalledCount ?? 2,
    // Poll an empty queue for at most 1 s, so close() never waits long on an idle worker.
    drainDelay: 1,
    autorun: false,
  });
  worker.on("error", (err) => opts.onError?.(err));
  const closePools = () => Promise.all([...pools.values()].map((p) => p.destroy()));
  try {
    void worker.run().catch((err: unknown) => opts.onError?.(err as Error));
    await worker.waitUntilReady();
  } catch (err) {
    await worker.close(true).catch(() => {});
    await closePools();
    throw err;
  }
  let closing: Promise<void> | undefined;
  return {
    name,
    threads,
    concurrency,
    close: () => {
      closing ??= (async () => {
        await worker.close();
        await closePools();
      })();
      return closing;
    },
  };
}
