/**
 * Where each (t, c, z) plane of a TIFF lives: which IFD, which sample, and the image's sizes,
 * data type, channel names and physical scale. Built from OME-XML when present, else ImageJ
 * hyperstack metadata, else the plain page count (pages along one axis, samples as channels).
 */
import { basename } from "node:path";
import { InvalidMetadataError, UnsupportedError } from "../errors.js";
import { type TiffDataType, tiffDataType } from "./dtype.js";
import { isImageJDescription, parseImageJDescription } from "./imagej.js";
import {
  type DimensionOrder,
  isOmeXml,
  type OmeXmlImage,
  omePixelType,
  parseOmeXml,
} from "./ome-xml.js";
import type { TiffIfd, TiffStructure } from "./structure.js";
import { spaceUnit, timeUnit } from "./units.js";

/** A physical step along an axis, with the NGFF unit name when the symbol is known. */
export interface AxisScale {
  readonly value: number;
  readonly unit: string | undefined;
}

/** Where one plane's pixels are: page (IFD index) and sample within the page. */
export interface PlaneRef {
  readonly ifd: number;
  readonly sample: number;
}

/** What {@link resolveLayout} returns. */
export interface TiffLayout {
  /** Which metadata the layout came from. */
  readonly source: "ome" | "imagej" | "plain";
  readonly dtype: TiffDataType;
  readonly sizeT: number;
  readonly sizeC: number;
  readonly sizeZ: number;
  readonly sizeY: number;
  readonly sizeX: number;
  /** One entry per channel; `undefined` where the file names none. */
  readonly channelNames: readonly (string | undefined)[];
  readonly scale: Readonly<Partial<Record<"t" | "z" | "y" | "x", AxisScale>>>;
  /** Things worth telling the user (ignored series, unknown units). */
  readonly notes: readonly string[];
  /** The page and sample holding plane (t, c, z). */
  plane(t: number, c: number, z: number): PlaneRef;
}

/** Options of {@link resolveLayout}. */
export interface LayoutOptions {
  /** The axis the pages of a plain (non-OME, non-ImageJ) multi-page TIFF run along. Default `"z"`. */
  pagesAxis?: "t" | "c" | "z";
}

/** Compressions whose decoders geotiff ships (JPEG, LERC and WebP are lossy and left out). */
export const SUPPORTED_COMPRESSIONS: Readonly<Record<number, string>> = {
  1: "none",
  5: "LZW",
  8: "deflate",
  32946: "deflate",
  32773: "PackBits",
  50000: "zstd",
};

function checkPage(path: string, ifd: TiffIfd, first: TiffIfd, littleEndian: boolean): void {
  const where = `${path} page ${ifd.index}`;
  const name = SUPPORTED_COMPRESSIONS[ifd.compression];
  if (name === undefined) {
    throw new UnsupportedError(
      `TIFF compression ${ifd.compression}`,
      `${where}: unsupported TIFF compression ${ifd.compression}; supported: none, LZW, deflate, ` +
        "PackBits, zstd; re-save the file with one of those",
    );
  }
  if (ifd.predictor !== 1 && !littleEndian) {
    throw new UnsupportedError(
      "big-endian TIFF with predictor",
      `${where}: predictor ${ifd.predictor} in a big-endian TIFF is not supported; re-save it little-endian`,
    );
  }
  const bits = new Set(ifd.bitsPerSample);
  const formats = new Set(ifd.sampleFormat);
  if (bits.size > 1 || formats.size > 1) {
    throw new UnsupportedError(
      "mixed sample formats",
      `${where}: samples of different formats (${ifd.bitsPerSample.join("/")} bits); expected one format`,
    );
  }
  tiffDataType(ifd.sampleFormat[0]!, ifd.bitsPerSample[0]!, where);
  if (ifd === first) return;
  const describe = (p: TiffIfd) =>
    `${p.width}×${p.height}, ${p.samplesPerPixel} sample(s) of ${p.bitsPerSample[0]} bits format ${p.sampleFormat[0]}`;
  if (
    ifd.width !== first.width ||
    ifd.height !== first.height ||
    ifd.samplesPerPixel !== first.samplesPerPixel ||
    ifd.bitsPerSample[0] !== first.bitsPerSample[0] ||
    ifd.sampleFormat[0] !== first.sampleFormat[0]
  ) {
    throw new UnsupportedError(
      "pages of different shapes",
      `${where} is ${describe(ifd)} but page ${first.index} is ${describe(first)}; ` +
        "convert needs every page of one file to have the same shape and type",
    );
  }
}

/** Linear plane index of (z, c, t) in an OME dimension order (first letter after XY is fastest). */
function linearIndex(order: DimensionOrder, sizes: { Z: number; C: number; T: number }) {
  const dims = order.slice(2).split("") as ("Z" | "C" | "T")[];
  return (z: number, c: number, t: number): number => {
    const at = { Z: z, C: c, T: t };
    let index = 0;
    for (let i = dims.length - 1; i >= 0; i--) {
      const d = dims[i]!;
      index = index * sizes[d] + at[d];
    }
    return index;
  };
}

function scaleOf(value: number | undefined, unit: string | undefined, kind: "space" | "time") {
  if (value === undefined || !Number.isFinite(value) || value <= 0) return undefined;
  return { value, unit: kind === "space" ? spaceUnit(unit) : timeUnit(unit) };
}

function invalid(path: string, location: string, message: string): InvalidMetadataError {
  return new InvalidMetadataError([{ code: "ome_xml", location, message }], {
    source: path,
    summary: `OME-XML in ${path} does not match the file: ${location}: ${message}`,
  });
}

function omeLayout(s: TiffStructure, ome: OmeXmlImage, first: TiffIfd): Omit<TiffLayout, "dtype"> {
  const path = s.path;
  const spp = first.samplesPerPixel;
  if (ome.sizeX !== first.width || ome.sizeY !== first.height) {
    throw invalid(
      path,
      "OME/Image[0]/Pixels",
      `SizeX×SizeY is ${ome.sizeX}×${ome.sizeY} but page 0 is ${first.width}×${first.height}`,
    );
  }
  if (ome.sizeC % spp !== 0) {
    throw invalid(
      path,
      "OME/Image[0]/Pixels@SizeC",
      `SizeC ${ome.sizeC} is not a multiple of the ${spp} samples per pixel`,
    );
  }
  const planeC = ome.sizeC / spp;
  const count = ome.sizeZ * planeC * ome.sizeT;
  const linear = linearIndex(ome.dimensionOrder, { Z: ome.sizeZ, C: planeC, T: ome.sizeT });
  const ifdOf = new Int32Array(count).fill(-1);
  if (ome.tiffData.length === 0) {
    for (let i = 0; i < count; i++) ifdOf[i] = i;
  }
  const own = basename(path);
  for (const [i, td] of ome.tiffData.entries()) {
    if (td.fileName !== undefined && basename(td.fileName) !== own) {
      throw new UnsupportedError(
        "multi-file OME-TIFF",
        `${path}: OME-XML TiffData[${i}] points at another file (${td.fileName}); ` +
          "multi-file OME-TIFF datasets are not supported, convert each file's planes separately",
      );
    }
    const start = linear(td.firstZ, td.firstC, td.firstT);
    const planes = td.planeCount ?? (td.ifd === undefined ? count - start : 1);
    const ifd0 = td.ifd ?? 0;
    for (let k = 0; k < planes && start + k < count; k++) ifdOf[start + k] = ifd0 + k;
  }
  for (let i = 0; i < count; i++) {
    const ifd = ifdOf[i]!;
    if (ifd < 0)
      throw invalid(path, "OME/Image[0]/Pixels/TiffData", `plane ${i} is not mapped to any page`);
    if (ifd >= s.ifds.length) {
      throw invalid(
        path,
        "OME/Image[0]/Pixels/TiffData",
        `plane ${i} is on page ${ifd} but the file has ${s.ifds.length} pages`,
      );
    }
  }
  const expectedType = omePixelType(ome.type);
  const dtype = tiffDataType(first.sampleFormat[0]!, first.bitsPerSample[0]!, path);
  if (expectedType !== undefined && expectedType !== dtype) {
    throw invalid(
      path,
      "OME/Image[0]/Pixels@Type",
      `Type is ${ome.type} but the pages hold ${dtype}`,
    );
  }
  const notes: string[] = [];
  if (ome.imageCount > 1)
    notes.push(`${path} has ${ome.imageCount} series; only series 0 is converted`);
  let names: (string | undefined)[] = new Array(ome.sizeC).fill(undefined);
  if (ome.channels.length === ome.sizeC) names = ome.channels.map((c) => c.name);
  else if (ome.channels.length === planeC) {
    names = Array.from({ length: ome.sizeC }, (_, c) => {
      const n = ome.channels[Math.floor(c / spp)]?.name;
      return n === undefined ? undefined : `${n}-${c % spp}`;
    });
  }
  const scale: Partial<Record<"t" | "z" | "y" | "x", { value: number; unit: string | undefined }>> =
    {};
  const put = (
    axis: "t" | "z" | "y" | "x",
    q: { value: number; unit: string } | undefined,
    kind: "space" | "time",
  ) => {
    const v = scaleOf(q?.value, q?.unit, kind);
    if (v === undefined) return;
    if (v.unit === undefined)
      notes.push(`${path}: unknown ${axis} unit ${JSON.stringify(q?.unit)}; unit left out`);
    scale[axis] = v;
  };
  put("x", ome.physicalSizeX, "space");
  put("y", ome.physicalSizeY, "space");
  put("z", ome.physicalSizeZ, "space");
  put("t", ome.timeIncrement, "time");
  return {
    source: "ome",
    sizeT: ome.sizeT,
    sizeC: ome.sizeC,
    sizeZ: ome.sizeZ,
    sizeY: first.height,
    sizeX: first.width,
    channelNames: names,
    scale,
    notes,
    plane: (t, c, z) => ({ ifd: ifdOf[linear(z, Math.floor(c / spp), t)]!, sample: c % spp }),
  };
}

function sequentialLayout(
  pages: readonly TiffIfd[],
  sizes: { T: number; C: number; Z: number },
  order: DimensionOrder,
  first: TiffIfd,
): Pick<TiffLayout, "sizeT" | "sizeC" | "sizeZ" | "sizeY" | "sizeX" | "plane"> {
  const spp = first.samplesPerPixel;
  const linear = linearIndex(order, sizes);
  return {
    sizeT: sizes.T,
    sizeC: sizes.C * spp,
    sizeZ: sizes.Z,
    sizeY: first.height,
    sizeX: first.width,
    plane: (t, c, z) => ({
      ifd: pages[linear(z, Math.floor(c / spp), t)]!.index,
      sample: c % spp,
    }),
  };
}

/**
 * Work out the plane layout of a TIFF from its structure and metadata, checking every page it
 * uses (same shape and type, supported compression and sample format) before anything is written.
 * @throws {UnsupportedError} for unsupported compressions or sample formats, pages of different
 *   shapes, multi-file OME-TIFF.
 * @throws {InvalidMetadataError} when OME-XML contradicts the file (sizes, type, missing pages).
 */
export function resolveLayout(s: TiffStructure, opts: LayoutOptions = {}): TiffLayout {
  const firstAll = s.ifds[0]!;
  const desc = firstAll.description;
  if (isOmeXml(desc)) {
    const ome = parseOmeXml(desc, s.path);
    const base = omeLayout(s, ome, firstAll);
    const used = new Set<number>();
    for (let t = 0; t < base.sizeT; t++)
      for (let c = 0; c < base.sizeC; c++)
        for (let z = 0; z < base.sizeZ; z++) used.add(base.plane(t, c, z).ifd);
    for (const i of used) checkPage(s.path, s.ifds[i]!, firstAll, s.littleEndian);
    checkPage(s.path, firstAll, firstAll, s.littleEndian);
    const dtype = tiffDataType(firstAll.sampleFormat[0]!, firstAll.bitsPerSample[0]!, s.path);
    return { ...base, dtype };
  }
  // Reduced-resolution pages (thumbnails, flat pyramids) are not planes of the image.
  const pages = s.ifds.filter((p) => (p.newSubfileType & 1) === 0);
  const first = pages[0] ?? firstAll;
  for (const p of pages) checkPage(s.path, p, first, s.littleEndian);
  const dtype = tiffDataType(first.sampleFormat[0]!, first.bitsPerSample[0]!, s.path);
  const notes: string[] = [];
  if (isImageJDescription(desc)) {
    const ij = parseImageJDescription(desc);
    const planes = ij.channels * ij.slices * ij.frames;
    if (pages.length < planes) {
      throw new UnsupportedError(
        "ImageJ TIFF with fewer pages than images",
        `${s.path}: ImageJ metadata says ${planes} images (channels=${ij.channels}, slices=${ij.slices}, ` +
          `frames=${ij.frames}) but the file has ${pages.length} pages; ImageJ files over 4 GiB keep ` +
          "planes without pages and are not supported, save them as OME-TIFF",
      );
    }
    const geo = sequentialLayout(
      pages,
      { T: ij.frames, C: ij.channels, Z: ij.slices },
      "XYCZT",
      first,
    );
    const unit = ij.unit === "pixel" ? undefined : ij.unit;
    const scale: Partial<Record<"t" | "z" | "y" | "x", AxisScale>> = {};
    const x = scaleOf(first.xResolution ? 1 / first.xResolution : undefined, unit, "space");
    const y = scaleOf(first.yResolution ? 1 / first.yResolution : undefined, unit, "space");
    const z = scaleOf(ij.spacing, unit, "space");
    const t = scaleOf(ij.finterval, ij.tunit ?? "s", "time");
    if (unit !== undefined && x !== undefined) scale.x = x;
    if (unit !== undefined && y !== undefined) scale.y = y;
    if (z !== undefined) scale.z = z;
    if (t !== undefined) scale.t = t;
    return {
      source: "imagej",
      dtype,
      ...geo,
      channelNames: new Array(geo.sizeC).fill(undefined),
      scale,
      notes,
    };
  }
  const axis = opts.pagesAxis ?? "z";
  const n = pages.length;
  const sizes = { T: axis === "t" ? n : 1, C: axis === "c" ? n : 1, Z: axis === "z" ? n : 1 };
  const geo = sequentialLayout(pages, sizes, "XYZCT", first);
  const scale: Partial<Record<"t" | "z" | "y" | "x", AxisScale>> = {};
  // Only centimetre resolutions are trusted: an inch resolution is usually a 72 dpi default.
  if (first.resolutionUnit === 3 && first.xResolution && first.yResolution) {
    scale.x = { value: 1e4 / first.xResolution, unit: "micrometer" };
    scale.y = { value: 1e4 / first.yResolution, unit: "micrometer" };
  }
  return {
    source: "plain",
    dtype,
    ...geo,
    channelNames: new Array(geo.sizeC).fill(undefined),
    scale,
    notes,
  };
}
