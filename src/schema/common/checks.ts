/**
 * Small helpers shared by the refinements: how a custom issue is raised (with a stable code and
 * an `expected` phrase), JSON-Schema `uniqueItems`, and uniqueness of one field across a list.
 */
import type { z } from "zod";

/** Params attached to every custom issue this package raises (read by the issue mapper). */
export interface NgffIssueParams {
  /** Stable issue code, e.g. `axes_order`. */
  readonly ngffCode: string;
  /** What was expected, as a short phrase. */
  readonly expected?: string;
}

/** Raise a custom issue with a stable `code` at `path` (relative to the refined value). */
export function addIssue(
  ctx: z.RefinementCtx,
  code: string,
  path: PropertyKey[],
  message: string,
  expected?: string,
): void {
  const params: NgffIssueParams =
    expected === undefined ? { ngffCode: code } : { ngffCode: code, expected };
  ctx.addIssue({ code: "custom", message, path, params });
}

/** `1 axis`, `2 axes`: a count with its noun. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** JSON text of `value` with object keys sorted, so that equal JSON values give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const obj = value as Record<string, unknown>;
    const keys = Object.keys(obj)
      .filter((k) => obj[k] !== undefined)
      .sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(obj[k])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** JSON Schema `uniqueItems`: report every item equal (as JSON) to an earlier one. */
export function checkUniqueItems(items: readonly unknown[], ctx: z.RefinementCtx, what: string) {
  const seen = new Map<string, number>();
  items.forEach((item, i) => {
    const key = canonicalJson(item);
    const first = seen.get(key);
    if (first === undefined) seen.set(key, i);
    else
      addIssue(
        ctx,
        "duplicate_item",
        [i],
        `${what} ${i} repeats ${what} ${first}`,
        `${what}s that are all different`,
      );
  });
}

/**
 * Report every item whose `field` value repeats an earlier item's (`code` names the rule).
 * Items whose value is not a string or number are skipped (their type is reported elsewhere).
 */
export function checkUniqueField<T>(
  items: readonly T[],
  field: keyof T & string,
  ctx: z.RefinementCtx,
  code: string,
  what: string,
): void {
  const seen = new Map<unknown, number>();
  items.forEach((item, i) => {
    const value = item[field];
    if (typeof value !== "string" && typeof value !== "number") return;
    const first = seen.get(value);
    if (first === undefined) seen.set(value, i);
    else
      addIssue(
        ctx,
        code,
        [i, field],
        `${what} ${JSON.stringify(value)} at index ${i} repeats the one at index ${first}`,
        `a ${field} that no other entry uses`,
      );
  });
}
