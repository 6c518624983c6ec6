/**
 * A read-only summary of an OME-Zarr store for `ngff info`, built from the raw metadata through
 * the store layer (not the node API), so it also describes stores that the node API would
 * refuse to open (missing levels, odd metadata): info is a diagnostic tool.
 */
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { NotFoundError } from "../errors.js";
import { readOmeAttrs } from "../nodes/ome-attrs.js";
import {
  type CodecSpec,
  listChildren,
  openArray,
  openStore,
  readNode,
  type ZarrStore,
} from "../store/index.js";

/** One resolution level of an image. */
export interface LevelSummary {
  path: string;
  shape: number[];
  dtype: string;
  chunks: number[];
  shards: number[] | null;
  codec: string;
  scale: number[] | null;
  translation: number[] | null;
  /** Set when the level's array cannot be opened (missing or corrupt). */
  error?: string;
}

/** A multiscale image (a position, or a label image). */
export interface ImageSummary {
  path: string;
  name: string | null;
  axes: { name: string; type: string | null; unit: string | null }[];
  channels: string[];
  /** `multiscales[0].type`: the downsampling method, when recorded. */
  method: string | null;
  levels: LevelSummary[];
  labels: string[];
}

/** An HCS plate. */
export interface PlateSummary {
  name: string | null;
  rows: string[];
  columns: string[];
  wells: number;
  fieldsPerWell: { min: number; max: number };
  positions: string[];
  acquisitions: number;
  /** The first position's image, as representative of the plate. */
  firstImage: ImageSummary | null;
}

/** What `ngff info --json` prints per store. */
export interface StoreSummary {
  path: string;
  layout: "fov" | "hcs" | "well" | "labels" | "bioformats2raw" | "zarr-group" | "zarr-array";
  version: string | null;
  zarrFormat: 2 | 3;
  /** Bytes of the store's files; null for remote stores (not counted: one request per key). */
  sizeBytes: number | null;
  image: ImageSummary | null;
  plate: PlateSummary | null;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function records(v: unknown): Record<string, unknown>[] {
  return Array.isArray(v) ? v.filter(isRecord) : [];
}

function str(v: unknown): string | null {
  return typeof v === "string" ? v : null;
}

function join2(a: string, b: string): string {
  return a === "" ? b : `${a}/${b}`;
}

/** A short description of a codec: `blosc(zstd, clevel 1, bitshuffle)`. */
export function describeCodec(c: CodecSpec): string {
  switch (c.name) {
    case "blosc":
      return `blosc(${[c.cname, c.clevel === undefined ? undefined : `clevel ${c.clevel}`, c.shuffle].filter(Boolean).join(", ")})`;
    case "zstd":
    case "gzip":
    case "zlib":
      return c.level === undefined ? c.name : `${c.name}(level ${c.level})`;
    case "lz4":
      return "lz4";
    default:
      return "none";
  }
}

/** Total size in bytes of the files under `dir`. */
export async function sizeOnDisk(dir: string): Promise<number> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const sizes = await Promise.all(
    entries.map(async (e) => {
      const p = join(dir, e.name);
      if (e.isDirectory()) return sizeOnDisk(p);
      return e.isFile() ? (await stat(p)).size : 0;
    }),
  );
  return sizes.reduce((a, b) => a + b, 0);
}

function transformsOf(ds: Record<string, unknown>, type: string): number[] | null {
  const t = records(ds.coordinateTransformations).find((x) => x.type === type);
  const key = type === "scale" ? "scale" : "translation";
  return t !== undefined && Array.isArray(t[key]) ? (t[key] as number[]) : null;
}

/** The image at `path`, or null when the group has no `multiscales`. */
export async function summarizeImage(store: ZarrStore, path: string): Promise<ImageSummary | null> {
  const attrs = await readOmeAttrs(store, path);
  const ms = records(attrs?.ome.multiscales)[0];
  if (attrs === undefined || ms === undefined) return null;
  const axes = (Array.isArray(ms.axes) ? ms.axes : []).map((a: unknown) =>
    isRecord(a)
      ? { name: String(a.name), type: str(a.type), unit: str(a.unit) }
      : { name: String(a), type: null, unit: null },
  );
  const omero = isRecord(attrs.ome.omero) ? attrs.ome.omero : {};
  const channels = records(omero.channels).map((c, i) => str(c.label) ?? `#${i}`);
  const levels: LevelSummary[] = [];
  for (const ds of records(ms.datasets)) {
    const p = String(ds.path);
    const base = {
      path: p,
      scale: transformsOf(ds, "scale"),
      translation: transformsOf(ds, "translation"),
    };
    try {
      const arr = await openArray(store, join2(path, p));
      levels.push({
        ...base,
        shape: [...arr.shape],
        dtype: arr.dtype,
        chunks: [...arr.chunks],
        shards: arr.shards === undefined ? null : [...arr.shards],
        codec: describeCodec(arr.codec),
      });
    } catch (err) {
      levels.push({
        ...base,
        shape: [],
        dtype: "?",
        chunks: [],
        shards: null,
        codec: "?",
        error: err instanceof Error ? (err.message.split("\n")[0] ?? "") : String(err),
      });
    }
  }
  const labelsAttrs = await readOmeAttrs(store, join2(path, "labels")).catch(() => undefined);
  const labels = Array.isArray(labelsAttrs?.ome.labels)
    ? (labelsAttrs.ome.labels as unknown[]).map(String)
    : [];
  return { path, name: str(ms.name), axes, channels, method: str(ms.type), levels, labels };
}

async function summarizePlate(
  store: ZarrStore,
  plate: Record<string, unknown>,
): Promise<PlateSummary> {
  const rows = records(plate.rows).map((r) => String(r.name));
  const columns = records(plate.columns).map((c) => String(c.name));
  const wells = records(plate.wells).map((w) => String(w.path));
  const positions: string[] = [];
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (const well of wells) {
    const attrs = await readOmeAttrs(store, well).catch(() => undefined);
    const images = isRecord(attrs?.ome.well) ? records(attrs.ome.well.images) : [];
    min = Math.min(min, images.length);
    max = Math.max(max, images.length);
    for (const img of images) positions.push(`${well}/${String(img.path)}`);
  }
  const first = positions[0];
  return {
    name: str(plate.name),
    rows,
    columns,
    wells: wells.length,
    fieldsPerWell: { min: wells.length === 0 ? 0 : min, max },
    positions,
    acquisitions: records(plate.acquisitions).length,
    firstImage: first === undefined ? null : await summarizeImage(store, first),
  };
}

/**
 * Summarize the store at `path` (a directory or a store URL; the size is counted for
 * directories only).
 * @throws {NotFoundError} when the path does not exist or holds no Zarr group or array.
 */
export async function summarizeStore(path: string): Promise<StoreSummary> {
  const store = await openStore(path, { readOnly: true });
  const node = await readNode(store, "");
  if (node === undefined) {
    throw new NotFoundError(
      path,
      `${path} is not a Zarr store: no .zgroup, .zarray or zarr.json at its root`,
    );
  }
  const sizeBytes = store.root === undefined ? null : await sizeOnDisk(store.root);
  const base = { path, zarrFormat: node.format, sizeBytes, image: null, plate: null };
  if (node.kind === "array") return { ...base, layout: "zarr-array", version: null };
  const attrs = await readOmeAttrs(store, "");
  const ome = attrs?.ome ?? {};
  const version = attrs === undefined ? null : node.format === 3 ? "0.5" : "0.4";
  if (isRecord(ome.plate))
    return { ...base, layout: "hcs", version, plate: await summarizePlate(store, ome.plate) };
  if (Array.isArray(ome.multiscales))
    return { ...base, layout: "fov", version, image: await summarizeImage(store, "") };
  if (isRecord(ome.well)) return { ...base, layout: "well", version };
  if (Array.isArray(ome.labels)) return { ...base, layout: "labels", version };
  if ("bioformats2raw.layout" in ome) return { ...base, layout: "bioformats2raw", version };
  return { ...base, layout: "zarr-group", version: null };
}

/** Every group and array under `path`, depth first, for `ngff tree`. */
export interface TreeEntry {
  depth: number;
  name: string;
  kind: "group" | "array";
  /** `shape dtype` for arrays. */
  detail: string;
  last: boolean[];
}

/** Walk the hierarchy below the root, down to `maxDepth` levels (Infinity for all). */
export async function walkTree(store: ZarrStore, maxDepth: number): Promise<TreeEntry[]> {
  const out: TreeEntry[] = [];
  const visit = async (path: string, depth: number, last: boolean[]) => {
    if (depth >= maxDepth) return;
    const { groups, arrays } = await listChildren(store, path);
    const children = [
      ...groups.map((g) => ({ name: g, kind: "group" as const })),
      ...arrays.map((a) => ({ name: a, kind: "array" as const })),
    ].sort((a, b) => a.name.localeCompare(b.name, "en", { numeric: true }));
    for (const [i, child] of children.entries()) {
      const childPath = join2(path, child.name);
      const isLast = [...last, i === children.length - 1];
      let detail = "";
      if (child.kind === "array") {
        const arr = await openArray(store, childPath).catch(() => undefined);
        detail = arr === undefined ? "(unreadable)" : `(${arr.shape.join(", ")}) ${arr.dtype}`;
      }
      out.push({ depth, name: child.name, kind: child.kind, detail, last: isLast });
      if (child.kind === "group") await visit(childPath, depth + 1, isLast);
    }
  };
  await visit("", 0, []);
  return out;
}
