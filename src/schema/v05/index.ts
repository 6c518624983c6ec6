/** The NGFF 0.5 models (Zarr v3; OME keys under `attributes.ome` with `version: "0.5"`). */
export {
  Axes,
  Axis,
  ChannelAxis,
  CustomAxis,
  SpaceAxis,
  TimeAxis,
} from "../common/axes.js";
export { BF2RAW_LAYOUT, Bf2RawLayout } from "../common/bf2raw.js";
export {
  LabelColorV05 as LabelColor,
  LabelProperty,
  LabelSource,
} from "../common/labels.js";
export { Dataset } from "../common/multiscale.js";
export {
  OmeroChannelV05 as OmeroChannel,
  OmeroRdefs,
  OmeroV05 as Omero,
  OmeroWindow,
} from "../common/omero.js";
export { Acquisition, Column, PlateWell, Row } from "../common/plate.js";
export {
  CoordinateTransform,
  CoordinateTransformations,
  PathScale,
  PathTranslation,
  ScaleTransform,
  TranslationTransform,
} from "../common/transforms.js";
export { FieldOfView } from "../common/well.js";
export { Bf2Raw, Bf2RawOme, StrictBf2Raw, StrictBf2RawOme } from "./bf2raw.js";
export { Image, ImageOme, StrictImage, StrictImageOme } from "./image.js";
export {
  ImageLabel,
  LabelImage,
  LabelImageOme,
  StrictImageLabel,
  StrictLabelImage,
  StrictLabelImageOme,
} from "./label-image.js";
export { LabelsGroup, LabelsGroupOme } from "./labels.js";
export { Multiscale, Multiscales, StrictMultiscale, StrictMultiscales } from "./multiscale.js";
export { Plate, PlateDef, PlateOme, StrictPlate, StrictPlateDef, StrictPlateOme } from "./plate.js";
export { Series, SeriesOme } from "./series.js";
export { Version } from "./version.js";
export { Well, WellDef, WellOme } from "./well.js";
export { ZarrJsonGroup, zarrJsonGroup } from "./zarr-json.js";
