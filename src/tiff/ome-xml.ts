/**
 * The parts of OME-XML (the ImageDescription of an OME-TIFF's first page) that the converter
 * needs: the first Image's Pixels (sizes, dimension order, type, physical sizes), its Channels
 * and its TiffData (which IFD holds which plane).
 */
import { InvalidMetadataError, type MetadataIssue } from "../errors.js";
import { findElements, stripXmlNoise } from "./xml-scan.js";

/** OME's plane orders; X and Y always come first. */
export type DimensionOrder = "XYZCT" | "XYZTC" | "XYCTZ" | "XYCZT" | "XYTCZ" | "XYTZC";

/** A physical size or time increment with its unit symbol as written (`"µm"`, `"s"`). */
export interface Quantity {
  readonly value: number;
  readonly unit: string;
}

/** One `<TiffData>` element: planes starting at (FirstZ, FirstC, FirstT) stored from IFD `ifd`. */
export interface OmeTiffData {
  readonly ifd: number | undefined;
  readonly firstZ: number;
  readonly firstC: number;
  readonly firstT: number;
  readonly planeCount: number | undefined;
  /** `UUID@FileName` when the planes live in another file. */
  readonly fileName: string | undefined;
}

/** What {@link parseOmeXml} returns. */
export interface OmeXmlImage {
  /** How many `<Image>` elements (series) the document has; only the first is read. */
  readonly imageCount: number;
  readonly name: string | undefined;
  readonly dimensionOrder: DimensionOrder;
  /** OME pixel type (`uint8`, `uint16`, `float`, `double`, …). */
  readonly type: string;
  readonly sizeX: number;
  readonly sizeY: number;
  readonly sizeZ: number;
  readonly sizeC: number;
  readonly sizeT: number;
  readonly physicalSizeX: Quantity | undefined;
  readonly physicalSizeY: Quantity | undefined;
  readonly physicalSizeZ: Quantity | undefined;
  readonly timeIncrement: Quantity | undefined;
  readonly channels: readonly { name: string | undefined; samplesPerPixel: number | undefined }[];
  readonly tiffData: readonly OmeTiffData[];
}

const ORDERS: readonly string[] = ["XYZCT", "XYZTC", "XYCTZ", "XYCZT", "XYTCZ", "XYTZC"];

/** True when `description` looks like OME-XML (an `<OME` root element). */
export function isOmeXml(description: string | undefined): description is string {
  return description !== undefined && /<(?:[\w.-]+:)?OME[\s>]/.test(description);
}

/**
 * Parse the first image of an OME-XML document.
 * @param source the file the XML came from (used in error messages).
 * @throws {InvalidMetadataError} (code `ome_xml`) when there is no Image/Pixels element, a size is
 *   missing or not a positive integer, or DimensionOrder is not one of OME's six orders.
 */
export function parseOmeXml(xml: string, source: string): OmeXmlImage {
  const issues: MetadataIssue[] = [];
  const fail = (location: string, message: string, expected?: string) =>
    issues.push({ code: "ome_xml", location, message, ...(expected ? { expected } : {}) });
  const doc = stripXmlNoise(xml);
  const images = findElements(doc, "Image");
  const image = images[0];
  const pixels = image === undefined ? undefined : findElements(image.content, "Pixels")[0];
  if (image === undefined || pixels === undefined) {
    throw new InvalidMetadataError(
      [
        {
          code: "ome_xml",
          location: "OME/Image[0]/Pixels",
          message: "no Image with Pixels element",
        },
      ],
      { source, summary: `invalid OME-XML in ${source}: no Image with a Pixels element` },
    );
  }
  const at = "OME/Image[0]/Pixels";
  const a = pixels.attrs;
  const size = (name: string, fallback?: number): number => {
    const raw = a[name];
    if (raw === undefined && fallback !== undefined) return fallback;
    const v = Number(raw);
    if (raw === undefined || !Number.isInteger(v) || v < 1) {
      fail(`${at}@${name}`, `${name} is ${JSON.stringify(raw)}`, "a positive integer");
      return 1;
    }
    return v;
  };
  const quantity = (name: string, unitName: string, defaultUnit: string): Quantity | undefined => {
    const raw = a[name];
    if (raw === undefined) return undefined;
    const v = Number(raw);
    if (!Number.isFinite(v) || v <= 0) {
      fail(`${at}@${name}`, `${name} is ${JSON.stringify(raw)}`, "a positive number");
      return undefined;
    }
    return { value: v, unit: a[unitName] ?? defaultUnit };
  };
  const order = (a.DimensionOrder ?? "XYZCT").toUpperCase();
  if (!ORDERS.includes(order)) {
    fail(
      `${at}@DimensionOrder`,
      `DimensionOrder is ${JSON.stringify(a.DimensionOrder)}`,
      ORDERS.join(", "),
    );
  }
  const optionalInt = (value: string | undefined, location: string): number | undefined => {
    if (value === undefined) return undefined;
    const v = Number(value);
    if (!Number.isInteger(v) || v < 0) {
      fail(location, `is ${JSON.stringify(value)}`, "a non-negative integer");
      return undefined;
    }
    return v;
  };
  const channels = findElements(pixels.content, "Channel").map((c, i) => ({
    name: c.attrs.Name,
    samplesPerPixel: optionalInt(c.attrs.SamplesPerPixel, `${at}/Channel[${i}]@SamplesPerPixel`),
  }));
  const tiffData = findElements(pixels.content, "TiffData").map((t, i) => {
    const loc = `${at}/TiffData[${i}]`;
    const uuid = findElements(t.content, "UUID")[0];
    return {
      ifd: optionalInt(t.attrs.IFD, `${loc}@IFD`),
      firstZ: optionalInt(t.attrs.FirstZ, `${loc}@FirstZ`) ?? 0,
      firstC: optionalInt(t.attrs.FirstC, `${loc}@FirstC`) ?? 0,
      firstT: optionalInt(t.attrs.FirstT, `${loc}@FirstT`) ?? 0,
      planeCount: optionalInt(t.attrs.PlaneCount, `${loc}@PlaneCount`),
      fileName: uuid?.attrs.FileName,
    };
  });
  const result: OmeXmlImage = {
    imageCount: images.length,
    name: image.attrs.Name,
    dimensionOrder: order as DimensionOrder,
    type: (a.Type ?? a.PixelType ?? "").toLowerCase(),
    sizeX: size("SizeX"),
    sizeY: size("SizeY"),
    sizeZ: size("SizeZ", 1),
    sizeC: size("SizeC", 1),
    sizeT: size("SizeT", 1),
    physicalSizeX: quantity("PhysicalSizeX", "PhysicalSizeXUnit", "µm"),
    physicalSizeY: quantity("PhysicalSizeY", "PhysicalSizeYUnit", "µm"),
    physicalSizeZ: quantity("PhysicalSizeZ", "PhysicalSizeZUnit", "µm"),
    timeIncrement: quantity("TimeIncrement", "TimeIncrementUnit", "s"),
    channels,
    tiffData,
  };
  if (issues.length > 0) {
    throw new InvalidMetadataError(issues, {
      source,
      summary: `invalid OME-XML in ${source}: ${issues[0]!.location}: ${issues[0]!.message}`,
    });
  }
  return result;
}

/** The TIFF data type an OME pixel type names (`float` → `float32`), or `undefined`. */
export function omePixelType(type: string): string | undefined {
  const map: Record<string, string> = {
    int8: "int8",
    int16: "int16",
    int32: "int32",
    uint8: "uint8",
    uint16: "uint16",
    uint32: "uint32",
    float: "float32",
    double: "float64",
  };
  return map[type];
}
