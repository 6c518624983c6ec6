/**
 * Strict mode on label images: `image-label` as `strict_label` wants it (colors; 0.4 version) and
 * the label's own `multiscales` with the SHOULDs of `strict_image` (name, type, metadata).
 */
import { describe, expect, test } from "vitest";
import { InvalidMetadataError } from "../../../src/errors.js";
import { validateOmeObject } from "../../../src/validate/ome.js";

const multiscale = {
  axes: [
    { name: "y", type: "space" },
    { name: "x", type: "space" },
  ],
  datasets: [{ path: "0", coordinateTransformations: [{ type: "scale", scale: [1, 1] }] }],
  name: "seg",
  type: "none",
  metadata: { method: "none" },
};
const colors = [{ "label-value": 0, rgba: [0, 0, 0, 0] }];

function codes(obj: unknown, version: "0.4" | "0.5"): string[] {
  try {
    validateOmeObject(obj, { version, kind: "label-image", strict: true });
    return [];
  } catch (err) {
    if (!(err instanceof InvalidMetadataError)) throw err;
    return err.issues.map((i) => `${i.code} ${i.location}`);
  }
}

describe("strict label images", () => {
  test("0.4: complete label passes; missing multiscale SHOULDs are reported", () => {
    const ok = {
      multiscales: [{ version: "0.4", ...multiscale }],
      "image-label": { version: "0.4", colors },
    };
    expect(codes(ok, "0.4")).toEqual([]);
    const { type: _t, metadata: _m, ...bare } = ok.multiscales[0]!;
    expect(codes({ ...ok, multiscales: [bare] }, "0.4")).toEqual([
      "missing_key multiscales[0].type",
      "missing_key multiscales[0].metadata",
    ]);
    expect(codes({ ...ok, "image-label": { colors } }, "0.4")).toEqual([
      "missing_key image-label.version",
    ]);
  });

  test("0.5: complete label passes; missing colors and multiscale name are reported", () => {
    const ok = { ome: { version: "0.5", multiscales: [multiscale], "image-label": { colors } } };
    expect(codes(ok, "0.5")).toEqual([]);
    const { name: _n, ...noName } = multiscale;
    expect(
      codes({ ome: { version: "0.5", multiscales: [noName], "image-label": {} } }, "0.5"),
    ).toEqual(["missing_key ome.image-label.colors", "missing_key ome.multiscales[0].name"]);
  });
});
