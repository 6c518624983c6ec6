/**
 * A plate's field counts and the acquisitions that have no field yet.
 *
 * Counts: each acquisition's `maximumfieldcount` ("the maximum number of fields of view for the
 * acquisition", a positive integer) and `field_count` ("the maximum number of fields per view
 * across all wells") follow the fields: raised when a field is created (`raiseFieldCounts`),
 * lowered when the field (or well) that held a maximum is deleted (`lowerFieldCounts`). An
 * acquisition left without any field loses its count, and a `field_count` of a plate left
 * without fields is removed (both must be positive). A `field_count` declared with the plate's
 * layout (`fieldCount`) is the declared bound and stays.
 *
 * Acquisitions without a field: the official strict schemas want every listed acquisition to
 * carry `maximumfieldcount`, which cannot be 0. So an acquisition is listed in
 * `plate.acquisitions` from its first field on (or when it was given a count); until then the
 * plate keeps it in its own group attribute {@link PLATE_ACQUISITIONS_ATTR} (the plate's whole
 * acquisition list, in order, written in the same metadata document as `plate`), and
 * `plate.acquisitions` / `createPosition(…, { acqIndex })` see it as before. Readers of the NGFF
 * metadata see only acquisitions that have fields, which is all the wells can refer to.
 */
import { InvalidMetadataError } from "../../errors.js";
import { parseModel } from "../../schema/check.js";
import * as v05 from "../../schema/v05/index.js";
import { type Acquisition, type PlateMeta, raiseFieldCounts, type WellImage } from "./meta.js";

/** Group attribute of a plate holding its acquisition list while one of them has no field. */
export const PLATE_ACQUISITIONS_ATTR = "ngff-writer:plate-acquisitions";

/** Fields of `images` in acquisition `id` (fields without one count for a plate's only acquisition). */
function countIn(plate: PlateMeta, images: readonly WellImage[], id: number): number {
  const only = (plate.acquisitions ?? []).length === 1;
  return images.filter((i) => i.acquisition === id || (i.acquisition === undefined && only)).length;
}

/**
 * Whether a well going from fields `before` to `after` may lower a count of `plate`: the well
 * held the maximum of an acquisition it lost fields of, or held `field_count`.
 */
export function mayLowerCounts(
  plate: PlateMeta,
  before: readonly WellImage[],
  after: readonly WellImage[],
): boolean {
  if (plate.field_count !== undefined && before.length >= plate.field_count) {
    if (after.length < before.length) return true;
  }
  for (const a of plate.acquisitions ?? []) {
    const was = countIn(plate, before, a.id);
    if (was > countIn(plate, after, a.id) && was >= (a.maximumfieldcount ?? 0)) return true;
  }
  return false;
}

/**
 * Recount `plate` in place after fields or wells were removed: each acquisition's
 * `maximumfieldcount` becomes the largest number of its fields in any of `wells` (every
 * remaining well's fields; none: no count), and `field_count`, when present and not declared
 * (`declared`: the layout's `fieldCount`), the largest number of fields in a well (none: removed).
 */
export function lowerFieldCounts(
  plate: PlateMeta,
  wells: readonly (readonly WellImage[])[],
  declared?: number,
): void {
  for (const a of plate.acquisitions ?? []) delete a.maximumfieldcount;
  for (const images of wells) raiseFieldCounts(plate, images);
  if (plate.field_count !== undefined && declared === undefined) {
    const max = Math.max(0, ...wells.map((w) => w.length));
    if (max > 0) plate.field_count = max;
    else delete plate.field_count;
  }
}

/** Whether some acquisition of `plate` is not listed yet (no field, no count). */
function hasUnlisted(plate: PlateMeta): boolean {
  return (plate.acquisitions ?? []).some((a) => a.maximumfieldcount === undefined);
}

/**
 * `plate` as written to the `plate` metadata: acquisitions without `maximumfieldcount` (no field
 * yet) left out, and no `acquisitions` key when none is left. A copy when anything is left out.
 */
export function listedPlate(plate: PlateMeta): PlateMeta {
  if (!hasUnlisted(plate)) return plate;
  const out: PlateMeta = { ...plate };
  const listed = (plate.acquisitions ?? []).filter((a) => a.maximumfieldcount !== undefined);
  if (listed.length > 0) out.acquisitions = listed;
  else delete out.acquisitions;
  return out;
}

/**
 * The attributes of a plate group for `plate` (a copy of `attributes`): with
 * {@link PLATE_ACQUISITIONS_ATTR} (every acquisition, in order) while one is not listed, without
 * it otherwise.
 */
export function withAcquisitionsAttr(
  attributes: Record<string, unknown>,
  plate: PlateMeta | undefined,
): Record<string, unknown> {
  const next = { ...attributes };
  if (plate !== undefined && hasUnlisted(plate)) {
    // Without counts: a listed acquisition's count is the one in the `plate` metadata.
    next[PLATE_ACQUISITIONS_ATTR] = (plate.acquisitions ?? []).map(
      ({ maximumfieldcount: _count, ...a }) => structuredClone(a),
    );
  } else {
    delete next[PLATE_ACQUISITIONS_ATTR];
  }
  return next;
}

/**
 * `plate` as read, with the acquisitions kept in {@link PLATE_ACQUISITIONS_ATTR} of the group's
 * `attributes` merged back (in the attribute's order; a listed acquisition's entry is the one
 * in `plate`; listed ones the attribute does not name follow). In place; returns `plate`.
 * @throws {InvalidMetadataError} when the attribute is not a list of acquisitions.
 */
export function mergeKeptAcquisitions(
  plate: PlateMeta,
  attributes: Record<string, unknown>,
  source?: string,
): PlateMeta {
  const raw = attributes[PLATE_ACQUISITIONS_ATTR];
  if (raw === undefined) return plate;
  const at = PLATE_ACQUISITIONS_ATTR;
  if (!Array.isArray(raw)) {
    throw new InvalidMetadataError(
      [
        {
          code: "invalid_type",
          location: at,
          message: `${at} must be a list of acquisitions, found ${JSON.stringify(raw)}`,
          expected: "a list of acquisitions",
        },
      ],
      source === undefined ? {} : { source },
    );
  }
  const kept = raw.map((a: unknown, i) => {
    const opts = source === undefined ? { at: `${at}[${i}]` } : { at: `${at}[${i}]`, source };
    return parseModel(v05.Acquisition, a, opts) as Acquisition;
  });
  const listed = new Map((plate.acquisitions ?? []).map((a) => [a.id, a]));
  const merged: Acquisition[] = [];
  for (const a of kept) {
    if (merged.some((m) => m.id === a.id)) continue;
    // An acquisition the `plate` metadata does not list has no field: it has no count.
    const { maximumfieldcount: _count, ...unlisted } = a;
    merged.push(listed.get(a.id) ?? unlisted);
    listed.delete(a.id);
  }
  merged.push(...listed.values());
  if (merged.length > 0) plate.acquisitions = merged;
  return plate;
}
