/**
 * `openTiff`: the converter's view of a TIFF / OME-TIFF file — its layout (sizes, type,
 * channels, scale) checked up front, and a row reader for any (t, c, z) plane.
 */
import { open } from "node:fs/promises";
import { allocTyped, type TiffTypedArray } from "./dtype.js";
import { type LayoutOptions, resolveLayout, type TiffLayout } from "./layout.js";
import { DEFAULT_BLOCK_CACHE_BYTES, PlaneReader } from "./plane-reader.js";
import { readTiffStructure, type TiffStructure } from "./structure.js";

/** Options of {@link openTiff}. */
export interface OpenTiffOptions extends LayoutOptions {
  /** Byte budget of the decoded-block cache. Default 64 MiB. */
  blockCacheBytes?: number;
}

/** An open TIFF file: its layout, and rows of any plane on demand. Close it when done. */
export interface TiffReader extends AsyncDisposable {
  readonly path: string;
  readonly structure: TiffStructure;
  readonly layout: TiffLayout;
  /**
   * Rows decoded together: the strip or tile height of compressed data, 1 for uncompressed
   * strips. Reading bands that are multiples of it decodes every block once.
   */
  readonly blockHeight: number;
  /**
   * Rows `[y0, y1)` of plane (t, c, z), full width, C-order. Written into `target` at element
   * `targetOffset` when given (no allocation), else into a new array which is returned.
   */
  readRows(
    t: number,
    c: number,
    z: number,
    y0: number,
    y1: number,
    target?: TiffTypedArray,
    targetOffset?: number,
  ): Promise<TiffTypedArray>;
  close(): Promise<void>;
}

/**
 * Open a TIFF or OME-TIFF for conversion. Reads the whole structure and metadata and checks
 * every page that will be read (in bounds, same shape and type, supported compression and
 * sample format) — so a bad input fails here, before any output exists. Pixel data is read
 * later, on demand.
 * @throws {NotFoundError} when the file does not exist.
 * @throws {UnsupportedError} when the file is not a TIFF, or uses an unsupported sample format,
 *   compression or layout (multi-file OME-TIFF, pages of different shapes).
 * @throws {InvalidMetadataError} when the file is truncated or its OME-XML contradicts it.
 */
export async function openTiff(path: string, opts: OpenTiffOptions = {}): Promise<TiffReader> {
  const structure = await readTiffStructure(path);
  const layout = resolveLayout(structure, opts);
  const fh = await open(path, "r");
  const reader = new PlaneReader(
    fh,
    path,
    structure.littleEndian,
    opts.blockCacheBytes ?? DEFAULT_BLOCK_CACHE_BYTES,
  );
  const pages = structure.ifds;
  const p0 = layout.plane(0, 0, 0);
  const page0 = pages[p0.ifd]!;
  const blockHeight = page0.compression === 1 && !page0.tiled ? 1 : page0.blockHeight;
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await fh.close();
  };
  return {
    path,
    structure,
    layout,
    blockHeight,
    async readRows(t, c, z, y0, y1, target, targetOffset = 0) {
      const ref = layout.plane(t, c, z);
      const out = target ?? allocTyped(layout.dtype, (y1 - y0) * layout.sizeX);
      await reader.readRows(pages[ref.ifd]!, ref.sample, y0, y1, out, target ? targetOffset : 0);
      return out;
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
