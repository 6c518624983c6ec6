/**
 * OMERO display metadata (`omero`) with iohub's defaults: a colour picked from the channel name
 * (fluorophore keywords), contrast windows from iohub's presets for known channel names
 * (Retardance, Phase3D, BF, …) and otherwise from the data type's range, first channel active.
 */
import type { OmeroChannelV05, OmeroV05, OmeroWindow } from "../schema/common/omero.js";
import type { DataType } from "../store/index.js";
import type { NgffVersion } from "./context.js";

/** Contrast limits of one channel (the schema's `OmeroWindow`). */
export type Window = OmeroWindow;

type ChannelKeys = "active" | "coefficient" | "color" | "family" | "inverted" | "label";

/**
 * One `omero.channels[]` entry as ngff-writer writes it (the schema's channel with every field
 * iohub writes present), with iohub's key order.
 */
export type OmeroChannel = { [K in ChannelKeys]-?: NonNullable<OmeroChannelV05[K]> } & {
  window: Window;
};

/** The `omero` object (the schema's `omero`, with channels as ngff-writer writes them). */
export type OmeroMeta = { [K in "id" | "name" | "version" | "rdefs"]?: OmeroV05[K] } & {
  channels: OmeroChannel[];
  [key: string]: unknown;
};

// iohub's keyword table: a channel whose name contains one of the words gets that colour
// (CSS colour names as hex). Checked in this order; no match gives white.
const CHANNEL_COLORS: readonly (readonly [hex: string, words: readonly string[]])[] = [
  ["00FF00", ["Green", "GFP", "FITC", "mNeon"]], // lime
  ["FF00FF", ["Magenta", "TXR", "RFP", "mScarlet", "mCherry"]], // magenta
  ["0000FF", ["Blue", "DAPI", "BFP", "Hoechst"]], // blue
  ["FF0000", ["Red"]], // red
  ["FFFF00", ["Yellow", "Cy3"]], // yellow
  ["FFA500", ["Orange", "Cy5", "Y5"]], // orange
];

const U16_MAX = 65535;

// iohub's presets as [start, end, min, max] for label-free channel names.
const PRESETS: Readonly<Record<string, readonly [number, number, number, number]>> = {
  Retardance: [0, 100, 0, 1000],
  Orientation: [0, Math.PI, 0, Math.PI],
  Phase2D: [-0.2, 0.2, -10, 10],
  Phase3D: [-0.2, 0.2, -10, 10],
  BF: [0, 5, 0, U16_MAX],
  S0: [0, 1, 0, U16_MAX],
  S1: [-0.5, 0.5, -10, 10],
  S2: [-0.5, 0.5, -10, 10],
  S3: [-1, 1, -10, -10],
};

/** Display colour (hex, no `#`) for a channel name, by iohub's keyword table; white otherwise. */
export function channelColor(name: string): string {
  for (const [hex, words] of CHANNEL_COLORS) {
    if (words.some((w) => name.includes(w))) return hex;
  }
  return "FFFFFF";
}

/** The value range of a data type as `[min, max]` (floats: iohub's 0–65535). */
export function dtypeRange(dtype: DataType | undefined): [number, number] {
  switch (dtype) {
    case "bool":
      return [0, 1];
    case "int8":
      return [-128, 127];
    case "uint8":
      return [0, 255];
    case "int16":
      return [-32768, 32767];
    case "uint16":
      return [0, U16_MAX];
    case "int32":
      return [-2147483648, 2147483647];
    case "uint32":
      return [0, 4294967295];
    case "int64":
      return [-(2 ** 63), 2 ** 63 - 1];
    case "uint64":
      return [0, 2 ** 64 - 1];
    default:
      return [0, U16_MAX];
  }
}

/** Default contrast window of a channel: iohub's preset for its name, else the dtype's range. */
export function defaultWindow(name: string, dtype: DataType | undefined): Window {
  const p = PRESETS[name];
  if (p !== undefined) return { start: p[0], end: p[1], min: p[2], max: p[3] };
  const [lo, hi] = dtypeRange(dtype);
  return { start: lo, end: hi, min: lo, max: hi };
}

/** iohub's `channel_display_settings`: one `omero.channels[]` entry. */
export function channelDisplaySettings(
  name: string,
  opts: { dtype?: DataType | undefined; active?: boolean; window?: Window } = {},
): OmeroChannel {
  return {
    active: opts.active ?? false,
    coefficient: 1,
    color: channelColor(name),
    family: "linear",
    inverted: false,
    label: name,
    window: opts.window ?? defaultWindow(name, opts.dtype),
  };
}

/** A new `omero` object for `channelNames` (first channel active; 0.4 carries `version`). */
export function omeroMeta(opts: {
  version: NgffVersion;
  name: string;
  channelNames: readonly string[];
  dtype: DataType | undefined;
}): OmeroMeta {
  const channels = opts.channelNames.map((c, i) =>
    channelDisplaySettings(c, { dtype: opts.dtype, active: i === 0 }),
  );
  const rdefs = { defaultT: 0, defaultZ: 0, model: "color", projection: "normal" };
  const meta: OmeroMeta =
    opts.version === "0.4"
      ? { version: "0.4", id: 0, name: opts.name, channels, rdefs }
      : { id: 0, name: opts.name, channels, rdefs };
  return meta;
}
