/** Helpers of the convertStore tests: fixtures of every store kind, array walks, digests. */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join, relative } from "node:path";
import { expect } from "vitest";
import { openArray, openLocalStore, openOmeZarr, validateStore } from "../../../src/index.js";
import { Collection } from "../../../src/nodes/collection.js";
import type { NgffVersion } from "../../../src/nodes/context.js";
import { readNode, TEMP_NAME_PATTERN, type ZarrStore } from "../../../src/store/index.js";
import { LOCK_NAME_PATTERN } from "../../../src/store/lock.js";

/** Deterministic pixels. */
function pixels(n: number, seed: number): Uint16Array {
  return new Uint16Array(n).map((_, i) => (i * 2654435761 + seed * 97) % 4093);
}

/** A fov: a 3-level pyramid and a label (3 levels), 2 channels. */
export async function writeFov(
  dir: string,
  version: NgffVersion,
  opts: { shardsRatio?: number[]; workers?: number; big?: boolean } = {},
): Promise<void> {
  await using pos = await openOmeZarr(dir, {
    layout: "fov",
    mode: "w-",
    channelNames: ["DAPI", "GFP"],
    version,
  });
  // big: 8 MiB at level 0 in 128 KiB chunks (the crash test's conversion runs long enough)
  const shape = opts.big ? [1, 2, 8, 512, 512] : [1, 2, 3, 40, 36];
  await pos.createImage(
    "0",
    {
      data: pixels(
        shape.reduce((a, b) => a * b),
        1,
      ),
      shape,
    },
    {
      chunks: opts.big ? [1, 1, 4, 128, 128] : [1, 1, 2, 16, 16],
      ...(opts.shardsRatio === undefined ? {} : { shardsRatio: opts.shardsRatio }),
      workers: 0,
    },
  );
  await pos.computePyramid({ levels: 3, workers: opts.workers ?? 0 });
  const lshape = [1, ...shape.slice(2)];
  const lab = new Uint32Array(lshape.reduce((a, b) => a * b)).map((_, i) => (i >> 6) % 5);
  await pos.createLabel("cells", { data: lab, shape: lshape }, { workers: 0 });
}

/** A plate: wells A/1 (2 fields), B/2 (1 field), two acquisitions. */
export async function writePlate(dir: string, version: NgffVersion): Promise<void> {
  await using plate = await openOmeZarr(dir, {
    layout: "hcs",
    mode: "w-",
    channelNames: ["c0"],
    version,
  });
  await plate.addAcquisition({ id: 1, name: "second" });
  const specs: [string, string, string][] = [
    ["A", "1", "0"],
    ["A", "1", "1"],
    ["B", "2", "0"],
  ];
  for (const [i, [r, c, f]] of specs.entries()) {
    const pos = await plate.createPosition(r, c, f, { acqIndex: i === 1 ? 1 : 0 });
    const shape = [1, 1, 2, 20, 24];
    await pos.createImage("0", { data: pixels(480 * 2, i + 5), shape }, { workers: 0 });
    await pos.computePyramid({ levels: 2, workers: 0 });
  }
}

/** A bioformats2raw collection of two series, with an OME-XML. */
export async function writeCollection(dir: string, version: NgffVersion): Promise<void> {
  await using col = await openOmeZarr(dir, {
    layout: "bf2raw",
    mode: "w-",
    channelNames: ["a", "b"],
    version,
    omeXml: "<OME><Image ID='Image:0'/><Image ID='Image:1'/></OME>\n",
  });
  expect(col).toBeInstanceOf(Collection);
  for (let s = 0; s < 2; s++) {
    const pos = await col.createSeries();
    const shape = [1, 2, 1, 18 + s, 20];
    await pos.createImage(
      "0",
      {
        data: pixels(
          shape.reduce((a, b) => a * b),
          s,
        ),
        shape,
      },
      {
        workers: 0,
      },
    );
    await pos.computePyramid({ levels: 2, workers: 0 });
  }
}

/** Paths of every array of a store. */
export async function arrayPaths(store: ZarrStore, prefix = ""): Promise<string[]> {
  const out: string[] = [];
  const walk = async (p: string): Promise<void> => {
    const node = await readNode(store, p).catch(() => undefined);
    if (node?.kind === "array") {
      out.push(p);
      return;
    }
    for (const d of (await store.list(p)).dirs) await walk(p === "" ? d : `${p}/${d}`);
  };
  await walk(prefix);
  return out.sort();
}

/**
 * The two stores hold the same arrays with the same pixels; v3 arrays carry `dimension_names`,
 * v2 arrays none. Returns the array paths.
 */
export async function expectSamePixels(a: string, b: string): Promise<string[]> {
  const sa = await openLocalStore(a, { readOnly: true });
  const sb = await openLocalStore(b, { readOnly: true });
  const pa = await arrayPaths(sa);
  expect(await arrayPaths(sb)).toEqual(pa);
  for (const p of pa) {
    const x = await openArray(sa, p);
    const y = await openArray(sb, p);
    expect(y.shape, p).toEqual(x.shape);
    expect(y.dtype, p).toBe(x.dtype);
    const region = x.shape.map((n) => [0, n] as const);
    expect(Buffer.from((await y.readRegion(region)).buffer)).toEqual(
      Buffer.from((await x.readRegion(region)).buffer),
    );
    for (const arr of [x, y]) {
      if (arr.format === 3) expect(arr.dimensionNames, p).toBeDefined();
      else expect(arr.dimensionNames, p).toBeUndefined();
    }
  }
  return pa;
}

/** Valid in strict mode, in `version`. */
export async function expectStrictValid(dir: string, version: NgffVersion): Promise<void> {
  const r = await validateStore(dir, { strict: true });
  expect(r.issues).toEqual([]);
  expect(r.version).toBe(version);
}

/**
 * `relative path → sha256` of every file under `dir` (lock and temp files left out: scratch).
 */
export async function digest(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    const entries = await readdir(d, { withFileTypes: true }).catch(() => []);
    for (const e of entries) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (LOCK_NAME_PATTERN.test(e.name) || TEMP_NAME_PATTERN.test(e.name)) continue;
      else
        out[relative(dir, p)] = createHash("sha256")
          .update(await readFile(p))
          .digest("hex");
    }
  };
  await walk(dir);
  return out;
}
