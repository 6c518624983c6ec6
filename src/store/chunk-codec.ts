/** Encoding and decoding of one whole chunk: C-order typed array ⇄ stored bytes. */
import { endianness } from "node:os";
import { InvalidMetadataError, ShapeMismatchError, UnsupportedError } from "../errors.js";
import type { BytesCodec } from "./codecs.js";
import { compressorFor } from "./codecs.js";
import { type Rows, rowsLength } from "./rows.js";
import type { ByteScratch } from "./scratch.js";
import type { ArrayMeta } from "./spec.js";
import type { AnyTypedArray } from "./types.js";
import { bytesOf, dtypeByteSize, product, typedArrayView } from "./types.js";

/** Encoder/decoder for the chunks of one array (`bytes` little-endian + its compressor). */
export class ChunkCodec {
  readonly #compressor: BytesCodec | undefined;
  readonly #meta: ArrayMeta;
  /** Bytes of one decoded chunk. */
  readonly chunkBytes: number;

  constructor(meta: ArrayMeta) {
    if (endianness() !== "LE") {
      throw new UnsupportedError(
        "big-endian host",
        "ngff-writer's store layer needs a little-endian host",
      );
    }
    this.#meta = meta;
    this.#compressor = compressorFor(meta.codec, dtypeByteSize(meta.dtype));
    this.chunkBytes = product(meta.chunks) * dtypeByteSize(meta.dtype);
  }

  /** Encode a whole chunk (length = product of the chunk shape) into bytes the caller owns. */
  async encode(chunk: AnyTypedArray): Promise<Uint8Array> {
    const raw = bytesOf(chunk);
    return this.#compressor === undefined ? raw.slice() : this.#compressor.encode(raw);
  }

  /**
   * Encode a whole chunk; the result may be a view of `chunk` (no compressor) or of `scratch`,
   * valid until either is reused.
   */
  async encodeTo(chunk: AnyTypedArray, scratch: ByteScratch): Promise<Uint8Array> {
    const raw = bytesOf(chunk);
    return this.#compressor === undefined ? raw : this.#compressor.encodeTo(raw, scratch);
  }

  /** True when {@link encodeRowsTo} reads rows in place (no copy). */
  get readsRows(): boolean {
    return this.#compressor?.encodeRowsTo !== undefined;
  }

  /**
   * Encode a whole chunk given as rows of a bigger buffer (see rows.ts); only where
   * {@link readsRows}. The result is a view of `scratch`, valid until it is reused.
   */
  async encodeRowsTo(rows: Rows, scratch: ByteScratch): Promise<Uint8Array> {
    const encode = this.#compressor?.encodeRowsTo;
    if (encode === undefined) {
      throw new UnsupportedError(
        "rows for this codec",
        `codec ${this.#meta.codec.name} does not encode rows in place; check readsRows first`,
      );
    }
    if (rowsLength(rows) !== this.chunkBytes) {
      throw new ShapeMismatchError(
        `${this.chunkBytes} bytes`,
        `${rowsLength(rows)} bytes`,
        `rows of ${rowsLength(rows)} bytes given for a chunk of ${this.chunkBytes} bytes`,
      );
    }
    return encode(rows, scratch);
  }

  /**
   * Decode a stored chunk into a fresh typed array the caller may modify.
   * @throws {InvalidMetadataError} when the decoded size is not the chunk size.
   */
  async decode(bytes: Uint8Array, source: string): Promise<AnyTypedArray> {
    return this.decodeWith(bytes, source, (chunk) => chunk.slice());
  }

  /**
   * Decode a stored chunk and call `use` with it: a view that is valid only during the call
   * (often wasm memory), so copy what you need out of it before returning.
   * @throws {InvalidMetadataError} when the decoded size is not the chunk size.
   */
  async decodeWith<T>(
    bytes: Uint8Array,
    source: string,
    use: (chunk: AnyTypedArray) => T,
  ): Promise<T> {
    let decoded = false;
    const wrap = (raw: Uint8Array): T => {
      decoded = true;
      this.#checkSize(raw, source);
      return use(typedArrayView(this.#meta.dtype, raw));
    };
    if (this.#compressor === undefined) return wrap(bytes);
    try {
      return await this.#compressor.decodeWith(bytes, wrap);
    } catch (e) {
      if (decoded) throw e;
      const why = e instanceof Error ? e.message : String(e);
      throw corrupt(source, `cannot decode it (${why})`, "chunk_decode_failed", e);
    }
  }

  #checkSize(raw: Uint8Array, source: string): void {
    if (raw.byteLength !== this.chunkBytes) {
      throw corrupt(
        source,
        `decoded chunk has ${raw.byteLength} bytes, expected ${this.chunkBytes}`,
        "chunk_size_mismatch",
      );
    }
  }
}

function corrupt(
  source: string,
  message: string,
  code: string,
  cause?: unknown,
): InvalidMetadataError {
  return new InvalidMetadataError([{ code, location: source, message }], {
    source,
    summary: `corrupt chunk ${source}; rewrite or delete it`,
    cause,
  });
}
