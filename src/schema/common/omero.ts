/**
 * "omero" metadata (transitional in 0.5): rendering settings per channel. The official 0.4
 * schema requires `window` and `color` on each channel; 0.5 makes both optional.
 */
import { z } from "zod";

/** The display window of a channel: data range (`min`/`max`) and shown range (`start`/`end`). */
export const OmeroWindow = z.looseObject({
  start: z.number(),
  min: z.number(),
  end: z.number(),
  max: z.number(),
});
export type OmeroWindow = z.infer<typeof OmeroWindow>;

/** Default rendering settings: first time point and z section to show, color model. */
export const OmeroRdefs = z.looseObject({
  defaultT: z.number().optional(),
  defaultZ: z.number().optional(),
  model: z.string().optional(),
});
export type OmeroRdefs = z.infer<typeof OmeroRdefs>;

const channelFields = {
  label: z.string().optional(),
  family: z.string().optional(),
  active: z.boolean().optional(),
  coefficient: z.number().optional(),
  inverted: z.boolean().optional(),
};

// The official 0.4 image schema requires `window` and `color` on every channel. The yaozarrs
// guide (and other writers) write the minimal channel `{ label, color }`, and 0.5 makes `window`
// optional, so the non-strict model reads a 0.4 channel without `window`; the strict model (and
// `validateStore(..., { strict: true })`) requires it as the official schema does.
/** An omero channel as 0.4 has it, read leniently: `color` (a hex string like `"00FF00"`) required, `window` optional. */
export const OmeroChannelV04 = z.looseObject({
  ...channelFields,
  window: OmeroWindow.optional(),
  color: z.string(),
});
/** An omero channel as the official 0.4 schema has it (`window` and `color` required). */
export const StrictOmeroChannelV04 = z.looseObject({
  ...channelFields,
  window: OmeroWindow,
  color: z.string(),
});
/** An omero channel as 0.5 has it (`window` and `color` optional). */
export const OmeroChannelV05 = z.looseObject({
  ...channelFields,
  window: OmeroWindow.optional(),
  color: z.string().optional(),
});
export type OmeroChannelV04 = z.infer<typeof OmeroChannelV04>;
export type StrictOmeroChannelV04 = z.infer<typeof StrictOmeroChannelV04>;
export type OmeroChannelV05 = z.infer<typeof OmeroChannelV05>;

const omeroFields = {
  id: z.number().optional(),
  name: z.string().optional(),
  version: z.string().optional(),
  rdefs: OmeroRdefs.optional(),
};

/** 0.4 "omero" object: `channels` required (each read leniently, see {@link OmeroChannelV04}). */
export const OmeroV04 = z.looseObject({ ...omeroFields, channels: z.array(OmeroChannelV04) });
/** 0.4 "omero" object as the official schema has it (every channel with `window` and `color`). */
export const StrictOmeroV04 = z.looseObject({
  ...omeroFields,
  channels: z.array(StrictOmeroChannelV04),
});
/** 0.5 "omero" object: `channels` required. */
export const OmeroV05 = z.looseObject({ ...omeroFields, channels: z.array(OmeroChannelV05) });
export type OmeroV04 = z.infer<typeof OmeroV04>;
export type OmeroV05 = z.infer<typeof OmeroV05>;
