import { mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromFile, getDecoder } from "geotiff";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { isOmeZarrError } from "../../../src/errors.js";
import type { TiffDataType, TiffTypedArray } from "../../../src/tiff/dtype.js";
import { openTiff } from "../../../src/tiff/index.js";
import { omeXml, patternPlane } from "../../fixtures/cli/images.js";
import {
  lzwEncode,
  type TiffPage,
  type TiffPageSpec,
  writeTiff,
} from "../../fixtures/cli/tiff-writer.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ngff-tiff-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function withoutDescription(spec: TiffPageSpec): TiffPageSpec {
  const { description: _, ...rest } = spec;
  return rest;
}

/** Pages of a z-stack with the test pattern. */
function zStack(n: number, spec: TiffPageSpec): TiffPage[] {
  return Array.from({ length: n }, (_, z) => ({
    spec: z === 0 ? spec : withoutDescription(spec),
    data: patternPlane(spec.dtype, 0, 0, z, spec.height, spec.width),
  }));
}

async function readAll(path: string, band: number): Promise<TiffTypedArray[]> {
  await using tiff = await openTiff(path);
  const { sizeZ, sizeY } = tiff.layout;
  const planes: TiffTypedArray[] = [];
  for (let z = 0; z < sizeZ; z++) {
    const plane = patternPlane(tiff.layout.dtype, 0, 0, 0, sizeY, tiff.layout.sizeX).fill(0);
    for (let y = 0; y < sizeY; y += band) {
      await tiff.readRows(0, 0, z, y, Math.min(sizeY, y + band), plane, y * tiff.layout.sizeX);
    }
    planes.push(plane);
  }
  return planes;
}

describe("lzwEncode (test writer)", () => {
  test.each([
    ["empty", new Uint8Array(0)],
    ["short", Uint8Array.from([1, 2, 3, 1, 2, 3, 1, 2, 3])],
    [
      "random 20k (forces table clears)",
      Uint8Array.from({ length: 20_000 }, (_, i) => (i * 2654435761) >>> 27),
    ],
    ["runs", Uint8Array.from({ length: 50_000 }, (_, i) => Math.floor(i / 300) & 0xff)],
  ])("round-trips through geotiff's decoder: %s", async (_name, input) => {
    const decoder = await getDecoder(5, {
      tileWidth: input.length,
      tileHeight: 1,
      predictor: 1,
      bitsPerSample: [8],
      planarConfiguration: 1,
    });
    const encoded = lzwEncode(input);
    const decoded = new Uint8Array(await decoder.decode(encoded.slice().buffer));
    expect(Array.from(decoded)).toEqual(Array.from(input));
  });
});

describe("openTiff reads pixels exactly", () => {
  const dtypes: TiffDataType[] = ["uint8", "uint16", "int16", "float32", "uint32", "float64"];
  const layouts: [string, Partial<TiffPageSpec>][] = [
    ["one strip", {}],
    ["strips of 7 rows", { rowsPerStrip: 7 }],
    ["tiles 16×16", { tile: [16, 16] }],
  ];
  const compressions = ["none", "deflate", "lzw", "packbits"] as const;
  const cases = dtypes.flatMap((dtype) =>
    layouts.flatMap(([name, layout]) =>
      compressions.map((compression) => [dtype, name, compression, layout] as const),
    ),
  );
  test.each(cases)("%s, %s, %s", async (dtype, _name, compression, layout) => {
    const spec: TiffPageSpec = { width: 37, height: 29, dtype, compression, ...layout };
    const pages = zStack(3, spec);
    for (const bigEndian of [false, true]) {
      const path = join(dir, `${bigEndian ? "be" : "le"}.tif`);
      await writeTiff(path, pages, { bigEndian });
      for (const band of [29, 5]) {
        const planes = await readAll(path, band);
        expect(planes.length).toBe(3);
        for (const [z, p] of planes.entries())
          expect(Array.from(p)).toEqual(Array.from(pages[z]!.data));
      }
      {
        // A window narrower than the page, crossing block edges.
        await using tiff = await openTiff(path);
        const win = await tiff.readWindow(0, 0, 1, { y0: 3, y1: 20, x0: 5, x1: 33 });
        const src = pages[1]!.data;
        const expected: number[] = [];
        for (let y = 3; y < 20; y++) for (let x = 5; x < 33; x++) expected.push(src[y * 37 + x]!);
        expect(Array.from(win)).toEqual(expected);
      }
      if (!bigEndian && compression !== "packbits") {
        // geotiff's own windowed reader agrees with ours (an independent oracle).
        const g = await fromFile(path);
        const img = await g.getImage(2);
        const [r] = await img.readRasters({ window: [0, 0, 37, 29] });
        expect(Array.from(r as TiffTypedArray)).toEqual(Array.from(pages[2]!.data));
        await g.close?.();
      }
    }
  });

  test("three samples per pixel become channels (chunky and planar, little- and big-endian)", async () => {
    for (const [planar, bigEndian] of [
      [1, false],
      [2, false],
      [1, true],
    ] as const) {
      const w = 19;
      const h = 11;
      const channels = [0, 1, 2].map((c) => patternPlane("uint16", 0, c, 0, h, w));
      const data = new Uint16Array(w * h * 3);
      for (let i = 0; i < w * h; i++)
        for (let c = 0; c < 3; c++) {
          if (planar === 1) data[i * 3 + c] = channels[c]![i]!;
          else data[c * w * h + i] = channels[c]![i]!;
        }
      for (const compression of ["none", "deflate"] as const) {
        const path = join(dir, `rgb-${planar}-${bigEndian}-${compression}.tif`);
        await writeTiff(
          path,
          [
            {
              spec: {
                width: w,
                height: h,
                dtype: "uint16",
                samplesPerPixel: 3,
                planar,
                compression,
                rowsPerStrip: 4,
              },
              data,
            },
          ],
          { bigEndian },
        );
        await using tiff = await openTiff(path);
        expect([tiff.layout.sizeC, tiff.layout.sizeZ]).toEqual([3, 1]);
        for (let c = 0; c < 3; c++) {
          const rows = await tiff.readRows(0, c, 0, 2, 9);
          expect(Array.from(rows)).toEqual(Array.from(channels[c]!.subarray(2 * w, 9 * w)));
          const win = await tiff.readWindow(0, c, 0, { y0: 1, y1: 10, x0: 3, x1: 17 });
          const want: number[] = [];
          for (let y = 1; y < 10; y++)
            for (let x = 3; x < 17; x++) want.push(channels[c]![y * w + x]!);
          expect(Array.from(win)).toEqual(want);
        }
      }
    }
  });
});

describe("layouts from metadata", () => {
  test("OME-XML: sizes, dimension order, physical sizes, channel names, series note", async () => {
    const [X, Y, Z, C, T] = [13, 9, 3, 2, 2];
    const xml = omeXml({
      sizeX: X,
      sizeY: Y,
      sizeZ: Z,
      sizeC: C,
      sizeT: T,
      order: "XYCZT",
      type: "uint16",
      physical: { x: 0.25, y: 0.25, z: 2, unit: "µm", t: 1500, tUnit: "ms" },
      channelNames: ["DAPI", "GFP"],
      extraImages: 1,
      prefix: "ome:",
    });
    // XYCZT: c fastest, then z, then t.
    const pages: TiffPage[] = [];
    for (let t = 0; t < T; t++)
      for (let z = 0; z < Z; z++)
        for (let c = 0; c < C; c++)
          pages.push({
            spec: {
              width: X,
              height: Y,
              dtype: "uint16",
              compression: "deflate",
              ...(pages.length === 0 ? { description: xml } : {}),
            },
            data: patternPlane("uint16", t, c, z, Y, X),
          });
    const path = join(dir, "image.ome.tif");
    await writeTiff(path, pages);
    await using tiff = await openTiff(path);
    const l = tiff.layout;
    expect(l.source).toBe("ome");
    expect([l.sizeT, l.sizeC, l.sizeZ, l.sizeY, l.sizeX]).toEqual([T, C, Z, Y, X]);
    expect(l.channelNames).toEqual(["DAPI", "GFP"]);
    expect(l.scale).toEqual({
      x: { value: 0.25, unit: "micrometer" },
      y: { value: 0.25, unit: "micrometer" },
      z: { value: 2, unit: "micrometer" },
      t: { value: 1500, unit: "millisecond" },
    });
    expect(l.notes.join()).toContain("2 series");
    for (let t = 0; t < T; t++)
      for (let c = 0; c < C; c++)
        for (let z = 0; z < Z; z++) {
          const rows = await tiff.readRows(t, c, z, 0, Y);
          expect(Array.from(rows)).toEqual(Array.from(patternPlane("uint16", t, c, z, Y, X)));
        }
  });

  test("OME-XML TiffData maps planes to pages in any order", async () => {
    const [X, Y, Z] = [8, 6, 3];
    // Page k holds z = 2 - k.
    const xml = omeXml({
      sizeX: X,
      sizeY: Y,
      sizeZ: Z,
      type: "uint8",
      tiffData: [
        `IFD="2" FirstZ="0" PlaneCount="1"`,
        `IFD="1" FirstZ="1" PlaneCount="1"`,
        `IFD="0" FirstZ="2"`,
      ],
    });
    const pages = [2, 1, 0].map((z, k) => ({
      spec: {
        width: X,
        height: Y,
        dtype: "uint8" as const,
        ...(k === 0 ? { description: xml } : {}),
      },
      data: patternPlane("uint8", 0, 0, z, Y, X),
    }));
    const path = join(dir, "shuffled.ome.tif");
    await writeTiff(path, pages);
    const planes = await readAll(path, Y);
    for (const [z, p] of planes.entries()) {
      expect(Array.from(p)).toEqual(Array.from(patternPlane("uint8", 0, 0, z, Y, X)));
    }
  });

  test("ImageJ hyperstack: channels, slices, frames, spacing and resolution", async () => {
    const [X, Y] = [10, 7];
    const desc =
      "ImageJ=1.54f\nimages=12\nchannels=2\nslices=3\nframes=2\nhyperstack=true\nunit=micron\nspacing=1.5\nfinterval=30\n";
    const pages: TiffPage[] = [];
    for (let t = 0; t < 2; t++)
      for (let z = 0; z < 3; z++)
        for (let c = 0; c < 2; c++)
          pages.push({
            spec: {
              width: X,
              height: Y,
              dtype: "float32",
              resolution: 4,
              ...(pages.length === 0 ? { description: desc } : {}),
            },
            data: patternPlane("float32", t, c, z, Y, X),
          });
    const path = join(dir, "ij.tif");
    await writeTiff(path, pages);
    await using tiff = await openTiff(path);
    const l = tiff.layout;
    expect([l.source, l.sizeT, l.sizeC, l.sizeZ]).toEqual(["imagej", 2, 2, 3]);
    expect(l.scale).toEqual({
      x: { value: 0.25, unit: "micrometer" },
      y: { value: 0.25, unit: "micrometer" },
      z: { value: 1.5, unit: "micrometer" },
      t: { value: 30, unit: "second" },
    });
    const rows = await tiff.readRows(1, 1, 2, 0, Y);
    expect(Array.from(rows)).toEqual(Array.from(patternPlane("float32", 1, 1, 2, Y, X)));
  });

  test("plain pages go along the chosen axis; reduced-resolution pages are skipped", async () => {
    const spec: TiffPageSpec = {
      width: 8,
      height: 4,
      dtype: "uint8",
      resolution: 20_000,
      resolutionUnit: 3,
    };
    const pages = [
      ...zStack(4, spec),
      { spec: { ...spec, width: 4, height: 2, newSubfileType: 1 }, data: new Uint8Array(8) },
    ];
    const path = join(dir, "plain.tif");
    await writeTiff(path, pages);
    await using asZ = await openTiff(path);
    expect([asZ.layout.sizeT, asZ.layout.sizeC, asZ.layout.sizeZ]).toEqual([1, 1, 4]);
    expect(asZ.layout.scale.x).toEqual({ value: 0.5, unit: "micrometer" });
    await using asT = await openTiff(path, { pagesAxis: "t" });
    expect([asT.layout.sizeT, asT.layout.sizeC, asT.layout.sizeZ]).toEqual([4, 1, 1]);
    expect(Array.from(await asT.readRows(3, 0, 0, 0, 4))).toEqual(Array.from(pages[3]!.data));
  });
});

describe("bad inputs fail before any output, with typed errors", () => {
  const one = (spec: Partial<TiffPageSpec> = {}): TiffPage[] =>
    zStack(2, { width: 16, height: 8, dtype: "uint16", ...spec });

  test("missing file → NotFoundError", async () => {
    const err = await openTiff(join(dir, "nope.tif")).catch((e: unknown) => e);
    expect(isOmeZarrError(err, "NotFound")).toBe(true);
    expect((err as Error).message).toMatch(/nope\.tif does not exist/);
  });

  test.each([
    ["text", "hello, this is not an image\n"],
    ["png", "\x89PNG\r\n\x1a\n0000000000000000"],
    ["empty", ""],
    ["tiny", "II*"],
  ])("not a TIFF (%s) → UnsupportedError", async (_name, content) => {
    const path = join(dir, "bad.tif");
    await writeFile(path, content, "latin1");
    const err = await openTiff(path).catch((e: unknown) => e);
    expect(isOmeZarrError(err, "Unsupported")).toBe(true);
    expect((err as Error).message).toMatch(/is not a TIFF file/);
  });

  test("a directory → UnsupportedError", async () => {
    const err = await openTiff(dir).catch((e: unknown) => e);
    expect(isOmeZarrError(err, "Unsupported")).toBe(true);
  });

  test.each([
    ["in the last strip", (size: number) => size - 300],
    ["in the IFD chain", (size: number) => size - 40],
    ["in the first page", () => 100],
  ])("truncated %s → InvalidMetadataError", async (_name, cut) => {
    const path = join(dir, "cut.tif");
    await writeTiff(path, one({ rowsPerStrip: 2 }));
    const { size } = await import("node:fs/promises").then((fs) => fs.stat(path));
    await truncate(path, cut(size));
    const err = await openTiff(path).catch((e: unknown) => e);
    expect(isOmeZarrError(err, "InvalidMetadata")).toBe(true);
    expect((err as Error).message).toMatch(/truncated|corrupt/);
  });

  test.each([
    ["12-bit", { bitsPerSample: 12 }, /12 bits/],
    ["complex float", { dtype: "float64" as const, sampleFormat: 6 }, /complex float/],
    ["float16", { bitsPerSample: 16, sampleFormat: 3 }, /IEEE float, 16 bits/],
    ["1-bit", { dtype: "uint8" as const, bitsPerSample: 1 }, /1 bits/],
  ])("unsupported sample format (%s) → UnsupportedError", async (_name, spec, message) => {
    const path = join(dir, "fmt.tif");
    await writeTiff(path, one(spec));
    const err = await openTiff(path).catch((e: unknown) => e);
    expect(isOmeZarrError(err, "Unsupported")).toBe(true);
    expect((err as Error).message).toMatch(message);
  });

  test("unsupported compression (JPEG) → UnsupportedError", async () => {
    const path = join(dir, "jpeg.tif");
    await writeTiff(path, one({ compressionCode: 7 }));
    const err = await openTiff(path).catch((e: unknown) => e);
    expect(isOmeZarrError(err, "Unsupported")).toBe(true);
    expect((err as Error).message).toMatch(/compression 7/);
  });

  test("pages of different shapes → UnsupportedError", async () => {
    const path = join(dir, "mixed.tif");
    const pages = one();
    pages.push({ spec: { width: 4, height: 4, dtype: "uint16" }, data: new Uint16Array(16) });
    await writeTiff(path, pages);
    const err = await openTiff(path).catch((e: unknown) => e);
    expect(isOmeZarrError(err, "Unsupported")).toBe(true);
    expect((err as Error).message).toMatch(/page 2 is 4×4/);
  });

  test.each([
    ["SizeX mismatch", { sizeX: 99, sizeY: 8, sizeZ: 2, type: "uint16" }, /SizeX×SizeY is 99×8/],
    ["Type mismatch", { sizeX: 16, sizeY: 8, sizeZ: 2, type: "float" }, /Type is float/],
    ["too many planes", { sizeX: 16, sizeY: 8, sizeZ: 5, type: "uint16" }, /file has 2 pages/],
    ["bad size", { sizeX: 16, sizeY: 8, sizeZ: 0, type: "uint16" }, /SizeZ/],
  ])(
    "OME-XML that contradicts the file (%s) → InvalidMetadataError",
    async (_name, xml, message) => {
      const path = join(dir, "bad.ome.tif");
      await writeTiff(path, one({ description: omeXml(xml) }));
      const err = await openTiff(path).catch((e: unknown) => e);
      expect(isOmeZarrError(err, "InvalidMetadata")).toBe(true);
      expect((err as Error).message).toMatch(message);
    },
  );

  test("multi-file OME-TIFF → UnsupportedError", async () => {
    const xml = omeXml({ sizeX: 16, sizeY: 8, sizeZ: 2, type: "uint16" }).replace(
      "</Pixels>",
      `<TiffData IFD="0" PlaneCount="2"><UUID FileName="other.ome.tif">urn:uuid:1</UUID></TiffData></Pixels>`,
    );
    const path = join(dir, "multi.ome.tif");
    await writeTiff(path, one({ description: xml }));
    const err = await openTiff(path).catch((e: unknown) => e);
    expect(isOmeZarrError(err, "Unsupported")).toBe(true);
    expect((err as Error).message).toMatch(/other\.ome\.tif/);
  });
});
