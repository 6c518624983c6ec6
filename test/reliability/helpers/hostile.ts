/**
 * The hostile-input harness: template stores built once, a fresh copy per case, and a check
 * that a bad call fails with a typed error naming the problem while every file (the store, a
 * directory next to it, anything a symlink points at) stays byte-identical.
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { expect } from "vitest";
import {
  isOmeZarrError,
  type OmeZarrErrorTag,
  openOmeZarr,
  type Plate,
  type Position,
} from "../../../src/index.js";
import { releaseLingeringLocks } from "../../../src/store/lock.js";
import { digestTree } from "./tree.js";

/** The template stores every case starts from (a fresh copy each time). */
export type Base = "fov04" | "fov05" | "plate04" | "plate05" | "none";

/** What a case gets: its directory, the store in it, and a directory outside the store. */
export interface CaseDirs {
  /** The case's own directory (holds `store` and `outside`). */
  root: string;
  /** The store (`<root>/store.zarr`), a copy of the base. */
  store: string;
  /** A directory next to the store with a file in it (symlink targets point here). */
  outside: string;
}

/** One hostile case. */
export interface HostileCase {
  /** What is bad, in a few words. */
  what: string;
  base: Base;
  /** Damage the store copy first (corrupt files, plant symlinks). */
  prepare?: (d: CaseDirs) => Promise<void>;
  /** The call that must fail. */
  act: (d: CaseDirs) => Promise<unknown>;
  tag: OmeZarrErrorTag;
  /** The error message must name the problem. */
  message: RegExp;
}

const image = (shape: number[], seed = 1) => ({
  data: Uint16Array.from(
    { length: shape.reduce((a, b) => a * b, 1) },
    (_, i) => (i * 13 + seed) % 4096,
  ),
  shape,
});

/** Build the template stores under `dir`. */
export async function buildTemplates(dir: string): Promise<void> {
  for (const version of ["0.4", "0.5"] as const) {
    const v = version === "0.4" ? "04" : "05";
    const pos = (await openOmeZarr(path.join(dir, `fov${v}`, "store.zarr"), {
      layout: "fov",
      mode: "w-",
      channelNames: ["DAPI", "GFP"],
      version,
    })) as Position;
    await pos.createImage("0", image([1, 2, 4, 32, 32]), {
      chunks: [1, 1, 2, 16, 16],
      ...(version === "0.5" ? { shardsRatio: [1, 1, 2, 2, 1] } : {}),
    });
    await pos.computePyramid({ levels: 2, workers: 0 });
    await pos.createLabel("cells", {
      data: Uint8Array.from({ length: 4 * 32 * 32 }, (_, i) => i % 3),
      shape: [1, 4, 32, 32],
    });
    const plate = (await openOmeZarr(path.join(dir, `plate${v}`, "store.zarr"), {
      layout: "hcs",
      mode: "w-",
      channelNames: ["DAPI"],
      version,
    })) as Plate;
    await plate.createPositions(["A/1/0", "A/2/0", "B/1/0"]);
    for await (const [, p] of plate.positions()) await p.createImage("0", image([1, 1, 1, 8, 8]));
  }
  await fs.mkdir(path.join(dir, "none"), { recursive: true });
  releaseLingeringLocks();
}

/** Copy template `base` into a new case directory under `casesDir`. */
export async function newCase(templates: string, casesDir: string, base: Base): Promise<CaseDirs> {
  const root = await fs.mkdtemp(path.join(casesDir, "case-"));
  const store = path.join(root, "store.zarr");
  if (base !== "none") {
    await fs.cp(path.join(templates, base, "store.zarr"), store, {
      recursive: true,
      verbatimSymlinks: true,
    });
  }
  const outside = path.join(root, "outside");
  await fs.mkdir(outside);
  await fs.writeFile(path.join(outside, "precious.txt"), "do not touch\n");
  return { root, store, outside };
}

const shared = new Map<string, Promise<CaseDirs>>();

/**
 * The directories for case `c`: a fresh copy of its base when it damages the store first,
 * else one copy per base shared by such cases (each must leave it byte-identical anyway).
 */
export function caseDirs(templates: string, casesDir: string, c: HostileCase): Promise<CaseDirs> {
  if (c.prepare !== undefined) return newCase(templates, casesDir, c.base);
  const key = `${casesDir}\u0000${c.base}`;
  let d = shared.get(key);
  if (d === undefined) {
    d = newCase(templates, casesDir, c.base);
    shared.set(key, d);
  }
  return d;
}

/** Run one case: it must reject with `tag`, name the problem, and change no byte anywhere. */
export async function runCase(c: HostileCase, d: CaseDirs): Promise<void> {
  if (c.prepare !== undefined) await c.prepare(d);
  releaseLingeringLocks();
  const before = await digestTree(d.root, { skipScratch: false });
  let err: unknown;
  try {
    await c.act(d);
  } catch (e) {
    err = e;
  }
  releaseLingeringLocks();
  expect(err, `${c.what}: no error`).toBeDefined();
  expect(
    isOmeZarrError(err, c.tag),
    `${c.what}: expected a ${c.tag} error, got ${String((err as Error)?.stack ?? err)}`,
  ).toBe(true);
  expect((err as Error).message, c.what).toMatch(c.message);
  expect(await digestTree(d.root, { skipScratch: false }), `${c.what}: files changed`).toEqual(
    before,
  );
}

/** Open the case's store as a FOV (mode r+ unless given). */
export async function fov(d: CaseDirs, mode: "r+" | "a" = "r+"): Promise<Position> {
  return (await openOmeZarr(d.store, { layout: "fov", mode })) as Position;
}

/** Open the case's store as a plate (mode r+). */
export async function plate(d: CaseDirs): Promise<Plate> {
  return (await openOmeZarr(d.store, { layout: "hcs", mode: "r+" })) as Plate;
}

/** Replace the file `rel` of the case's store with `bytes`. */
export async function overwrite(
  d: CaseDirs,
  rel: string,
  bytes: string | Uint8Array,
): Promise<void> {
  await fs.writeFile(path.join(d.store, rel), bytes);
}

/** Keep the first `n` bytes of file `rel` of the case's store. */
export async function truncate(d: CaseDirs, rel: string, n: number): Promise<void> {
  await fs.truncate(path.join(d.store, rel), n);
}

/** Replace the directory `rel` of the case's store with a symlink to `d.outside/<name>`. */
export async function symlinkOut(d: CaseDirs, rel: string): Promise<void> {
  const target = path.join(d.outside, path.basename(rel));
  await fs.cp(path.join(d.store, rel), target, { recursive: true });
  await fs.rm(path.join(d.store, rel), { recursive: true });
  await fs.symlink(target, path.join(d.store, rel));
}
