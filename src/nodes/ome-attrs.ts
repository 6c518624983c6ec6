/**
 * Reading and writing the OME part of a group's attributes, for both storage layouts:
 * NGFF 0.4 keeps the OME keys at the top level of `.zattrs`; NGFF 0.5 keeps them under
 * `attributes.ome` of `zarr.json`, together with `version: "0.5"`.
 */
import { checkOmeAttrs } from "../schema/check.js";
import { readNode, writeAttributes, type ZarrStore } from "../store/index.js";
import { decodeMetadata } from "../store/metadata.js";
import { assertWritable, type NgffVersion, type NodeContext } from "./context.js";

/** Top-level `.zattrs` keys that belong to OME-NGFF 0.4 (everything else is the user's). */
export const OME_V04_KEYS: readonly string[] = [
  "multiscales",
  "omero",
  "labels",
  "image-label",
  "plate",
  "well",
  "bioformats2raw.layout",
  "series",
];

/** What {@link readOmeAttrs} returns. */
export interface OmeAttrs {
  /** 0.4 for a Zarr v2 group, 0.5 for a Zarr v3 group. */
  version: NgffVersion;
  /** The OME keys only (for 0.5 without the `version` key). */
  ome: Record<string, unknown>;
  /** All attributes of the group as stored. */
  attributes: Record<string, unknown>;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * The OME attributes of the group at `path`, or `undefined` when there is no group there
 * (an array, or nothing). A v2 group is read as NGFF 0.4, a v3 group as 0.5.
 * @throws {InvalidMetadataError} when the metadata file is corrupt JSON (from the store layer).
 */
export async function readOmeAttrs(store: ZarrStore, path: string): Promise<OmeAttrs | undefined> {
  const node = await readNode(store, path);
  if (node === undefined || node.kind !== "group") return undefined;
  const attributes = node.attributes;
  if (node.format === 2) {
    const ome: Record<string, unknown> = {};
    for (const key of OME_V04_KEYS) {
      if (key in attributes) ome[key] = attributes[key];
    }
    return { version: "0.4", ome, attributes };
  }
  const raw = attributes.ome;
  const ome: Record<string, unknown> = isRecord(raw) ? { ...raw } : {};
  delete ome.version;
  return { version: "0.5", ome, attributes };
}

/**
 * The OME attributes of a group known to exist in `format`, reading only its attributes file
 * (`.zattrs`, or `zarr.json`): one read instead of {@link readOmeAttrs}' discovery. Undefined
 * when the file is missing. Used to re-read plate and well metadata under their lock.
 * @throws {InvalidMetadataError} when the file is corrupt JSON.
 */
export async function readGroupOmeAttrs(
  store: ZarrStore,
  path: string,
  format: 2 | 3,
): Promise<OmeAttrs | undefined> {
  const key =
    path === ""
      ? format === 2
        ? ".zattrs"
        : "zarr.json"
      : `${path}/${format === 2 ? ".zattrs" : "zarr.json"}`;
  const bytes = await store.get(key);
  if (bytes === undefined) return undefined;
  const json = decodeMetadata(bytes, key);
  const attributes = format === 2 ? json : isRecord(json.attributes) ? json.attributes : {};
  if (format === 2) {
    const ome: Record<string, unknown> = {};
    for (const k of OME_V04_KEYS) if (k in attributes) ome[k] = attributes[k];
    return { version: "0.4", ome, attributes };
  }
  const ome: Record<string, unknown> = isRecord(attributes.ome) ? { ...attributes.ome } : {};
  delete ome.version;
  return { version: "0.5", ome, attributes };
}

/**
 * The attributes that result from replacing the OME part of `existing` with `ome` (pure).
 * 0.4: non-OME top-level keys are kept and the OME keys replaced; 0.5: `ome` is replaced by
 * `{ version: "0.5", ...ome }` and every other attribute is kept.
 */
export function mergeOmeAttrs(
  format: 2 | 3,
  existing: Record<string, unknown>,
  ome: Record<string, unknown>,
): Record<string, unknown> {
  if (format === 2) {
    const next: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(existing)) {
      if (!OME_V04_KEYS.includes(k)) next[k] = v;
    }
    return Object.assign(next, ome);
  }
  const { version: _ignored, ...rest } = ome;
  return { ...existing, ome: { version: "0.5", ...rest } };
}

/**
 * Replace the OME attributes of the group at `ctx.path` with `ome`, keeping every non-OME
 * attribute already there. For 0.5 writes `attributes.ome = { version: "0.5", ...ome }`.
 * The OME attributes are first parsed with the version's model of their kind (`src/schema`).
 * The metadata file is replaced atomically (store layer). Resolves to the attributes written.
 * @param existing - the group's current attributes when the caller already has them (skips a read).
 * @throws {ReadOnlyError} when `ctx.mode` is `"r"`.
 * @throws {InvalidMetadataError} when `ome` breaks the spec (nothing is written).
 */
export async function writeOmeAttrs(
  ctx: NodeContext,
  ome: Record<string, unknown>,
  existing?: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  assertWritable(ctx);
  // Every node write goes through the version's model: nothing that breaks the spec is written.
  checkOmeAttrs(ctx.version, ome, ctx.path || "/");
  let current = existing;
  if (current === undefined) {
    const node = await readNode(ctx.store, ctx.path);
    current = node?.kind === "group" ? node.attributes : {};
  }
  const next = mergeOmeAttrs(ctx.format, current, ome);
  await writeAttributes(ctx.store, ctx.path, ctx.format, next);
  return next;
}
