/** Version and kind detection, options, typed results, and unknown keys kept. */
import { describe, expect, expectTypeOf, test } from "vitest";
import { InvalidMetadataError, InvalidOptionsError } from "../../../src/errors.js";
import type * as v04 from "../../../src/schema/v04/index.js";
import type * as v05 from "../../../src/schema/v05/index.js";
import type { OmeKind } from "../../../src/validate/kinds.js";
import { validateOmeObject } from "../../../src/validate/ome.js";

const multiscales = [
  {
    axes: [
      { name: "y", type: "space", unit: "micrometer", longName: "kept" },
      { name: "x", type: "space" },
    ],
    datasets: [{ path: "0", coordinateTransformations: [{ type: "scale", scale: [1, 1] }] }],
  },
];
const plate = {
  rows: [{ name: "A" }],
  columns: [{ name: "1" }],
  wells: [{ path: "A/1", rowIndex: 0, columnIndex: 0 }],
};

const BY_KIND: [OmeKind, Record<string, unknown>][] = [
  ["image", { multiscales }],
  ["label-image", { multiscales, "image-label": { colors: [{ "label-value": 1 }] } }],
  ["labels", { labels: ["cells"] }],
  ["plate", { plate }],
  ["well", { well: { images: [{ path: "0" }] } }],
  ["bf2raw", { "bioformats2raw.layout": 3 }],
  ["series", { series: ["0", "1"] }],
];

describe("detection", () => {
  test.each(BY_KIND)("%s in 0.4, 0.5 attributes and 0.5 zarr.json", (kind, ome) => {
    const r04 = validateOmeObject(ome);
    expect([r04.version, r04.kind]).toEqual(["0.4", kind]);
    expect(r04.ome).toBe(ome);

    const attrs = { ome: { version: "0.5", ...ome } };
    const r05 = validateOmeObject(attrs);
    expect([r05.version, r05.kind]).toEqual(["0.5", kind]);
    expect(r05.ome).toBe(attrs.ome);

    const doc = { zarr_format: 3, node_type: "group", attributes: attrs };
    const rDoc = validateOmeObject(doc);
    expect([rDoc.version, rDoc.kind]).toEqual(["0.5", kind]);
    expect(rDoc.value).toBe(doc);
    expect(rDoc.attributes).toBe(attrs);
  });

  test("a bioformats2raw root that is also a plate is a plate (the plate takes precedence)", () => {
    const doc = { "bioformats2raw.layout": 3, plate };
    expect(validateOmeObject(doc).kind).toBe("plate");
    expect(validateOmeObject(doc, { kind: "bf2raw" }).kind).toBe("bf2raw");
  });

  test("a bioformats2raw root's plate is validated as a plate", () => {
    const doc = { "bioformats2raw.layout": 3, plate: { ...plate, rows: [] } };
    expect(() => validateOmeObject(doc, { kind: "bf2raw" })).toThrow(InvalidMetadataError);
  });

  test("the version option overrides detection", () => {
    expect(() => validateOmeObject({ multiscales }, { version: "0.5" })).toThrow(
      /missing required key "ome"/,
    );
  });

  test("unknown keys are kept, in their order, at every level", () => {
    const doc = { zeta: 1, multiscales, alpha: { nested: true } };
    const r = validateOmeObject(doc);
    expect(Object.keys(r.value)).toEqual(["zeta", "multiscales", "alpha"]);
    expect(JSON.stringify(r.value)).toContain('"longName":"kept"');
  });

  test("bad options are rejected before anything else", () => {
    expect(() => validateOmeObject({}, { kind: "nope" as OmeKind })).toThrow(InvalidOptionsError);
    expect(() => validateOmeObject({}, { version: "0.6" as "0.5" })).toThrow(InvalidOptionsError);
    expect(() => validateOmeObject({}, { strict: 1 as never })).toThrow(InvalidOptionsError);
  });
});

describe("typed results", () => {
  test("kind and version options narrow the result", () => {
    const r = validateOmeObject(
      { ome: { version: "0.5", multiscales } },
      {
        kind: "image",
        version: "0.5",
      },
    );
    expectTypeOf(r.ome).toEqualTypeOf<v05.ImageOme>();
    expectTypeOf(r.attributes).toEqualTypeOf<v05.Image>();
    expect(r.ome.multiscales[0]?.axes[0]?.name).toBe("y");

    const p = validateOmeObject({ plate }, { kind: "plate", version: "0.4" });
    expectTypeOf(p.ome).toEqualTypeOf<v04.Plate>();
    expect(p.ome.plate.wells[0]?.path).toBe("A/1");
  });

  test("without options the result is a union narrowed by kind and version", () => {
    const r = validateOmeObject({ well: { images: [{ path: "0" }] } });
    if (r.kind === "well" && r.version === "0.4") {
      expectTypeOf(r.ome).toEqualTypeOf<v04.Well>();
      expect(r.ome.well.images).toHaveLength(1);
    } else {
      expect.unreachable();
    }
  });
});
