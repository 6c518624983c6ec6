/** TIFF / OME-TIFF input for `ngff convert`. */
export type { TiffDataType, TiffTypedArray } from "./dtype.js";
export type { AxisScale, LayoutOptions, PlaneRef, TiffLayout } from "./layout.js";
export { SUPPORTED_COMPRESSIONS } from "./layout.js";
export type { DimensionOrder, OmeXmlImage } from "./ome-xml.js";
export { isOmeXml, parseOmeXml } from "./ome-xml.js";
export { type OpenTiffOptions, openTiff, type TiffReader, type Window } from "./open-tiff.js";
export { readTiffStructure, type TiffIfd, type TiffStructure } from "./structure.js";
