/**
 * "axes" metadata (identical in 0.4 and 0.5): the four axis kinds and the list rules.
 * Spec text quoted next to each rule is from the 0.4/0.5 "axes" and "multiscales" sections.
 */
import { z } from "zod";
import { addIssue, plural } from "./checks.js";

const KNOWN_AXIS_TYPES: readonly string[] = ["space", "time", "channel"];

// "MUST contain the field "name" that gives the name for this dimension."
// "SHOULD contain the field "unit" to specify the physical unit of this dimension."
/** An axis of type `"space"` (units SHOULD be UDUNITS-2 lengths, e.g. `"micrometer"`). */
export const SpaceAxis = z.looseObject({
  name: z.string(),
  type: z.literal("space"),
  unit: z.string().optional(),
});
/** An axis of type `"time"` (units SHOULD be UDUNITS-2 times, e.g. `"second"`). */
export const TimeAxis = z.looseObject({
  name: z.string(),
  type: z.literal("time"),
  unit: z.string().optional(),
});
/** An axis of type `"channel"`. */
export const ChannelAxis = z.looseObject({
  name: z.string(),
  type: z.literal("channel"),
  unit: z.string().optional(),
});
// "It SHOULD be one of "space", "time" or "channel", but MAY take other values for custom axis
// types that are not part of this specification yet."
/** An axis with no `type`, or a custom one (any string other than space/time/channel). */
export const CustomAxis = z.looseObject({
  name: z.string(),
  type: z
    .string()
    .refine((t) => !KNOWN_AXIS_TYPES.includes(t), {
      error: (iss) => `found axis type ${JSON.stringify(iss.input)} on a custom axis`,
      params: { ngffCode: "invalid_value", expected: "a custom axis type" },
    })
    .optional(),
  unit: z.string().optional(),
});
/** Any axis: space, time, channel or custom. */
export const Axis = z.union([SpaceAxis, TimeAxis, ChannelAxis, CustomAxis]);

export type SpaceAxis = z.infer<typeof SpaceAxis>;
export type TimeAxis = z.infer<typeof TimeAxis>;
export type ChannelAxis = z.infer<typeof ChannelAxis>;
export type CustomAxis = z.infer<typeof CustomAxis>;
export type Axis = z.infer<typeof Axis>;

/** The kind of an axis: `"custom"` for a missing or non-standard `type`. */
export function axisKind(axis: {
  type?: string | undefined;
}): "space" | "time" | "channel" | "custom" {
  const t = axis.type;
  return t === "space" || t === "time" || t === "channel" ? t : "custom";
}

// "the entries MUST be ordered by "type" where the "time" axis must come first (if present),
// followed by the "channel" or custom axis (if present) and the axes of type "space"."
const RANK = { time: 0, channel: 1, custom: 1, space: 2 } as const;

function checkAxes(axes: readonly Axis[], ctx: z.RefinementCtx): void {
  // "The length of "axes" must be between 2 and 5"
  if (axes.length < 2 || axes.length > 5) {
    addIssue(
      ctx,
      "axes_count",
      [],
      `found ${plural(axes.length, "axis", "axes")}, expected between 2 and 5`,
      "2 to 5 axes",
    );
  }
  const kinds = axes.map(axisKind);
  const count = (k: string) => kinds.filter((x) => x === k).length;
  // "The "axes" MUST contain 2 or 3 entries of "type:space""
  const space = count("space");
  if (space < 2 || space > 3) {
    addIssue(
      ctx,
      "space_axes_count",
      [],
      `found ${plural(space, "axis", "axes")} of type "space", expected 2 or 3`,
      '2 or 3 axes of type "space"',
    );
  }
  // "and MAY contain one additional entry of "type:time""
  if (count("time") > 1) {
    addIssue(
      ctx,
      "time_axes_count",
      [kinds.lastIndexOf("time")],
      `found ${count("time")} axes of type "time", expected at most one`,
      'at most one axis of type "time"',
    );
  }
  // "and MAY contain one additional entry of "type:channel" or a null / custom type."
  // Read as ome-zarr-py does: at most one channel axis and at most one custom axis.
  if (count("channel") > 1) {
    addIssue(
      ctx,
      "channel_axes_count",
      [kinds.lastIndexOf("channel")],
      `found ${count("channel")} axes of type "channel", expected at most one`,
      'at most one axis of type "channel"',
    );
  }
  if (count("custom") > 1) {
    addIssue(
      ctx,
      "custom_axes_count",
      [kinds.lastIndexOf("custom")],
      `found ${count("custom")} axes with a custom or missing type, expected at most one`,
      "at most one axis of custom type",
    );
  }
  for (let i = 1; i < axes.length; i++) {
    const prev = kinds[i - 1]!;
    const cur = kinds[i]!;
    if (RANK[cur] < RANK[prev]) {
      addIssue(
        ctx,
        "axes_order",
        [i],
        `axis "${axes[i]!.name}" (${cur}) comes after axis "${axes[i - 1]!.name}" (${prev}); ` +
          "expected time first, then channel or custom, then space",
        "axes ordered time, channel/custom, space",
      );
      break;
    }
  }
  // "The values MUST be unique across all "name" fields."
  const seen = new Map<string, number>();
  axes.forEach((axis, i) => {
    const first = seen.get(axis.name);
    if (first === undefined) seen.set(axis.name, i);
    else
      addIssue(
        ctx,
        "duplicate_axis_name",
        [i, "name"],
        `axis name "${axis.name}" at index ${i} repeats the one at index ${first}`,
        "unique axis names",
      );
  });
}

/** The "axes" list of a multiscale, with every MUST of the spec as a refinement. */
export const Axes = z.array(Axis).superRefine(checkAxes);
