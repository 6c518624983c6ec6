/** toVersion: 0.4 ↔ 0.5 attribute conversion; the output validates in the target version. */
import { describe, expect, test } from "vitest";
import { InvalidMetadataError } from "../../../src/errors.js";
import { toVersion } from "../../../src/validate/convert.js";
import { validateOmeObject } from "../../../src/validate/ome.js";

const axes = [
  { name: "y", type: "space" },
  { name: "x", type: "space" },
];
const datasets = [{ path: "0", coordinateTransformations: [{ type: "scale", scale: [1, 1] }] }];
const plate = {
  rows: [{ name: "A" }],
  columns: [{ name: "1" }],
  wells: [{ path: "A/1", rowIndex: 0, columnIndex: 0 }],
};

describe("toVersion", () => {
  test.each([
    [
      "image with omero and a user key",
      {
        "@type": "ngff:Image",
        multiscales: [{ version: "0.4", name: "m", axes, datasets }],
        omero: {
          version: "0.4",
          channels: [{ color: "FF0000", window: { start: 0, end: 1, min: 0, max: 1 } }],
        },
      },
      {
        "@type": "ngff:Image",
        ome: {
          version: "0.5",
          multiscales: [{ name: "m", axes, datasets }],
          omero: {
            version: "0.4",
            channels: [{ color: "FF0000", window: { start: 0, end: 1, min: 0, max: 1 } }],
          },
        },
      },
    ],
    ["plate", { plate: { ...plate, version: "0.4" } }, { ome: { version: "0.5", plate } }],
    [
      "well",
      { well: { images: [{ path: "0" }], version: "0.4" } },
      { ome: { version: "0.5", well: { images: [{ path: "0" }] } } },
    ],
    [
      "label image",
      {
        "image-label": { version: "0.4", colors: [{ "label-value": 1 }] },
        multiscales: [{ axes, datasets }],
      },
      {
        ome: {
          version: "0.5",
          "image-label": { colors: [{ "label-value": 1 }] },
          multiscales: [{ axes, datasets }],
        },
      },
    ],
    ["labels group", { labels: ["cells"] }, { ome: { version: "0.5", labels: ["cells"] } }],
    [
      "bioformats2raw root",
      { "bioformats2raw.layout": 3 },
      { ome: { version: "0.5", "bioformats2raw.layout": 3 } },
    ],
    ["series", { series: ["0"] }, { ome: { version: "0.5", series: ["0"] } }],
  ] as const)("%s: 0.4 → 0.5 and back", (_name, v4, v5) => {
    const input = structuredClone(v4);
    const up = toVersion(input, "0.5");
    expect(JSON.stringify(up)).toBe(JSON.stringify(v5));
    expect(input).toEqual(v4); // not modified
    expect(validateOmeObject(up, { version: "0.5", strict: false }).version).toBe("0.5");
    const down = toVersion(up, "0.4");
    expect(validateOmeObject(down, { version: "0.4" }).version).toBe("0.4");
    // Back in 0.4 every versioned object says "0.4" (strict 0.4 requires it).
    if ("multiscales" in down) {
      expect((down.multiscales as { version?: string }[]).every((m) => m.version === "0.4")).toBe(
        true,
      );
    }
  });

  test("a whole zarr.json document converts its attributes", () => {
    const doc = {
      zarr_format: 3,
      node_type: "group",
      attributes: { ome: { version: "0.5", plate } },
    };
    expect(toVersion(doc, "0.4")).toEqual({ plate: { ...plate, version: "0.4" } });
  });

  test("same version returns the attributes unchanged", () => {
    const attrs = { plate };
    expect(toVersion(attrs, "0.4")).toBe(attrs);
  });

  test("what 0.4 forbids is reported, not written", () => {
    const v5 = {
      ome: {
        version: "0.5",
        multiscales: [{ axes, datasets }],
        omero: { channels: [{ label: "dapi" }] },
      },
    };
    expect(() => toVersion(v5, "0.4")).toThrow(InvalidMetadataError);
    expect(() => toVersion(v5, "0.4")).toThrow(/not valid once converted to 0\.4/);
  });
});
