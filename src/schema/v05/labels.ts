/** NGFF 0.5 `labels` group: the list of label images under an image. */
import { z } from "zod";
import { LabelPaths } from "../common/labels.js";
import { Version } from "./version.js";

/** The `ome` namespace of a 0.5 `labels` group. */
export const LabelsGroupOme = z.looseObject({ version: Version, labels: LabelPaths });
export type LabelsGroupOme = z.infer<typeof LabelsGroupOme>;

/** `attributes` of a 0.5 `labels` group. */
export const LabelsGroup = z.looseObject({ ome: LabelsGroupOme });
export type LabelsGroup = z.infer<typeof LabelsGroup>;
