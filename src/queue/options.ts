/**
 * Options of a coordinator (`computePyramid({ queue })`, `--redis`): what they mean, their
 * defaults (production values), and their checks at the API boundary.
 */

import { InvalidOptionsError } from "../errors.js";
import type { QueueConnection } from "./connection.js";
import { DEFAULT_QUEUE_NAME } from "./protocol.js";

/** How a pyramid goes through a BullMQ queue (see DESIGN.md section 11). */
export interface QueueOptions {
  /** The Redis server: `redis://host:port[/db]` (`rediss://` for TLS) or ioredis options. */
  connection: QueueConnection;
  /** Queue name (default `"ngff"`); workers must take jobs from the same one. */
  name?: string;
  /** Attempts per task before it fails the run (default 3). */
  attempts?: number;
  /** First retry delay in ms, doubled for each further attempt (default 1000). */
  backoffMs?: number;
  /**
   * Back-pressure: no more jobs are added while the queue holds this many waiting, active or
   * delayed jobs (default 1000: Redis holds a few hundred bytes per job).
   */
  maxQueued?: number;
  /** Jobs added per round trip (`addBulk`, default 100). */
  batchSize?: number;
  /**
   * Source bytes a task reads at least. Default: the engine's sizing, 2 MiB (tens of ms of work
   * against ~1-3 ms of queue overhead per job), less for small levels, down to 64 KiB, so that
   * `parallelism` slots all get work.
   */
  taskBytes?: number;
  /** Worker slots expected across all hosts (default 16): sizes the tasks of small levels. */
  parallelism?: number;
  /** How often the coordinator polls the state of its jobs, in ms (default 250). */
  pollMs?: number;
  /**
   * How long Redis may stay unreachable during a run before it fails with a resumable
   * `QueueAccessError` (default 60000 ms).
   */
  outageMs?: number;
  /**
   * Seconds finished jobs stay recorded in Redis (default 86400). A run that completes removes
   * its own records; the records of an interrupted run let the next one skip finished tasks.
   */
  keepSeconds?: number;
}

/** {@link QueueOptions} with every default filled in (`taskBytes` has none: see there). */
export type CheckedQueueOptions = Required<Omit<QueueOptions, "taskBytes">> & {
  taskBytes: number | undefined;
};

export const QUEUE_DEFAULTS: Omit<CheckedQueueOptions, "connection"> = {
  name: DEFAULT_QUEUE_NAME,
  attempts: 3,
  backoffMs: 1000,
  maxQueued: 1000,
  batchSize: 100,
  taskBytes: undefined,
  parallelism: 16,
  pollMs: 250,
  outageMs: 60_000,
  keepSeconds: 86_400,
};

const LIMITS: Record<keyof typeof QUEUE_DEFAULTS, [min: number, what: string] | undefined> = {
  name: undefined,
  attempts: [1, "attempts per task"],
  backoffMs: [0, "ms"],
  maxQueued: [1, "jobs"],
  batchSize: [1, "jobs"],
  taskBytes: [1, "bytes"],
  parallelism: [1, "slots"],
  pollMs: [1, "ms"],
  outageMs: [0, "ms"],
  keepSeconds: [1, "seconds"],
};

/**
 * Fill in the defaults and check every option (the connection is checked when it is opened).
 * @throws {InvalidOptionsError} not an object, no connection, a number out of range, or a
 *   queue name that is not a non-empty string without `:` (BullMQ refuses it).
 */
export function checkQueueOptions(queue: unknown): CheckedQueueOptions {
  if (queue === null || typeof queue !== "object" || Array.isArray(queue)) {
    throw new InvalidOptionsError(
      "queue",
      queue,
      'an object { connection: "redis://host:port", … }',
    );
  }
  const q = queue as Partial<QueueOptions>;
  if (q.connection === undefined) {
    throw new InvalidOptionsError(
      "queue.connection",
      undefined,
      'the Redis server ("redis://host:port" or ioredis options)',
    );
  }
  const out = { ...QUEUE_DEFAULTS, connection: q.connection } as CheckedQueueOptions;
  for (const [key, limit] of Object.entries(LIMITS) as [
    keyof typeof QUEUE_DEFAULTS,
    [number, string] | undefined,
  ][]) {
    const v = q[key];
    if (v === undefined) continue;
    if (limit === undefined) {
      if (typeof v !== "string" || v === "" || v.includes(":")) {
        throw new InvalidOptionsError(`queue.${key}`, v, 'a non-empty name without ":"');
      }
    } else if (typeof v !== "number" || !Number.isInteger(v) || v < limit[0]) {
      throw new InvalidOptionsError(`queue.${key}`, v, `an integer >= ${limit[0]} (${limit[1]})`);
    }
    (out as unknown as Record<string, unknown>)[key] = v;
  }
  return out;
}
