/**
 * Helpers for the delete, overwrite, small-ops and plate-layout tests: the stores they start
 * from (a two-channel fov, a plate of one-image positions), and the untouched check. Bad input
 * must leave the store byte-identical, but a successful plate or well operation before it leaves
 * its lock file lingering for a moment (src/store/lock.ts); compare once those are gone.
 */
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { NgffVersion } from "../../../src/nodes/context.js";
import type { PixelInput } from "../../../src/nodes/pixel-data.js";
import type { Position } from "../../../src/nodes/position.js";
import { type NodeForLayout, openOmeZarr } from "../../../src/open.js";
import { LOCK_NAME_PATTERN } from "../../../src/store/lock.js";
import { expectRejectedUntouched, listFiles, tempDir } from "./open-helpers.js";

/** A new store `name` in a new temp dir, opened with mode "w" as `layout`. */
export async function newStore<L extends "fov" | "tiled" | "hcs">(
  version: NgffVersion,
  layout: L,
  name: string,
  channelNames: readonly string[],
): Promise<{ node: NodeForLayout<L>; dir: string }> {
  const dir = join(await tempDir(), name);
  const node = await openOmeZarr(dir, { layout, mode: "w", channelNames, version });
  return { node, dir };
}

/**
 * A new fov store (`p.zarr` unless `name` says otherwise) in a new temp dir, channels DAPI and
 * GFP, with image "0" = `image`.
 */
export async function newFov(
  version: NgffVersion,
  image: PixelInput,
  name = "p.zarr",
): Promise<{ pos: Position; dir: string }> {
  const { node: pos, dir } = await newStore(version, "fov", name, ["DAPI", "GFP"]);
  await pos.createImage("0", image);
  return { pos, dir };
}

/**
 * A new plate store `plate.zarr` in a new temp dir (channel DAPI) with the positions `specs`
 * (`"row/column/field"`), the i-th with one 8×8 uint8 image "0" filled with `fill(i)`.
 */
export async function newFilledPlate(
  version: NgffVersion,
  specs: readonly string[],
  fill: (i: number) => number = (i) => i,
): Promise<{ plate: NodeForLayout<"hcs">; dir: string }> {
  const { node: plate, dir } = await newStore(version, "hcs", "plate.zarr", ["DAPI"]);
  const positions = await plate.createPositions(specs);
  for (const [i, p] of positions.entries()) {
    await p.createImage("0", { data: new Uint8Array(64).fill(fill(i)), shape: [1, 1, 1, 8, 8] });
  }
  return { plate, dir };
}

/** The entries of `dir`, sorted, without lock files (they linger a moment after a locked write). */
export async function entries(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => !LOCK_NAME_PATTERN.test(n)).sort();
}

/** Wait until no lock file is left under `dir` (at most ~2 s). */
export async function noLocks(dir: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const files = await listFiles(dir).catch(() => [] as string[]);
    if (!files.some((f) => LOCK_NAME_PATTERN.test(f.split("/").pop() ?? ""))) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`lock files left under ${dir}`);
}

/** {@link expectRejectedUntouched}, compared once lingering lock files are gone. */
export async function untouched(
  dir: string,
  tag: Parameters<typeof expectRejectedUntouched>[1],
  run: () => Promise<unknown>,
): Promise<Error> {
  await noLocks(dir);
  return expectRejectedUntouched(dir, tag, async () => {
    try {
      return await run();
    } finally {
      await noLocks(dir);
    }
  });
}
