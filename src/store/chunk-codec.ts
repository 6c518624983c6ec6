/** Encoding and decoding of one whole chunk: C-order typed array ⇄ stored bytes. */
import { endianness } from "node:os";
import { InvalidMetadataError, UnsupportedError } from "../errors.js";
import type { BytesCodec } from "./codecs.js";
import { compressorFor } from "./codecs.js";
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

  /** Encode a whole chunk (length = product of the chunk shape). */
  async encode(chunk: AnyTypedArray): Promise<Uint8Array> {
    const raw = bytesOf(chunk);
    return this.#compressor === undefined ? raw : this.#compressor.encode(raw);
  }

  /**
   * Decode a stored chunk into a fresh typed array the caller may modify.
   * @throws {InvalidMetadataError} when the decoded size is not the chunk size.
   */
  async decode(bytes: Uint8Array, source: string): Promise<AnyTypedArray> {
    const raw =
      this.#compressor === undefined ? bytes.slice() : await this.#compressor.decode(bytes);
    if (raw.byteLength !== this.chunkBytes) {
      throw new InvalidMetadataError(
        [
          {
            code: "chunk_size_mismatch",
            location: source,
            message: `decoded chunk has ${raw.byteLength} bytes, expected ${this.chunkBytes}`,
          },
        ],
        { source, summary: `corrupt chunk ${source}` },
      );
    }
    return typedArrayView(this.#meta.dtype, raw);
  }
}
