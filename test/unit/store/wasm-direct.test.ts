/**
 * Direct calls into numcodecs' wasm (wasm-direct.ts) must give exactly what numcodecs' own
 * wrappers give, and every encoder must write the same bytes with and without them.
 */
import Blosc from "numcodecs/blosc";
import LZ4 from "numcodecs/lz4";
import Zstd from "numcodecs/zstd";
import { afterAll, afterEach, describe, expect, test } from "vitest";
import { bloscDecode, bloscEncode, encodeBloscFrame } from "../../../src/store/blosc.js";
import { lz4Codec, zstdCodec } from "../../../src/store/codecs.js";
import type { BloscCname, BloscShuffle } from "../../../src/store/types.js";
import {
  _resetDirect,
  _setDirectEnabled,
  type DirectArg,
  type DirectModuleName,
  directModule,
  directModuleNow,
  MAX_FAILURES,
} from "../../../src/store/wasm-direct.js";

function noise(n: number, seed = 3): Uint8Array {
  const p = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    // Half smooth, half noisy: compressible but not trivially so.
    p[i] = i % 2 === 0 ? (i >> 10) & 0xff : (s >>> 26) & 0xff;
  }
  return p;
}

/** Byte equality without vitest's per-element deep equality (slow on megabytes). */
function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

type Wrapper = {
  encode(b: Uint8Array): Promise<Uint8Array>;
  decode(b: Uint8Array): Promise<Uint8Array>;
};
const wrappers: Record<DirectModuleName, [Wrapper, DirectArg[]]> = {
  lz4: [LZ4.fromConfig({ id: "lz4", acceleration: 3 } as never), [3]],
  zstd: [Zstd.fromConfig({ id: "zstd", level: 3 } as never), [3]],
  blosc: [
    Blosc.fromConfig({ id: "blosc", cname: "zstd", clevel: 2, shuffle: 2, blocksize: 0 } as never),
    ["zstd", 2, 2, 0],
  ],
};

afterEach(() => _setDirectEnabled(true));
// Files share their worker's modules (vitest isolate: false): the zstd binding this file retires
// on purpose (the last test) must not stay retired for the next file.
afterAll(() => _resetDirect());

describe.each(["lz4", "zstd", "blosc"] as const)("%s bound directly", (name) => {
  test("binds with this numcodecs build", async () => {
    const m = await directModule(name);
    expect(m).toBeDefined();
    expect(directModuleNow(name)).toBe(m);
  });

  test.each([0, 1, 200, 70_000, 1_000_003])(
    "%i bytes: same output as the wrapper, round trip",
    async (n) => {
      const m = (await directModule(name))!;
      const [wrapper, args] = wrappers[name];
      const src = noise(n, n + 1);
      const ref = await wrapper.encode(src);
      m.input(src.length).set(src);
      const mine = m.call("compress", args).slice();
      expect(same(mine, ref)).toBe(true);
      m.input(mine.length).set(mine);
      expect(same(m.call("decompress").slice(), src)).toBe(true);
      expect(same(await wrapper.decode(mine), src)).toBe(true);
    },
  );
});

test("inputs larger than the wasm heap grow memory; views are taken afresh", async () => {
  const m = (await directModule("lz4"))!;
  const src = noise(40_000_000, 9);
  const inp = m.input(src.length);
  inp.set(src);
  const out = m.call("compress", [1]).slice();
  // The call grew memory: the old input view is detached, lastInput() is not.
  expect(m.lastInput().length).toBe(src.length);
  expect(m.lastInput()[src.length - 1]).toBe(src[src.length - 1]);
  expect(same(await wrappers.lz4[0].decode(out), src)).toBe(true);
});

const CNAMES: BloscCname[] = ["lz4", "lz4hc", "zstd", "zlib"];
const SHUFFLES: BloscShuffle[] = ["noshuffle", "shuffle", "bitshuffle"];

describe("blosc frames are byte-identical with and without direct calls", () => {
  test.each(
    CNAMES.flatMap((c) => SHUFFLES.flatMap((s) => [1, 2, 4, 8].map((t) => [c, s, t] as const))),
  )("%s %s typesize %i", async (cname, shuffle, typesize) => {
    if (cname === "zlib" && typesize === 4) return expect(true).toBe(true); // c-blosc path only
    const src = noise(100_000 + 8 * typesize, typesize);
    const p = { cname, clevel: 5, shuffle, typesize, blocksize: 0 };
    const fast = await bloscEncode(src, p);
    _setDirectEnabled(false);
    const slow = await bloscEncode(src, p);
    _setDirectEnabled(true);
    expect(same(fast, slow)).toBe(true);
    expect(same(await bloscDecode(fast), src)).toBe(true);
  });

  test("incompressible blocks are stored raw, incompressible frames memcpyed, both ways", async () => {
    const src = new Uint8Array(100_000);
    let s = 1;
    for (let i = 0; i < src.length; i++) {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0;
      src[i] = s >>> 24;
    }
    for (const cname of ["lz4", "zstd"] as const) {
      const p = { cname, clevel: 5, shuffle: "shuffle" as const, typesize: 2, blocksize: 0 };
      const fast = await encodeBloscFrame(src, p);
      _setDirectEnabled(false);
      const slow = await encodeBloscFrame(src, p);
      _setDirectEnabled(true);
      expect(same(fast, slow)).toBe(true);
      expect(same(await bloscDecode(fast), src)).toBe(true);
    }
  });
});

test.each([
  ["lz4", () => lz4Codec(0)],
  ["zstd", () => zstdCodec(-5)],
  ["zstd 30", () => zstdCodec(30)],
] as const)("%s byte codec: same bytes with and without direct calls", async (_n, make) => {
  const src = noise(50_000, 5);
  const fast = await make().encode(src);
  _setDirectEnabled(false);
  const slow = await make().encode(src);
  expect(same(await make().decode(fast), src)).toBe(true);
  _setDirectEnabled(true);
  expect(same(fast, slow)).toBe(true);
  expect(same(await make().decodeWith(fast, (raw) => raw.slice()), src)).toBe(true);
});

// Last in this file: enough failed calls retire the binding for the rest of the process.
test("corrupt inputs reject; after MAX_FAILURES the wrapper takes over, still correct", async () => {
  const codec = zstdCodec(1);
  const src = noise(5000);
  const good = await codec.encode(src);
  const bad = good.slice(0, 20);
  await expect(codec.decode(bad)).rejects.toThrow(/zstd decompress failed/);
  expect(directModuleNow("zstd")).not.toBeNull(); // one failure does not retire it
  for (let i = 1; i < MAX_FAILURES; i++) await expect(codec.decode(bad)).rejects.toThrow();
  expect(directModuleNow("zstd")).toBeNull();
  expect(same(await codec.decode(good), src)).toBe(true);
  // lz4 reports corruption as an error code, which never retires the binding.
  const lz4 = lz4Codec(1);
  await expect(lz4.decode(noise(100))).rejects.toThrow(/error code/);
  expect(directModuleNow("lz4")).not.toBeNull();
});
