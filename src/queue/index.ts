/**
 * Fan-out across machines (DESIGN.md section 11): pyramids on a BullMQ queue over Redis.
 * Coordinator: `openQueueRun` (used by `computePyramid({ queue })`); worker: `startQueueWorker`
 * (`ngff worker`).
 */
export {
  checkRedis,
  type QueueConnection,
  type ResolvedConnection,
  resolveConnection,
} from "./connection.js";
export { openQueueRun, QueueRun, type QueueRunStats } from "./coordinator.js";
export {
  type CheckedQueueOptions,
  checkQueueOptions,
  QUEUE_DEFAULTS,
  type QueueOptions,
} from "./options.js";
export {
  DEFAULT_QUEUE_NAME,
  type JobData,
  type JobResult,
  PROTOCOL_VERSION,
  probeJob,
  pyramidJob,
  pyramidJobId,
  runKeyFor,
} from "./protocol.js";
export { type QueueWorker, type QueueWorkerOptions, startQueueWorker } from "./worker.js";
