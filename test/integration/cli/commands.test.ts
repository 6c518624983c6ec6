/**
 * `ngff info`, `tree`, `validate`, `compute-pyramid`, `set-scale` and `rename-wells` on stores
 * made by `ngff convert`, in-process.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { openOmeZarr } from "../../../src/open.js";
import { patternPlane } from "../../fixtures/cli/images.js";
import { listTree, ngff, storeFiles, writeStack } from "../../fixtures/cli/run.js";

let dir: string;
let image: string;
let plate: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ngff-cmd-"));
  const spec = {
    sizeC: 2,
    sizeZ: 4,
    sizeY: 32,
    sizeX: 48,
    dtype: "uint16" as const,
    ome: { channelNames: ["DAPI", "GFP"], physical: { x: 0.5, y: 0.5, z: 2 } },
  };
  await writeStack(join(dir, "a.ome.tif"), spec);
  await writeStack(join(dir, "b.ome.tif"), spec);
  image = join(dir, "image.zarr");
  plate = join(dir, "plate.zarr");
  const a = await ngff(
    "convert",
    "-i",
    join(dir, "a.ome.tif"),
    "-o",
    image,
    "--levels",
    "1",
    "--chunks",
    "2,16,16",
  );
  const p = await ngff(
    "convert",
    "-i",
    join(dir, "a.ome.tif"),
    join(dir, "b.ome.tif"),
    "-o",
    plate,
    "--levels",
    "1",
  );
  expect([a.code, a.stderr, p.code, p.stderr]).toEqual([0, "", 0, ""]);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("info", () => {
  test("an image: layout, version, axes, channels, levels, size", async () => {
    const r = await ngff("info", image);
    expect([r.code, r.stderr]).toEqual([0, ""]);
    const text = r.stdout;
    expect(text).toContain("layout:    fov");
    expect(text).toContain("version:   OME-NGFF 0.4 (Zarr v2)");
    expect(text).toMatch(/size:\s+[\d.]+ KiB on disk/);
    expect(text).toContain(
      "axes:      T [time, second], C [channel], Z [space, micrometer], Y [space, micrometer], X [space, micrometer]",
    );
    expect(text).toContain("channels:  DAPI, GFP (2)");
    expect(text).toMatch(
      /0\s+1×2×4×32×48\s+uint16\s+chunks 1×1×2×16×16\s+blosc\(lz4, clevel 5, shuffle\)\s+scale 1,1,2,0\.5,0\.5/,
    );
  });

  test("a plate: rows, columns, wells, fields; -v lists every position", async () => {
    const r = await ngff("info", plate, "-v");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("layout:    hcs");
    expect(r.stdout).toContain("rows:      0 (1)");
    expect(r.stdout).toContain("columns:   0, 1 (2)");
    expect(r.stdout).toContain("wells:     2, 1 field(s) per well, 2 positions");
    expect(r.stdout).toMatch(/positions:\n\s+0\/0\/0\n\s+0\/1\/0/);
    expect(r.stdout).toContain("first position (0/0/0):");
  });

  test("a TIFF file: what convert would see", async () => {
    const r = await ngff("info", join(dir, "a.ome.tif"));
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toContain("layout:    TIFF (OME-XML)");
    expect(r.stdout).toContain("shape:     T 1, C 2, Z 4, Y 32, X 48  (8 pages)");
    expect(r.stdout).toContain("channels:  DAPI, GFP");
    expect(r.stdout).toContain("scale:     x 0.5 micrometer, y 0.5 micrometer, z 2 micrometer");
    const json = JSON.parse((await ngff("info", join(dir, "a.ome.tif"), "--json")).stdout);
    expect(json[0]).toMatchObject({
      layout: "tiff",
      metadata: "ome",
      dtype: "uint16",
      shape: { c: 2, z: 4 },
    });
    await writeFile(join(dir, "bad.tif"), "nope");
    const bad = await ngff("info", join(dir, "bad.tif"));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/is not a TIFF file/);
  });

  test("--json for several stores; a missing one is reported and fails the run", async () => {
    const r = await ngff("info", image, join(dir, "missing.zarr"), plate, "--json");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ngff info: error: .*missing\.zarr/);
    const parsed = JSON.parse(r.stdout) as {
      layout: string;
      image: { levels: { shape: number[] }[] } | null;
    }[];
    expect(parsed.map((s) => s.layout)).toEqual(["fov", "hcs"]);
    expect(parsed[0]!.image!.levels[0]!.shape).toEqual([1, 2, 4, 32, 48]);
  });
});

describe("tree", () => {
  test("groups and arrays with shape and dtype; --level limits the depth", async () => {
    const r = await ngff("tree", plate);
    expect(r.code).toBe(0);
    expect(r.stdout.split("\n")).toEqual([
      plate,
      "└── 0",
      "    ├── 0",
      "    │   └── 0",
      "    │       └── 0 (1, 2, 4, 32, 48) uint16",
      "    └── 1",
      "        └── 0",
      "            └── 0 (1, 2, 4, 32, 48) uint16",
      "",
    ]);
    const shallow = await ngff("tree", plate, "--level", "2");
    expect(shallow.stdout.trim().split("\n")).toEqual([plate, "└── 0", "    ├── 0", "    └── 1"]);
  });

  test("not a store → exit 1", async () => {
    const r = await ngff("tree", dir);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/is not a Zarr store/);
  });
});

describe("validate", () => {
  test("valid stores → exit 0", async () => {
    const r = await ngff("validate", image, plate);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      `${image}: valid (image, OME-NGFF 0.4)\n${plate}: valid (plate, OME-NGFF 0.4)\n`,
    );
  });

  test("problems are listed with their location → exit 1", async () => {
    const zattrs = join(image, ".zattrs");
    const attrs = JSON.parse(await readFile(zattrs, "utf8"));
    attrs.multiscales[0].axes.reverse();
    attrs.multiscales[0].datasets.push({
      path: "9",
      coordinateTransformations: [{ type: "scale", scale: [1, 1, 1, 1, 1] }],
    });
    await writeFile(zattrs, JSON.stringify(attrs));
    const r = await ngff("validate", image, plate);
    expect(r.code).toBe(1);
    const lines = r.stdout.split("\n");
    expect(lines[0]).toMatch(
      new RegExp(
        `^${image.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: \\d+ problems? \\(image, OME-NGFF 0\\.4\\)$`,
      ),
    );
    expect(r.stdout).toMatch(/multiscales\[0\]\.axes/);
    expect(r.stdout).toMatch(/\[[a-z_]+\]\n/);
    expect(r.stdout).toContain(`${plate}: valid`);
    const json = await ngff("validate", image, "--json");
    const [result] = JSON.parse(json.stdout);
    expect(result.ok).toBe(false);
    expect(result.issues.length).toBeGreaterThan(0);
    expect(result.issues[0]).toHaveProperty("location");
  });

  test("a directory that is not a store → exit 1 with one line", async () => {
    const r = await ngff("validate", dir);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });
});

describe("compute-pyramid", () => {
  test("a plate expands to its positions; a quoted glob is expanded", async () => {
    const r = await ngff("compute-pyramid", "-i", plate, "-l", "2", "-m", "max", "--workers", "0");
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toMatch(/0\/0\/0: 2 levels \(max\)/);
    expect(r.stdout).toMatch(/0\/1\/0: 2 levels \(max\)/);
    await using pos = await openOmeZarr(join(plate, "0/1/0"), { layout: "fov" });
    const l1 = await pos.get("1");
    expect(l1.shape).toEqual([1, 2, 2, 16, 24]);
    // max over a 2×2×2 block of the pattern x + 7y + 131z + 1009c is its last corner.
    const got = (await l1.read([0, 1, 1, 3, 5])).data as ArrayLike<number>;
    expect(Number(got[0])).toBe(patternPlane("uint16", 0, 1, 3, 32, 48)[7 * 48 + 11]);

    const again = await ngff(
      "compute-pyramid",
      "-i",
      `${plate}/*/*/*`,
      "-l",
      "2",
      "--workers",
      "0",
      "--dims",
      "y,x",
    );
    expect(again.code).toBe(0);
    expect(again.stdout.trim().split("\n")).toHaveLength(2);
  });

  test("--jobs: positions computed at once give the same bytes, reported in input order", async () => {
    const copy = join(dir, "copy.zarr");
    await cp(plate, copy, { recursive: true });
    const one = await ngff("compute-pyramid", "-i", plate, "-l", "3", "--jobs", "1", "-w", "2");
    const three = await ngff("compute-pyramid", "-i", copy, "-l", "3", "--jobs", "3", "-w", "2");
    expect([one.code, one.stderr, three.code, three.stderr]).toEqual([0, "", 0, ""]);
    const paths = (out: string, root: string) =>
      out
        .trim()
        .split("\n")
        .map((l) => l.slice(root.length, l.indexOf(":")));
    expect(paths(one.stdout, plate)).toEqual(["/0/0/0", "/0/1/0"]);
    expect(paths(three.stdout, copy)).toEqual(["/0/0/0", "/0/1/0"]);
    expect(await storeFiles(copy)).toEqual(await storeFiles(plate));
    expect((await ngff("compute-pyramid", "-i", plate, "-l", "3", "--jobs", "0")).code).toBe(2);
  });

  test("a pyramid with another level count is replaced only with --overwrite", async () => {
    expect((await ngff("compute-pyramid", "-i", image, "-l", "2", "--workers", "0")).code).toBe(0);
    const refused = await ngff("compute-pyramid", "-i", image, "-l", "3", "--workers", "0");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(
      /already has a pyramid of 2 levels and 3 were asked for; pass --overwrite/,
    );
    const replaced = await ngff(
      "compute-pyramid",
      "-i",
      image,
      "-l",
      "3",
      "--workers",
      "0",
      "--overwrite",
    );
    expect([replaced.code, replaced.stderr]).toEqual([0, ""]);
    await using pos = await openOmeZarr(image, { layout: "fov" });
    expect(pos.levelPaths).toEqual(["0", "1", "2"]);
  });

  test("a path that matches nothing → exit 1", async () => {
    const r = await ngff("compute-pyramid", "-i", join(dir, "nothing*.zarr"), "-l", "2");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/matches no path/);
  });
});

describe("set-scale", () => {
  test("sets the scale of chosen axes of every position", async () => {
    const r = await ngff("set-scale", "-i", plate, "-z", "3", "-x", "0.25");
    expect([r.code, r.stderr]).toEqual([0, "set z=3 x=0.25 on image 0 of 2 position(s)\n"]);
    for (const p of ["0/0/0", "0/1/0"]) {
      await using pos = await openOmeZarr(join(plate, p), { layout: "fov" });
      expect(pos.getEffectiveScale("0")).toEqual([1, 1, 3, 0.5, 0.25]);
    }
  });

  test("an unknown image changes nothing → exit 1", async () => {
    const before = await readFile(join(plate, "0/0/0/.zattrs"), "utf8");
    const r = await ngff("set-scale", "-i", plate, "-z", "3", "--image", "7");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ngff set-scale: error: /);
    expect(await readFile(join(plate, "0/0/0/.zattrs"), "utf8")).toBe(before);
  });

  test("no axis given → exit 2", async () => {
    expect((await ngff("set-scale", "-i", plate)).code).toBe(2);
  });
});

describe("rename-wells", () => {
  test("moves wells listed in the CSV", async () => {
    const csv = join(dir, "names.csv");
    await writeFile(csv, "0/0,B/2\n0/1,B/3\n");
    const r = await ngff("rename-wells", "-i", plate, "-c", csv, "-q");
    expect([r.code, r.stderr]).toEqual([0, ""]);
    await using p = await openOmeZarr(plate, { layout: "hcs" });
    expect(p.wellPaths()).toEqual(["B/2", "B/3"]);
    expect((await ngff("validate", plate)).code).toBe(0);
  });

  test("an unknown well renames nothing → exit 1", async () => {
    const csv = join(dir, "names.csv");
    await writeFile(csv, "0/0,B/2\nZ/9,B/3\n");
    const before = await listTree(plate);
    const r = await ngff("rename-wells", "-i", plate, "-c", csv);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/well Z\/9 is not in .*nothing was renamed/);
    expect(await listTree(plate)).toEqual(before);
  });
});
