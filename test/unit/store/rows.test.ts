/**
 * Encoding a block from rows of a bigger buffer, read in place (src/store/rows.ts), gives the
 * bytes of encoding the block cut out first: shuffled rows against `byteShuffle` of the gathered
 * bytes, every blosc frame kind (compressed, blocks split inside a row, incompressible →
 * memcpyed, tiny → memcpyed), and whole chunk files written by `writeBlockRows` against
 * `writeBlock`.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { fc, test as propTest } from "@fast-check/vitest";
import { expect, test } from "vitest";
import { blockKeyOf, createArray, writeBlockRows } from "../../../src/store/array.js";
import { bloscEncode, byteShuffle } from "../../../src/store/blosc.js";
import { openLocalStore } from "../../../src/store/index.js";
import { copyBox } from "../../../src/store/region.js";
import { boxRows, gatherRows, rowsLength, shuffleRows } from "../../../src/store/rows.js";
import { ByteScratch } from "../../../src/store/scratch.js";
import { tempDir } from "./helpers.js";

function fill(a: Uint16Array | Float64Array, seed: number, noise: boolean): void {
  let s = seed >>> 0 || 1;
  for (let i = 0; i < a.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    a[i] = noise ? s >>> 16 : (i % 97) + (s >>> 30);
  }
}

/** A slab, a box in it, and the box cut out (what the write task copied before). */
function boxCase(g: {
  slab: number[];
  box: number[];
  at: number[];
  offset: number;
  seed: number;
  noise: boolean;
  wide: boolean;
}) {
  const n = g.slab.reduce((a, b) => a * b, 1);
  const Ctor = g.wide ? Float64Array : Uint16Array;
  const src = new Ctor(g.offset + n).subarray(g.offset);
  fill(src, g.seed, g.noise);
  const start = g.at.map((a, i) => Math.min(a, g.slab[i]! - g.box[i]!));
  const cut = new Ctor(g.box.reduce((a, b) => a * b, 1));
  copyBox(
    src,
    g.slab,
    start,
    cut,
    g.box,
    g.box.map(() => 0),
    g.box,
  );
  return { src, start, cut, rows: boxRows(src, g.slab, start, g.box) };
}

const geometry = fc
  .record({
    nd: fc.integer({ min: 1, max: 3 }),
    dims: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 3, maxLength: 3 }),
    box: fc.array(fc.integer({ min: 1, max: 40 }), { minLength: 3, maxLength: 3 }),
    at: fc.array(fc.integer({ min: 0, max: 39 }), { minLength: 3, maxLength: 3 }),
    offset: fc.constantFrom(0, 1, 2),
    seed: fc.integer({ min: 1, max: 2 ** 30 }),
    noise: fc.boolean(),
    wide: fc.boolean(),
  })
  .map((g) => {
    const slab = g.dims.slice(0, g.nd);
    return { ...g, slab, box: g.box.slice(0, g.nd).map((b, i) => Math.min(b, slab[i]!)) };
  });

propTest.prop([geometry], { numRuns: 200 })("gathered rows are the box's bytes", (g) => {
  const { cut, rows } = boxCase(g);
  const out = new Uint8Array(rowsLength(rows));
  gatherRows(rows, 0, out.length, out);
  expect(out).toEqual(new Uint8Array(cut.buffer, cut.byteOffset, cut.byteLength));
});

propTest.prop([geometry, fc.integer({ min: 1, max: 9 })], { numRuns: 200 })(
  "shuffled rows equal the shuffle of the gathered bytes, for any range",
  (g, parts) => {
    const { cut, rows } = boxCase(g);
    const flat = new Uint8Array(cut.buffer, cut.byteOffset, cut.byteLength);
    const ts = cut.BYTES_PER_ELEMENT;
    // A range as a blosc block takes it: [lo, hi) in whole elements.
    const len = flat.length;
    const lo = Math.floor(len / parts / ts) * ts * Math.min(1, parts - 1);
    for (const [a, b] of [
      [0, len],
      [lo, len],
    ] as const) {
      const want = new Uint8Array(b - a);
      byteShuffle(flat.subarray(a, b), want, ts);
      const got = new Uint8Array(b - a);
      shuffleRows(rows, a, b, got, ts);
      expect(got).toEqual(want);
    }
  },
);

test.each([
  ["lz4, chunk rows of 256 uint16 (the word path)", "lz4", [2048, 2048], [256, 256], false, 0],
  ["zstd, rows of 100 (blocks split rows)", "zstd", [300, 500], [200, 100], false, 0],
  ["lz4, noise (incompressible: memcpyed)", "lz4", [64, 512], [64, 256], true, 0],
  ["lz4, a tiny block (memcpyed)", "lz4", [8, 8], [4, 4], false, 0],
  ["lz4, 2-byte offset view (byte path)", "lz4", [512, 512], [128, 128], false, 1],
] as const)(
  "blosc frame from rows = frame from the cut-out block: %s",
  async (_, cname, slab, box, noise, offset) => {
    const { cut, rows } = boxCase({
      slab: [...slab],
      box: [...box],
      at: [37, 64],
      offset,
      seed: 5,
      noise,
      wide: false,
    });
    const p = { cname, clevel: 5, shuffle: "shuffle", typesize: 2, blocksize: 0 } as const;
    const want = await bloscEncode(new Uint8Array(cut.buffer, cut.byteOffset, cut.byteLength), p);
    const got = await bloscEncode(rows, p, new ByteScratch());
    expect(Buffer.from(got).equals(Buffer.from(want))).toBe(true);
  },
);

test("writeBlockRows writes the chunk file writeBlock writes; declines edge blocks and other codecs", async () => {
  const { dir, cleanup } = await tempDir("ngff-rows-");
  const store = await openLocalStore(dir);
  const spec = {
    shape: [3, 70, 90],
    dtype: "uint16",
    chunks: [1, 32, 32],
    codec: { name: "blosc", cname: "lz4", clevel: 5, shuffle: "shuffle" },
  } as const;
  const a = await createArray(store, "a", 2, spec);
  const b = await createArray(store, "b", 2, spec);
  const slab = new Uint16Array(3 * 70 * 90);
  fill(slab, 9, false);
  const coords = [1, 1, 2]; // [1, 32:64, 64:90]: an edge chunk (x ends at 90, not 96)
  expect(writeBlockRows(a, coords, slab, [3, 70, 90], [1, 32, 64])).toBeUndefined();
  const inner = [2, 1, 1]; // [2, 32:64, 32:64]
  const written = writeBlockRows(a, inner, slab, [3, 70, 90], [2, 32, 32]);
  expect(written).toBeDefined();
  await written;
  const cut = new Uint16Array(32 * 32);
  copyBox(slab, [3, 70, 90], [2, 32, 32], cut, [1, 32, 32], [0, 0, 0], [1, 32, 32]);
  await b.writeBlock(inner, cut);
  const fa = await readFile(join(dir, blockKeyOf(a, inner)));
  const fb = await readFile(join(dir, blockKeyOf(b, inner)));
  expect(fa.equals(fb)).toBe(true);
  const z = await createArray(store, "z", 2, { ...spec, codec: { name: "zstd", level: 3 } });
  expect(writeBlockRows(z, inner, slab, [3, 70, 90], [2, 32, 32])).toBeUndefined();
  await cleanup();
});
