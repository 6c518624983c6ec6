/**
 * The one error hierarchy of ngff-writer (DESIGN.md section 7).
 *
 * Every error is an {@link OmeZarrError} with a literal `_tag`, typed fields describing what was
 * found and expected, and the underlying `cause` when there is one. Narrow with
 * {@link isOmeZarrError}. This module is a leaf: it imports nothing.
 */

/** A validation problem: where it is, a stable code, and what was expected. */
export interface MetadataIssue {
  /** Stable machine-readable code, e.g. `axes_order`, `invalid_type`, `well_path_mismatch`. */
  readonly code: string;
  /** Location in the document, e.g. `multiscales[0].datasets[2].coordinateTransformations[0]`. */
  readonly location: string;
  /** Human-readable sentence: what was found and what was expected. */
  readonly message: string;
  /** What was expected, when a short phrase says it (e.g. `"an integer dtype"`). */
  readonly expected?: string;
}

/** Base class of every error thrown by ngff-writer. */
export abstract class OmeZarrError extends Error {
  abstract readonly _tag: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
  }
}

/** A store, group, array, channel or node that must exist does not. */
export class NotFoundError extends OmeZarrError {
  readonly _tag = "NotFound" as const;
  /** What was looked for (a path, a channel name, an image name). */
  readonly target: string;
  constructor(target: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.target = target;
  }
}

/** Something that must not exist yet does (mode `"w-"`, an existing channel or image name). */
export class AlreadyExistsError extends OmeZarrError {
  readonly _tag = "AlreadyExists" as const;
  readonly target: string;
  constructor(target: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.target = target;
  }
}

/** The store holds a different layout than asked for (e.g. a plate opened as `"fov"`). */
export class LayoutMismatchError extends OmeZarrError {
  readonly _tag = "LayoutMismatch" as const;
  readonly expected: string;
  readonly found: string;
  constructor(expected: string, found: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.expected = expected;
    this.found = found;
  }
}

/** OME-NGFF or Zarr metadata that breaks the spec; `issues` lists each problem with its location. */
export class InvalidMetadataError extends OmeZarrError {
  readonly _tag = "InvalidMetadata" as const;
  readonly issues: readonly MetadataIssue[];
  /** The file or object the issues belong to, when known (e.g. `plate.zarr/A/1/.zattrs`). */
  readonly source: string | undefined;
  constructor(
    issues: readonly MetadataIssue[],
    options?: { cause?: unknown; source?: string; summary?: string },
  ) {
    const head =
      options?.summary ??
      `invalid OME-NGFF metadata${options?.source ? ` in ${options.source}` : ""}`;
    const lines = issues.map((i) => `  - ${i.location || "(root)"}: ${i.message} [${i.code}]`);
    super(
      `${head} (${issues.length} problem${issues.length === 1 ? "" : "s"}):\n${lines.join("\n")}`,
      options,
    );
    this.issues = issues;
    this.source = options?.source;
  }
}

/** Data whose shape or dtype does not fit where it is written. */
export class ShapeMismatchError extends OmeZarrError {
  readonly _tag = "ShapeMismatch" as const;
  readonly expected: readonly number[] | string;
  readonly found: readonly number[] | string;
  constructor(
    expected: readonly number[] | string,
    found: readonly number[] | string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.expected = expected;
    this.found = found;
  }
}

/** A pyramid operation that the current pyramid state does not allow. */
export class PyramidStateError extends OmeZarrError {
  readonly _tag = "PyramidState" as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** A feature, codec, dtype or option combination that is not supported (or not in this mode). */
export class UnsupportedError extends OmeZarrError {
  readonly _tag = "Unsupported" as const;
  /** The feature that was asked for, e.g. `shardsRatio on NGFF 0.4`. */
  readonly feature: string;
  constructor(feature: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.feature = feature;
  }
}

/** A write through a node opened read-only (mode `"r"`). */
export class ReadOnlyError extends OmeZarrError {
  readonly _tag = "ReadOnly" as const;
  readonly path: string;
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.path = path;
  }
}

/** A pyramid task failed in a worker (or in-process); `level` is the target level. */
export class WorkerTaskError extends OmeZarrError {
  readonly _tag = "WorkerTask" as const;
  readonly level: number;
  /** The target region of the failed task, `[start, stop)` per axis. */
  readonly region: readonly (readonly [number, number])[];
  constructor(
    level: number,
    region: readonly (readonly [number, number])[],
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.level = level;
    this.region = region;
  }
}

/** A name or path that could escape the store root or breaks the naming rules. */
export class UnsafePathError extends OmeZarrError {
  readonly _tag = "UnsafePath" as const;
  /** The offending name or path, exactly as given. */
  readonly path: string;
  /** Why it was rejected, e.g. `contains ".."`. */
  readonly reason: string;
  constructor(
    name: string,
    reason: string,
    options?: { cause?: unknown; what?: string; hint?: string },
  ) {
    super(
      `unsafe ${options?.what ?? "name"} ${JSON.stringify(name)}: ${reason}; ` +
        (options?.hint ??
          "use a plain name of letters, digits, '.', '_' or '-' (no '..', '/', '\\', control characters)"),
      options,
    );
    this.path = name;
    this.reason = reason;
  }
}

/** A cross-process store lock stayed held by a live process for longer than the timeout. */
export class LockTimeoutError extends OmeZarrError {
  readonly _tag = "LockTimeout" as const;
  /** The lock file. */
  readonly lockPath: string;
  /** How long we waited, in ms. */
  readonly waitedMs: number;
  constructor(lockPath: string, waitedMs: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.lockPath = lockPath;
    this.waitedMs = waitedMs;
  }
}

/**
 * A remote store (S3, HTTP) could not be reached or refused the request: an unreachable
 * endpoint, wrong credentials, a missing bucket, a server error that outlived the retries.
 * `status` is the HTTP status when the server answered; `code` the service's error code
 * (`NoSuchBucket`, `InvalidAccessKeyId`, `ECONNREFUSED`).
 */
export class StoreAccessError extends OmeZarrError {
  readonly _tag = "StoreAccess" as const;
  /** The store (URL) and key, as far as known: `s3://bucket/prefix` + `/key`. */
  readonly target: string;
  readonly status: number | undefined;
  readonly code: string | undefined;
  constructor(
    target: string,
    message: string,
    options?: { cause?: unknown; status?: number | undefined; code?: string | undefined },
  ) {
    super(message, options);
    this.target = target;
    this.status = options?.status;
    this.code = options?.code;
  }
}

/**
 * Another writer changed what this one was about to change: a conditional write lost its
 * race, or a store without conditional writes is already held by another live writer
 * (single-writer stores). Nothing was overwritten; retry once the other writer is done.
 */
export class ConcurrentWriteError extends OmeZarrError {
  readonly _tag = "ConcurrentWrite" as const;
  /** The key (or lease) that was contended. */
  readonly key: string;
  constructor(key: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.key = key;
  }
}

/**
 * The Redis server of a job queue (`queue: { connection }`, `--redis`) could not be reached, or
 * stayed unreachable for longer than the run allows. Nothing done is lost: chunks already
 * written stay in the store and completed jobs stay recorded in Redis (while it keeps them), so
 * running the same command again resumes the run.
 */
export class QueueAccessError extends OmeZarrError {
  readonly _tag = "QueueAccess" as const;
  /** The Redis server, as a URL without its password (`redis://127.0.0.1:6379/0`). */
  readonly target: string;
  /** The connection error code when there is one (`ECONNREFUSED`, `ETIMEDOUT`). */
  readonly code: string | undefined;
  constructor(
    target: string,
    message: string,
    options?: { cause?: unknown; code?: string | undefined },
  ) {
    super(message, options);
    this.target = target;
    this.code = options?.code;
  }
}

/**
 * A bad option or argument of an API call (or CLI flag): the wrong type, out of range, or a
 * combination that contradicts itself. The one error class for bad options: no API throws a bare
 * `TypeError` or `RangeError` for them. Thrown before anything is written.
 */
export class InvalidOptionsError extends OmeZarrError {
  readonly _tag = "InvalidOptions" as const;
  /** The option's name as the caller spells it, e.g. `workers`, `queue.connection.port`. */
  readonly option: string;
  /** The value that was given. */
  readonly found: unknown;
  /** What was expected, e.g. `"an integer >= 1"`. */
  readonly expected: string;
  /**
   * @param hint - optional sentence appended to the message: how to fix it.
   */
  constructor(
    option: string,
    found: unknown,
    expected: string,
    options?: { cause?: unknown; hint?: string },
  ) {
    const hint = options?.hint === undefined ? "" : ` ${options.hint}`;
    super(`${option} is ${describeValue(found)}; expected ${expected}.${hint}`, options);
    this.option = option;
    this.found = found;
    this.expected = expected;
  }
}

/** A short rendering of a value for messages (strings quoted, long values cut). */
function describeValue(v: unknown): string {
  let s: string;
  if (typeof v === "string") s = JSON.stringify(v);
  else if (typeof v === "bigint") s = `${v}n`;
  else if (typeof v === "function") s = "a function";
  else if (v === undefined || typeof v === "number" || typeof v === "boolean" || v === null)
    s = String(v);
  else {
    try {
      s = JSON.stringify(v) ?? String(v);
    } catch {
      s = Object.prototype.toString.call(v);
    }
  }
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

/** Every concrete error class, by tag. */
export type OmeZarrErrorByTag = {
  NotFound: NotFoundError;
  AlreadyExists: AlreadyExistsError;
  LayoutMismatch: LayoutMismatchError;
  InvalidMetadata: InvalidMetadataError;
  ShapeMismatch: ShapeMismatchError;
  PyramidState: PyramidStateError;
  Unsupported: UnsupportedError;
  ReadOnly: ReadOnlyError;
  WorkerTask: WorkerTaskError;
  UnsafePath: UnsafePathError;
  LockTimeout: LockTimeoutError;
  StoreAccess: StoreAccessError;
  ConcurrentWrite: ConcurrentWriteError;
  QueueAccess: QueueAccessError;
  InvalidOptions: InvalidOptionsError;
};

/** The tag of any ngff-writer error. */
export type OmeZarrErrorTag = keyof OmeZarrErrorByTag;

/**
 * True when `err` is an ngff-writer error, and (when tags are given) one of those tags.
 * Narrows the type accordingly:
 *
 * ```ts
 * if (isOmeZarrError(err, "NotFound", "AlreadyExists")) console.log(err.target);
 * ```
 */
export function isOmeZarrError<const T extends OmeZarrErrorTag[]>(
  err: unknown,
  ...tags: T
): err is T extends [] ? OmeZarrError : OmeZarrErrorByTag[T[number]] {
  if (!(err instanceof OmeZarrError)) return false;
  return tags.length === 0 || (tags as string[]).includes(err._tag);
}
