/**
 * Reads rows of one sample of one TIFF page into a typed array, region by region, so a file is
 * never whole in memory. Uncompressed strips are read row by row straight from the file;
 * compressed strips and tiles are decoded with geotiff's decoders (deflate, LZW, PackBits, zstd,
 * predictors) and kept in a small LRU cache so a block that spans several bands is decoded once.
 */
import type { FileHandle } from "node:fs/promises";
import { getDecoder } from "geotiff";
import { InvalidMetadataError } from "../errors.js";
import {
  swapBytes,
  type TiffDataType,
  type TiffTypedArray,
  tiffDataType,
  tiffDataTypeSize,
  typedView,
} from "./dtype.js";
import type { TiffIfd } from "./structure.js";

/** A window of a page: rows `[y0, y1)`, columns `[x0, x1)`. */
export interface Window {
  y0: number;
  y1: number;
  x0: number;
  x1: number;
}

interface Decoder {
  decode(buffer: ArrayBufferLike): Promise<ArrayBufferLike>;
}

/** Default byte budget of the decoded-block cache. */
export const DEFAULT_BLOCK_CACHE_BYTES = 64 * 1024 * 1024;

/** Reads rows from the pages of one open TIFF file. */
export class PlaneReader {
  readonly #fh: FileHandle;
  readonly #path: string;
  readonly #le: boolean;
  readonly #decoders = new Map<string, Promise<Decoder>>();
  readonly #cache = new Map<string, Promise<ArrayBuffer>>();
  readonly #cacheSizes = new Map<string, number>();
  readonly #cacheBudget: number;
  #cacheBytes = 0;

  constructor(
    fh: FileHandle,
    path: string,
    littleEndian: boolean,
    cacheBytes = DEFAULT_BLOCK_CACHE_BYTES,
  ) {
    this.#fh = fh;
    this.#path = path;
    this.#le = littleEndian;
    this.#cacheBudget = cacheBytes;
  }

  /**
   * Read the window `[y0, y1) × [x0, x1)` of sample `sample` of `page` into `target` (C-order,
   * row length `x1 - x0`) starting at element `targetOffset`.
   * @throws {InvalidMetadataError} (code `tiff_corrupt`) when a block decodes to fewer bytes than
   *   its geometry needs.
   */
  async readWindow(
    page: TiffIfd,
    sample: number,
    w: Window,
    target: TiffTypedArray,
    targetOffset: number,
  ): Promise<void> {
    const dtype = tiffDataType(page.sampleFormat[0]!, page.bitsPerSample[0]!, this.#path);
    if (page.compression === 1 && !page.tiled) {
      await this.#readRawStrips(page, dtype, sample, w, target, targetOffset);
      return;
    }
    const bw = page.blockWidth;
    const bh = page.blockHeight;
    const across = Math.ceil(page.width / bw);
    const down = Math.ceil(page.height / bh);
    const planeOffset = page.planarConfiguration === 2 ? sample * across * down : 0;
    const jobs: Promise<void>[] = [];
    for (let by = Math.floor(w.y0 / bh); by * bh < w.y1; by++) {
      for (let bx = Math.floor(w.x0 / bw); bx * bw < w.x1; bx++) {
        const index = planeOffset + by * across + bx;
        jobs.push(
          this.#block(page, dtype, index, by).then((block) => {
            this.#copyBlock(page, dtype, block, sample, bx, by, w, target, targetOffset);
          }),
        );
      }
    }
    await Promise.all(jobs);
  }

  async #readRawStrips(
    page: TiffIfd,
    dtype: TiffDataType,
    sample: number,
    w: Window,
    target: TiffTypedArray,
    targetOffset: number,
  ): Promise<void> {
    const size = tiffDataTypeSize(dtype);
    const spp = page.samplesPerPixel;
    const chunky = page.planarConfiguration === 1 && spp > 1;
    const pixelBytes = chunky ? size * spp : size;
    const rowBytes = page.width * pixelBytes;
    const cols = w.x1 - w.x0;
    const fullRows = w.x0 === 0 && w.x1 === page.width;
    const rps = page.blockHeight;
    const stripsPerPlane = Math.ceil(page.height / rps);
    const planeOffset = page.planarConfiguration === 2 ? sample * stripsPerPlane : 0;
    for (let s = Math.floor(w.y0 / rps); s * rps < w.y1; s++) {
      const ra = Math.max(w.y0, s * rps);
      const rb = Math.min(w.y1, (s + 1) * rps, page.height);
      const dst = targetOffset + (ra - w.y0) * cols;
      if (page.blockByteCounts[planeOffset + s] === 0) {
        target.fill(0, dst, dst + (rb - ra) * cols);
        continue;
      }
      const stripAt = page.blockOffsets[planeOffset + s]! + (ra - s * rps) * rowBytes;
      if (!chunky && fullRows) {
        // Whole rows of one sample are contiguous in the file: read straight into the target.
        const bytes = new Uint8Array(
          target.buffer,
          target.byteOffset + dst * size,
          (rb - ra) * cols * size,
        );
        await this.#readExactly(bytes, stripAt, page);
        if (!this.#le) swapBytes(bytes, size);
        continue;
      }
      // A window narrower than the page, or interleaved samples: one read per row segment.
      const segment = new Uint8Array(cols * pixelBytes);
      const src = typedView(dtype, segment.buffer, 0, cols * (chunky ? spp : 1));
      for (let y = ra; y < rb; y++) {
        await this.#readExactly(segment, stripAt + (y - ra) * rowBytes + w.x0 * pixelBytes, page);
        if (!this.#le) swapBytes(segment, size);
        const o = dst + (y - ra) * cols;
        if (!chunky) target.set(src as never, o);
        else for (let i = 0, j = sample; i < cols; i++, j += spp) target[o + i] = src[j]!;
      }
    }
  }

  async #readExactly(bytes: Uint8Array, position: number, page: TiffIfd): Promise<void> {
    let done = 0;
    while (done < bytes.length) {
      const { bytesRead } = await this.#fh.read(bytes, done, bytes.length - done, position + done);
      if (bytesRead === 0) {
        throw new InvalidMetadataError(
          [
            {
              code: "tiff_truncated",
              location: `page ${page.index}`,
              message: `the file ended at byte ${position + done} while reading page ${page.index}`,
            },
          ],
          {
            source: this.#path,
            summary: `truncated TIFF ${this.#path}: the file shrank while it was read`,
          },
        );
      }
      done += bytesRead;
    }
  }

  #decoder(page: TiffIfd): Promise<Decoder> {
    const params = {
      tileWidth: page.blockWidth,
      tileHeight: page.blockHeight,
      predictor: page.predictor,
      bitsPerSample: [...page.bitsPerSample],
      planarConfiguration: page.planarConfiguration,
      samplesPerPixel: page.samplesPerPixel,
    };
    const key = JSON.stringify([page.compression, params]);
    let d = this.#decoders.get(key);
    if (d === undefined) {
      d = getDecoder(page.compression, params) as Promise<Decoder>;
      this.#decoders.set(key, d);
    }
    return d;
  }

  /** The decoded bytes of block `index` (in native byte order), through the LRU cache. */
  #block(page: TiffIfd, dtype: TiffDataType, index: number, by: number): Promise<ArrayBuffer> {
    const key = `${page.index}:${index}`;
    const hit = this.#cache.get(key);
    if (hit !== undefined) {
      this.#cache.delete(key);
      this.#cache.set(key, hit);
      return hit;
    }
    const size = tiffDataTypeSize(dtype);
    const pixelBytes = page.planarConfiguration === 2 ? size : size * page.samplesPerPixel;
    const rows = page.tiled
      ? page.blockHeight
      : Math.min(page.blockHeight, page.height - by * page.blockHeight);
    const need = rows * page.blockWidth * pixelBytes;
    const load = (async (): Promise<ArrayBuffer> => {
      const count = page.blockByteCounts[index]!;
      if (count === 0) return new ArrayBuffer(need);
      const raw = new Uint8Array(count);
      await this.#readExactly(raw, page.blockOffsets[index]!, page);
      let out: ArrayBuffer;
      if (page.compression === 1) {
        out = raw.buffer;
      } else {
        const decoded = await (await this.#decoder(page)).decode(raw.buffer);
        out = decoded instanceof ArrayBuffer ? decoded : new Uint8Array(decoded).slice().buffer;
      }
      if (out.byteLength < need) {
        throw new InvalidMetadataError(
          [
            {
              code: "tiff_corrupt",
              location: `page ${page.index} block ${index}`,
              message: `decodes to ${out.byteLength} bytes; expected ${need}`,
            },
          ],
          {
            source: this.#path,
            summary: `corrupt TIFF ${this.#path}: page ${page.index} block ${index} is damaged`,
          },
        );
      }
      // Predictor 3 output is already in native order (geotiff reassembles the bytes).
      if (!this.#le && page.predictor !== 3) swapBytes(new Uint8Array(out), size);
      return out;
    })();
    this.#cache.set(key, load);
    this.#cacheSizes.set(key, need);
    this.#cacheBytes += need;
    load.catch(() => this.#evict(key));
    while (this.#cacheBytes > this.#cacheBudget && this.#cache.size > 1) {
      const oldest = this.#cache.keys().next().value as string;
      this.#evict(oldest);
    }
    return load;
  }

  #evict(key: string): void {
    if (!this.#cache.delete(key)) return;
    this.#cacheBytes -= this.#cacheSizes.get(key) ?? 0;
    this.#cacheSizes.delete(key);
  }

  #copyBlock(
    page: TiffIfd,
    dtype: TiffDataType,
    block: ArrayBuffer,
    sample: number,
    bx: number,
    by: number,
    w: Window,
    target: TiffTypedArray,
    targetOffset: number,
  ): void {
    const size = tiffDataTypeSize(dtype);
    const src = typedView(dtype, block, 0, Math.floor(block.byteLength / size));
    const bw = page.blockWidth;
    const stride = page.planarConfiguration === 2 ? 1 : page.samplesPerPixel;
    const so = page.planarConfiguration === 2 ? 0 : sample;
    const xa = Math.max(w.x0, bx * bw);
    const xb = Math.min(w.x1, (bx + 1) * bw, page.width);
    const cols = xb - xa;
    const rowLength = w.x1 - w.x0;
    const ra = Math.max(w.y0, by * page.blockHeight);
    const rb = Math.min(w.y1, (by + 1) * page.blockHeight, page.height);
    for (let y = ra; y < rb; y++) {
      const srcStart = ((y - by * page.blockHeight) * bw + (xa - bx * bw)) * stride + so;
      const dst = targetOffset + (y - w.y0) * rowLength + (xa - w.x0);
      if (stride === 1) {
        target.set(src.subarray(srcStart, srcStart + cols) as never, dst);
      } else {
        for (let x = 0, j = srcStart; x < cols; x++, j += stride) target[dst + x] = src[j]!;
      }
    }
  }
}
