/** The NGFF 0.4 models (Zarr v2; OME keys at the top level of `.zattrs`). */
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
  LabelColorV04 as LabelColor,
  LabelProperty,
  LabelSource,
} from "../common/labels.js";
export { Dataset } from "../common/multiscale.js";
export {
  OmeroChannelV04 as OmeroChannel,
  OmeroRdefs,
  OmeroV04 as Omero,
  OmeroWindow,
  StrictOmeroChannelV04 as StrictOmeroChannel,
  StrictOmeroV04 as StrictOmero,
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
export { Bf2Raw, StrictBf2Raw } from "./bf2raw.js";
export { Image, StrictImage } from "./image.js";
export { ImageLabel, LabelImage, StrictImageLabel, StrictLabelImage } from "./label-image.js";
export { LabelsGroup } from "./labels.js";
export { Multiscale, Multiscales, StrictMultiscale, StrictMultiscales } from "./multiscale.js";
export { Plate, PlateDef, StrictPlate, StrictPlateDef } from "./plate.js";
export { Series } from "./series.js";
export { StrictWell, StrictWellDef, Well, WellDef } from "./well.js";
