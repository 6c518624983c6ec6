/**
 * Stores written with the library into one temp directory, served over HTTP by the tests:
 * a field of view with a pyramid and two labels (NGFF 0.4 and 0.5), a sharded 0.5 image, and
 * a plate (0.4 and 0.5). Plus helpers to read a node's pixels and walk a local store.
 */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import type { MultiscalesNode } from "../../../src/nodes/multiscales-node.js";
import type { Position } from "../../../src/nodes/position.js";
import { openOmeZarr } from "../../../src/open.js";
import { readNode, type ZarrStore } from "../../../src/store/index.js";

export const FOV_SHAPE = [1, 2, 1, 32, 32];
export const SHARDED_SHAPE = [1, 1, 4, 64, 64];

/** The stores written by {@link writeFixtures}, by directory name. */
export const STORES = {
  fov04: { dir: "fov04.zarr", layout: "fov" },
  fov05: { dir: "fov05.zarr", layout: "fov" },
  sharded05: { dir: "sharded05.zarr", layout: "fov" },
  plate04: { dir: "plate04.zarr", layout: "hcs" },
  plate05: { dir: "plate05.zarr", layout: "hcs" },
} as const;
export type StoreName = keyof typeof STORES;

function pattern(n: number, seed: number): Uint16Array {
  return new Uint16Array(n).map((_, i) => (i * 7 + seed * 131 + (i >> 5) * 13) % 4099);
}

async function writeFov(dir: string, version: "0.4" | "0.5"): Promise<void> {
  await using pos = await openOmeZarr(dir, {
    layout: "fov",
    mode: "w-",
    version,
    channelNames: ["DAPI", "GFP"],
  });
  const n = FOV_SHAPE.reduce((a, b) => a * b);
  await pos.createImage(
    "0",
    { data: pattern(n, 1), shape: FOV_SHAPE },
    { chunks: [1, 1, 1, 16, 16] },
  );
  await pos.computePyramid({ levels: 2, method: "mean", workers: 0 });
  const ln = n / 2;
  const nuclei = new Uint32Array(ln).map((_, i) => ((i >> 4) % 5 === 0 ? 1 + (i % 3) : 0));
  await pos.createLabel("nuclei", { data: nuclei, shape: [1, 1, 32, 32] }, { workers: 0 });
  await pos.createLabel("cells", { shape: [1, 1, 32, 32], dtype: "uint16" }, { workers: 0 });
}

async function writeSharded(dir: string): Promise<void> {
  await using pos = await openOmeZarr(dir, {
    layout: "fov",
    mode: "w-",
    version: "0.5",
    channelNames: ["BF"],
  });
  const n = SHARDED_SHAPE.reduce((a, b) => a * b);
  // One shard of 4×4×4 inner chunks at level 0.
  await pos.createImage(
    "0",
    { data: pattern(n, 2), shape: SHARDED_SHAPE },
    { chunks: [1, 1, 1, 16, 16], shardsRatio: [1, 1, 4, 4, 4], workers: 0 },
  );
  await pos.computePyramid({ levels: 2, method: "mean", workers: 0 });
}

async function writePlate(dir: string, version: "0.4" | "0.5"): Promise<void> {
  await using plate = await openOmeZarr(dir, {
    layout: "hcs",
    mode: "w-",
    version,
    channelNames: ["BF"],
  });
  const fields = await plate.createPositions(["A/1/0", "A/1/1", "B/3/0"]);
  for (const [i, fov] of fields.entries()) {
    await fov.createImage("0", { data: pattern(2 * 16 * 16, 10 + i), shape: [1, 1, 2, 16, 16] });
  }
}

/** Write every fixture store into a new temp directory; returns it. */
export async function writeFixtures(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "ngff-http-"));
  await Promise.all([
    writeFov(join(root, STORES.fov04.dir), "0.4"),
    writeFov(join(root, STORES.fov05.dir), "0.5"),
    writeSharded(join(root, STORES.sharded05.dir)),
    writePlate(join(root, STORES.plate04.dir), "0.4"),
    writePlate(join(root, STORES.plate05.dir), "0.5"),
  ]);
  return root;
}

export function removeFixtures(root: string): Promise<void> {
  return rm(root, { recursive: true, force: true });
}

/** Every level of every multiscale image of a node: name, shape, dtype and pixels. */
export async function readLevels(node: MultiscalesNode): Promise<unknown[]> {
  const out: unknown[] = [];
  for await (const [name, arr] of node.images()) {
    const nd = await arr.read([]);
    out.push({ name, shape: [...arr.shape], dtype: arr.dtype, data: nd.data });
  }
  return out;
}

/** The pixels of a position: its levels, and its labels' levels. */
export async function readPosition(pos: Position): Promise<unknown> {
  const labels: Record<string, unknown> = {};
  for await (const [name, label] of pos.labels()) labels[name] = await readLevels(label);
  return { levels: await readLevels(pos), labels };
}

/** Every group and array path of a store (`""` first), with its kind. */
export async function walkNodes(
  store: ZarrStore,
): Promise<{ path: string; kind: "group" | "array" }[]> {
  const out: { path: string; kind: "group" | "array" }[] = [];
  const visit = async (path: string): Promise<void> => {
    const node = await readNode(store, path);
    if (node === undefined) return;
    out.push({ path, kind: node.kind });
    if (node.kind === "array") return;
    for (const d of (await store.list(path)).dirs) await visit(path === "" ? d : `${path}/${d}`);
  };
  await visit("");
  return out;
}

/** Every file under `dir` with its bytes (base64), to show nothing was written. */
export async function snapshotDir(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out[relative(dir, p)] = (await readFile(p)).toString("base64");
    }
  };
  await walk(dir);
  return out;
}
