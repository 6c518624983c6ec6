/**
 * wasm-direct.ts is tied to the numcodecs version it was checked against (another version takes
 * the plain path, through numcodecs' wrappers, with the same bytes), and it binds without ever
 * replacing a global: the wasm is instantiated through emscripten's `instantiateWasm` hook.
 */
import { readFileSync } from "node:fs";
import Blosc from "numcodecs/blosc";
import LZ4 from "numcodecs/lz4";
import Zstd from "numcodecs/zstd";
import { afterEach, expect, test } from "vitest";
import { bloscDecode, bloscEncode } from "../../../src/store/blosc.js";
import { lz4Codec, zstdCodec } from "../../../src/store/codecs.js";
import {
  _resetDirect,
  CHECKED_NUMCODECS_VERSION,
  type DirectModuleName,
  directModule,
  directModuleNow,
  directUnavailableReason,
} from "../../../src/store/wasm-direct.js";

const NAMES: DirectModuleName[] = ["lz4", "zstd", "blosc"];
/** The WebAssembly global (typed loosely: this project's lib has no DOM). */
const WA = (globalThis as unknown as { WebAssembly: Record<string, unknown> }).WebAssembly;

function noise(n: number, seed = 3): Uint8Array {
  const p = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    p[i] = i % 2 === 0 ? (i >> 10) & 0xff : (s >>> 26) & 0xff;
  }
  return p;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

afterEach(() => _resetDirect());

test("the installed numcodecs is the version the direct calls were checked against", () => {
  const url = new URL("../package.json", import.meta.resolve("numcodecs"));
  const { version } = JSON.parse(readFileSync(url, "utf8")) as { version: string };
  // If this fails after an upgrade, re-check wasm-direct.ts against the new build (its factory,
  // bindings and hashes) before changing CHECKED_NUMCODECS_VERSION: until then, all direct calls
  // are off and every lz4/zstd/blosc chunk goes through numcodecs' slower wrappers.
  expect(version).toBe(CHECKED_NUMCODECS_VERSION);
});

test("WebAssembly.instantiate is the same function before, during and after loading", async () => {
  _resetDirect();
  const before = Object.getOwnPropertyDescriptors(WA);
  const original = WA.instantiate;
  // For the duration of the load, an accessor that hands out the original and records writes:
  // a patch, however brief (even one undone before we could poll), shows up as a write.
  let reads = 0;
  const writes: unknown[] = [];
  const get = () => {
    reads++;
    return original;
  };
  const set = (v: unknown) => {
    writes.push(v);
  };
  Object.defineProperty(WA, "instantiate", { get, set, configurable: true });
  try {
    let done = false;
    const loading = Promise.all(NAMES.map((n) => directModule(n))).finally(() => {
      done = true;
    });
    let polls = 0;
    while (!done) {
      expect(WA.instantiate).toBe(original);
      polls++;
      await new Promise((r) => setImmediate(r));
    }
    const modules = await loading;
    for (const [i, m] of modules.entries()) {
      expect(m, `${NAMES[i]}: ${directUnavailableReason(NAMES[i]!)}`).toBeDefined();
    }
    expect(polls).toBeGreaterThan(0);
    expect(reads).toBeGreaterThanOrEqual(NAMES.length); // instantiated while we watched
    expect(writes).toEqual([]);
    const d = Object.getOwnPropertyDescriptor(WA, "instantiate")!;
    expect(d.get).toBe(get); // nobody redefined it either
    expect(d.set).toBe(set);
  } finally {
    Object.defineProperty(WA, "instantiate", before.instantiate!);
  }
  expect(WA.instantiate).toBe(original);
  expect(Object.getOwnPropertyDescriptors(WA)).toEqual(before);
});

test("another numcodecs version: the plain path, with the same bytes", async () => {
  const src = noise(80_000, 11);
  const blosc = {
    cname: "zstd",
    clevel: 3,
    shuffle: "shuffle",
    typesize: 2,
    blocksize: 0,
  } as const;

  // Checked version: bound directly.
  _resetDirect();
  for (const n of NAMES) expect(await directModule(n)).toBeDefined();
  const direct = {
    lz4: await lz4Codec(2).encode(src),
    zstd: await zstdCodec(4).encode(src),
    blosc: await bloscEncode(src, blosc),
  };

  _resetDirect({ numcodecsVersion: "0.3.3" });
  for (const n of NAMES) {
    expect(await directModule(n)).toBeUndefined();
    expect(directModuleNow(n)).toBeNull();
    expect(directUnavailableReason(n)).toBe(
      `numcodecs 0.3.3 is installed; direct calls were checked against ${CHECKED_NUMCODECS_VERSION}`,
    );
  }
  const lz4 = lz4Codec(2);
  const zstd = zstdCodec(4);
  const plain = {
    lz4: await lz4.encode(src),
    zstd: await zstd.encode(src),
    blosc: await bloscEncode(src, blosc),
  };
  // Still no module bound: the codecs went through numcodecs' wrappers.
  for (const n of NAMES) expect(directModuleNow(n)).toBeNull();

  const ref = {
    lz4: await LZ4.fromConfig({ id: "lz4", acceleration: 2 } as never).encode(src),
    zstd: await Zstd.fromConfig({ id: "zstd", level: 4 } as never).encode(src),
  };
  expect(same(plain.lz4, ref.lz4)).toBe(true);
  expect(same(plain.zstd, ref.zstd)).toBe(true);
  for (const n of NAMES) expect(same(plain[n], direct[n]), n).toBe(true);

  expect(same(await lz4.decode(plain.lz4), src)).toBe(true);
  expect(same(await zstd.decodeWith(plain.zstd, (raw) => raw.slice()), src)).toBe(true);
  expect(same(await bloscDecode(plain.blosc), src)).toBe(true);
  const wrapperBlosc = Blosc.fromConfig({ id: "blosc" } as never);
  expect(same(await wrapperBlosc.decode(plain.blosc), src)).toBe(true);
  for (const n of NAMES) expect(directModuleNow(n)).toBeNull();
});
