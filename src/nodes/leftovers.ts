/**
 * Crash recovery for plates: a writer killed between creating a group and listing it leaves an
 * empty, unlisted group behind. Creating the same well or position again adopts such a group
 * instead of refusing it, so a resumed job completes. Only groups without any data qualify.
 */
import { readNode } from "../store/index.js";
import { joinPath, type NodeContext } from "./context.js";

const GROUP_FILES = new Set([".zattrs", ".zgroup", "zarr.json"]);

function omeKeys(format: 2 | 3, attributes: Record<string, unknown>): string[] {
  if (format === 2) return Object.keys(attributes);
  const keys = Object.keys(attributes);
  const ome = attributes.ome;
  if (
    keys.some((k) => k !== "ome") ||
    (ome !== undefined && (typeof ome !== "object" || ome === null))
  )
    return ["?"];
  return Object.keys((ome ?? {}) as Record<string, unknown>).filter((k) => k !== "version");
}

/**
 * Whether the directory at `path` is the leftover of an interrupted create: a position
 * (`"position"`) is a group with no attributes and nothing below it, or a directory holding
 * only an empty `.zattrs` (a v2 group killed before its `.zgroup`); a well (`"well"`) is a
 * group with at most `well` metadata whose children are all such positions. Adopting it loses
 * no data.
 */
export async function isEmptyLeftover(
  ctx: NodeContext,
  path: string,
  kind: "position" | "well",
): Promise<boolean> {
  const { dirs, files } = await ctx.store.list(path);
  if (!files.every((f) => GROUP_FILES.has(f))) return false;
  let node: Awaited<ReturnType<typeof readNode>>;
  try {
    node = await readNode(ctx.store, path);
  } catch {
    return false; // unreadable metadata: not ours to judge
  }
  if (node === undefined) {
    if (kind === "well" || dirs.length > 0) return false;
    const attrs = await ctx.store.get(joinPath(path, ".zattrs"));
    return attrs === undefined || new TextDecoder().decode(attrs).trim() === "{}";
  }
  if (node.kind !== "group" || node.format !== ctx.format) return false;
  const allowed = kind === "well" ? ["well"] : [];
  if (!omeKeys(node.format, node.attributes).every((k) => allowed.includes(k))) return false;
  if (kind === "position") return dirs.length === 0;
  for (const d of dirs) {
    if (!(await isEmptyLeftover(ctx, joinPath(path, d), "position"))) return false;
  }
  return true;
}
