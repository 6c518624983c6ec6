/**
 * `ngff worker --redis redis://host:port [--concurrency N] [--workers N]`: a long-running process
 * that takes pyramid and conversion tasks from a BullMQ queue in Redis and runs them in its own
 * worker pool (DESIGN.md section 11). Prints one line on stdout when it is ready. SIGTERM (or Ctrl-C) stops
 * taking jobs, lets the jobs in flight finish, and exits 0; a second signal exits at once (the
 * jobs it held run again elsewhere once their locks expire).
 */
import type { Command } from "commander";
import type { CommandEnv } from "./env.js";
import { positiveInt } from "./options.js";

interface WorkerOptions {
  redis: string;
  queue?: string;
  concurrency?: number;
  workers?: number;
  lockDuration: number;
  stalledInterval: number;
}

/** At most one line about Redis trouble per this many ms (a reconnecting client repeats itself). */
const ERROR_LINE_MS = 5000;

/** Register `worker`. */
export function registerWorker(program: Command, env: CommandEnv): void {
  program
    .command("worker")
    .description(
      "take pyramid and conversion tasks from a BullMQ queue in Redis and run them (long-running; SIGTERM finishes the tasks in flight, then exits)",
    )
    .requiredOption("--redis <url>", "the queue's Redis server, e.g. redis://127.0.0.1:6379")
    .option("--queue <name>", 'queue name (default "ngff")')
    .option("-c, --concurrency <n>", "tasks taken at once (default: 2 per thread)", positiveInt)
    .option("-w, --workers <n>", "pool threads (default: all cores)", positiveInt)
    .option(
      "--lock-duration <ms>",
      "job lock: a killed worker's tasks run elsewhere after about this long",
      positiveInt,
      30_000,
    )
    .option("--stalled-interval <ms>", "how often to look for stalled tasks", positiveInt, 30_000)
    .addHelpText("after", "\nExample:\n  ngff worker --redis redis://10.0.0.5:6379 --workers 8")
    .action(
      env.action("worker", async (o: WorkerOptions) => {
        const q = await import("../queue/index.js");
        const conn = q.resolveConnection(o.redis);
        await q.checkRedis(conn);
        let lastLine = Number.NEGATIVE_INFINITY;
        const worker = await q.startQueueWorker({
          connection: o.redis,
          ...(o.queue === undefined ? {} : { queueName: o.queue }),
          ...(o.workers === undefined ? {} : { threads: o.workers }),
          ...(o.concurrency === undefined ? {} : { concurrency: o.concurrency }),
          lockDurationMs: o.lockDuration,
          stalledIntervalMs: o.stalledInterval,
          onError: (err) => {
            const now = performance.now();
            if (now - lastLine < ERROR_LINE_MS) return;
            lastLine = now;
            env.warn("worker", `${err.message.split("\n")[0]} (retrying)`);
          },
        });
        env.out(
          `ngff worker ${worker.name}: ready: queue ${o.queue ?? q.DEFAULT_QUEUE_NAME} on ${conn.label}, ` +
            `${worker.threads} thread(s), ${worker.concurrency} task(s) at once, protocol ${q.PROTOCOL_VERSION}`,
        );
        const signal = env.io.signal;
        await new Promise<void>((resolve) => {
          if (signal === undefined) return; // runs until the process ends
          if (signal.aborted) resolve();
          else signal.addEventListener("abort", () => resolve(), { once: true });
        });
        env.note(`ngff worker ${worker.name}: finishing the tasks in flight`);
        await worker.close();
        env.note(`ngff worker ${worker.name}: stopped`);
      }),
    );
}
