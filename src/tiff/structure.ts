/**
 * Reads the structure of a TIFF file (header, the chain of image file directories and the tags
 * the converter needs) with small positional reads, and checks that everything it points at lies
 * inside the file. Pixel data is not read here.
 *
 * We parse the IFDs ourselves rather than through geotiff because geotiff's file source fills
 * reads past the end of the file with zeros: a truncated file would convert silently to a store
 * with black planes. Here every offset is checked against the file size before anything is
 * written.
 */
import { type FileHandle, open, stat } from "node:fs/promises";
import { InvalidMetadataError, NotFoundError, UnsupportedError } from "../errors.js";

/** One image file directory (one page) and the tags the converter reads. */
export interface TiffIfd {
  /** Position of the IFD in the file's IFD chain (0-based). */
  readonly index: number;
  readonly width: number;
  readonly height: number;
  readonly samplesPerPixel: number;
  /** One entry per sample. */
  readonly bitsPerSample: readonly number[];
  /** One entry per sample (1 uint, 2 int, 3 float; 1 when the tag is absent). */
  readonly sampleFormat: readonly number[];
  readonly compression: number;
  readonly predictor: number;
  /** 1 = samples interleaved per pixel (chunky), 2 = one plane per sample. */
  readonly planarConfiguration: number;
  /** Bit 0 set = reduced-resolution copy of another page. */
  readonly newSubfileType: number;
  /** Tile size when tiled; for strips the width is the image width and the height RowsPerStrip. */
  readonly tiled: boolean;
  readonly blockWidth: number;
  readonly blockHeight: number;
  /** File offsets and byte counts of the strips or tiles (per sample plane when planar = 2). */
  readonly blockOffsets: readonly number[];
  readonly blockByteCounts: readonly number[];
  /** ImageDescription (tag 270), when present. */
  readonly description: string | undefined;
  /** XResolution / YResolution (pixels per resolution unit) and ResolutionUnit (1 none, 2 inch, 3 cm). */
  readonly xResolution: number | undefined;
  readonly yResolution: number | undefined;
  readonly resolutionUnit: number;
}

/** What {@link readTiffStructure} returns. */
export interface TiffStructure {
  readonly path: string;
  readonly fileSize: number;
  readonly littleEndian: boolean;
  readonly bigTiff: boolean;
  readonly ifds: readonly TiffIfd[];
}

const TYPE_SIZES: Record<number, number> = {
  1: 1, // BYTE
  2: 1, // ASCII
  3: 2, // SHORT
  4: 4, // LONG
  5: 8, // RATIONAL
  6: 1, // SBYTE
  7: 1, // UNDEFINED
  8: 2, // SSHORT
  9: 4, // SLONG
  10: 8, // SRATIONAL
  11: 4, // FLOAT
  12: 8, // DOUBLE
  13: 4, // IFD
  16: 8, // LONG8
  17: 8, // SLONG8
  18: 8, // IFD8
};

const TAG = {
  NewSubfileType: 254,
  ImageWidth: 256,
  ImageLength: 257,
  BitsPerSample: 258,
  Compression: 259,
  ImageDescription: 270,
  StripOffsets: 273,
  SamplesPerPixel: 277,
  RowsPerStrip: 278,
  StripByteCounts: 279,
  XResolution: 282,
  YResolution: 283,
  PlanarConfiguration: 284,
  ResolutionUnit: 296,
  Predictor: 317,
  TileWidth: 322,
  TileLength: 323,
  TileOffsets: 324,
  TileByteCounts: 325,
  SampleFormat: 339,
} as const;

const WANTED = new Set<number>(Object.values(TAG));
const MAX_IFDS = 1_000_000;

interface RawEntry {
  tag: number;
  type: number;
  count: number;
  /** The raw bytes of the value (inline or read from the file). */
  bytes: Uint8Array;
}

function truncated(
  path: string,
  what: string,
  end: number,
  fileSize: number,
): InvalidMetadataError {
  return new InvalidMetadataError(
    [
      {
        code: "tiff_truncated",
        location: what,
        message: `${what} ends at byte ${end} but the file has ${fileSize} bytes`,
        expected: `data inside the file's ${fileSize} bytes`,
      },
    ],
    {
      source: path,
      summary:
        `truncated or corrupt TIFF ${path}: ${what} ends at byte ${end} but the file has only ` +
        `${fileSize} bytes; the file was probably cut short while copying, copy or export it again`,
    },
  );
}

function corrupt(path: string, location: string, message: string): InvalidMetadataError {
  return new InvalidMetadataError([{ code: "tiff_corrupt", location, message }], {
    source: path,
    summary: `corrupt TIFF ${path}: ${location}: ${message}`,
  });
}

class Reader {
  constructor(
    readonly fh: FileHandle,
    readonly path: string,
    readonly fileSize: number,
    readonly le: boolean,
  ) {}

  async bytes(offset: number, length: number, what: string): Promise<Uint8Array> {
    if (offset + length > this.fileSize)
      throw truncated(this.path, what, offset + length, this.fileSize);
    const buf = new Uint8Array(length);
    const { bytesRead } = await this.fh.read(buf, 0, length, offset);
    if (bytesRead !== length) throw truncated(this.path, what, offset + length, this.fileSize);
    return buf;
  }
}

function uint(view: DataView, offset: number, size: number, le: boolean): number {
  switch (size) {
    case 1:
      return view.getUint8(offset);
    case 2:
      return view.getUint16(offset, le);
    case 4:
      return view.getUint32(offset, le);
    default:
      return Number(view.getBigUint64(offset, le));
  }
}

/** Numeric values of an entry (ASCII and UNDEFINED bytes as numbers). */
function numbers(entry: RawEntry, le: boolean): number[] {
  const size = TYPE_SIZES[entry.type] ?? 1;
  const view = new DataView(entry.bytes.buffer, entry.bytes.byteOffset, entry.bytes.byteLength);
  const out: number[] = new Array(entry.count);
  for (let i = 0; i < entry.count; i++) {
    const o = i * size;
    switch (entry.type) {
      case 5:
        out[i] = view.getUint32(o, le) / view.getUint32(o + 4, le);
        break;
      case 6:
        out[i] = view.getInt8(o);
        break;
      case 8:
        out[i] = view.getInt16(o, le);
        break;
      case 9:
        out[i] = view.getInt32(o, le);
        break;
      case 10:
        out[i] = view.getInt32(o, le) / view.getInt32(o + 4, le);
        break;
      case 11:
        out[i] = view.getFloat32(o, le);
        break;
      case 12:
        out[i] = view.getFloat64(o, le);
        break;
      case 17:
        out[i] = Number(view.getBigInt64(o, le));
        break;
      default:
        out[i] = uint(view, o, size, le);
    }
  }
  return out;
}

function ascii(entry: RawEntry): string {
  let end = entry.bytes.length;
  while (end > 0 && entry.bytes[end - 1] === 0) end--;
  return new TextDecoder("utf-8").decode(entry.bytes.subarray(0, end));
}

function hexStart(bytes: Uint8Array): string {
  return Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join(" ");
}

async function readIfd(
  r: Reader,
  offset: number,
  index: number,
  bigTiff: boolean,
): Promise<{ entries: Map<number, RawEntry>; next: number }> {
  const where = `IFD ${index} (page ${index}) at byte ${offset}`;
  const countSize = bigTiff ? 8 : 2;
  const entrySize = bigTiff ? 20 : 12;
  const offSize = bigTiff ? 8 : 4;
  const head = await r.bytes(offset, countSize, where);
  const count = uint(new DataView(head.buffer), 0, countSize, r.le);
  if (count === 0 || count > 10_000) {
    throw corrupt(r.path, where, `has ${count} entries; expected between 1 and 10000`);
  }
  const body = await r.bytes(offset + countSize, count * entrySize + offSize, where);
  const view = new DataView(body.buffer);
  const entries = new Map<number, RawEntry>();
  for (let i = 0; i < count; i++) {
    const e = i * entrySize;
    const tag = view.getUint16(e, r.le);
    if (!WANTED.has(tag)) continue;
    const type = view.getUint16(e + 2, r.le);
    const n = uint(view, e + 4, offSize, r.le);
    const size = TYPE_SIZES[type];
    if (size === undefined)
      throw corrupt(r.path, `${where} tag ${tag}`, `unknown field type ${type}`);
    const byteLength = n * size;
    const valueAt = e + 4 + offSize;
    let bytes: Uint8Array;
    if (byteLength <= offSize) {
      bytes = body.slice(valueAt, valueAt + byteLength);
    } else {
      const at = uint(view, valueAt, offSize, r.le);
      bytes = await r.bytes(at, byteLength, `${where} tag ${tag} value`);
    }
    entries.set(tag, { tag, type, count: n, bytes });
  }
  const next = uint(view, count * entrySize, offSize, r.le);
  return { entries, next };
}

function toIfd(
  path: string,
  index: number,
  entries: Map<number, RawEntry>,
  le: boolean,
  fileSize: number,
): TiffIfd {
  const where = `IFD ${index} (page ${index})`;
  const num = (tag: number): number[] | undefined => {
    const e = entries.get(tag);
    return e === undefined ? undefined : numbers(e, le);
  };
  const one = (tag: number, fallback?: number): number => {
    const v = num(tag)?.[0] ?? fallback;
    if (v === undefined) throw corrupt(path, where, `required tag ${tag} is missing`);
    return v;
  };
  const width = one(TAG.ImageWidth);
  const height = one(TAG.ImageLength);
  const samplesPerPixel = one(TAG.SamplesPerPixel, 1);
  const bps = num(TAG.BitsPerSample) ?? [1];
  const sf = num(TAG.SampleFormat) ?? [1];
  const bitsPerSample = Array.from({ length: samplesPerPixel }, (_, i) => bps[i] ?? bps[0] ?? 1);
  const sampleFormat = Array.from({ length: samplesPerPixel }, (_, i) => sf[i] ?? sf[0] ?? 1);
  const compression = one(TAG.Compression, 1);
  const planarConfiguration = samplesPerPixel > 1 ? one(TAG.PlanarConfiguration, 1) : 1;
  const tiled = entries.has(TAG.TileOffsets);
  const blockWidth = tiled ? one(TAG.TileWidth) : width;
  const blockHeight = tiled ? one(TAG.TileLength) : Math.min(one(TAG.RowsPerStrip, height), height);
  if (width < 1 || height < 1 || blockWidth < 1 || blockHeight < 1) {
    throw corrupt(path, where, `image ${width}×${height} with blocks ${blockWidth}×${blockHeight}`);
  }
  const blockOffsets = num(tiled ? TAG.TileOffsets : TAG.StripOffsets);
  const blockByteCounts = num(tiled ? TAG.TileByteCounts : TAG.StripByteCounts);
  const kind = tiled ? "tile" : "strip";
  if (blockOffsets === undefined || blockByteCounts === undefined) {
    throw corrupt(path, where, `${kind} offsets or byte counts are missing`);
  }
  const perPlane = Math.ceil(width / blockWidth) * Math.ceil(height / blockHeight);
  const expected = perPlane * (planarConfiguration === 2 ? samplesPerPixel : 1);
  if (blockOffsets.length < expected || blockByteCounts.length < expected) {
    throw corrupt(
      path,
      where,
      `has ${Math.min(blockOffsets.length, blockByteCounts.length)} ${kind}s; expected ${expected}`,
    );
  }
  const pixelBytes =
    planarConfiguration === 2
      ? (bitsPerSample[0] ?? 8) / 8
      : bitsPerSample.reduce((a, b) => a + b, 0) / 8;
  for (let i = 0; i < expected; i++) {
    const start = blockOffsets[i]!;
    const count = blockByteCounts[i]!;
    if (count === 0) continue;
    if (start + count > fileSize) {
      throw truncated(path, `${where} ${kind} ${i}`, start + count, fileSize);
    }
    if (compression === 1) {
      const rowInBlock = tiled ? 0 : Math.floor((i % perPlane) * blockHeight);
      const rows = tiled ? blockHeight : Math.min(blockHeight, height - rowInBlock);
      const need = Math.ceil(rows * blockWidth * pixelBytes);
      if (count < need) {
        throw corrupt(
          path,
          `${where} ${kind} ${i}`,
          `holds ${count} bytes; uncompressed it needs ${need}`,
        );
      }
    }
  }
  const desc = entries.get(TAG.ImageDescription);
  return {
    index,
    width,
    height,
    samplesPerPixel,
    bitsPerSample,
    sampleFormat,
    compression,
    predictor: one(TAG.Predictor, 1),
    planarConfiguration,
    newSubfileType: one(TAG.NewSubfileType, 0),
    tiled,
    blockWidth,
    blockHeight,
    blockOffsets: blockOffsets.slice(0, expected),
    blockByteCounts: blockByteCounts.slice(0, expected),
    description: desc === undefined ? undefined : ascii(desc),
    xResolution: num(TAG.XResolution)?.[0],
    yResolution: num(TAG.YResolution)?.[0],
    resolutionUnit: one(TAG.ResolutionUnit, 2),
  };
}

/**
 * Read the header and every IFD of the TIFF at `path`.
 * @throws {NotFoundError} when the file does not exist.
 * @throws {UnsupportedError} when it is a directory or not a TIFF (wrong magic bytes).
 * @throws {InvalidMetadataError} (code `tiff_truncated` or `tiff_corrupt`) when an IFD, a tag
 *   value or a strip/tile lies beyond the end of the file, or the IFD chain is malformed.
 */
export async function readTiffStructure(path: string): Promise<TiffStructure> {
  let fileSize: number;
  try {
    const st = await stat(path);
    if (st.isDirectory()) {
      throw new UnsupportedError(
        "input format",
        `${path} is a directory, expected a TIFF file; give the .tif/.ome.tif file itself`,
      );
    }
    fileSize = st.size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new NotFoundError(path, `input file ${path} does not exist; check the path`, {
        cause: err,
      });
    }
    throw err;
  }
  const fh = await open(path, "r");
  try {
    const head = new Uint8Array(16);
    const { bytesRead } = await fh.read(head, 0, 16, 0);
    const notTiff = (why: string) =>
      new UnsupportedError(
        "input format",
        `${path} is not a TIFF file (${why}); expected a TIFF or OME-TIFF starting with "II*" or "MM*"`,
      );
    if (bytesRead < 8)
      throw notTiff(bytesRead === 0 ? "the file is empty" : `only ${bytesRead} bytes`);
    const order = String.fromCharCode(head[0]!, head[1]!);
    if (order !== "II" && order !== "MM") throw notTiff(`it starts with bytes ${hexStart(head)}`);
    const le = order === "II";
    const view = new DataView(head.buffer);
    const magic = view.getUint16(2, le);
    if (magic !== 42 && magic !== 43) throw notTiff(`it starts with bytes ${hexStart(head)}`);
    const bigTiff = magic === 43;
    if (bigTiff && bytesRead < 16) throw truncated(path, "BigTIFF header", 16, fileSize);
    const r = new Reader(fh, path, fileSize, le);
    let next = bigTiff ? Number(view.getBigUint64(8, le)) : view.getUint32(4, le);
    if (next === 0) throw corrupt(path, "header", "the file has no image (first IFD offset is 0)");
    const seen = new Set<number>();
    const ifds: TiffIfd[] = [];
    while (next !== 0) {
      if (seen.has(next)) throw corrupt(path, `IFD ${ifds.length}`, `loops back to byte ${next}`);
      if (ifds.length >= MAX_IFDS) throw corrupt(path, "IFD chain", `more than ${MAX_IFDS} pages`);
      seen.add(next);
      const { entries, next: after } = await readIfd(r, next, ifds.length, bigTiff);
      ifds.push(toIfd(path, ifds.length, entries, le, fileSize));
      next = after;
    }
    return { path, fileSize, littleEndian: le, bigTiff, ifds };
  } finally {
    await fh.close();
  }
}
