/**
 * What goes through the BullMQ queue (DESIGN.md section 11): the job data, its protocol version,
 * and deterministic job ids. A job carries the engine's own task (src/engine/protocol.ts), which
 * names its store by reference (`StoreRef`) and never by a path of the coordinator's machine, so
 * any worker on any host can run it.
 */
import { createHash } from "node:crypto";
import type { ConvertTiffTask } from "../engine/convert-task.js";
import type { PyramidTask } from "../engine/protocol.js";
import { refKey, type StoreRef } from "../store/ref.js";
import type { Region } from "../store/types.js";

/**
 * Version of the job format. A worker refuses (fails without retry) a job of another version:
 * bump it whenever the job data or the meaning of a task changes.
 */
export const PROTOCOL_VERSION = 2;

/** The queue pyramids and conversions go through unless told otherwise. */
export const DEFAULT_QUEUE_NAME = "ngff";

/** BullMQ job name of each kind (shown by queue dashboards). */
export type JobKind = "pyramid" | "convert" | "probe";

/**
 * A probe: open the store and the source array of a run's first level, write nothing. The
 * coordinator runs one before it writes any metadata, so a store the workers cannot open fails
 * the run while the store is still untouched.
 */
export interface ProbeTask {
  store: StoreRef;
  /** Array that must open (the source level of the first level to compute). */
  arrayPath: string;
}

/** The data of a pyramid job. */
export interface PyramidJobData {
  protocol: number;
  kind: "pyramid";
  task: PyramidTask;
}

/** The data of a probe job. */
export interface ProbeJobData {
  protocol: number;
  kind: "probe";
  task: ProbeTask;
}

/** The data of a conversion job: one input file into level 0 of its image (version 2). */
export interface ConvertJobData {
  protocol: number;
  kind: "convert";
  task: ConvertTiffTask;
}

/** Any job data this version writes. */
export type JobData = PyramidJobData | ConvertJobData | ProbeJobData;

/** What a finished pyramid job returns (stored by BullMQ as the job's return value). */
export interface JobResult {
  bytes: number;
  ms: number;
}

/** The job data of a pyramid task. */
export function pyramidJob(task: PyramidTask): PyramidJobData {
  return { protocol: PROTOCOL_VERSION, kind: "pyramid", task };
}

/** The job data of a conversion task. */
export function convertJob(task: ConvertTiffTask): ConvertJobData {
  return { protocol: PROTOCOL_VERSION, kind: "convert", task };
}

/** The job data of a probe. */
export function probeJob(task: ProbeTask): ProbeJobData {
  return { protocol: PROTOCOL_VERSION, kind: "probe", task };
}

/** Hex digest, shortened: ids stay readable in dashboards and short in Redis. */
function digest(value: unknown, length = 20): string {
  return createHash("sha256").update(JSON.stringify(value)).digest("hex").slice(0, length);
}

/** What identifies one pyramid run: the same inputs give the same key in every process. */
export interface RunIdentity {
  store: StoreRef;
  levelPaths: readonly string[];
  factors: readonly (readonly number[])[];
  method: string;
  /** Shapes of the levels (a pyramid re-created with another geometry is another run). */
  shapes: readonly (readonly number[])[];
  dtype: string;
}

/**
 * The run key: a digest of the store (its `refKey`), the level paths, factors, method, level
 * shapes and dtype, and the protocol version. A coordinator restarted with the same inputs
 * computes the same key, so it finds the jobs of the run it resumes.
 */
export function runKeyFor(run: RunIdentity): string {
  return digest({
    protocol: PROTOCOL_VERSION,
    store: refKey(run.store),
    levelPaths: run.levelPaths,
    factors: run.factors,
    method: run.method,
    shapes: run.shapes,
    dtype: run.dtype,
  });
}

/**
 * The job id of one task: run key, level and target region (`p<run>.l<level>.<a-b_c-d…>`).
 * Deterministic, so adding it twice adds one job, and free of `:` (BullMQ refuses custom ids
 * with one).
 */
export function pyramidJobId(runKey: string, level: number, region: Region): string {
  return `p${runKey}.l${level}.${region.map(([a, b]) => `${a}-${b}`).join("_")}`;
}

/**
 * The job id of a conversion task: `c<digest>.l0.<a-b_c-d…>`, the digest of the output store
 * (`refKey`: the staged path the coordinator writes), the array path, the input, the planned
 * shape, chunks and dtype and the protocol version, then the region written. A coordinator
 * restarted with the same inputs and output computes the same ids.
 */
export function convertJobId(task: ConvertTiffTask, region: Region): string {
  const key = digest({
    protocol: PROTOCOL_VERSION,
    store: refKey(task.store),
    arrayPath: task.arrayPath,
    input: task.input,
    axes: task.axes,
    shape: task.shape,
    chunks: task.chunks,
    dtype: task.dtype,
  });
  return `c${key}.l0.${region.map(([a, b]) => `${a}-${b}`).join("_")}`;
}

/** The job id of a probe (one per coordinator start: the store may have changed since). */
export function probeJobId(store: StoreRef, arrayPath: string, nonce: string): string {
  return `probe${digest({ store: refKey(store), arrayPath })}.${nonce}`;
}

/** A short description of a job's data for messages (never throws). */
export function describeJob(data: unknown): string {
  const d = data as Partial<JobData> | undefined;
  if (d?.kind === "pyramid" && d.task !== undefined) {
    const t = d.task as PyramidTask;
    return `pyramid task ${t.sourcePath} → ${t.targetPath}, ${t.blocks?.length ?? 0} block(s)`;
  }
  if (d?.kind === "convert" && d.task !== undefined) {
    const t = d.task as ConvertTiffTask;
    return `conversion of ${t.input} → ${t.arrayPath}`;
  }
  if (d?.kind === "probe") return "store probe";
  return `job of kind ${JSON.stringify(d?.kind)}`;
}
