// Inputs of `compute-pyramid` and `set-scale`: paths or glob patterns such as
// "plate.zarr/*/*/*" (expanded here when the shell did not), and plates expanded to their
// positions (iohub's `input_position_dirpaths`).
import { readdir, stat } from "node:fs/promises";
import { isAbsolute, join } from "node:path";
import { NotFoundError } from "../errors.js";
import { naturalCompare } from "../nodes/plate/order.js";
import { openOmeZarr } from "../open.js";
import { isStoreUrl } from "../store/index.js";

const GLOB = /[*?[]/;

function segmentRegex(segment: string): RegExp {
  let re = "";
  for (let i = 0; i < segment.length; i++) {
    const ch = segment[i]!;
    if (ch === "*") re += "[^/]*";
    else if (ch === "?") re += "[^/]";
    else if (ch === "[") {
      const end = segment.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        const body = segment
          .slice(i + 1, end)
          .replace(/^!/, "^")
          .replace(/\\/g, "\\\\");
        re += `[${body}]`;
        i = end;
      }
    } else re += ch.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/**
 * Expand a glob pattern (`*`, `?`, `[abc]` within path segments) against the file system, in
 * natural order. Hidden entries match only a pattern segment that starts with a dot.
 */
export async function expandGlob(pattern: string): Promise<string[]> {
  const parts = pattern.split(/[/\\]+/);
  let bases = [isAbsolute(pattern) ? "/" : "."];
  const start = isAbsolute(pattern) ? 1 : 0;
  for (let k = start; k < parts.length; k++) {
    const seg = parts[k]!;
    if (seg === "") continue;
    const next: string[] = [];
    for (const base of bases) {
      if (!GLOB.test(seg)) {
        next.push(base === "." && k === 0 ? seg : join(base, seg));
        continue;
      }
      const re = segmentRegex(seg);
      const entries = await readdir(base, { withFileTypes: true }).catch(() => []);
      for (const e of entries) {
        if (e.name.startsWith(".") && !seg.startsWith(".")) continue;
        if (re.test(e.name)) next.push(base === "." && k === 0 ? e.name : join(base, e.name));
      }
    }
    bases = next;
  }
  const existing: string[] = [];
  for (const b of bases)
    if (
      await stat(b).then(
        () => true,
        () => false,
      )
    )
      existing.push(b);
  return existing.sort(naturalCompare);
}

/** `path/name` for a directory, or for a store URL (before its query: `s3://b/p.zarr/A/1/0?…`). */
function childPath(path: string, name: string): string {
  if (!isStoreUrl(path)) return join(path, name);
  const q = path.indexOf("?");
  const base = (q < 0 ? path : path.slice(0, q)).replace(/\/+$/, "");
  return `${base}/${name}${q < 0 ? "" : path.slice(q)}`;
}

/**
 * The position directories named by `inputs`: globs expanded, plates replaced by their
 * positions (in natural order), duplicates removed.
 * @throws {NotFoundError} when a path or pattern matches nothing.
 */
export async function resolvePositionPaths(inputs: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const input of inputs) {
    const paths =
      !isStoreUrl(input) &&
      GLOB.test(input) &&
      !(await stat(input).then(
        () => true,
        () => false,
      ))
        ? await expandGlob(input)
        : [input];
    if (paths.length === 0) throw new NotFoundError(input, `${input} matches no path`);
    for (const path of paths) {
      const node = await openOmeZarr(path, { mode: "r" });
      try {
        if ("createPositions" in node) {
          for await (const [name] of node.positions()) out.push(childPath(path, name));
        } else {
          out.push(path);
        }
      } finally {
        await node.close();
      }
    }
  }
  return [...new Set(out)];
}
