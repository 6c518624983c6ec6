/** NGFF 0.4 `labels` group: the list of label images under an image. */
import { z } from "zod";
import { LabelPaths } from "../common/labels.js";

/** `.zattrs` of a 0.4 `labels` group. */
export const LabelsGroup = z.looseObject({ labels: LabelPaths });
export type LabelsGroup = z.infer<typeof LabelsGroup>;
