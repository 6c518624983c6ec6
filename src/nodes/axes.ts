/**
 * NGFF axes: the axis type the node API accepts, iohub's default axes, and the checks that run
 * once at the API boundary (2–5 axes, unique names, 2–3 space axes, at most one time and one
 * channel axis, order time → channel → space).
 */
import { InvalidMetadataError, type MetadataIssue } from "../errors.js";

/** One axis of the NGFF metadata: `{ name, type?, unit? }`. */
export interface AxisSpec {
  name: string;
  type?: "space" | "time" | "channel" | (string & {});
  unit?: string;
}

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

/** A copy of an axis with the spec's key order (`name`, `type`, `unit`), absent keys omitted. */
export function cloneAxis(a: AxisSpec): AxisSpec {
  const out: AxisSpec = { name: a.name };
  if (a.type !== undefined) out.type = a.type;
  if (a.unit !== undefined) out.unit = a.unit;
  return out;
}

const ORDER: Record<string, number> = { time: 0, channel: 1, space: 2 };

/** Problems with an axes list, as metadata issues located at `where`. Empty when valid. */
export function axesIssues(axes: unknown, where = "axes"): MetadataIssue[] {
  const issues: MetadataIssue[] = [];
  const add = (code: string, location: string, message: string, expected?: string) =>
    issues.push(
      expected === undefined
        ? { code, location, message }
        : { code, location, message: `${message}; expected ${expected}`, expected },
    );
  if (!Array.isArray(axes)) {
    add(
      "invalid_type",
      where,
      `axes must be an array, found ${typeof axes}`,
      "an array of 2 to 5 axes",
    );
    return issues;
  }
  if (axes.length < 2 || axes.length > 5) {
    add("axes_count", where, `found ${axes.length} axes`, "2 to 5 axes");
  }
  const names = new Set<string>();
  let lastRank = -1;
  let space = 0;
  let time = 0;
  let channel = 0;
  axes.forEach((a: unknown, i: number) => {
    const loc = `${where}[${i}]`;
    if (typeof a !== "object" || a === null) {
      add("invalid_type", loc, "axis must be an object", "{ name, type?, unit? }");
      return;
    }
    const { name, type, unit } = a as Record<string, unknown>;
    if (typeof name !== "string" || name.length === 0) {
      add("axis_name", `${loc}.name`, "axis name must be a non-empty string");
      return;
    }
    if (names.has(name))
      add("axes_unique", `${loc}.name`, `axis name ${JSON.stringify(name)} is repeated`);
    names.add(name);
    if (type !== undefined && typeof type !== "string")
      add("invalid_type", `${loc}.type`, "axis type must be a string");
    if (unit !== undefined && typeof unit !== "string")
      add("invalid_type", `${loc}.unit`, "axis unit must be a string");
    if (type === "space") space++;
    if (type === "time") time++;
    if (type === "channel") channel++;
    const rank = typeof type === "string" ? ORDER[type] : undefined;
    if (rank !== undefined) {
      if (rank < lastRank) {
        add(
          "axes_order",
          loc,
          `axis ${JSON.stringify(name)} of type ${type} comes after a later type`,
          "time, then channel, then space axes",
        );
      }
      lastRank = rank;
    }
  });
  if (space < 2 || space > 3)
    add("axes_space", where, `found ${space} space axes`, "2 or 3 space axes");
  if (time > 1) add("axes_time", where, `found ${time} time axes`, "at most one time axis");
  if (channel > 1)
    add("axes_channel", where, `found ${channel} channel axes`, "at most one channel axis");
  return issues;
}

/**
 * Check an axes list and return a normalized copy.
 * @throws {InvalidMetadataError} listing every problem.
 */
export function checkAxes(axes: unknown, where = "axes"): AxisSpec[] {
  const issues = axesIssues(axes, where);
  if (issues.length > 0) throw new InvalidMetadataError(issues, { summary: "invalid axes" });
  return (axes as AxisSpec[]).map(cloneAxis);
}

/** Index of the first axis of `type`, or -1. */
export function findAxis(axes: readonly AxisSpec[], type: string): number {
  return axes.findIndex((a) => a.type === type);
}
