/**
 * The kinds of OME-NGFF groups, the models that validate each (per version, strict or not), and
 * how the kind and version of a document are detected.
 */
import type { z } from "zod";
import type { NgffVersion } from "./common/version.js";
import * as v04 from "./v04/index.js";
import * as v05 from "./v05/index.js";
import type { ZarrJsonGroup } from "./v05/zarr-json.js";

/** What an OME-NGFF group is, by the metadata it carries. */
export type OmeKind = "image" | "label-image" | "labels" | "plate" | "well" | "bf2raw" | "series";

/** Every kind, in detection order (a bioformats2raw root that is also a plate is a plate). */
export const OME_KINDS: readonly OmeKind[] = [
  "plate",
  "well",
  "label-image",
  "image",
  "bf2raw",
  "series",
  "labels",
];

/** The key whose presence identifies each kind. */
export const KIND_KEYS: Readonly<Record<OmeKind, string>> = {
  plate: "plate",
  well: "well",
  "label-image": "image-label",
  image: "multiscales",
  bf2raw: "bioformats2raw.layout",
  series: "series",
  labels: "labels",
};

/** Every top-level `.zattrs` key that belongs to NGFF 0.4 (the kind keys and `omero`). */
export const OME_KEYS_V04: readonly string[] = [...Object.values(KIND_KEYS), "omero"];

/** 0.4 models per kind: the whole `.zattrs` object. */
export interface ModelsV04 {
  image: v04.Image;
  "label-image": v04.LabelImage;
  labels: v04.LabelsGroup;
  plate: v04.Plate;
  well: v04.Well;
  bf2raw: v04.Bf2Raw;
  series: v04.Series;
}
/** 0.5 models per kind: the `attributes` object of `zarr.json`. */
export interface ModelsV05 {
  image: v05.Image;
  "label-image": v05.LabelImage;
  labels: v05.LabelsGroup;
  plate: v05.Plate;
  well: v05.Well;
  bf2raw: v05.Bf2Raw;
  series: v05.Series;
}
/** 0.5 models per kind: the `attributes.ome` namespace. */
export interface OmeModelsV05 {
  image: v05.ImageOme;
  "label-image": v05.LabelImageOme;
  labels: v05.LabelsGroupOme;
  plate: v05.PlateOme;
  well: v05.WellOme;
  bf2raw: v05.Bf2RawOme;
  series: v05.SeriesOme;
}

type Pair = readonly [plain: z.ZodType, strict: z.ZodType];

const TABLE: Record<NgffVersion, Record<OmeKind, Pair>> = {
  "0.4": {
    image: [v04.Image, v04.StrictImage],
    "label-image": [v04.LabelImage, v04.StrictLabelImage],
    labels: [v04.LabelsGroup, v04.LabelsGroup],
    plate: [v04.Plate, v04.StrictPlate],
    well: [v04.Well, v04.StrictWell],
    bf2raw: [v04.Bf2Raw, v04.StrictBf2Raw],
    series: [v04.Series, v04.Series],
  },
  "0.5": {
    image: [v05.Image, v05.StrictImage],
    "label-image": [v05.LabelImage, v05.StrictLabelImage],
    labels: [v05.LabelsGroup, v05.LabelsGroup],
    plate: [v05.Plate, v05.StrictPlate],
    well: [v05.Well, v05.Well],
    bf2raw: [v05.Bf2Raw, v05.StrictBf2Raw],
    series: [v05.Series, v05.Series],
  },
};

const wrapped = new Map<string, z.ZodType>();

/**
 * The model for `kind` in `version`; `zarrJson` wraps it as a whole `zarr.json` group document.
 * Models are built once (the wrappers on first use) and reused.
 */
export function modelFor(
  version: NgffVersion,
  kind: OmeKind,
  strict: boolean,
  zarrJson: boolean,
): z.ZodType {
  const model = TABLE[version][kind][strict ? 1 : 0];
  if (!zarrJson) return model;
  const key = `${version}|${kind}|${strict}`;
  let w = wrapped.get(key);
  if (w === undefined) {
    w = v05.zarrJsonGroup(model);
    wrapped.set(key, w);
  }
  return w;
}

/** True for a plain JSON object (not an array, not null). */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** True when `obj` is a whole `zarr.json` document rather than its `attributes`. */
export function isZarrJsonDocument(obj: Record<string, unknown>): boolean {
  return "zarr_format" in obj && ("node_type" in obj || "attributes" in obj);
}

/** The kind whose identifying key `ome` has (first in {@link OME_KINDS} order), if any. */
export function detectKind(ome: Record<string, unknown>): OmeKind | undefined {
  return OME_KINDS.find((k) => KIND_KEYS[k] in ome);
}

/** `value` typed as a 0.5 `zarr.json` document or its attributes. */
export type V05Value<K extends OmeKind> = ModelsV05[K] | ZarrJsonGroup<ModelsV05[K]>;
