/** Snapshots of the error messages users see (what was found, what was expected, where). */
import { describe, expect, test } from "vitest";
import { InvalidMetadataError } from "../../../src/errors.js";
import { validateOmeJson, validateOmeObject } from "../../../src/validate/ome.js";

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (err) {
    if (err instanceof InvalidMetadataError) return err.message;
    throw err;
  }
  throw new Error("expected an InvalidMetadataError");
}

describe("error messages", () => {
  test("image with several problems", () => {
    const doc = {
      multiscales: [
        {
          axes: [
            { name: "c", type: "channel" },
            { name: "t", type: "time" },
            { name: "y", type: "space" },
            { name: "y", type: "space" },
          ],
          datasets: [
            {
              path: "0",
              coordinateTransformations: [
                { type: "translation", translation: [0, 0, 0, 0] },
                { type: "scale", scale: [1, 1, 1] },
              ],
            },
          ],
        },
      ],
    };
    expect(messageOf(() => validateOmeObject(doc))).toMatchInlineSnapshot(`
      "invalid OME-NGFF metadata (4 problems):
        - multiscales[0].axes[1]: axis "t" (time) comes after axis "c" (channel); expected time first, then channel or custom, then space [axes_order]
        - multiscales[0].axes[3].name: axis name "y" at index 3 repeats the one at index 2 [duplicate_axis_name]
        - multiscales[0].datasets[0].coordinateTransformations[0]: translation at index 0 comes before the scale at index 1 [transform_order]
        - multiscales[0].datasets[0].coordinateTransformations[1]: scale has 3 values but there are 4 axes [transform_length]"
    `);
  });

  test("plate with a well path that names column before row", () => {
    const doc = {
      ome: {
        version: "0.5",
        plate: {
          rows: [{ name: "A" }],
          columns: [{ name: "1" }],
          wells: [
            { path: "1/A", rowIndex: 0, columnIndex: 0 },
            { path: "A/1", rowIndex: 1, columnIndex: 0 },
          ],
        },
      },
    };
    expect(messageOf(() => validateOmeObject(doc))).toMatchInlineSnapshot(`
      "invalid OME-NGFF metadata (2 problems):
        - ome.plate.wells[0].path: well path "1/A" does not match rowIndex 0 and columnIndex 0, which name "A/1" (paths are "<row>/<column>") [well_path_mismatch]
        - ome.plate.wells[1].rowIndex: rowIndex 1 is out of range for 1 row [row_index_range]"
    `);
  });

  test("missing keys and wrong types", () => {
    const doc = {
      zarr_format: 3,
      node_type: "group",
      attributes: {
        ome: {
          multiscales: [{ axes: [{ type: "space" }, { name: 5, type: "space" }], datasets: [] }],
        },
      },
    };
    expect(messageOf(() => validateOmeObject(doc))).toMatchInlineSnapshot(`
      "invalid OME-NGFF metadata (4 problems):
        - attributes.ome.version: missing "version" in "ome"; NGFF 0.5 requires "version": "0.5" [missing_version]
        - attributes.ome.multiscales[0].axes[0].name: missing required key "name" [missing_key]
        - attributes.ome.multiscales[0].axes[1].name: found the number 5, expected a string [invalid_type]
        - attributes.ome.multiscales[0].datasets: found 0 items, expected at least 1 item [too_few_items]"
    `);
  });

  test("not JSON, and nothing OME", () => {
    // The JSON parser's own wording varies between Node versions: only its frame is pinned.
    expect(messageOf(() => validateOmeJson("{ nope"))).toMatch(
      /^invalid OME-NGFF metadata \(1 problem\):\n {2}- \(root\): not valid JSON: .+ \[invalid_json\]$/,
    );
    expect(messageOf(() => validateOmeJson('{"ome": {"version": "0.5"}}'))).toMatchInlineSnapshot(`
      "invalid OME-NGFF metadata (1 problem):
        - ome: no OME-NGFF metadata found (NGFF 0.5); expected one of the keys "plate", "well", "image-label", "multiscales", "bioformats2raw.layout", "series", "labels" [unknown_kind]"
    `);
  });
});
