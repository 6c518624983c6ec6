/**
 * The context every node carries: which store, where in it, which Zarr format and NGFF
 * version, and the mode it was opened with. Shared by every node class (Position, Plate, …).
 */
import { ReadOnlyError } from "../errors.js";
import { assertSafeName, type ZarrFormat, type ZarrStore } from "../store/index.js";

/** iohub's open modes: `r` read-only, `r+` read/write (must exist), `a` open or create, `w-` create (must not exist), `w` overwrite. */
export type OpenMode = "r" | "r+" | "a" | "w" | "w-";

/** The NGFF versions written: 0.4 ⇔ Zarr v2, 0.5 ⇔ Zarr v3. */
export type NgffVersion = "0.4" | "0.5";

/** Where a node lives and how it was opened. */
export interface NodeContext {
  store: ZarrStore;
  /** Path of the node's group inside the store, `""` for the root, no leading or trailing `/`. */
  path: string;
  format: ZarrFormat;
  version: NgffVersion;
  mode: OpenMode;
  /** The store was opened for this node tree (from a path or URL): closing the root closes it. */
  ownsStore?: boolean;
}

/** The Zarr format of an NGFF version (0.4 → 2, 0.5 → 3). */
export function formatForVersion(version: NgffVersion): ZarrFormat {
  return version === "0.4" ? 2 : 3;
}

/** Join two store paths, treating `""` as the root. */
export function joinPath(parent: string, name: string): string {
  return parent === "" ? name : `${parent}/${name}`;
}

/**
 * The context of child `name` of `ctx` (same store, format, version and mode).
 * @throws {UnsafePathError} when `name` is not one safe path segment (`..`, `a/b`, empty, absolute).
 */
export function childContext(ctx: NodeContext, name: string): NodeContext {
  assertSafeName(name);
  return { ...ctx, path: joinPath(ctx.path, name) };
}

/**
 * Refuse writes through a node opened read-only.
 * @throws {ReadOnlyError} when `ctx.mode` is `"r"`.
 */
export function assertWritable(ctx: NodeContext): void {
  if (ctx.mode === "r") {
    throw new ReadOnlyError(
      ctx.path,
      `cannot write to ${JSON.stringify(ctx.path === "" ? "/" : ctx.path)}: the store was opened with mode "r"; ` +
        'reopen it with mode "r+" or "a" to modify it',
    );
  }
}
