/**
 * OME-XML and ImageJ unit symbols → the unit names OME-NGFF axes use.
 */

const SPACE: Record<string, string> = {
  "\u00c5": "angstrom",
  "\u212b": "angstrom",
  angstrom: "angstrom",
  pm: "picometer",
  nm: "nanometer",
  nanometer: "nanometer",
  µm: "micrometer",
  μm: "micrometer",
  um: "micrometer",
  micron: "micrometer",
  microns: "micrometer",
  micrometer: "micrometer",
  mm: "millimeter",
  millimeter: "millimeter",
  cm: "centimeter",
  dm: "decimeter",
  m: "meter",
  meter: "meter",
  km: "kilometer",
  in: "inch",
  inch: "inch",
  ft: "foot",
  yd: "yard",
  mi: "mile",
};

const TIME: Record<string, string> = {
  s: "second",
  sec: "second",
  second: "second",
  seconds: "second",
  ms: "millisecond",
  µs: "microsecond",
  μs: "microsecond",
  us: "microsecond",
  ns: "nanosecond",
  ps: "picosecond",
  min: "minute",
  minute: "minute",
  h: "hour",
  hour: "hour",
  d: "day",
  day: "day",
};

/** The NGFF space unit for an OME/ImageJ symbol (`"µm"` → `"micrometer"`), or `undefined`. */
export function spaceUnit(symbol: string | undefined): string | undefined {
  if (symbol === undefined) return undefined;
  const s = symbol.trim();
  return SPACE[s] ?? SPACE[s.toLowerCase()];
}

/** The NGFF time unit for an OME/ImageJ symbol (`"ms"` → `"millisecond"`), or `undefined`. */
export function timeUnit(symbol: string | undefined): string | undefined {
  if (symbol === undefined) return undefined;
  const s = symbol.trim();
  return TIME[s] ?? TIME[s.toLowerCase()];
}
