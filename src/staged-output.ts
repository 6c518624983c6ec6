/**
 * A store written beside its final place and moved there only when complete: a local directory
 * `<output>.partial-<pid>` renamed into place, or an S3 prefix `<prefix>.partial-<pid>` moved
 * with the store's `rename`. A failure, an abort or a kill never leaves a half-written store at
 * the output (nor, when replacing one, destroys the old store before the new one is complete).
 * Leftovers of killed local runs (`.partial-<pid>`, `.old-<pid>` of dead processes) are cleared
 * by the next run into the same output. Used by `convertStore` and `convertTiff`.
 */
import { realpath, rename, rm, stat } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { AlreadyExistsError, NotFoundError, UnsupportedError } from "./errors.js";
import { removeDeadLeftovers } from "./staged-leftovers.js";
import {
  isStoreUrl,
  openStoreRef,
  parseStoreUrl,
  refLabel,
  type S3UrlOptions,
  type StoreRef,
  type ZarrStore,
} from "./store/index.js";
import { releaseLingeringLocksUnder } from "./store/lock.js";

/** Where a store is built and how it is moved into place. */
export interface StagedOutput {
  /** The final location, for messages. */
  readonly label: string;
  /** The final reference (a directory or an S3 prefix). */
  readonly ref: StoreRef;
  /** The store being built: a fresh directory path, or an opened (empty) S3 prefix. */
  partial(): Promise<string | ZarrStore>;
  /** Move the finished store into place (replacing the old one only now). */
  commit(): Promise<void>;
  /** Remove what a failed run built. */
  discard(): Promise<void>;
}

/** Options of {@link stageOutput}. */
export interface StageOutputOptions {
  /** Replace an existing output (its path must contain `.zarr`). Default false. */
  overwrite?: boolean | undefined;
  /** S3 URL options (endpoint, region, …) for `s3://` outputs. */
  s3?: S3UrlOptions | undefined;
  /** Told about leftovers of killed runs removed (or kept) before this one starts. */
  onNote?: ((message: string) => void) | undefined;
  /** How the caller says "overwrite" in messages. Default `overwrite: true (ngff: --overwrite)`. */
  overwriteHint?: string;
}

const DEFAULT_HINT = "overwrite: true (ngff: --overwrite)";

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return false;
      throw err;
    },
  );
}

/**
 * Check the output (it must not exist unless `overwrite`; its parent directory must) and return
 * the plan to build it beside its place. Nothing is written until `partial()` is called.
 * @throws {AlreadyExistsError} when it exists without `overwrite`, or `overwrite` is given for a
 * path without `.zarr`.
 * @throws {NotFoundError} when a local output's parent directory is missing.
 * @throws {UnsupportedError} for an output that cannot be written (HTTP, memory).
 */
export async function stageOutput(
  output: string,
  opts: StageOutputOptions = {},
): Promise<StagedOutput> {
  const ref: StoreRef = isStoreUrl(output)
    ? parseStoreUrl(output, opts.s3 === undefined ? {} : { s3: opts.s3 })
    : { kind: "file", path: resolve(output) };
  const label = refLabel(ref);
  if (opts.overwrite && !label.includes(".zarr")) {
    throw new AlreadyExistsError(
      label,
      `refusing to overwrite ${label}: the path does not contain ".zarr" (a guard against deleting a folder by mistake)`,
    );
  }
  if (ref.kind === "file") return localOutput(ref.path, opts);
  if (ref.kind === "s3") return s3Output(ref, opts);
  throw new UnsupportedError(
    `output ${ref.kind}`,
    `cannot write ${output}: ${ref.kind === "http" ? "HTTP stores are read-only" : "not a writable store"}; ` +
      "write to a local path or an s3:// URL",
  );
}

async function localOutput(output: string, opts: StageOutputOptions): Promise<StagedOutput> {
  const outputExists = await exists(output);
  if (outputExists && !opts.overwrite) {
    throw new AlreadyExistsError(
      output,
      `${output} already exists; pass ${opts.overwriteHint ?? DEFAULT_HINT} to replace it`,
    );
  }
  if (!(await exists(dirname(output)))) {
    throw new NotFoundError(
      dirname(output),
      `the directory of ${output} (${dirname(output)}) does not exist; create it first`,
    );
  }
  const partial = `${output}.partial-${process.pid}`;
  return {
    label: output,
    ref: { kind: "file", path: output },
    partial: async () => {
      for (const l of await removeDeadLeftovers(output, outputExists)) {
        opts.onNote?.(
          l.action === "removed"
            ? `removed ${l.path}, left by an interrupted run (process ${l.pid} is gone)`
            : `kept ${l.path} (process ${l.pid} is gone): ${l.reason}`,
        );
      }
      await rm(partial, { recursive: true, force: true });
      return partial;
    },
    commit: async () => {
      // Lock files of this process still lingering in the store would move with it, out of
      // reach of their release, and hold the output's locks until they look stale (30 s).
      releaseLingeringLocksUnder(await realpath(partial));
      if (outputExists) {
        // Swap, then delete: the old store is only removed once the new one is in place.
        const old = `${output}.old-${process.pid}`;
        await rename(output, old);
        await rename(partial, output);
        await rm(old, { recursive: true, force: true });
      } else {
        await rename(partial, output);
      }
    },
    discard: () => rm(partial, { recursive: true, force: true }),
  };
}

/**
 * An S3 output: built under the sibling prefix `<prefix>.partial-<pid>`, then moved into place
 * (S3 has no rename: the store copies every object, then deletes the sources; with overwrite the
 * old store is deleted only once the new one is complete). Leftovers of killed runs are not
 * cleared here (their pids may be other hosts'): delete `<prefix>.partial-*` prefixes by hand.
 */
async function s3Output(
  ref: StoreRef & { kind: "s3" },
  opts: StageOutputOptions,
): Promise<StagedOutput> {
  const slash = ref.prefix.lastIndexOf("/");
  const name = ref.prefix.slice(slash + 1);
  const label = refLabel(ref);
  if (name === "") {
    throw new UnsupportedError(
      "bucket root output",
      `${label}: name the store inside the bucket (s3://bucket/name.zarr)`,
    );
  }
  const parentPrefix = ref.prefix.slice(0, Math.max(0, slash));
  const parent = await openStoreRef({ ...ref, prefix: parentPrefix });
  const outputExists = (await parent.list(name)).files.length > 0;
  if (outputExists && !opts.overwrite) {
    throw new AlreadyExistsError(
      label,
      `${label} already exists; pass ${opts.overwriteHint ?? DEFAULT_HINT} to replace it`,
    );
  }
  const partialName = `${name}.partial-${process.pid}`;
  let built: ZarrStore | undefined;
  return {
    label,
    ref,
    partial: async () => {
      await parent.deletePrefix(partialName);
      const prefix = parentPrefix === "" ? partialName : `${parentPrefix}/${partialName}`;
      built = await openStoreRef({ ...ref, prefix });
      return built;
    },
    commit: async () => {
      // Give up the partial store's writer lease first: it must not move with the store.
      await built?.close?.();
      if (outputExists) await parent.deletePrefix(name);
      await parent.rename(partialName, name);
      await parent.close?.();
    },
    discard: async () => {
      await built?.close?.();
      await parent.deletePrefix(partialName);
      await parent.close?.();
    },
  };
}
