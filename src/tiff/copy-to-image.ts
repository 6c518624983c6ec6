/**
 * Copy a TIFF into an image array region by region: each region ("slab") is a whole number of
 * chunks on every axis, so every chunk is written once and never read back. The next slab is
 * read from the TIFF while the current one is encoded and written.
 */

import { allocTyped, tiffDataTypeSize } from "./dtype.js";
import type { TiffReader, TiffTypedArray } from "./index.js";

/** An output axis of a conversion, one of NGFF's t, c, z, y, x. */
export type AxisLetter = "t" | "c" | "z" | "y" | "x";

/** The TIFF's size along each axis. */
export function axisSizes(tiff: TiffReader): Record<AxisLetter, number> {
  const l = tiff.layout;
  return { t: l.sizeT, c: l.sizeC, z: l.sizeZ, y: l.sizeY, x: l.sizeX };
}

/** The writable side: an `ImageArray` (or anything with the same `write`). */
export interface WritableImage {
  write(selection: readonly (readonly [number, number])[], value: TiffTypedArray): Promise<void>;
}

/** Options of {@link copyTiffToImage}. */
export interface CopyOptions {
  /** Output axes (letters of tczyx, y and x included). */
  axes: readonly AxisLetter[];
  /** Chunk shape of the output array, per output axis. */
  chunks: readonly number[];
  /** Upper bound of one slab in bytes (default 128 MiB); two slabs are in memory at a time. */
  maxSlabBytes?: number;
  /** Called after each slab with the slabs done and the total. */
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

interface Slab {
  t: number;
  c: number;
  z: number;
  y: number;
  x: number;
  nt: number;
  nc: number;
  nz: number;
  ny: number;
  nx: number;
}

/** The slab geometry: chunk-aligned steps per axis, y and x widened/narrowed to the budget. */
export function slabSteps(
  sizes: Record<AxisLetter, number>,
  chunkOf: Record<AxisLetter, number>,
  blockHeight: number,
  bytesPerElement: number,
  maxSlabBytes: number,
): Record<AxisLetter, number> {
  const planes = chunkOf.t * chunkOf.c * chunkOf.z;
  const cy = chunkOf.y;
  // Whole rows first; narrow to whole chunk columns only when full-width rows do not fit.
  let nx = sizes.x;
  const rowBytes = () => planes * cy * nx * bytesPerElement;
  if (rowBytes() > maxSlabBytes) {
    const perChunkColumn = planes * cy * chunkOf.x * bytesPerElement;
    nx = Math.min(sizes.x, chunkOf.x * Math.max(1, Math.floor(maxSlabBytes / perChunkColumn)));
  }
  // Taller bands when the TIFF decodes blocks taller than a chunk, so each block decodes once.
  let ny = cy;
  if (blockHeight > cy) {
    const tall = Math.ceil(blockHeight / cy) * cy;
    if (planes * tall * nx * bytesPerElement <= maxSlabBytes) ny = tall;
  }
  return { t: chunkOf.t, c: chunkOf.c, z: chunkOf.z, y: Math.min(ny, sizes.y), x: nx };
}

/**
 * Write every pixel of `tiff` into `image` (an array of the output axes and the TIFF's
 * shape), slab by slab. Memory: about two slabs plus what the store layer holds while
 * encoding one slab's chunks.
 */
export async function copyTiffToImage(
  tiff: TiffReader,
  image: WritableImage,
  opts: CopyOptions,
): Promise<void> {
  const l = tiff.layout;
  const sizes = axisSizes(tiff);
  const chunkOf = { t: 1, c: 1, z: 1, y: 1, x: 1 } as Record<AxisLetter, number>;
  opts.axes.forEach((a, i) => {
    chunkOf[a] = opts.chunks[i]!;
  });
  const bytes = tiffDataTypeSize(l.dtype);
  const step = slabSteps(
    sizes,
    chunkOf,
    tiff.blockHeight,
    bytes,
    opts.maxSlabBytes ?? 128 * 1024 * 1024,
  );
  const slabs: Slab[] = [];
  for (let t = 0; t < sizes.t; t += step.t)
    for (let c = 0; c < sizes.c; c += step.c)
      for (let z = 0; z < sizes.z; z += step.z)
        for (let y = 0; y < sizes.y; y += step.y)
          for (let x = 0; x < sizes.x; x += step.x)
            slabs.push({
              t,
              c,
              z,
              y,
              x,
              nt: Math.min(step.t, sizes.t - t),
              nc: Math.min(step.c, sizes.c - c),
              nz: Math.min(step.z, sizes.z - z),
              ny: Math.min(step.y, sizes.y - y),
              nx: Math.min(step.x, sizes.x - x),
            });

  const read = async (s: Slab): Promise<TiffTypedArray> => {
    const plane = s.ny * s.nx;
    const buf = allocTyped(l.dtype, s.nt * s.nc * s.nz * plane);
    const jobs: Promise<unknown>[] = [];
    for (let ti = 0; ti < s.nt; ti++)
      for (let ci = 0; ci < s.nc; ci++)
        for (let zi = 0; zi < s.nz; zi++) {
          const offset = ((ti * s.nc + ci) * s.nz + zi) * plane;
          const w = { y0: s.y, y1: s.y + s.ny, x0: s.x, x1: s.x + s.nx };
          jobs.push(tiff.readWindow(s.t + ti, s.c + ci, s.z + zi, w, buf, offset));
        }
    await Promise.all(jobs);
    return buf;
  };
  const selection = (s: Slab) =>
    opts.axes.map((a): [number, number] => {
      const start = s[a];
      const n = a === "t" ? s.nt : a === "c" ? s.nc : a === "z" ? s.nz : a === "y" ? s.ny : s.nx;
      return [start, start + n];
    });

  let next: Promise<TiffTypedArray> | undefined = slabs[0] ? read(slabs[0]) : undefined;
  for (let i = 0; i < slabs.length; i++) {
    opts.signal?.throwIfAborted();
    const data = await next!;
    const following = slabs[i + 1];
    next = following ? read(following) : undefined;
    // Keep a rejected prefetch from being reported as unhandled if the write below fails first.
    next?.catch(() => {});
    await image.write(selection(slabs[i]!), data);
    opts.onProgress?.(i + 1, slabs.length);
  }
}
