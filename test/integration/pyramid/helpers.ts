/** Shared fixtures of the pyramid engine tests: level arrays, seeded data, a reference kernel. */
import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { planLevels } from "../../../src/engine/plan.js";
import {
  type ArraySpec,
  createArray,
  type ZarrFormat,
  type ZarrStore,
} from "../../../src/store/index.js";

/** Create level arrays 0..n (`"0"`, `"1"`, …) following planLevels; returns their paths. */
export async function createLevels(
  store: ZarrStore,
  format: ZarrFormat,
  spec0: ArraySpec,
  factors: readonly (readonly number[])[],
): Promise<string[]> {
  const layouts = planLevels(
    spec0.shards === undefined
      ? { shape: spec0.shape, chunks: spec0.chunks }
      : { shape: spec0.shape, chunks: spec0.chunks, shards: spec0.shards },
    factors,
  );
  const paths: string[] = [];
  for (const [k, l] of layouts.entries()) {
    const spec: ArraySpec = { ...spec0, shape: l.shape, chunks: l.chunks };
    if (l.shards === undefined) delete spec.shards;
    else spec.shards = l.shards;
    await createArray(store, String(k), format, spec);
    paths.push(String(k));
  }
  return paths;
}

/** Deterministic pseudo-random uint16 data: smooth gradient plus hashed noise. */
export function seededUint16(length: number, seed = 1): Uint16Array {
  const out = new Uint16Array(length);
  let s = seed >>> 0;
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = ((i * 7) & 0x3fff) + (s >>> 20);
  }
  return out;
}

/**
 * Every file under `root` (relative path → sha256 of its bytes), for byte-identical comparisons
 * (hashes, because deep-equality of megabytes of Buffers is very slow in vitest).
 */
export async function readTree(root: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  async function walk(dir: string, rel: string): Promise<void> {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(join(dir, e.name), r);
      else
        out.set(
          r,
          createHash("sha256")
            .update(await readFile(join(dir, e.name)))
            .digest("hex"),
        );
    }
  }
  await walk(root, "");
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Round half to even, as the mean kernel does for integers. */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** Plain reference downsampling (stride, mean, max) of a C-order array, for comparisons. */
export function refDownsample(
  method: "stride" | "mean" | "max",
  src: ArrayLike<number>,
  shape: readonly number[],
  factors: readonly number[],
): number[] {
  const outShape = shape.map((n, i) => Math.ceil(n / factors[i]!));
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((p, n) => p * n, 1));
  const total = outShape.reduce((p, n) => p * n, 1);
  const out: number[] = [];
  for (let o = 0; o < total; o++) {
    const idx: number[] = [];
    let rest = o;
    for (let i = outShape.length - 1; i >= 0; i--) {
      idx[i] = rest % outShape[i]!;
      rest = Math.floor(rest / outShape[i]!);
    }
    const values: number[] = [];
    const visit = (axis: number, offset: number): void => {
      if (axis === shape.length) {
        values.push(src[offset]!);
        return;
      }
      const lo = idx[axis]! * factors[axis]!;
      const hi = Math.min(lo + factors[axis]!, shape[axis]!);
      for (let p = lo; p < hi; p++) visit(axis + 1, offset + p * strides[axis]!);
    };
    visit(0, 0);
    if (method === "stride") out.push(values[0]!);
    else if (method === "max") out.push(Math.max(...values));
    else out.push(roundHalfEven(values.reduce((a, b) => a + b, 0) / values.length));
  }
  return out;
}
