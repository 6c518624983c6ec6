/**
 * `createPositions(specs, { overwrite: true })`: the same rule as the single creates
 * (src/nodes/overwrite.ts): every input of the batch is checked first, as the batch will be
 * planned once the positions it replaces are gone (names, duplicates within the batch, indices,
 * acquisitions, the declared layout and field count); only then is each replaced position
 * deleted as `Well.deletePosition` does (its well's list first, then its directory), and a
 * leftover group where a new well goes removed as `Plate.deleteWell` does; then the batch runs.
 * A writer killed anywhere leaves a valid store, and the same call run again completes it.
 */

import { NotFoundError } from "../../errors.js";
import { mapBounded } from "../../store/concurrency.js";
import { type PositionSpec, planPositions, toPositionSpec } from "./batch.js";
import { applyDeclaredLayout, assertFieldCount } from "./layout.js";
import { assertValidPlate, type WellMeta } from "./meta.js";
import { type BatchOptions, concurrencyOf, type PlateInternals } from "./ops.js";

async function ignoreNotFound(p: Promise<void>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
  }
}

/**
 * Check the batch `specs` as it will run once the positions it names are removed, then remove
 * them (and leftovers where its new wells go). Nothing is removed when a check fails.
 * @throws {UnsafePathError} / {@link InvalidMetadataError} / {@link AlreadyExistsError} /
 *   {@link InvalidOptionsError} for bad input, before anything is removed.
 */
export async function clearForBatch(
  p: PlateInternals,
  specs: readonly (string | PositionSpec)[],
  opts: BatchOptions,
): Promise<void> {
  const limit = concurrencyOf(opts);
  const normalized = specs.map(toPositionSpec);
  const plate = p.current();
  const listed = new Set(plate.wells.map((w) => w.path));
  const replaced = new Set(normalized.map((s) => `${s.row}/${s.col}/${s.pos}`));
  const touched = [
    ...new Set(normalized.map((s) => `${s.row}/${s.col}`).filter((w) => listed.has(w))),
  ];
  const wells = new Map<string, WellMeta | undefined>();
  await mapBounded(touched, limit, async (w) => wells.set(w, (await p.getWell(w)).metadata));
  // The dry run: the plan of the batch once the replaced positions are gone.
  const plan = planPositions(
    plate,
    (w) => {
      const meta = wells.get(w);
      if (meta === undefined) return undefined;
      return { ...meta, images: meta.images.filter((i) => !replaced.has(`${w}/${i.path}`)) };
    },
    normalized,
  );
  for (const [w, { meta }] of plan.wells) assertFieldCount(p.layout(), w, meta.images.length);
  const layout = p.layout();
  if (layout !== undefined) applyDeclaredLayout(plan.plate, layout);
  assertValidPlate(plan.plate, p.ctx.path || "/");

  // Every check passed: remove what the batch replaces.
  await mapBounded(normalized, limit, async (s) => {
    const w = `${s.row}/${s.col}`;
    if (listed.has(w)) await ignoreNotFound((await p.getWell(w)).deletePosition(s.pos));
  });
  const fresh = [...new Set(normalized.map((s) => `${s.row}/${s.col}`))].filter(
    (w) => !listed.has(w),
  );
  await mapBounded(fresh, limit, (w) => {
    const [row, column] = w.split("/") as [string, string];
    return ignoreNotFound(p.deleteWell(row, column));
  });
}
