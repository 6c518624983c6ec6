/**
 * Convert OME attributes between NGFF 0.4 (flat keys in `.zattrs`, per-object `version`) and 0.5
 * (`attributes.ome` with `version: "0.5"`, no per-object versions).
 */
import { InvalidMetadataError } from "../errors.js";
import type { NgffVersion } from "../schema/common/version.js";
import type * as v04 from "../schema/v04/index.js";
import type * as v05 from "../schema/v05/index.js";
import { isRecord, type ModelsV04, type ModelsV05, OME_KEYS_V04, type OmeKind } from "./kinds.js";
import { validateOmeObject } from "./ome.js";

type Json = Record<string, unknown>;

/** The objects that carry their own `version` in 0.4 (and none in 0.5). */
function versionedObjects(ome: Json): Json[] {
  const out: Json[] = [];
  if (Array.isArray(ome.multiscales))
    for (const ms of ome.multiscales) if (isRecord(ms)) out.push(ms);
  for (const key of ["plate", "well", "image-label"]) {
    const v = ome[key];
    if (isRecord(v)) out.push(v);
  }
  return out;
}

function to05(attrs: Json): Json {
  const rest: Json = {};
  const ome: Json = { version: "0.5" };
  for (const [key, value] of Object.entries(attrs)) {
    if (OME_KEYS_V04.includes(key)) ome[key] = structuredClone(value);
    else rest[key] = value;
  }
  // 0.5 keeps the version only in `ome.version`.
  for (const obj of versionedObjects(ome)) delete obj.version;
  return { ...rest, ome };
}

function to04(attrs: Json): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(attrs)) {
    if (key !== "ome") out[key] = value;
  }
  const ome = structuredClone(attrs.ome) as Json;
  delete ome.version;
  // 0.4 SHOULD carry a version on each of these (its strict schemas require it).
  for (const obj of versionedObjects(ome)) {
    delete obj.version;
    obj.version = "0.4";
  }
  return { ...out, ...ome };
}

/**
 * Convert validated OME attributes to NGFF `target`.
 *
 * - 0.4 → 0.5: the OME keys (`multiscales`, `omero`, `labels`, `image-label`, `plate`, `well`,
 *   `bioformats2raw.layout`, `series`) move under `ome` with `version: "0.5"` first; the
 *   per-object `version` keys of multiscales, plate, well and image-label are dropped; other
 *   keys stay at the top level, in order.
 * - 0.5 → 0.4: the keys of `ome` (except `version`) move to the top level and multiscales,
 *   plate, well and image-label get `version: "0.4"`.
 *
 * `meta` may be a 0.4 `.zattrs` object, a 0.5 `attributes` object or a whole `zarr.json`
 * document (its `attributes` are converted). Already in `target`: the attributes are returned
 * as they are. The input is never modified.
 *
 * @throws {InvalidMetadataError} when `meta` is invalid, or when the converted attributes are
 *   invalid in `target` (e.g. a 0.5 omero channel without the `window` that 0.4 requires).
 */
export function toVersion(meta: unknown, target: "0.5"): ModelsV05[OmeKind];
export function toVersion(meta: unknown, target: "0.4"): ModelsV04[OmeKind];
export function toVersion(
  meta: unknown,
  target: NgffVersion,
): ModelsV04[OmeKind] | ModelsV05[OmeKind];
export function toVersion(meta: unknown, target: NgffVersion): v04.Image | v05.Image | object {
  const source = validateOmeObject(meta);
  if (source.version === target) return source.attributes;
  const converted = target === "0.5" ? to05(source.attributes) : to04(source.attributes);
  try {
    return validateOmeObject(converted, { version: target, kind: source.kind }).attributes;
  } catch (err) {
    if (!(err instanceof InvalidMetadataError)) throw err;
    throw new InvalidMetadataError(err.issues, {
      cause: err,
      summary: `NGFF ${source.version} ${source.kind} metadata is not valid once converted to ${target}`,
    });
  }
}
