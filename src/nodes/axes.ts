/**
 * NGFF axes as the node API uses them: the axis type (the schema's, `src/schema`) and iohub's
 * default axes. Axes given to the API are checked by the schema's `axes` model
 * ({@link checkAxes}, re-exported from `src/schema/check.ts`).
 */
import type { Axis } from "../schema/common/axes.js";

export { checkAxes, cloneAxis } from "../schema/check.js";

/** One axis of the NGFF metadata: `{ name, type?, unit? }` (the schema's `Axis`). */
export type AxisSpec = Axis;

/**
 * iohub's default axes: `T` (time, second), `C` (channel), `Z`, `Y`, `X` (space, micrometer).
 * iohub's uppercase names are kept.
 */
export const DEFAULT_AXES: readonly AxisSpec[] = Object.freeze([
  { name: "T", type: "time", unit: "second" },
  { name: "C", type: "channel" },
  { name: "Z", type: "space", unit: "micrometer" },
  { name: "Y", type: "space", unit: "micrometer" },
  { name: "X", type: "space", unit: "micrometer" },
]);

/** Index of the first axis of `type`, or -1. */
export function findAxis(axes: readonly AxisSpec[], type: string): number {
  return axes.findIndex((a) => a.type === type);
}
