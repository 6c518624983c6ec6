/**
 * Our own blosc frame decoder (blosc-decode.ts) must agree with c-blosc on every frame we write,
 * leave every other frame to c-blosc, and refuse inconsistent frames.
 */
import Blosc from "numcodecs/blosc";
import { describe, expect, test } from "vitest";
import { bloscDecode, bloscDecodeWith, encodeBloscFrame } from "../../../src/store/blosc.js";
import { decodeOwnFrame, frameCodec } from "../../../src/store/blosc-decode.js";
import type { BloscCname, BloscShuffle } from "../../../src/store/types.js";
import { directModule } from "../../../src/store/wasm-direct.js";

const cblosc = Blosc.fromConfig({ id: "blosc" } as never);

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  );
}

function sample(n: number, seed: number, noisy = false): Uint8Array {
  const p = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    p[i] = noisy ? s >>> 24 : i % 2 === 0 ? (i >> 9) & 0xff : (s >>> 27) & 0xff;
  }
  return p;
}

async function ours(frame: Uint8Array): Promise<Uint8Array | undefined> {
  const name = frameCodec(frame);
  if (name === undefined) return undefined;
  return decodeOwnFrame(frame, (await directModule(name))!)?.slice();
}

const CNAMES: BloscCname[] = ["lz4", "zstd", "zlib"];
const SHUFFLES: BloscShuffle[] = ["noshuffle", "shuffle", "bitshuffle"];

describe("frames we write decode here exactly as c-blosc decodes them", () => {
  test.each(
    CNAMES.flatMap((c) => SHUFFLES.flatMap((s) => [1, 2, 8].map((t) => [c, s, t] as const))),
  )("%s %s typesize %i", async (cname, shuffle, typesize) => {
    // Sizes: tiny (memcpyed), one block, several blocks with a short last one and leftover bytes.
    for (const [n, blocksize] of [
      [100, 0],
      [5000, 0],
      [70_001, 4096],
      [131_072, 0],
    ] as const) {
      const src = sample(n, n + typesize);
      const frame = await encodeBloscFrame(src, { cname, clevel: 5, shuffle, typesize, blocksize });
      expect(same(await cblosc.decode(frame), src)).toBe(true);
      const mine = await ours(frame);
      const handled =
        cname !== "zlib" && shuffle !== "bitshuffle" && (shuffle === "noshuffle" || typesize <= 2);
      // Tiny buffers are stored memcpyed, which we decode for lz4 and zstd frames.
      if (handled || (n < 128 && cname !== "zlib"))
        expect(mine !== undefined && same(mine, src)).toBe(true);
      else expect(mine).toBeUndefined();
      // Whoever decodes it, bloscDecode returns the data.
      expect(same(await bloscDecode(frame), src)).toBe(true);
    }
  });

  test("incompressible blocks (stored raw) and frames (memcpyed)", async () => {
    const src = sample(100_000, 1, true);
    for (const cname of ["lz4", "zstd"] as const) {
      const frame = await encodeBloscFrame(src, {
        cname,
        clevel: 5,
        shuffle: "shuffle",
        typesize: 2,
        blocksize: 8192,
      });
      const mine = await ours(frame);
      expect(mine !== undefined && same(mine, src)).toBe(true);
    }
  });
});

test("frames written by c-blosc itself (split blocks) are left to c-blosc", async () => {
  const src = sample(65_536, 5);
  const writer = Blosc.fromConfig({ id: "blosc", cname: "lz4", clevel: 5, shuffle: 1 } as never);
  const frame = await writer.encode(src);
  expect(await ours(frame)).toBeUndefined();
  expect(same(await bloscDecodeWith(frame, (r) => r.slice()), src)).toBe(true);
});

test("inconsistent frames of our kind are refused", async () => {
  const src = sample(20_000, 7);
  const frame = await encodeBloscFrame(src, {
    cname: "lz4",
    clevel: 5,
    shuffle: "shuffle",
    typesize: 2,
    blocksize: 4096,
  });
  const m = (await directModule("lz4"))!;
  const pastEnd = frame.slice();
  new DataView(pastEnd.buffer).setUint32(16 + 4, frame.length - 2, true); // block 1 offset
  expect(() => decodeOwnFrame(pastEnd, m)).toThrow(/block 1/);
  const garbled = frame.slice();
  const b0 = new DataView(garbled.buffer).getUint32(16, true);
  garbled.fill(0xee, b0 + 4, b0 + 40);
  expect(() => decodeOwnFrame(garbled, m)).toThrow();
  const tooMany = frame.slice();
  new DataView(tooMany.buffer).setUint32(4, 1e9, true); // nbytes: offsets table cannot fit
  expect(() => decodeOwnFrame(tooMany, m)).toThrow(/offsets/);
});
