/**
 * Copying a node subtree (a position with its arrays and labels) into another store or place:
 * byte for byte when both sides use the same NGFF version, else converted (metadata moved
 * between `.zattrs` and `zarr.json`, chunks re-encoded block by block).
 */

import { mapBounded } from "../../store/concurrency.js";
import {
  createArray,
  createGroup,
  openArray,
  readNode,
  type ZarrStore,
} from "../../store/index.js";
import { joinKey } from "../../store/safe-name.js";
import { toVersion } from "../../validate/convert.js";
import type { NgffVersion, NodeContext } from "../context.js";
import { OME_V04_KEYS } from "../ome-attrs.js";

/** Every key under `prefix` (recursively), relative to the store root. */
export async function listKeys(store: ZarrStore, prefix: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (p: string): Promise<void> => {
    const { dirs, files } = await store.list(p);
    for (const f of files) out.push(joinKey(p, f));
    await Promise.all(dirs.map((d) => walk(joinKey(p, d))));
  };
  await walk(prefix);
  return out;
}

/**
 * Copy every key under `src.path` to `dst.path`, unchanged (same NGFF version on both sides).
 * @returns the number of bytes copied.
 */
export async function copyTreeBytes(
  src: NodeContext,
  dst: NodeContext,
  limit: number,
): Promise<number> {
  const keys = await listKeys(src.store, src.path);
  const strip = src.path === "" ? 0 : src.path.length + 1;
  let bytes = 0;
  // Metadata files last, so a crash never leaves a group that lists chunks not yet copied.
  const isMeta = (k: string) => /(^|\/)(\.zattrs|\.zgroup|\.zarray|zarr\.json)$/.test(k);
  const ordered = [...keys.filter((k) => !isMeta(k)), ...keys.filter(isMeta)];
  await mapBounded(ordered, limit, async (key) => {
    const value = await src.store.get(key);
    if (value === undefined) return;
    bytes += value.byteLength;
    await dst.store.set(joinKey(dst.path, key.slice(strip)), value);
  });
  return bytes;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Group attributes converted to NGFF `target` (non-OME attributes kept). */
export function convertAttributes(
  attrs: Record<string, unknown>,
  from: NgffVersion,
  target: NgffVersion,
): Record<string, unknown> {
  if (from === target) return structuredClone(attrs);
  const hasOme = from === "0.4" ? OME_V04_KEYS.some((k) => k in attrs) : isRecord(attrs.ome);
  if (!hasOme) return structuredClone(attrs);
  const out = structuredClone(toVersion(attrs, target)) as Record<string, unknown>;
  // `omero` carries its own version in 0.4 only (toVersion leaves omero alone).
  const ome = target === "0.5" ? out.ome : out;
  if (isRecord(ome) && isRecord(ome.omero)) {
    if (target === "0.5") delete ome.omero.version;
    else ome.omero.version = "0.4";
  }
  return out;
}

function axisNames(attrs: Record<string, unknown>, version: NgffVersion): string[] | undefined {
  const ome = version === "0.5" ? attrs.ome : attrs;
  if (!isRecord(ome) || !Array.isArray(ome.multiscales)) return undefined;
  const axes = (ome.multiscales[0] as Record<string, unknown> | undefined)?.axes;
  if (!Array.isArray(axes)) return undefined;
  return axes.map((a) => (isRecord(a) && typeof a.name === "string" ? a.name : String(a)));
}

/**
 * Copy the subtree at `src` to `dst` converting between NGFF versions: groups get converted
 * attributes, arrays are recreated in the target Zarr format (same shape, dtype, chunks, codec
 * and fill value; shards only for 0.5; `dimension_names` from the parent's axes for 0.5) and
 * their data copied block by block.
 */
export async function convertTree(
  src: NodeContext,
  dst: NodeContext,
  limit: number,
): Promise<void> {
  const visit = async (rel: string, axes: string[] | undefined): Promise<void> => {
    const srcPath = joinKey(src.path, rel);
    const dstPath = joinKey(dst.path, rel);
    const node = await readNode(src.store, srcPath);
    if (node === undefined) return;
    if (node.kind === "array") {
      const a = await openArray(src.store, srcPath);
      const spec: Parameters<typeof createArray>[3] = {
        shape: a.shape,
        dtype: a.dtype,
        chunks: a.chunks,
        codec: a.codec,
        fillValue: a.fillValue,
        attributes: structuredClone(node.attributes),
      };
      if (dst.format === 3 && a.shards !== undefined) spec.shards = a.shards;
      const names = a.dimensionNames ?? axes;
      if (dst.format === 3 && names !== undefined && names.length === a.shape.length)
        spec.dimensionNames = names;
      const b = await createArray(dst.store, dstPath, dst.format, spec);
      const grid = b.blockGrid();
      const blocks: number[][] = [];
      const walk = (d: number, at: number[]): void => {
        if (d === grid.length) {
          blocks.push(at);
          return;
        }
        for (let i = 0; i < grid[d]!; i++) walk(d + 1, [...at, i]);
      };
      if (!a.shape.includes(0)) walk(0, []);
      await mapBounded(blocks, limit, async (coords) => {
        const data = await a.readRegion(b.blockRegion(coords));
        await b.writeBlock(coords, data);
      });
      return;
    }
    // Attributes last: a group never lists arrays that are not there yet.
    await createGroup(dst.store, dstPath, dst.format, {}, { parents: true });
    const here = axisNames(node.attributes, src.version) ?? axes;
    const { dirs } = await src.store.list(srcPath);
    for (const d of dirs) await visit(joinKey(rel, d), here);
    await createGroup(
      dst.store,
      dstPath,
      dst.format,
      convertAttributes(node.attributes, src.version, dst.version),
    );
  };
  await visit("", undefined);
}
