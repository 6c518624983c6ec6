/** multiscaleFromDims: axes and per-level transformations from dimension specs. */
import { fc, test as fcTest } from "@fast-check/vitest";
import { describe, expect, test } from "vitest";
import { InvalidMetadataError } from "../../../src/errors.js";
import { type DimSpec, multiscaleFromDims } from "../../../src/schema/builders.js";
import { validateOmeObject } from "../../../src/validate/ome.js";

const TCZYX: DimSpec[] = [
  { name: "T", unit: "second", scale: 2 },
  { name: "C" },
  { name: "Z", unit: "micrometer", scale: 1.5 },
  { name: "Y", unit: "micrometer", scale: 0.25 },
  { name: "X", unit: "micrometer", scale: 0.25 },
];

const scalesOf = (ms: { datasets: readonly { coordinateTransformations: readonly unknown[] }[] }) =>
  ms.datasets.map((d) => (d.coordinateTransformations[0] as { scale: number[] }).scale);

describe("multiscaleFromDims", () => {
  test.each([
    [
      "TCZYX, 3 levels: z/y/x by 2, t/c never",
      TCZYX,
      3,
      [
        [2, 1, 1.5, 0.25, 0.25],
        [2, 1, 3, 0.5, 0.5],
        [2, 1, 6, 1, 1],
      ],
    ],
    [
      "YX defaults, 2 levels",
      [{ name: "y" }, { name: "x" }],
      2,
      [
        [1, 1],
        [2, 2],
      ],
    ],
    [
      "z kept by scaleFactor 1, x by 3",
      [{ name: "z", scaleFactor: 1 }, { name: "y" }, { name: "x", scaleFactor: 3 }],
      3,
      [
        [1, 1, 1],
        [1, 2, 3],
        [1, 4, 9],
      ],
    ],
    [
      "custom axis never downsampled",
      [{ name: "angle" }, { name: "y" }, { name: "x" }],
      2,
      [
        [1, 1, 1],
        [1, 2, 2],
      ],
    ],
  ] as const)("%s", (_name, dims, levels, scales) => {
    const ms = multiscaleFromDims(dims as readonly DimSpec[], { levels });
    expect(ms.datasets.map((d) => d.path)).toEqual(
      Array.from({ length: levels }, (_, i) => `${i}`),
    );
    expect(scalesOf(ms)).toEqual(scales);
    expect(() =>
      validateOmeObject({ ome: { version: "0.5", multiscales: [ms] } }, { strict: false }),
    ).not.toThrow();
  });

  test("axes get types from names, units as given, and nothing else", () => {
    const ms = multiscaleFromDims(TCZYX, { levels: 1 });
    expect(ms.axes).toEqual([
      { name: "T", type: "time", unit: "second" },
      { name: "C", type: "channel" },
      { name: "Z", type: "space", unit: "micrometer" },
      { name: "Y", type: "space", unit: "micrometer" },
      { name: "X", type: "space", unit: "micrometer" },
    ]);
  });

  test("translations: one transform per level, 0 where not given, the same on every level", () => {
    const ms = multiscaleFromDims([{ name: "y", translation: 10 }, { name: "x" }], { levels: 2 });
    expect(ms.datasets.map((d) => d.coordinateTransformations)).toEqual([
      [
        { type: "scale", scale: [1, 1] },
        { type: "translation", translation: [10, 0] },
      ],
      [
        { type: "scale", scale: [2, 2] },
        { type: "translation", translation: [10, 0] },
      ],
    ]);
  });

  test("0.4 output carries version, name, type and metadata, and passes the strict schema", () => {
    const ms = multiscaleFromDims(TCZYX, {
      levels: 2,
      version: "0.4",
      name: "img",
      type: "mean",
      metadata: { method: "ngff-writer" },
    });
    expect(ms).toMatchObject({ version: "0.4", name: "img", type: "mean" });
    expect(Object.keys(ms)).toEqual(["version", "name", "axes", "datasets", "type", "metadata"]);
    expect(() => validateOmeObject({ multiscales: [ms] }, { strict: true })).not.toThrow();
  });

  test.each([
    ["levels 0", [{ name: "y" }, { name: "x" }], 0, "levels"],
    ["negative scale", [{ name: "y", scale: -1 }, { name: "x" }], 1, "dims[0].scale"],
    ["factor below 1", [{ name: "y" }, { name: "x", scaleFactor: 0.5 }], 1, "dims[1].scaleFactor"],
    ["empty name", [{ name: "" }, { name: "x" }], 1, "dims[0].name"],
    [
      "channel before time",
      [{ name: "c" }, { name: "t" }, { name: "y" }, { name: "x" }],
      1,
      "axes[1]",
    ],
    ["one space axis", [{ name: "t" }, { name: "x" }], 1, "axes"],
  ] as const)("rejects %s (at %s)", (_name, dims, levels, location) => {
    try {
      multiscaleFromDims(dims as readonly DimSpec[], { levels });
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InvalidMetadataError);
      expect((err as InvalidMetadataError).issues.map((i) => i.location)).toContain(location);
    }
  });

  fcTest.prop({
    nSpace: fc.integer({ min: 2, max: 3 }),
    time: fc.boolean(),
    channel: fc.boolean(),
    levels: fc.integer({ min: 1, max: 8 }),
    scale: fc.double({ min: 0.01, max: 100, noNaN: true }),
  })("any valid layout validates in both versions, scales never decrease", (p) => {
    const dims: DimSpec[] = [
      ...(p.time ? [{ name: "t" }] : []),
      ...(p.channel ? [{ name: "c" }] : []),
      ...["z", "y", "x"].slice(3 - p.nSpace).map((name) => ({ name, scale: p.scale })),
    ];
    const ms5 = multiscaleFromDims(dims, { levels: p.levels });
    const ms4 = multiscaleFromDims(dims, { levels: p.levels, version: "0.4" });
    validateOmeObject({ ome: { version: "0.5", multiscales: [ms5] } });
    validateOmeObject({ multiscales: [ms4] });
    const scales = scalesOf(ms5);
    for (let k = 1; k < scales.length; k++) {
      scales[k]!.forEach((s, i) => {
        expect(s).toBeGreaterThanOrEqual(scales[k - 1]![i]!);
      });
    }
  });
});
