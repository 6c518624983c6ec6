/**
 * numcodecs' codec classes (its embind wrappers), imported on first use. They are the plain
 * path behind the direct calls (wasm-direct.ts), which read numcodecs' files themselves: a
 * process or pool thread whose direct calls bind never imports them. Importing them up front
 * cost every process and pool thread ~90 ms of CPU (blosc.js and zstd.js are 1.4 MB of
 * JavaScript that decode their inlined wasm from base64 on import; bench/cold-start.bench.ts).
 */
import type { Codec } from "numcodecs";

/** The numcodecs modules whose codec class we use. */
export type NumcodecsName = "blosc" | "lz4" | "zstd";

/** `fromConfig`'s argument of each codec class. */
export interface NumcodecsConfig {
  blosc: { id: "blosc"; cname?: string; clevel?: number; shuffle?: number; blocksize?: number };
  lz4: { id: "lz4"; acceleration?: number };
  zstd: { id: "zstd"; level?: number };
}

const classes = {
  blosc: () => import("numcodecs/blosc"),
  lz4: () => import("numcodecs/lz4"),
  zstd: () => import("numcodecs/zstd"),
} as const;

/** A numcodecs codec with promise-returning methods. */
export interface NumcodecsCodec {
  encode(b: Uint8Array): Promise<Uint8Array>;
  decode(b: Uint8Array): Promise<Uint8Array>;
}

/**
 * numcodecs' codec `name` configured with `config`; its module is imported by the first
 * `encode` or `decode` (an import that fails rejects that call and is tried again by the next).
 */
export function numcodecsCodec<N extends NumcodecsName>(
  name: N,
  config: NumcodecsConfig[N],
): NumcodecsCodec {
  let codec: Codec | undefined;
  const get = async (): Promise<Codec> => {
    if (codec === undefined) {
      const { default: cls } = await classes[name]();
      codec = cls.fromConfig(config as Parameters<typeof cls.fromConfig>[0]);
    }
    return codec;
  };
  return {
    encode: async (b) => (await get()).encode(b),
    decode: async (b) => (await get()).decode(b),
  };
}
