/**
 * ImageJ hyperstack metadata: the `key=value` lines ImageJ (and tifffile's `imagej=True`)
 * write into the first page's ImageDescription. Pages are ordered channel fastest, then slice,
 * then frame (OME's `XYCZT`).
 */

/** What {@link parseImageJDescription} returns. */
export interface ImageJMetadata {
  readonly images: number;
  readonly channels: number;
  readonly slices: number;
  readonly frames: number;
  /** z spacing in `unit`. */
  readonly spacing: number | undefined;
  /** Space unit as written (`micron`, `µm`, `nm`, `pixel`). */
  readonly unit: string | undefined;
  /** Frame interval in `tunit` (default seconds). */
  readonly finterval: number | undefined;
  readonly tunit: string | undefined;
}

/** True when `description` is ImageJ metadata (starts with `ImageJ=`). */
export function isImageJDescription(description: string | undefined): description is string {
  return description?.trimStart().startsWith("ImageJ=") ?? false;
}

/** Parse ImageJ's description; absent counts default to 1 and `images` to their product. */
export function parseImageJDescription(description: string): ImageJMetadata {
  const kv = new Map<string, string>();
  for (const line of description.split(/\r?\n/)) {
    const eq = line.indexOf("=");
    if (eq > 0) kv.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  }
  const count = (key: string): number => {
    const v = Number(kv.get(key));
    return Number.isInteger(v) && v >= 1 ? v : 1;
  };
  const positive = (key: string): number | undefined => {
    const v = Number(kv.get(key));
    return kv.has(key) && Number.isFinite(v) && v > 0 ? v : undefined;
  };
  const channels = count("channels");
  const slices = count("slices");
  const frames = count("frames");
  const images = kv.has("images") ? count("images") : channels * slices * frames;
  return {
    images,
    channels,
    slices,
    frames,
    spacing: positive("spacing"),
    unit: kv.get("unit")?.replace(/\\u00B5/gi, "µ"),
    finterval: positive("finterval"),
    tunit: kv.get("tunit"),
  };
}
