/**
 * Groups, attributes and node discovery for both Zarr formats: v2 `.zgroup` / `.zarray` +
 * `.zattrs`, v3 `zarr.json`. Metadata files are written atomically through the store.
 */
import { AlreadyExistsError, LayoutMismatchError, NotFoundError } from "../errors.js";
import { forEachBounded } from "./concurrency.js";
import { decodeMetadata, encodeMetadata } from "./metadata.js";
import { assertSafeName, assertSafePath, joinKey } from "./safe-name.js";
import type { ZarrStore } from "./store.js";
import type { ZarrFormat } from "./types.js";

/** What is stored at a path: a group or an array, its format and its attributes. */
export interface NodeInfo {
  kind: "group" | "array";
  format: ZarrFormat;
  attributes: Record<string, unknown>;
}

/** Check a node path: `""` (the root) or a safe relative path. */
export function assertNodePath(path: string): void {
  if (path !== "") assertSafePath(path, { what: "node path" });
}

/** Read and parse a JSON metadata file; undefined when missing. */
export async function readJson(
  store: ZarrStore,
  key: string,
): Promise<Record<string, unknown> | undefined> {
  const bytes = await store.get(key);
  return bytes === undefined ? undefined : decodeMetadata(bytes, key);
}

/** Write a JSON metadata file (atomically, through the store). */
export function writeJson(
  store: ZarrStore,
  key: string,
  value: unknown,
  format: ZarrFormat,
): Promise<void> {
  return store.set(key, encodeMetadata(value, format));
}

function objectOr(v: unknown): Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : {};
}

/**
 * What is at `path` (`""` = root), or undefined. Looks for `zarr.json` first (v3), then
 * `.zarray` / `.zgroup` with `.zattrs` (v2).
 * @throws {InvalidMetadataError} when a metadata file is not valid JSON.
 * @throws {UnsafePathError} for an unsafe path.
 */
export async function readNode(store: ZarrStore, path: string): Promise<NodeInfo | undefined> {
  assertNodePath(path);
  const v3 = await readJson(store, joinKey(path, "zarr.json"));
  if (v3 !== undefined) {
    return {
      kind: v3.node_type === "array" ? "array" : "group",
      format: 3,
      attributes: objectOr(v3.attributes),
    };
  }
  const [zarray, zgroup] = await Promise.all([
    store.has(joinKey(path, ".zarray")),
    store.has(joinKey(path, ".zgroup")),
  ]);
  if (!zarray && !zgroup) return undefined;
  if (zarray) await readJson(store, joinKey(path, ".zarray"));
  else await readJson(store, joinKey(path, ".zgroup"));
  const attrs = await readJson(store, joinKey(path, ".zattrs"));
  return { kind: zarray ? "array" : "group", format: 2, attributes: attrs ?? {} };
}

async function writeGroup(
  store: ZarrStore,
  path: string,
  format: ZarrFormat,
  attributes: Record<string, unknown>,
): Promise<void> {
  if (format === 2) {
    // Attributes first: a group that exists always has its attributes.
    await writeJson(store, joinKey(path, ".zattrs"), attributes, 2);
    await writeJson(store, joinKey(path, ".zgroup"), { zarr_format: 2 }, 2);
  } else {
    await writeJson(
      store,
      joinKey(path, "zarr.json"),
      { zarr_format: 3, node_type: "group", attributes },
      3,
    );
  }
}

/**
 * Create a group (`path` `""` = the root). When a group of the same format already exists, its
 * attributes are replaced if `attributes` is given and kept otherwise.
 *
 * @param opts.parents - also create missing ancestor groups, root included (default false).
 * @throws {AlreadyExistsError} when an array exists at `path`.
 * @throws {LayoutMismatchError} when a group of the other Zarr format exists there.
 * @throws {UnsafePathError} for an unsafe path (nothing is written).
 */
export async function createGroup(
  store: ZarrStore,
  path: string,
  format: ZarrFormat,
  attributes?: Record<string, unknown>,
  opts?: { parents?: boolean },
): Promise<void> {
  assertNodePath(path);
  if (opts?.parents) {
    const parts = path === "" ? [] : path.split("/");
    for (let i = 0; i < parts.length; i++) {
      const ancestor = parts.slice(0, i).join("/");
      const node = await readNode(store, ancestor);
      if (node === undefined) await writeGroup(store, ancestor, format, {});
      else if (node.kind === "array") {
        throw new AlreadyExistsError(
          ancestor,
          `cannot create group "${path}": "${ancestor || "/"}" is an array`,
        );
      }
    }
  }
  const existing = await readNode(store, path);
  if (existing !== undefined) {
    if (existing.kind === "array") {
      throw new AlreadyExistsError(
        path,
        `cannot create group "${path}": an array exists there; remove it first`,
      );
    }
    if (existing.format !== format) {
      throw new LayoutMismatchError(
        `Zarr v${format}`,
        `Zarr v${existing.format}`,
        `cannot create a Zarr v${format} group at "${path}": a Zarr v${existing.format} group exists there`,
      );
    }
    if (attributes !== undefined) await writeAttributes(store, path, format, attributes);
    return;
  }
  await writeGroup(store, path, format, attributes ?? {});
}

/**
 * Replace all attributes of the node at `path` (atomic). v2 rewrites `.zattrs`; v3 rewrites
 * `zarr.json`, keeping every other field.
 * @throws {NotFoundError} when no v3 node exists at `path` (v3 only; v2 writes `.zattrs` regardless).
 */
export async function writeAttributes(
  store: ZarrStore,
  path: string,
  format: ZarrFormat,
  attributes: Record<string, unknown>,
): Promise<void> {
  assertNodePath(path);
  if (format === 2) {
    await writeJson(store, joinKey(path, ".zattrs"), attributes, 2);
    return;
  }
  const key = joinKey(path, "zarr.json");
  const meta = await readJson(store, key);
  if (meta === undefined) {
    throw new NotFoundError(
      path,
      `cannot write attributes: no Zarr v3 node at "${path}" (no ${key})`,
    );
  }
  await writeJson(store, key, { ...meta, attributes }, 3);
}

/**
 * The attributes of the node at `path`.
 * @throws {NotFoundError} when there is no node there.
 */
export async function readAttributes(
  store: ZarrStore,
  path: string,
): Promise<Record<string, unknown>> {
  const node = await readNode(store, path);
  if (node === undefined) throw new NotFoundError(path, `no Zarr group or array at "${path}"`);
  return node.attributes;
}

/** Child groups and arrays of `path` (sorted). Directories that hold no Zarr node are skipped. */
export async function listChildren(
  store: ZarrStore,
  path: string,
): Promise<{ groups: string[]; arrays: string[] }> {
  assertNodePath(path);
  const { dirs } = await store.list(path);
  const kinds = new Map<string, "group" | "array">();
  const safe = dirs.filter((d) => {
    try {
      assertSafeName(d);
      return true;
    } catch {
      return false;
    }
  });
  await forEachBounded(safe, 16, async (d) => {
    const node = await readNode(store, joinKey(path, d));
    if (node !== undefined) kinds.set(d, node.kind);
  });
  const groups = safe.filter((d) => kinds.get(d) === "group");
  const arrays = safe.filter((d) => kinds.get(d) === "array");
  return { groups, arrays };
}

/** Delete the node at `path` and everything below it (`""` empties the store). */
export async function removeNode(store: ZarrStore, path: string): Promise<void> {
  assertNodePath(path);
  await store.deletePrefix(path);
}
