/**
 * Listings for stores without a listing call (HTTP): parse a server's HTML directory index, or
 * derive a group's children from its Zarr / OME-NGFF metadata. Used by `http-store.ts`.
 *
 * Derived listings name what the metadata names: `files` are the Zarr metadata files present
 * at the prefix; `dirs` are multiscale dataset paths, the image's `labels` group, the labels
 * listed in a `labels` group, a plate's rows (and, under a row, its columns), a well's fields
 * of view, and a bioformats2raw root's `OME` group and series. Chunks of arrays are not listed,
 * nor groups and arrays that no metadata names.
 */
import { LOCK_NAME_PATTERN } from "./lock.js";
import { assertSafeName, joinKey, TEMP_NAME_PATTERN } from "./safe-name.js";

/** A directory listing, as `ZarrStore.list` returns it. */
export interface Listing {
  dirs: string[];
  files: string[];
}

/** What the derivation reads through (the HTTP store's own `get` and `has`). */
export interface MetadataReader {
  get(key: string): Promise<Uint8Array | undefined>;
  has(key: string): Promise<boolean>;
}

/** The Zarr metadata file names a group or array may hold. */
export const METADATA_FILES = ["zarr.json", ".zgroup", ".zarray", ".zattrs"] as const;

/** Most series probed for a bioformats2raw root without a `series` list (`0`, `1`, …). */
const MAX_SERIES_PROBE = 10_000;

const ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#[0-9]+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === "#") {
      const code =
        e[1] === "x" || e[1] === "X" ? Number.parseInt(e.slice(2), 16) : Number(e.slice(1));
      return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : m;
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

/** Names a listing hides, as local stores do: temp files and lock files of writers. */
export function isHiddenName(name: string): boolean {
  return TEMP_NAME_PATTERN.test(name) || LOCK_NAME_PATTERN.test(name);
}

const HREF = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"']+))/gi;
const INDEX_TITLE = /<(?:title|h1)[^>]*>\s*(?:index of|directory listing)/i;

/**
 * Parse an HTML directory index (python's `http.server`, nginx / Apache autoindex) of the
 * directory at `dirUrl` (ending with `/`): links to direct children, `name/` for directories.
 * Links elsewhere (parents, sort links, other hosts, deeper paths) are ignored.
 *
 * @returns the listing, or undefined when the page does not look like a directory index
 *   (no "Index of" / "Directory listing" heading and no link to a child).
 */
export function parseIndexHtml(html: string, dirUrl: URL): Listing | undefined {
  const dirs = new Set<string>();
  const files = new Set<string>();
  for (const m of html.matchAll(HREF)) {
    const raw = decodeEntities((m[1] ?? m[2] ?? m[3] ?? "").trim());
    if (raw === "" || raw.startsWith("?") || raw.startsWith("#")) continue;
    let u: URL;
    try {
      u = new URL(raw, dirUrl);
    } catch {
      continue;
    }
    if (u.origin !== dirUrl.origin || !u.pathname.startsWith(dirUrl.pathname)) continue;
    let rest = u.pathname.slice(dirUrl.pathname.length);
    const isDir = rest.endsWith("/");
    if (isDir) rest = rest.slice(0, -1);
    if (rest === "" || rest.includes("/")) continue;
    let name: string;
    try {
      name = decodeURIComponent(rest);
    } catch {
      continue;
    }
    if (name === "." || name === ".." || name.includes("/") || isHiddenName(name)) continue;
    (isDir ? dirs : files).add(name);
  }
  if (dirs.size === 0 && files.size === 0 && !INDEX_TITLE.test(html)) return undefined;
  return { dirs: [...dirs].sort(), files: [...files].sort() };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function parseJson(bytes: Uint8Array | undefined): Record<string, unknown> | undefined {
  if (bytes === undefined) return undefined;
  try {
    const v: unknown = JSON.parse(new TextDecoder().decode(bytes));
    return isRecord(v) ? v : {};
  } catch {
    return {}; // present but unreadable: listed as a file, names no children
  }
}

/** The metadata at one path: which files exist, the node kind and the OME attributes. */
interface NodeMeta {
  files: string[];
  kind: "group" | "array";
  /** OME keys (v2: `.zattrs`; v3: `attributes.ome` merged over `attributes`). */
  ome: Record<string, unknown>;
}

async function readMeta(r: MetadataReader, path: string): Promise<NodeMeta | undefined> {
  const v3 = parseJson(await r.get(joinKey(path, "zarr.json")));
  if (v3 !== undefined) {
    const attrs = isRecord(v3.attributes) ? v3.attributes : {};
    const ome = isRecord(attrs.ome) ? { ...attrs, ...attrs.ome } : attrs;
    return { files: ["zarr.json"], kind: v3.node_type === "array" ? "array" : "group", ome };
  }
  const [zgroup, zarray, zattrs] = await Promise.all([
    r.has(joinKey(path, ".zgroup")),
    r.has(joinKey(path, ".zarray")),
    r.get(joinKey(path, ".zattrs")),
  ]);
  const files = [
    ...(zarray ? [".zarray"] : []),
    ...(zattrs !== undefined ? [".zattrs"] : []),
    ...(zgroup ? [".zgroup"] : []),
  ];
  if (files.length === 0) return undefined;
  return { files, kind: zarray ? "array" : "group", ome: parseJson(zattrs) ?? {} };
}

async function nodeExists(r: MetadataReader, path: string): Promise<boolean> {
  const found = await Promise.all(METADATA_FILES.map((f) => r.has(joinKey(path, f))));
  return found.some(Boolean);
}

/** First path segments of `paths` (strings only). */
function heads(paths: unknown[]): string[] {
  return paths.filter((p): p is string => typeof p === "string").map((p) => p.split("/")[0]!);
}

function pathsOf(list: unknown, field = "path"): unknown[] {
  return Array.isArray(list) ? list.map((x) => (isRecord(x) ? x[field] : undefined)) : [];
}

function isSafeName(name: string): boolean {
  try {
    assertSafeName(name);
    return true;
  } catch {
    return false;
  }
}

/**
 * The children of the node at `prefix` as its metadata (or its parent plate's, for a row)
 * names them; `found` is false when there is no Zarr node at `prefix`.
 */
export async function listFromMetadata(
  r: MetadataReader,
  prefix: string,
): Promise<Listing & { found: boolean }> {
  const meta = await readMeta(r, prefix);
  if (meta === undefined) return { dirs: [], files: [], found: false };
  const files = [...meta.files];
  const names = new Set<string>();
  if (meta.kind === "group") {
    const ome = meta.ome;
    for (const ms of Array.isArray(ome.multiscales) ? ome.multiscales : []) {
      for (const d of heads(pathsOf(isRecord(ms) ? ms.datasets : undefined))) names.add(d);
    }
    if (Array.isArray(ome.multiscales) && (await nodeExists(r, joinKey(prefix, "labels")))) {
      names.add("labels");
    }
    if (Array.isArray(ome.labels)) for (const l of heads(ome.labels)) names.add(l);
    if (isRecord(ome.plate)) for (const row of heads(pathsOf(ome.plate.wells))) names.add(row);
    if (isRecord(ome.well)) for (const f of heads(pathsOf(ome.well.images))) names.add(f);
    if (Array.isArray(ome.series) && (await r.has(joinKey(prefix, "METADATA.ome.xml")))) {
      files.push("METADATA.ome.xml");
    }
    if ("bioformats2raw.layout" in ome) {
      for (const s of await bf2rawChildren(r, prefix, isRecord(ome.plate))) names.add(s);
    }
    const known = ["multiscales", "labels", "plate", "well", "series", "bioformats2raw.layout"];
    if (prefix !== "" && !known.some((k) => k in ome)) {
      for (const c of await rowColumns(r, prefix)) names.add(c);
    }
  }
  const dirs = [...names].filter(isSafeName).sort();
  return { dirs, files: files.sort(), found: true };
}

/** `OME` and the series of a bioformats2raw root (its `series` list, else `0`, `1`, … while present). */
async function bf2rawChildren(
  r: MetadataReader,
  prefix: string,
  plate: boolean,
): Promise<string[]> {
  const out: string[] = [];
  const omeMeta = await readMeta(r, joinKey(prefix, "OME"));
  if (omeMeta !== undefined) {
    out.push("OME");
    if (Array.isArray(omeMeta.ome.series)) return [...out, ...heads(omeMeta.ome.series)];
  }
  if (plate) return out;
  for (let i = 0; i < MAX_SERIES_PROBE; i++) {
    if (!(await nodeExists(r, joinKey(prefix, String(i))))) break;
    out.push(String(i));
  }
  return out;
}

/** Under a plate's row group: the columns of the row's wells (from the parent plate). */
async function rowColumns(r: MetadataReader, prefix: string): Promise<string[]> {
  const slash = prefix.lastIndexOf("/");
  const parent = slash < 0 ? "" : prefix.slice(0, slash);
  const row = prefix.slice(slash + 1);
  const meta = await readMeta(r, parent);
  if (meta === undefined || !isRecord(meta.ome.plate)) return [];
  const out: string[] = [];
  for (const p of pathsOf(meta.ome.plate.wells)) {
    if (typeof p !== "string") continue;
    const [r0, c0] = p.split("/");
    if (r0 === row && c0 !== undefined) out.push(c0);
  }
  return out;
}
