/**
 * Name and key checks: nothing the store layer writes may escape the store root or break the
 * naming rules (DESIGN.md section 2). Every check throws {@link UnsafePathError} and runs before
 * any I/O.
 */
import { UnsafePathError } from "../errors.js";

/** Longest segment we accept, in UTF-8 bytes (the usual file-system limit). */
export const MAX_SEGMENT_BYTES = 255;

/** Metadata file names that may never be used as child names. */
const RESERVED_NAMES = new Set([".zarray", ".zgroup", ".zattrs", ".zmetadata", "zarr.json"]);

/**
 * Temp files written by `LocalStore.set` are named `.<name>.tmp-<pid>-<rand>`; readers and
 * listings ignore them, and no key or child name may look like one.
 */
export const TEMP_NAME_PATTERN = /^\..+\.tmp-\d+-[0-9a-z]+$/;

/** Lock files of the cross-process locks (`lock.ts`): no child may be named like one. */
const LOCK_NAME = /^\.(.*\.)?ngff-lock(\.stale-[0-9a-z]+)?$/;

// C0 and C1 control characters, DEL included.
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what we reject
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** Why one segment is unsafe, or undefined when it is fine. */
function segmentProblem(segment: string): string | undefined {
  if (segment.length === 0) return "is empty";
  if (segment === "." || segment === "..") return `is "${segment}"`;
  if (segment.includes("/")) return 'contains "/"';
  if (segment.includes("\\")) return 'contains "\\"';
  if (segment.includes(":")) return 'contains ":"';
  if (CONTROL.test(segment)) return "contains a control character";
  if (Buffer.byteLength(segment, "utf8") > MAX_SEGMENT_BYTES) {
    return `is longer than ${MAX_SEGMENT_BYTES} bytes`;
  }
  if (TEMP_NAME_PATTERN.test(segment))
    return "looks like a temp file name (.<name>.tmp-<pid>-<rand>)";
  return undefined;
}

/**
 * Check one child name (array, group, well, row, column, field, label).
 *
 * Rejects: non-strings, empty names, `.` and `..`, `/`, `\`, `:`, control characters (NUL
 * included), names longer than 255 UTF-8 bytes, temp-file-like names and the Zarr metadata
 * file names (`.zarray`, `.zgroup`, `.zattrs`, `.zmetadata`, `zarr.json`).
 *
 * @param what - noun used in the error message (default `"name"`).
 * @throws {UnsafePathError} when the name is unsafe.
 */
export function assertSafeName(name: string, what = "name"): void {
  if (typeof name !== "string")
    throw new UnsafePathError(String(name), "is not a string", { what });
  const problem = segmentProblem(name);
  if (problem !== undefined) throw new UnsafePathError(name, problem, { what });
  if (RESERVED_NAMES.has(name)) {
    throw new UnsafePathError(name, "is a reserved Zarr metadata file name", { what });
  }
  if (LOCK_NAME.test(name)) {
    throw new UnsafePathError(name, "looks like a lock file name (.<name>.ngff-lock)", { what });
  }
}

/**
 * Check a relative `/`-separated path of child names, e.g. `"A/1"` or `"A/1/0"`.
 *
 * Rejects absolute paths, empty segments (`a//b`, trailing `/`), and every segment that
 * {@link assertSafeName} rejects; with `maxSegments`, also paths with more segments.
 *
 * @throws {UnsafePathError} when the path is unsafe.
 */
export function assertSafePath(path: string, opts?: { maxSegments?: number; what?: string }): void {
  const what = opts?.what ?? "path";
  if (typeof path !== "string")
    throw new UnsafePathError(String(path), "is not a string", { what });
  if (path.length === 0) throw new UnsafePathError(path, "is empty", { what });
  if (path.startsWith("/")) throw new UnsafePathError(path, "is absolute", { what });
  const segments = path.split("/");
  if (opts?.maxSegments !== undefined && segments.length > opts.maxSegments) {
    throw new UnsafePathError(
      path,
      `has ${segments.length} segments where at most ${opts.maxSegments} are allowed`,
      { what },
    );
  }
  for (const s of segments) {
    const problem = segmentProblem(s);
    if (problem !== undefined) {
      throw new UnsafePathError(path, `segment ${JSON.stringify(s)} ${problem}`, { what });
    }
    if (RESERVED_NAMES.has(s)) {
      throw new UnsafePathError(path, `segment "${s}" is a reserved Zarr metadata file name`, {
        what,
      });
    }
    if (LOCK_NAME.test(s)) {
      throw new UnsafePathError(path, `segment "${s}" looks like a lock file name`, { what });
    }
  }
}

/**
 * Check a store key (`"A/1/0/c/0/0"`, `"A/.zattrs"`): relative, `/`-separated, no empty
 * segments and no unsafe segment. Unlike {@link assertSafePath}, metadata file names are allowed.
 *
 * @param allowEmpty - accept `""` (the root prefix, for listings).
 * @throws {UnsafePathError} when the key is unsafe.
 */
export function assertSafeKey(key: string, allowEmpty = false): void {
  if (typeof key !== "string")
    throw new UnsafePathError(String(key), "is not a string", { what: "key" });
  if (key.length === 0) {
    if (allowEmpty) return;
    throw new UnsafePathError(key, "is empty", { what: "key" });
  }
  if (key.startsWith("/")) throw new UnsafePathError(key, "is absolute", { what: "key" });
  for (const s of key.split("/")) {
    const problem = segmentProblem(s);
    if (problem !== undefined) {
      throw new UnsafePathError(key, `segment ${JSON.stringify(s)} ${problem}`, { what: "key" });
    }
  }
}

/** Join path pieces with `/`, skipping empty ones (`joinKey("", "a", "zarr.json")` → `"a/zarr.json"`). */
export function joinKey(...parts: string[]): string {
  return parts.filter((p) => p.length > 0).join("/");
}
