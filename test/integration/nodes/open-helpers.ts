/** Helpers for the node integration tests: temp dirs, directory snapshots, metadata validation. */
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterEach, expect } from "vitest";
import {
  isOmeZarrError,
  type OmeZarrErrorByTag,
  type OmeZarrErrorTag,
} from "../../../src/errors.js";
import type { ZarrStore } from "../../../src/store/index.js";
import { validateOmeObject } from "../../../src/validate/ome.js";
import { validateStore } from "../../../src/validate/store.js";

const dirs: string[] = [];

/** A fresh temp directory, removed after the test. */
export async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "ngff-nodes-"));
  dirs.push(d);
  return d;
}

afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** Every file under `dir` (relative, sorted), recursively. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else out.push(relative(dir, p));
    }
  };
  await walk(dir);
  return out.sort();
}

/** The bytes of every file under `dir`, as base64, keyed by relative path. */
export async function dirContents(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const f of await listFiles(dir)) out[f] = (await readFile(join(dir, f))).toString("base64");
  return out;
}

const META = new Set([".zattrs", ".zgroup", ".zarray", "zarr.json"]);

/** Relative paths of every Zarr metadata file under `dir`. */
export async function metadataFiles(dir: string): Promise<string[]> {
  return (await listFiles(dir)).filter((f) => META.has(f.split("/").pop() ?? ""));
}

/**
 * Validate the OME attributes of every group under `dir` that has any (kind detected), as a
 * reader would. Returns the validated group paths.
 */
export async function validateGroups(dir: string): Promise<string[]> {
  const validated: string[] = [];
  for (const f of await metadataFiles(dir)) {
    const name = f.split("/").pop();
    const text = await readFile(join(dir, f), "utf8");
    const doc = JSON.parse(text) as Record<string, unknown>;
    let attrs: Record<string, unknown> | undefined;
    if (name === ".zattrs") attrs = doc;
    else if (name === "zarr.json" && doc.node_type === "group")
      attrs = doc.attributes as Record<string, unknown>;
    if (attrs === undefined) continue;
    const omeKeys = ["multiscales", "plate", "well", "labels", "image-label", "ome"];
    if (!omeKeys.some((k) => k in attrs)) continue;
    const version = name === ".zattrs" ? "0.4" : "0.5";
    validateOmeObject(attrs, { version });
    validated.push(f);
  }
  return validated;
}

/** Await a promise that must reject; return the error. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error("expected a rejection");
}

/** Bad input: a typed error with tag `tag`, and every file of the store is byte-identical afterwards. */
export async function expectRejectedUntouched<T extends OmeZarrErrorTag>(
  dir: string,
  tag: T,
  run: () => Promise<unknown>,
): Promise<OmeZarrErrorByTag[T]> {
  const before = await dirContents(dir);
  const err = await rejection(run());
  expect(isOmeZarrError(err, tag), `expected ${tag}, got ${String(err)}`).toBe(true);
  expect(await dirContents(dir)).toEqual(before);
  return err as OmeZarrErrorByTag[T];
}

/** The elements of an ndarray's data as a plain array (numbers, or bigints for 64-bit data). */
export function vals(a: { data: ArrayLike<number> | ArrayLike<bigint> }): (number | bigint)[] {
  return Array.from(a.data as ArrayLike<number | bigint>);
}

/** The whole store validates (`validateStore`, strict: metadata with the SHOULDs, and structure) with no issues. */
export async function expectValidStore(pathOrStore: string | ZarrStore): Promise<void> {
  const result = await validateStore(pathOrStore, { strict: true });
  expect(result.issues).toEqual([]);
  expect(result.ok).toBe(true);
}
