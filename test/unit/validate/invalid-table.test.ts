/**
 * Our own invalid documents beyond the official suites: each breaks one MUST of the spec and
 * must be reported with the expected code at the expected location.
 */
import { describe, expect, test } from "vitest";
import { InvalidMetadataError, type MetadataIssue } from "../../../src/errors.js";
import { type ValidateOmeOptions, validateOmeObject } from "../../../src/validate/ome.js";

type Json = Record<string, unknown>;

const axis = (name: string, type?: string) => (type ? { name, type } : { name });
const scale = (...s: number[]) => ({ type: "scale", scale: s });
const translation = (...t: number[]) => ({ type: "translation", translation: t });

/** A valid 0.4 image with the given axes and level-0 transformations. */
function image04(axes: Json[], transforms: Json[] = [scale(...axes.map(() => 1))]): Json {
  return {
    multiscales: [
      { version: "0.4", axes, datasets: [{ path: "0", coordinateTransformations: transforms }] },
    ],
  };
}

const TCZYX = [
  axis("t", "time"),
  axis("c", "channel"),
  axis("z", "space"),
  axis("y", "space"),
  axis("x", "space"),
];
const YX = [axis("y", "space"), axis("x", "space")];

function plate04(wells: Json[], extra: Json = {}): Json {
  return {
    plate: {
      version: "0.4",
      rows: [{ name: "A" }, { name: "B" }],
      columns: [{ name: "1" }, { name: "2" }],
      wells,
      ...extra,
    },
  };
}

function issuesOf(doc: unknown, opts?: ValidateOmeOptions): MetadataIssue[] {
  try {
    validateOmeObject(doc, opts);
  } catch (err) {
    if (err instanceof InvalidMetadataError) return [...err.issues];
    throw err;
  }
  return [];
}

const CASES: [name: string, doc: unknown, code: string, location: string][] = [
  ["6 axes", image04([axis("a"), ...TCZYX]), "axes_count", "multiscales[0].axes"],
  [
    "4 space axes",
    image04([axis("w", "space"), axis("z", "space"), ...YX]),
    "space_axes_count",
    "multiscales[0].axes",
  ],
  [
    "channel before time",
    image04([axis("c", "channel"), axis("t", "time"), ...YX]),
    "axes_order",
    "multiscales[0].axes[1]",
  ],
  [
    "space before channel",
    image04([axis("y", "space"), axis("c", "channel"), axis("x", "space")]),
    "axes_order",
    "multiscales[0].axes[1]",
  ],
  [
    "duplicate axis names",
    image04([axis("y", "space"), axis("y", "space")]),
    "duplicate_axis_name",
    "multiscales[0].axes[1].name",
  ],
  [
    "two time axes",
    image04([axis("t", "time"), axis("u", "time"), ...YX]),
    "time_axes_count",
    "multiscales[0].axes[1]",
  ],
  [
    "two channel axes",
    image04([axis("c", "channel"), axis("d", "channel"), ...YX]),
    "channel_axes_count",
    "multiscales[0].axes[1]",
  ],
  [
    "two custom axes",
    image04([axis("angle"), axis("phase", "custom"), ...YX]),
    "custom_axes_count",
    "multiscales[0].axes[1]",
  ],
  [
    "translation before scale",
    image04(YX, [translation(0, 0), scale(1, 1)]),
    "transform_order",
    "multiscales[0].datasets[0].coordinateTransformations[0]",
  ],
  [
    "two scale transforms",
    image04(YX, [scale(1, 1), scale(2, 2)]),
    "scale_count",
    "multiscales[0].datasets[0].coordinateTransformations[1]",
  ],
  [
    "two translations",
    image04(YX, [scale(1, 1), translation(0, 0), translation(1, 1)]),
    "translation_count",
    "multiscales[0].datasets[0].coordinateTransformations[2]",
  ],
  [
    "scale length differs from axes",
    image04(TCZYX, [scale(1, 1, 1)]),
    "transform_length",
    "multiscales[0].datasets[0].coordinateTransformations[0]",
  ],
  [
    "translation length differs from axes",
    image04(YX, [scale(1, 1), translation(1, 2, 3)]),
    "transform_length",
    "multiscales[0].datasets[0].coordinateTransformations[1]",
  ],
  [
    "identity transformation",
    image04(YX, [{ type: "identity" }]),
    "invalid_value",
    "multiscales[0].datasets[0].coordinateTransformations[0].type",
  ],
  [
    "levels from coarse to fine",
    {
      multiscales: [
        {
          axes: YX,
          datasets: [
            { path: "0", coordinateTransformations: [scale(2, 2)] },
            { path: "1", coordinateTransformations: [scale(1, 1)] },
          ],
        },
      ],
    },
    "dataset_order",
    "multiscales[0].datasets[1]",
  ],
  [
    "well path 1/A against rows A and columns 1",
    {
      plate: {
        rows: [{ name: "A" }],
        columns: [{ name: "1" }],
        wells: [{ path: "1/A", rowIndex: 0, columnIndex: 0 }],
      },
    },
    "well_path_mismatch",
    "plate.wells[0].path",
  ],
  [
    "rowIndex out of range",
    plate04([{ path: "B/1", rowIndex: 2, columnIndex: 0 }]),
    "row_index_range",
    "plate.wells[0].rowIndex",
  ],
  [
    "columnIndex out of range",
    plate04([{ path: "A/2", rowIndex: 0, columnIndex: 5 }]),
    "column_index_range",
    "plate.wells[0].columnIndex",
  ],
  [
    "duplicate row names",
    {
      plate: {
        rows: [{ name: "A" }, { name: "A" }],
        columns: [{ name: "1" }],
        wells: [{ path: "A/1", rowIndex: 0, columnIndex: 0 }],
      },
    },
    "duplicate_row_name",
    "plate.rows[1].name",
  ],
  [
    "duplicate acquisition ids",
    plate04([{ path: "A/1", rowIndex: 0, columnIndex: 0 }], {
      acquisitions: [{ id: 1 }, { id: 1, name: "again" }],
    }),
    "duplicate_acquisition_id",
    "plate.acquisitions[1].id",
  ],
  [
    "duplicate field of view path",
    {
      well: {
        images: [
          { path: "0", acquisition: 0 },
          { path: "0", acquisition: 1 },
        ],
      },
    },
    "duplicate_image_path",
    "well.images[1].path",
  ],
  [
    "duplicate label values",
    { "image-label": { colors: [{ "label-value": 1, rgba: [0, 0, 0, 0] }, { "label-value": 1 }] } },
    "duplicate_label_value",
    "image-label.colors[1].label-value",
  ],
  [
    "0.5 document without ome.version",
    { ome: { multiscales: image04(YX).multiscales } },
    "missing_version",
    "ome.version",
  ],
  [
    "0.5 document with ome.version 0.4",
    { ome: { version: "0.4", multiscales: image04(YX).multiscales } },
    "invalid_version",
    "ome.version",
  ],
  [
    "0.5 zarr.json document without ome.version",
    { zarr_format: 3, node_type: "group", attributes: { ome: { series: ["0"] } } },
    "missing_version",
    "attributes.ome.version",
  ],
  [
    "0.5 label-value that is not an integer",
    { ome: { version: "0.5", "image-label": { colors: [{ "label-value": 1.5 }] } } },
    "invalid_type",
    "ome.image-label.colors[0].label-value",
  ],
  [
    "bioformats2raw.layout 2",
    { "bioformats2raw.layout": 2 },
    "invalid_value",
    '["bioformats2raw.layout"]',
  ],
  ["nothing OME in it", { foo: 1 }, "unknown_kind", ""],
  ["an array", [], "invalid_type", ""],
];

describe("invalid documents beyond the official suites", () => {
  test.each(CASES)("%s → %s at %s", (_name, doc, code, location) => {
    const issues = issuesOf(doc);
    expect(issues.map((i) => [i.code, i.location])).toContainEqual([code, location]);
    for (const issue of issues) {
      expect(issue.message.length).toBeGreaterThan(10);
    }
  });

  test("the issue carries the expected phrase", () => {
    const [issue] = issuesOf(plate04([{ path: "A/1", rowIndex: 0, columnIndex: 1 }]));
    expect(issue).toEqual({
      code: "well_path_mismatch",
      location: "plate.wells[0].path",
      message: expect.stringContaining('"A/2"'),
      expected: '"A/2"',
    });
  });

  test("a multiscale-level transformation must match the axes too", () => {
    const doc = image04(YX);
    (doc.multiscales as Json[])[0]!.coordinateTransformations = [scale(1, 1, 1)];
    expect(issuesOf(doc).map((i) => [i.code, i.location])).toEqual([
      ["transform_length", "multiscales[0].coordinateTransformations[0]"],
    ]);
  });

  test("a kind that is asked for but absent is a missing key", () => {
    expect(issuesOf({ multiscales: [] }, { kind: "plate" }).map((i) => i.code)).toEqual([
      "missing_key",
    ]);
  });

  test("strict mode requires what the strict schemas require", () => {
    const doc = image04(YX);
    expect(issuesOf(doc)).toEqual([]);
    expect(issuesOf(doc, { strict: true }).map((i) => i.location)).toEqual([
      "multiscales[0].name",
      "multiscales[0].type",
      "multiscales[0].metadata",
    ]);
  });
});
