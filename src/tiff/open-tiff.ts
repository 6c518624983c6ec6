/**
 * `openTiff`: the converter's view of a TIFF / OME-TIFF file — its layout (sizes, type,
 * channels, scale) checked up front, and a row reader for any (t, c, z) plane.
 */
import { open } from "node:fs/promises";
import { InvalidOptionsError } from "../errors.js";
import { allocTyped, type TiffTypedArray } from "./dtype.js";
import { type LayoutOptions, resolveLayout, type TiffLayout } from "./layout.js";
import { DEFAULT_BLOCK_CACHE_BYTES, PlaneReader, type Window } from "./plane-reader.js";
import { readTiffStructure, type TiffStructure } from "./structure.js";

export type { Window } from "./plane-reader.js";

function checkWindow(l: TiffLayout, t: number, c: number, z: number, w: Window): void {
  const ok =
    [t, c, z, w.y0, w.y1, w.x0, w.x1].every(Number.isInteger) &&
    t >= 0 &&
    t < l.sizeT &&
    c >= 0 &&
    c < l.sizeC &&
    z >= 0 &&
    z < l.sizeZ &&
    w.y0 >= 0 &&
    w.y0 < w.y1 &&
    w.y1 <= l.sizeY &&
    w.x0 >= 0 &&
    w.x0 < w.x1 &&
    w.x1 <= l.sizeX;
  if (!ok) {
    throw new InvalidOptionsError(
      "window",
      { t, c, z, ...w },
      `a window inside the image (T=${l.sizeT} C=${l.sizeC} Z=${l.sizeZ} Y=${l.sizeY} X=${l.sizeX}; y0 < y1, x0 < x1)`,
    );
  }
}

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
  /**
   * The window `[y0, y1) × [x0, x1)` of plane (t, c, z), C-order with rows of `x1 - x0`; into
   * `target` at `targetOffset` when given, else a new array.
   */
  readWindow(
    t: number,
    c: number,
    z: number,
    window: Window,
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
  const readWindow = async (
    t: number,
    c: number,
    z: number,
    w: Window,
    target?: TiffTypedArray,
    targetOffset = 0,
  ): Promise<TiffTypedArray> => {
    checkWindow(layout, t, c, z, w);
    const ref = layout.plane(t, c, z);
    const out = target ?? allocTyped(layout.dtype, (w.y1 - w.y0) * (w.x1 - w.x0));
    await reader.readWindow(pages[ref.ifd]!, ref.sample, w, out, target ? targetOffset : 0);
    return out;
  };
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
    readRows(t, c, z, y0, y1, target, targetOffset) {
      return readWindow(t, c, z, { y0, y1, x0: 0, x1: layout.sizeX }, target, targetOffset);
    },
    readWindow,
    close,
    [Symbol.asyncDispose]: close,
  };
}
