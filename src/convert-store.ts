/**
 * `convertStore(src, dst, { version })`: a whole OME-Zarr store in another NGFF version —
 * images (every level), labels, plates (wells, fields), bioformats2raw collections — 0.4 (Zarr
 * v2) ↔ 0.5 (Zarr v3).
 *
 * - Metadata: every group's OME attributes go through `toVersion` (validated in the source
 *   version, converted, validated in the target); other attributes are kept. Arrays keep their
 *   shape, dtype, chunk shape and fill value; on v3 they get `dimension_names` from the axes of
 *   the multiscales that lists them (v2 has none); shards are kept when the target is v3 and
 *   dropped (inner chunks become the chunks) when it is v2. Chunks are re-encoded with the
 *   target format's default codec (or `codec`). Other files of a group (`OME/METADATA.ome.xml`)
 *   are copied byte for byte.
 * - Data: copied block by block in the worker pool (tasks of kind "copy-blocks": read a target
 *   block's region of the source, encode and write the block once), planned with `planTasks`,
 *   a bounded number in flight (two per thread, fewer when blocks are big: their blocks stay
 *   within 192 MiB unless one per thread needs more): memory is a few blocks per worker thread,
 *   whatever the store's size. `workers: 0` (or a memory source) runs the same task body on
 *   the calling thread.
 * - Placement: the target is built beside its final path (`<dst>.partial-<pid>`, an S3 sibling
 *   prefix) and moved into place only when complete; a failure or abort removes it, a kill leaves
 *   it for the next run into the same `dst` to clear (local). Nothing exists at `dst` until the
 *   store there is complete; converting again after a kill writes the same bytes as an
 *   uninterrupted run.
 */
import { randomUUID } from "node:crypto";
import type { Piscina } from "piscina";
import { runCopyBlocksTask } from "./engine/copy-task.js";
import { planTasks } from "./engine/plan.js";
import { pyramidWorkerFile } from "./engine/pool.js";
import {
  type CopyBlocksTask,
  deserializeError,
  type PyramidTaskResult,
} from "./engine/protocol.js";
import { poolFor } from "./engine/shared-pool.js";
import {
  InvalidMetadataError,
  InvalidOptionsError,
  type MetadataIssue,
  WorkerTaskError,
} from "./errors.js";
import type { NgffVersion } from "./nodes/context.js";
import { stageOutput } from "./staged-output.js";
import { forEachBounded } from "./store/concurrency.js";
import {
  type ArraySpec,
  assertSafeName,
  type CodecSpec,
  createArray,
  createGroup,
  dtypeByteSize,
  isShareableRef,
  openArray,
  openLocalStore,
  openStore,
  readNode,
  refLabel,
  type S3UrlOptions,
  type ZarrArray,
  type ZarrStore,
} from "./store/index.js";
import { LOCK_NAME_PATTERN } from "./store/lock.js";
import { toVersion } from "./validate/convert.js";
import { detectKind, isRecord, OME_KEYS_V04, type OmeKind } from "./validate/kinds.js";
import { validateStore } from "./validate/store.js";

/** Progress of {@link convertStore}: blocks copied so far, of all arrays. */
export interface ConvertStoreProgress {
  /** Blocks (chunks, or shards when sharded) written so far. */
  done: number;
  /** Blocks of every array. */
  total: number;
  /** Bytes written so far (encoded, as stored). */
  bytes: number;
}

/** Options of {@link convertStore}. */
export interface ConvertStoreOptions {
  /** The target NGFF version: "0.4" (Zarr v2) or "0.5" (Zarr v3). Required. */
  version: NgffVersion;
  /** Worker threads that copy the data (default: the cores; 0 = the calling thread). */
  workers?: number;
  /** A caller-owned pool from `createPyramidPool` (wins over `workers`; not closed). */
  pool?: Piscina;
  /** Stops submitting tasks; the partial target is removed and the call rejects with the reason. */
  signal?: AbortSignal;
  /** Called after each task with the blocks copied so far. */
  onProgress?: (p: ConvertStoreProgress) => void;
  /** Replace an existing `dst` (its path must contain `.zarr`) once the new store is complete. */
  overwrite?: boolean;
  /**
   * Compression of the target's chunks. Default: the target format's default (NGFF 0.4: blosc
   * lz4 clevel 5 byte-shuffle; 0.5: `bytes` + blosc zstd clevel 1 bitshuffle).
   */
  codec?: CodecSpec;
  /** Options of `s3://` URLs (endpoint, region, path-style, profile), for `src` and `dst`. */
  s3?: S3UrlOptions;
  /** Notes (e.g. leftovers of killed conversions removed before this one started). */
  onNote?: (message: string) => void;
}

/** What {@link convertStore} did. */
export interface ConvertStoreReport {
  /** The source's NGFF version. */
  from: NgffVersion;
  /** The target's. */
  to: NgffVersion;
  /** What the root is (image, plate, bf2raw, …). */
  kind: OmeKind | undefined;
  /** Where the store now is (a directory or URL). */
  output: string;
  groups: number;
  arrays: number;
  /** Blocks written, and their bytes (encoded, as stored). */
  blocks: number;
  bytes: number;
  seconds: number;
}

/** A group of the source: its converted attributes and the extra files it holds. */
interface GroupPlan {
  path: string;
  attributes: Record<string, unknown>;
  /** Keys (relative to the store root) of other files in the group, copied as they are. */
  files: string[];
}

interface ArrayPlan {
  path: string;
  source: ZarrArray;
  spec: ArraySpec;
}

function isSafeName(name: string): boolean {
  try {
    assertSafeName(name);
    return true;
  } catch {
    return false;
  }
}

/** Tasks group blocks until a task reads about this many bytes (a few ms of work each). */
const TASK_BYTES = 1 << 20;
/** Bytes of blocks the tasks in flight may hold (unless one task per thread needs more). */
const MEMORY_BUDGET = 192 << 20;
/** Tasks in flight on the calling thread when there is no pool. */
const IN_PROCESS_LIMIT = 4;
const METADATA_FILES = new Set([".zattrs", ".zgroup", ".zarray", "zarr.json"]);
const VERSIONS: readonly NgffVersion[] = ["0.4", "0.5"];

function badOption(option: string, found: unknown, expected: string): InvalidOptionsError {
  return new InvalidOptionsError(option, found, expected);
}

function checkOptions(opts: ConvertStoreOptions): void {
  if (typeof opts !== "object" || opts === null) {
    throw badOption("options", opts, '{ version: "0.4" | "0.5", … }');
  }
  if (!VERSIONS.includes(opts.version)) {
    throw badOption("version", opts.version, VERSIONS.map((v) => `"${v}"`).join(" | "));
  }
  if (
    opts.workers !== undefined &&
    (typeof opts.workers !== "number" || !Number.isInteger(opts.workers) || opts.workers < 0)
  ) {
    throw badOption("workers", opts.workers, "a non-negative integer (0 = the calling thread)");
  }
  if (opts.overwrite !== undefined && typeof opts.overwrite !== "boolean") {
    throw badOption("overwrite", opts.overwrite, "a boolean");
  }
}

/** The OME part of a group's attributes (0.4: the OME keys; 0.5: `attributes.ome`). */
function omePart(attrs: Record<string, unknown>, format: 2 | 3): Record<string, unknown> {
  if (format === 3) return isRecord(attrs.ome) ? attrs.ome : {};
  const out: Record<string, unknown> = {};
  for (const k of OME_KEYS_V04) if (k in attrs) out[k] = attrs[k];
  return out;
}

/**
 * A group's attributes in `to`: a group with OME metadata through `toVersion`; any other group
 * (a plate row, an empty group) keeps its own attributes, minus a 0.5 `ome` that names only the
 * version (and the other way round, no `ome` is added).
 */
function convertAttributes(
  attrs: Record<string, unknown>,
  format: 2 | 3,
  to: NgffVersion,
  path: string,
): Record<string, unknown> {
  const ome = omePart(attrs, format);
  if (detectKind(ome) !== undefined) {
    try {
      return structuredClone(toVersion(attrs, to) as Record<string, unknown>);
    } catch (err) {
      if (!(err instanceof InvalidMetadataError)) throw err;
      throw new InvalidMetadataError(
        err.issues.map((i) => ({ ...i, location: `${path || "/"}: ${i.location}` })),
        {
          cause: err,
          source: path || "/",
          summary: `the metadata of "${path || "/"}" cannot be converted to NGFF ${to}`,
        },
      );
    }
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(attrs)) {
    if (format === 3 ? k === "ome" : OME_KEYS_V04.includes(k)) continue;
    out[k] = structuredClone(v);
  }
  const rest = Object.fromEntries(Object.entries(ome).filter(([k]) => k !== "version"));
  if (Object.keys(rest).length === 0) return out;
  return to === "0.4" ? { ...out, ...rest } : { ...out, ome: { version: "0.5", ...rest } };
}

/**
 * Walk the source from its root: every group (attributes converted, extra files) and every
 * array (its target spec), parents before children.
 */
async function planStore(
  src: ZarrStore,
  to: NgffVersion,
  codec: CodecSpec | undefined,
): Promise<{ groups: GroupPlan[]; arrays: ArrayPlan[] }> {
  const groups: GroupPlan[] = [];
  const arrays: ArrayPlan[] = [];
  const format = to === "0.4" ? 2 : 3;
  /** Array path → the axis names of the multiscales that lists it. */
  const axesOf = new Map<string, string[]>();
  const walk = async (path: string): Promise<void> => {
    const node = await readNode(src, path);
    if (node === undefined) return;
    if (node.kind === "array") {
      const source = await openArray(src, path);
      const names =
        axesOf.get(path) ?? (source.dimensionNames ? [...source.dimensionNames] : undefined);
      const spec: ArraySpec = {
        shape: source.shape,
        dtype: source.dtype,
        chunks: source.chunks,
        fillValue: source.fillValue,
        attributes: structuredClone(node.attributes),
      };
      if (format === 3 && source.shards !== undefined) spec.shards = source.shards;
      if (format === 3 && names !== undefined) spec.dimensionNames = names;
      if (codec !== undefined) spec.codec = codec;
      arrays.push({ path, source, spec });
      return;
    }
    const ome = omePart(node.attributes, node.format);
    if (Array.isArray(ome.multiscales)) {
      for (const ms of ome.multiscales) {
        if (!isRecord(ms) || !Array.isArray(ms.axes) || !Array.isArray(ms.datasets)) continue;
        const names = ms.axes.map((a) => (isRecord(a) ? String(a.name) : String(a)));
        for (const d of ms.datasets) {
          if (isRecord(d) && typeof d.path === "string") {
            axesOf.set(path === "" ? d.path : `${path}/${d.path}`, names);
          }
        }
      }
    }
    const { dirs, files } = await src.list(path);
    groups.push({
      path,
      attributes: convertAttributes(node.attributes, node.format, to, path),
      files: files
        .filter((f) => !METADATA_FILES.has(f) && !LOCK_NAME_PATTERN.test(f))
        .map((f) => (path === "" ? f : `${path}/${f}`)),
    });
    // Directories whose names are not safe node names (never written by a Zarr writer) are
    // not part of the hierarchy: skipped, as listChildren does.
    for (const d of dirs.filter(isSafeName)) await walk(path === "" ? d : `${path}/${d}`);
  };
  await walk("");
  return { groups, arrays };
}

/**
 * The source, checked: a store whose root is OME-Zarr and which validates (non-strict).
 * @throws {NotFoundError} when there is no Zarr group at its root.
 * @throws {InvalidMetadataError} when it is not OME-Zarr or does not validate.
 */
async function openSource(
  src: string | URL | ZarrStore,
  s3: S3UrlOptions | undefined,
): Promise<{
  store: ZarrStore;
  owned: boolean;
  label: string;
  from: NgffVersion;
  kind: OmeKind | undefined;
}> {
  let store: ZarrStore;
  const owned = typeof src === "string" || src instanceof URL;
  if (typeof src === "string" || src instanceof URL) {
    const where = src instanceof URL ? src.href : src;
    store = await openStore(where, { readOnly: true, ...(s3 === undefined ? {} : { s3 }) });
  } else if (typeof src === "object" && src !== null && typeof src.get === "function") {
    store = src;
  } else {
    throw badOption("src", src, "a path, a URL or a ZarrStore");
  }
  const label = refLabel(store.ref);
  const result = await validateStore(store).catch(async (err: unknown) => {
    if (owned) await store.close?.().catch(() => {});
    throw err;
  });
  if (!result.ok || result.version === undefined) {
    const issues: MetadataIssue[] = result.issues.map((i) => ({
      code: i.code,
      location: `${i.path || "/"}${i.location ? `: ${i.location}` : ""}`,
      message: i.message,
      ...(i.expected === undefined ? {} : { expected: i.expected }),
    }));
    if (owned) await store.close?.().catch(() => {});
    throw new InvalidMetadataError(issues, {
      source: label,
      summary: `${label} is not a valid OME-Zarr store; fix it (see ngff validate) before converting it`,
    });
  }
  return { store, owned, label, from: result.version, kind: result.kind };
}

/**
 * Convert a whole OME-Zarr store to NGFF `opts.version` (0.4 ↔ 0.5): images with every level,
 * labels, plates with their wells and fields, bioformats2raw collections. See the module comment
 * for what is converted and how. The source is only read.
 *
 * @param src - the store: a path, a URL (`file://`, `s3://`, `https://`) or an open store.
 * @param dst - where the converted store goes: a path or URL (`file://`, `s3://`); must not exist
 *   unless `overwrite`.
 * @throws {InvalidMetadataError} for bad options (unknown version, …), a source that is not
 *   valid OME-Zarr, or metadata that cannot be expressed in the target version; nothing written.
 * @throws {NotFoundError} for a source without a Zarr group, or a missing parent of `dst`.
 * @throws {AlreadyExistsError} when `dst` exists and `overwrite` is not set.
 * @throws {WorkerTaskError} when a copy task fails (the partial target is removed).
 */
export async function convertStore(
  src: string | URL | ZarrStore,
  dst: string | URL,
  opts: ConvertStoreOptions,
): Promise<ConvertStoreReport> {
  const started = performance.now();
  checkOptions(opts);
  if (typeof dst !== "string" && !(dst instanceof URL)) {
    throw badOption("dst", dst, "a path or a URL (file://, s3://)");
  }
  const dstText = dst instanceof URL ? dst.href : dst;
  const source = await openSource(src, opts.s3);
  try {
    return await convertOpened(source, dstText, opts, started);
  } finally {
    // A store opened here (from a path or URL) is closed here (an S3 store's sockets).
    if (source.owned) await source.store.close?.().catch(() => {});
  }
}

async function convertOpened(
  source: { store: ZarrStore; from: NgffVersion; kind: OmeKind | undefined },
  dstText: string,
  opts: ConvertStoreOptions,
  started: number,
): Promise<ConvertStoreReport> {
  const to = opts.version;
  const plan = await planStore(source.store, to, opts.codec);
  const staged = await stageOutput(dstText, {
    overwrite: opts.overwrite,
    s3: opts.s3,
    onNote: opts.onNote,
  });
  opts.signal?.throwIfAborted();

  const partial = await staged.partial();
  const target =
    typeof partial === "string" ? await openLocalStore(partial, { create: true }) : partial;
  let copied = { blocks: 0, bytes: 0 };
  try {
    const format = to === "0.4" ? 2 : 3;
    const targets = new Map<string, ZarrArray>();
    for (const a of plan.arrays) {
      targets.set(a.path, await createArray(target, a.path, format, a.spec));
    }
    copied = await copyArrays(source.store, target, plan.arrays, targets, opts);
    // Groups children first: the root's metadata, which makes the store a store, comes last.
    for (const g of [...plan.groups].reverse()) {
      for (const key of g.files) {
        const bytes = await source.store.get(key);
        if (bytes !== undefined) await target.set(key, bytes);
      }
      await createGroup(target, g.path, format, g.attributes);
    }
    opts.signal?.throwIfAborted();
    await staged.commit();
  } catch (err) {
    await staged.discard().catch(() => {});
    throw err;
  }
  return {
    from: source.from,
    to,
    kind: source.kind,
    output: staged.label,
    groups: plan.groups.length,
    arrays: plan.arrays.length,
    blocks: copied.blocks,
    bytes: copied.bytes,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Copy every array's blocks, in the pool when there is one; bounded in flight. */
async function copyArrays(
  src: ZarrStore,
  dst: ZarrStore,
  arrays: readonly ArrayPlan[],
  targets: ReadonlyMap<string, ZarrArray>,
  opts: ConvertStoreOptions,
): Promise<{ blocks: number; bytes: number }> {
  const runId = randomUUID();
  const tasks: CopyBlocksTask[] = [];
  for (const a of arrays) {
    const t = targets.get(a.path)!;
    const block = t.shards ?? t.chunks;
    for (const p of planTasks(t.shape, block, {
      bytesPerElement: dtypeByteSize(t.dtype),
      minTaskBytes: TASK_BYTES,
    })) {
      tasks.push({
        kind: "copy-blocks",
        runId,
        source: src.ref,
        sourcePath: a.path,
        store: dst.ref,
        targetPath: a.path,
        dtype: t.dtype,
        blocks: p.blocks,
      });
    }
  }
  const total = tasks.reduce((n, t) => n + t.blocks.length, 0);
  const pool = isShareableRef(src.ref) ? poolFor(dst, opts) : undefined;
  const filename = pyramidWorkerFile();
  const sources = new Map(arrays.map((a) => [a.path, a.source]));
  const run = (task: CopyBlocksTask): Promise<PyramidTaskResult> =>
    pool !== undefined
      ? (pool.run(task, { filename }) as Promise<PyramidTaskResult>)
      : runCopyBlocksTask(task, sources.get(task.sourcePath)!, targets.get(task.targetPath)!);
  // A task holds one target block (decoded) and its encoding at a time: keep the tasks in
  // flight within MEMORY_BUDGET for big blocks (large shards), but at least one per thread.
  let blockBytes = 1;
  for (const t of targets.values()) {
    const block = t.shards ?? t.chunks;
    blockBytes = Math.max(blockBytes, 2 * block.reduce((p, n) => p * n, dtypeByteSize(t.dtype)));
  }
  const byMemory = Math.max(1, Math.floor(MEMORY_BUDGET / blockBytes));
  const limit =
    pool === undefined
      ? Math.min(IN_PROCESS_LIMIT, byMemory)
      : Math.max(
          pool.maxThreads,
          Math.min(
            2 * pool.maxThreads * Math.max(1, pool.options.concurrentTasksPerWorker),
            byMemory,
          ),
        );
  let done = 0;
  let bytes = 0;
  const fail = (task: CopyBlocksTask, cause: unknown) => {
    const t = targets.get(task.targetPath)!;
    const first = t.blockRegion(task.blocks[0]!);
    const last = t.blockRegion(task.blocks.at(-1)!);
    const region = first.map(([a], i) => [a, last[i]![1]] as const);
    const c = cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause);
    return new WorkerTaskError(
      -1,
      region,
      `copying "${task.sourcePath}" region [${region.map(([a, b]) => `${a}:${b}`).join(", ")}] ` +
        `failed: ${c}. Nothing was moved into place; fix the cause and convert again`,
      { cause },
    );
  };
  await forEachBounded(
    tasks,
    limit,
    async (task, _lane, stop) => {
      const r = await run(task).catch((err: unknown) => {
        throw fail(task, err);
      });
      // After a failure or an abort, results still arriving are not reported.
      if (stop.aborted) return;
      if (!r.ok) throw fail(task, deserializeError(r.error));
      done += task.blocks.length;
      bytes += r.bytes;
      opts.onProgress?.({ done, total, bytes });
    },
    { signal: opts.signal },
  );
  return { blocks: done, bytes };
}
