/**
 * Zarr v3 `sharding_indexed` shards, built whole in memory: inner chunks (already encoded by
 * the inner codec pipeline) concatenated in C order, then the index — `[offset, nbytes]`
 * uint64 little-endian per inner chunk, `2^64-1` twice for an empty chunk — then its CRC-32C.
 */
import { InvalidMetadataError } from "../errors.js";
import { crc32c } from "./crc32c.js";

/** Marker of an empty inner chunk in the index (offset and nbytes). */
export const EMPTY_CHUNK = 0xffffffffffffffffn;

/** Size in bytes of the index of a shard with `n` inner chunks. */
export function shardIndexBytes(n: number, withCrc: boolean): number {
  return 16 * n + (withCrc ? 4 : 0);
}

/**
 * Assemble one shard. `chunks[i]` is the encoded inner chunk i (C order over the inner grid),
 * undefined when empty (all fill value).
 */
export function encodeShard(
  chunks: readonly (Uint8Array | undefined)[],
  withCrc: boolean,
): Uint8Array {
  let dataBytes = 0;
  for (const c of chunks) dataBytes += c?.length ?? 0;
  const out = new Uint8Array(dataBytes + shardIndexBytes(chunks.length, withCrc));
  const dv = new DataView(out.buffer);
  let pos = 0;
  chunks.forEach((c, i) => {
    const at = dataBytes + 16 * i;
    if (c === undefined) {
      dv.setBigUint64(at, EMPTY_CHUNK, true);
      dv.setBigUint64(at + 8, EMPTY_CHUNK, true);
      return;
    }
    out.set(c, pos);
    dv.setBigUint64(at, BigInt(pos), true);
    dv.setBigUint64(at + 8, BigInt(c.length), true);
    pos += c.length;
  });
  if (withCrc) {
    const indexEnd = dataBytes + 16 * chunks.length;
    dv.setUint32(indexEnd, crc32c(out.subarray(dataBytes, indexEnd)), true);
  }
  return out;
}

function corrupt(source: string, message: string): InvalidMetadataError {
  return new InvalidMetadataError([{ code: "corrupt_shard", location: source, message }], {
    source,
    summary: `corrupt shard ${source}`,
  });
}

/**
 * Decode a shard index (the last `shardIndexBytes` bytes of a shard, or the whole shard):
 * `[offset, nbytes]` per inner chunk, undefined for empty ones.
 * @param shardLength - total shard size, to check that every range lies inside it.
 * @throws {InvalidMetadataError} on a crc32c mismatch or a range outside the shard.
 */
export function decodeShardIndex(
  bytes: Uint8Array,
  n: number,
  withCrc: boolean,
  shardLength: number,
  source: string,
): ([number, number] | undefined)[] {
  const size = shardIndexBytes(n, withCrc);
  if (bytes.length < size)
    throw corrupt(source, `shard has ${bytes.length} bytes, its index needs ${size}`);
  const index = bytes.subarray(bytes.length - size);
  const dv = new DataView(index.buffer, index.byteOffset, index.byteLength);
  if (withCrc) {
    const stored = dv.getUint32(16 * n, true);
    const actual = crc32c(index.subarray(0, 16 * n));
    if (stored !== actual) {
      throw corrupt(
        source,
        `index crc32c is 0x${stored.toString(16)}, computed 0x${actual.toString(16)}`,
      );
    }
  }
  const out: ([number, number] | undefined)[] = [];
  for (let i = 0; i < n; i++) {
    const off = dv.getBigUint64(16 * i, true);
    const len = dv.getBigUint64(16 * i + 8, true);
    if (off === EMPTY_CHUNK && len === EMPTY_CHUNK) {
      out.push(undefined);
      continue;
    }
    if (off + len > BigInt(shardLength - size)) {
      throw corrupt(
        source,
        `inner chunk ${i} range [${off}, ${off + len}) lies outside the shard data`,
      );
    }
    out.push([Number(off), Number(len)]);
  }
  return out;
}

/** Split a whole shard into its encoded inner chunks (views; undefined when empty). */
export function splitShard(
  shard: Uint8Array,
  n: number,
  withCrc: boolean,
  source: string,
): (Uint8Array | undefined)[] {
  return decodeShardIndex(shard, n, withCrc, shard.length, source).map((r) =>
    r === undefined ? undefined : shard.subarray(r[0], r[0] + r[1]),
  );
}
