/**
 * Issue 12 item 9, the model gaps the seeds' APIs name: path-based transformations, the
 * bioformats2raw marker and its builder, the minimal 0.4 omero channel of the yaozarrs guide,
 * `DimSpec.size`, and the default number of levels.
 */
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { InvalidMetadataError } from "../../../src/errors.js";
import { openOmeZarr } from "../../../src/open.js";
import {
  bf2rawAttributes,
  DEFAULT_PYRAMID_LEVELS,
  type DimSpec,
  multiscaleFromDims,
  shapeFromDims,
  v04,
  v05,
} from "../../../src/schema/index.js";
import { validateOmeObject, validateStore } from "../../../src/validate/index.js";
import { tempDir } from "../../integration/nodes/open-helpers.js";

const image = (scale: Record<string, unknown>) => ({
  axes: [
    { name: "y", type: "space" },
    { name: "x", type: "space" },
  ],
  datasets: [{ path: "0", coordinateTransformations: [scale] }],
});

describe("PathScale / PathTranslation", () => {
  test("the spec's path form is modelled in both versions", () => {
    for (const m of [v04, v05]) {
      expect(m.PathScale.parse({ type: "scale", path: "s" })).toEqual({
        type: "scale",
        path: "s",
      });
      expect(m.PathTranslation.safeParse({ type: "translation", path: "t" }).success).toBe(true);
      expect(m.PathScale.safeParse({ type: "translation", path: "t" }).success).toBe(false);
      expect(m.PathTranslation.safeParse({ type: "translation" }).success).toBe(false);
    }
  });

  test("like the official schemas of 0.4 and 0.5, a dataset needs the vector form", () => {
    const ms04 = { ...image({ type: "scale", path: "s" }), version: "0.4" };
    expect(v04.Image.safeParse({ multiscales: [ms04] }).success).toBe(false);
    const ms05 = image({ type: "scale", path: "s" });
    expect(v05.ImageOme.safeParse({ version: "0.5", multiscales: [ms05] }).success).toBe(false);
    expect(() => validateOmeObject({ multiscales: [ms04] }, { version: "0.4" })).toThrow(
      /missing_key/,
    );
    // the vector form is accepted
    const ok = image({ type: "scale", scale: [1, 1] });
    expect(v05.ImageOme.safeParse({ version: "0.5", multiscales: [ok] }).success).toBe(true);
  });
});

describe("Bf2Raw with its default layout", () => {
  test("the builder writes the marker 3 and each version's model accepts it", () => {
    const a04 = bf2rawAttributes({ version: "0.4" });
    expect(a04).toEqual({ "bioformats2raw.layout": 3 });
    expect(validateOmeObject(a04, { version: "0.4" }).kind).toBe("bf2raw");
    const a05 = bf2rawAttributes();
    expect(a05).toEqual({ ome: { version: "0.5", "bioformats2raw.layout": 3 } });
    expect(validateOmeObject(a05, { version: "0.5", strict: true }).kind).toBe("bf2raw");
    expect(v04.BF2RAW_LAYOUT).toBe(3);
    expect(v05.Bf2RawLayout.safeParse(2).success).toBe(false);
  });

  test("another layout is refused", () => {
    expect(() => bf2rawAttributes({ layout: 4 as never })).toThrow(InvalidMetadataError);
    expect(v04.Bf2Raw.safeParse({ "bioformats2raw.layout": 2 }).success).toBe(false);
  });
});

describe("the minimal 0.4 omero channel (label and color, as in the yaozarrs guide)", () => {
  const minimal = { channels: [{ label: "DAPI", color: "0000FF" }] };

  test("the non-strict model accepts it; strict wants window as the official schema does", () => {
    expect(v04.Omero.safeParse(minimal).success).toBe(true);
    expect(v04.StrictOmero.safeParse(minimal).success).toBe(false);
    // color stays required
    expect(v04.Omero.safeParse({ channels: [{ label: "DAPI" }] }).success).toBe(false);
  });

  test("a 0.4 image with it opens, reads its channel names and validates (non-strict)", async () => {
    const dir = join(await tempDir(), "min.ome.zarr");
    const pos = await openOmeZarr(dir, {
      layout: "fov",
      mode: "w-",
      channelNames: ["DAPI"],
      version: "0.4",
    });
    await pos.createImage("0", {
      data: new Uint16Array(1 * 1 * 1 * 4 * 4),
      shape: [1, 1, 1, 4, 4],
    });
    await pos.close();
    const file = join(dir, ".zattrs");
    const attrs = JSON.parse(await readFile(file, "utf8"));
    attrs.omero = minimal;
    await writeFile(file, JSON.stringify(attrs));

    const reopened = await openOmeZarr(dir, { layout: "fov", mode: "r" });
    expect(reopened.channelNames).toEqual(["DAPI"]);
    expect((await (await reopened.data).read()).shape).toEqual([1, 1, 1, 4, 4]);
    await reopened.close();
    expect((await validateStore(dir)).ok).toBe(true);
    const strict = await validateStore(dir, { strict: true });
    expect(strict.ok).toBe(false);
    expect(strict.issues.map((i) => i.location).join(" ")).toMatch(/omero\.channels\[0\]\.window/);
  });
});

describe("DimSpec.size", () => {
  const dims: DimSpec[] = [
    { name: "c", size: 2 },
    { name: "y", size: 64, scale: 0.5, unit: "micrometer" },
    { name: "x", size: 48, scale: 0.5, unit: "micrometer" },
  ];

  test("shapeFromDims reads the sizes; the metadata does not carry them", () => {
    expect(shapeFromDims(dims)).toEqual([2, 64, 48]);
    const ms = multiscaleFromDims(dims, { levels: 2 });
    expect(ms.axes).toEqual([
      { name: "c", type: "channel" },
      { name: "y", type: "space", unit: "micrometer" },
      { name: "x", type: "space", unit: "micrometer" },
    ]);
    expect(JSON.stringify(ms)).not.toContain("size");
  });

  test("a missing or bad size is refused with its location", () => {
    expect(() => shapeFromDims([{ name: "y" }, { name: "x", size: 4 }])).toThrow(/dims\[0\]\.size/);
    expect(() => multiscaleFromDims([{ name: "y", size: 0 }, { name: "x" }])).toThrow(
      /dims\[0\]\.size/,
    );
    expect(() => multiscaleFromDims([{ name: "y", size: 2.5 }, { name: "x" }])).toThrow(
      InvalidMetadataError,
    );
  });
});

describe("a default for levels", () => {
  test("multiscaleFromDims without levels: DEFAULT_PYRAMID_LEVELS (5, ome-zarr-py's)", () => {
    expect(DEFAULT_PYRAMID_LEVELS).toBe(5);
    const ms = multiscaleFromDims([{ name: "y" }, { name: "x" }]);
    expect(ms.datasets.map((d) => d.path)).toEqual(["0", "1", "2", "3", "4"]);
    expect(ms.datasets[4]!.coordinateTransformations[0]).toEqual({
      type: "scale",
      scale: [16, 16],
    });
  });
});
