/**
 * `ngff convert` in-process (runCli): real TIFF files written by the test TIFF writer, pixels
 * of the store compared with the TIFF's, the store validated; and every bad input fails with a
 * clear message, the right exit code, and nothing written.
 */
import { spawnSync } from "node:child_process";
import {
  access,
  mkdir,
  mkdtemp,
  open,
  readFile,
  rm,
  stat,
  truncate,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { openOmeZarr } from "../../../src/open.js";
import { pidAlive } from "../../../src/staged-leftovers.js";
import type { TiffDataType } from "../../../src/tiff/dtype.js";
import { validateStore } from "../../../src/validate/store.js";
import { patternPlane } from "../../fixtures/cli/images.js";
import { listTree, ngff, type StackSpec, storeFiles, writeStack } from "../../fixtures/cli/run.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ngff-convert-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Compare every (t, c, z) plane of level 0 of the position at `path` with the pattern. */
async function expectPattern(path: string, s: StackSpec, position?: string): Promise<void> {
  const node = await openOmeZarr(position === undefined ? path : join(path, position), {
    layout: "fov",
  });
  try {
    const arr = await node.get("0");
    expect(arr.shape).toEqual([s.sizeT ?? 1, s.sizeC ?? 1, s.sizeZ ?? 1, s.sizeY, s.sizeX]);
    expect(arr.dtype).toBe(s.dtype);
    for (let t = 0; t < (s.sizeT ?? 1); t++)
      for (let c = 0; c < (s.sizeC ?? 1); c++)
        for (let z = 0; z < (s.sizeZ ?? 1); z++) {
          const plane = await arr.read([t, c, z]);
          expect(Array.from(plane.data as ArrayLike<number>)).toEqual(
            Array.from(patternPlane(s.dtype, t, c, z, s.sizeY, s.sizeX)),
          );
        }
  } finally {
    await node.close();
  }
}

/** A 4-page 64×64 uint16 stack, deflate-compressed in strips of 16 rows. */
function writeDeflateStack(tif: string): Promise<void> {
  return writeStack(tif, {
    sizeZ: 4,
    sizeY: 64,
    sizeX: 64,
    dtype: "uint16",
    page: { compression: "deflate", rowsPerStrip: 16 },
  });
}

/** Overwrite the middle of the file (strip data of a later page) with garbage. */
async function damageStrips(tif: string): Promise<void> {
  const size = (await stat(tif)).size;
  const fh = await open(tif, "r+");
  await fh.write(Buffer.alloc(400, 0xab), 0, 400, Math.floor(size * 0.6));
  await fh.close();
}

async function expectValid(path: string): Promise<void> {
  const r = await validateStore(path);
  expect(r.issues).toEqual([]);
  const cli = await ngff("validate", path);
  expect(cli.code).toBe(0);
  expect(cli.stdout).toContain("valid");
}

describe("convert writes the TIFF's pixels", () => {
  test("plain multi-page stack (one strip per page), stride pyramid", async () => {
    const spec: StackSpec = { sizeZ: 7, sizeY: 70, sizeX: 90, dtype: "uint16" };
    const tif = join(dir, "stack.tif");
    const out = join(dir, "stack.zarr");
    await writeStack(tif, spec);
    const r = await ngff(
      "convert",
      "-i",
      tif,
      "-o",
      out,
      "--levels",
      "2",
      "--method",
      "stride",
      "--workers",
      "0",
      "--chunks",
      "3,32,32",
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/stack\.zarr: image 1×1×7×70×90 uint16, 2 level\(s\), OME-NGFF 0\.4/);
    await expectPattern(out, spec);
    await using pos = await openOmeZarr(out, { layout: "fov" });
    const l0 = await pos.get("0");
    expect(l0.chunks).toEqual([1, 1, 3, 32, 32]);
    const l1 = await pos.get("1");
    expect(l1.shape).toEqual([1, 1, 4, 35, 45]);
    // stride: level 1 at (z, y, x) is level 0 at (2z, 2y, 2x).
    const got = await l1.read([0, 0, 2]);
    const src = patternPlane("uint16", 0, 0, 4, 70, 90);
    const want = Array.from(
      { length: 35 * 45 },
      (_, i) => src[2 * Math.floor(i / 45) * 90 + 2 * (i % 45)],
    );
    expect(Array.from(got.data as ArrayLike<number>)).toEqual(want);
    await expectValid(out);
  });

  test("tiled, deflate OME-TIFF with channels, time and physical sizes → NGFF 0.5", async () => {
    const spec: StackSpec = {
      sizeT: 2,
      sizeC: 3,
      sizeZ: 4,
      sizeY: 40,
      sizeX: 50,
      dtype: "float32",
      page: { tile: [16, 16], compression: "deflate" },
      ome: { channelNames: ["DAPI", "GFP", "RFP"], physical: { x: 0.5, y: 0.5, z: 2, t: 30 } },
    };
    const tif = join(dir, "image.ome.tif");
    const out = join(dir, "image.zarr");
    await writeStack(tif, spec);
    const r = await ngff("convert", "-i", tif, "-o", out, "--version", "0.5", "--workers", "0");
    expect([r.code, r.stderr]).toEqual([0, ""]);
    await access(join(out, "zarr.json"));
    await expectPattern(out, spec);
    await using pos = await openOmeZarr(out, { layout: "fov" });
    expect(pos.channelNames).toEqual(["DAPI", "GFP", "RFP"]);
    expect(pos.version).toBe("0.5");
    expect(pos.getEffectiveScale("0")).toEqual([30, 1, 2, 0.5, 0.5]);
    expect(pos.axes.map((a) => a.name)).toEqual(["T", "C", "Z", "Y", "X"]);
    await expectValid(out);
  });

  test.each([
    ["uint8", { compression: "lzw", rowsPerStrip: 5 }],
    ["int16", { compression: "packbits", rowsPerStrip: 3 }],
    ["uint16", { tile: [16, 32] }],
    ["float64", { compression: "deflate" }],
  ] as [TiffDataType, StackSpec["page"]][])("%s %o", async (dtype, page) => {
    const spec: StackSpec = { sizeZ: 3, sizeY: 33, sizeX: 47, dtype, ...(page ? { page } : {}) };
    const tif = join(dir, "x.tif");
    const out = join(dir, "x.zarr");
    await writeStack(tif, spec);
    const r = await ngff("convert", "-i", tif, "-o", out, "--chunks", "2,16,16", "--workers", "0");
    expect([r.code, r.stderr]).toEqual([0, ""]);
    await expectPattern(out, spec);
  });

  test("--axes zyx keeps only the named axes; --chunks XY makes whole-plane chunks", async () => {
    const spec: StackSpec = { sizeZ: 5, sizeY: 20, sizeX: 30, dtype: "uint8" };
    const tif = join(dir, "z.tif");
    const out = join(dir, "z.zarr");
    await writeStack(tif, spec);
    const r = await ngff(
      "convert",
      "-i",
      tif,
      "-o",
      out,
      "--axes",
      "zyx",
      "--chunks",
      "XY",
      "--channel-names",
      "nuclei",
    );
    expect([r.code, r.stderr]).toEqual([0, ""]);
    await using pos = await openOmeZarr(out, { layout: "fov" });
    const arr = await pos.get("0");
    expect(arr.shape).toEqual([5, 20, 30]);
    expect(arr.chunks).toEqual([1, 20, 30]);
    expect(Array.from((await arr.read([4])).data as ArrayLike<number>)).toEqual(
      Array.from(patternPlane("uint8", 0, 0, 4, 20, 30)),
    );
  });

  test("plain pages go along t when --axes has t but no z", async () => {
    const spec: StackSpec = { sizeZ: 3, sizeY: 8, sizeX: 8, dtype: "uint16" };
    const tif = join(dir, "t.tif");
    const out = join(dir, "t.zarr");
    await writeStack(tif, spec);
    const r = await ngff("convert", "-i", tif, "-o", out, "--axes", "tyx");
    expect(r.code).toBe(0);
    await using pos = await openOmeZarr(out, { layout: "fov" });
    expect((await pos.get("0")).shape).toEqual([3, 8, 8]);
  });

  test("several inputs become positions of a plate; --plate CSV names the wells", async () => {
    const a: StackSpec = {
      sizeC: 2,
      sizeZ: 2,
      sizeY: 16,
      sizeX: 16,
      dtype: "uint16",
      ome: { channelNames: ["a", "b"] },
    };
    const b: StackSpec = { ...a, sizeZ: 3, sizeY: 12 };
    await writeStack(join(dir, "a.ome.tif"), a);
    await writeStack(join(dir, "b.ome.tif"), b);
    const out = join(dir, "plate.zarr");
    const r = await ngff(
      "convert",
      "-i",
      join(dir, "a.ome.tif"),
      join(dir, "b.ome.tif"),
      "-o",
      out,
    );
    expect([r.code, r.stderr]).toEqual([0, ""]);
    expect(r.stdout).toContain("plate of 2 positions");
    await expectPattern(out, a, "0/0/0");
    await expectPattern(out, b, "0/1/0");
    await expectValid(out);

    const csv = join(dir, "wells.csv");
    await writeFile(
      csv,
      "file,well,field\na.ome.tif,B/3\nb.ome.tif,B/3\n# a comment\na.ome.tif,C/1,7\n",
    );
    const out2 = join(dir, "plate2.zarr");
    const r2 = await ngff("convert", "--plate", csv, "-o", out2, "--version", "0.5");
    expect([r2.code, r2.stderr]).toEqual([0, ""]);
    await expectPattern(out2, a, "B/3/0");
    await expectPattern(out2, b, "B/3/1");
    await expectPattern(out2, a, "C/1/7");
    await expectValid(out2);
    const info = await ngff("info", out2, "--json");
    const [summary] = JSON.parse(info.stdout);
    expect(summary.layout).toBe("hcs");
    expect(summary.plate).toMatchObject({
      rows: ["B", "C"],
      columns: ["1", "3"],
      wells: 2,
      positions: ["B/3/0", "B/3/1", "C/1/7"],
    });
  });

  test("--jobs: plate inputs converted at once give the same store, byte for byte", async () => {
    const inputs: string[] = [];
    for (let i = 0; i < 5; i++) {
      const tif = join(dir, `in${i}.tif`);
      await writeStack(tif, { sizeZ: 2 + (i % 2), sizeY: 40, sizeX: 24 + 8 * i, dtype: "uint16" });
      inputs.push(tif);
    }
    // Same store name in two folders: the default plate name comes from the store name.
    await mkdir(join(dir, "one"));
    await mkdir(join(dir, "three"));
    const one = join(dir, "one", "plate.zarr");
    const three = join(dir, "three", "plate.zarr");
    const r1 = await ngff("convert", "-i", ...inputs, "-o", one, "-l", "2", "--jobs", "1");
    const r3 = await ngff("convert", "-i", ...inputs, "-o", three, "-l", "2", "--jobs", "3");
    expect([r1.code, r1.stderr, r3.code, r3.stderr]).toEqual([0, "", 0, ""]);
    expect(await storeFiles(three)).toEqual(await storeFiles(one));
    await expectValid(three);
  });

  test("--overwrite replaces an existing store", async () => {
    const tif = join(dir, "s.tif");
    const out = join(dir, "s.zarr");
    await writeStack(tif, { sizeZ: 2, sizeY: 8, sizeX: 8, dtype: "uint8" });
    expect((await ngff("convert", "-i", tif, "-o", out)).code).toBe(0);
    await writeStack(tif, { sizeZ: 3, sizeY: 8, sizeX: 8, dtype: "uint8" });
    const r = await ngff("convert", "-i", tif, "-o", out, "--overwrite");
    expect([r.code, r.stderr]).toEqual([0, ""]);
    await using pos = await openOmeZarr(out, { layout: "fov" });
    expect((await pos.get("0")).shape).toEqual([1, 1, 3, 8, 8]);
    expect(await listTree(dir)).not.toContainEqual(expect.stringMatching(/partial|old/));
  });
});

describe("bad input: clear message, exit code, nothing written", () => {
  async function expectRejected(args: string[], code: number, message: RegExp): Promise<void> {
    const before = await listTree(dir);
    const r = await ngff("convert", ...args);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split("\n").length).toBeLessThanOrEqual(2); // a one-line reason (+ usage hint)
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(r.stdout).toBe("");
    expect(await listTree(dir)).toEqual(before);
  }

  test("missing input file → exit 1", async () => {
    await expectRejected(
      ["-i", join(dir, "nope.tif"), "-o", join(dir, "o.zarr")],
      1,
      /nope\.tif does not exist/,
    );
  });

  test("not a TIFF → exit 1", async () => {
    await writeFile(join(dir, "notes.tif"), "just some text\n");
    await expectRejected(
      ["-i", join(dir, "notes.tif"), "-o", join(dir, "o.zarr")],
      1,
      /is not a TIFF file/,
    );
  });

  test("truncated TIFF → exit 1", async () => {
    const tif = join(dir, "cut.tif");
    await writeStack(tif, {
      sizeZ: 3,
      sizeY: 32,
      sizeX: 32,
      dtype: "uint16",
      page: { rowsPerStrip: 8 },
    });
    await truncate(tif, (await stat(tif)).size - 1000);
    await expectRejected(
      ["-i", tif, "-o", join(dir, "o.zarr")],
      1,
      /truncated or corrupt TIFF .*cut\.tif/,
    );
  });

  test("unsupported sample format → exit 1", async () => {
    const tif = join(dir, "c.tif");
    await writeStack(tif, { sizeY: 8, sizeX: 8, dtype: "float64", page: { sampleFormat: 6 } });
    await expectRejected(
      ["-i", tif, "-o", join(dir, "o.zarr")],
      1,
      /unsupported sample format \(complex float, 64 bits/,
    );
  });

  test("one bad input among good ones → exit 1, no plate", async () => {
    const good = join(dir, "good.tif");
    await writeStack(good, { sizeY: 8, sizeX: 8, dtype: "uint8" });
    await writeFile(join(dir, "bad.tif"), "MM\0*garbage");
    await expectRejected(
      ["-i", good, join(dir, "bad.tif"), "-o", join(dir, "o.zarr")],
      1,
      /bad\.tif/,
    );
  });

  test("--overwrite of a path without .zarr → exit 2", async () => {
    const tif = join(dir, "s.tif");
    await writeStack(tif, { sizeY: 8, sizeX: 8, dtype: "uint8" });
    await writeFile(join(dir, "precious.txt"), "keep me");
    await expectRejected(["-i", tif, "-o", dir, "--overwrite"], 2, /does not contain "\.zarr"/);
    expect(await readFile(join(dir, "precious.txt"), "utf8")).toBe("keep me");
  });

  test("output in a directory that does not exist → exit 1", async () => {
    const tif = join(dir, "s.tif");
    await writeStack(tif, { sizeY: 8, sizeX: 8, dtype: "uint8" });
    await expectRejected(
      ["-i", tif, "-o", join(dir, "no/such/dir/o.zarr")],
      1,
      /does not exist; create it first/,
    );
  });

  test("existing store without --overwrite → exit 1", async () => {
    const tif = join(dir, "s.tif");
    await writeStack(tif, { sizeY: 8, sizeX: 8, dtype: "uint8" });
    expect((await ngff("convert", "-i", tif, "-o", join(dir, "s.zarr"))).code).toBe(0);
    await expectRejected(
      ["-i", tif, "-o", join(dir, "s.zarr")],
      1,
      /already exists; pass --overwrite/,
    );
  });

  test.each([
    [["-o", "x.zarr"], /no input/],
    [["-i", "a.tif"], /required option '-o, --output/],
    [["-i", "a.tif", "-o", "x.zarr", "--version", "0.3"], /Allowed choices are 0\.4, 0\.5/],
    [["-i", "a.tif", "-o", "x.zarr", "--levels", "0"], /expected a positive integer/],
    [["-i", "a.tif", "-o", "x.zarr", "--method", "average"], /Allowed choices are stride, mean/],
    [["-i", "a.tif", "-o", "x.zarr", "--axes", "xyz"], /--axes expects letters of "tczyx"/],
    [["-i", "a.tif", "-o", "x.zarr", "--bogus"], /unknown option '--bogus'/],
  ])("usage error %j → exit 2", async (args, message) => {
    await expectRejected(
      args.map((a) => (a.endsWith(".tif") || a.endsWith(".zarr") ? join(dir, a) : a)),
      2,
      message,
    );
  });

  test("options that contradict the file → exit 2", async () => {
    const tif = join(dir, "s.tif");
    await writeStack(tif, { sizeC: 2, sizeZ: 3, sizeY: 8, sizeX: 8, dtype: "uint8", ome: {} });
    await expectRejected(
      ["-i", tif, "-o", join(dir, "o.zarr"), "--channel-names", "a,b,c"],
      2,
      /gives 3 name\(s\) but .* has 2 channel/,
    );
    await expectRejected(
      ["-i", tif, "-o", join(dir, "o.zarr"), "--axes", "czyx", "--chunks", "1,1,1,1,1"],
      2,
      /--chunks has 5 sizes/,
    );
    await expectRejected(
      ["-i", tif, "-o", join(dir, "o.zarr"), "--axes", "cyx"],
      2,
      /has 3 elements along Z/,
    );
  });

  test("a damaged input among several converted at once → exit 1, no partial store left", async () => {
    const inputs: string[] = [];
    for (let i = 0; i < 4; i++) {
      inputs.push(join(dir, `p${i}.tif`));
      await writeDeflateStack(inputs[i]!);
    }
    await damageStrips(inputs[1]!);
    const before = await listTree(dir);
    const r = await ngff("convert", "-i", ...inputs, "-o", join(dir, "p.zarr"), "--jobs", "3");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ngff convert: error: /);
    expect(await listTree(dir)).toEqual(before);
  });

  test("damaged compressed data found while writing → exit 1, no partial store left", async () => {
    const tif = join(dir, "d.tif");
    await writeDeflateStack(tif);
    await damageStrips(tif);
    const before = await listTree(dir);
    const r = await ngff("convert", "-i", tif, "-o", join(dir, "d.zarr"));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ngff convert: error: /);
    expect(await listTree(dir)).toEqual(before);
  });
});

describe("leftovers of killed conversions", () => {
  /** A pid that ran and is gone (a finished child). */
  function deadPid(): number {
    const pid = spawnSync(process.execPath, ["-e", ""]).pid!;
    expect(pidAlive(pid)).toBe(false);
    return pid;
  }
  const spec: StackSpec = { sizeZ: 2, sizeY: 20, sizeX: 30, dtype: "uint8" };

  test("a dead process's .partial store is removed (with a warning); a live one's is kept", async () => {
    const tif = join(dir, "s.tif");
    const out = join(dir, "s.zarr");
    await writeStack(tif, spec);
    const dead = `${out}.partial-${deadPid()}`;
    const live = `${out}.partial-${process.ppid}`;
    for (const d of [dead, live]) {
      await mkdir(join(d, "0"), { recursive: true });
      await writeFile(join(d, "0", "junk"), "x");
    }
    const r = await ngff("convert", "-i", tif, "-o", out, "--levels", "1", "--workers", "0");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`removed ${dead}, left by an interrupted run`);
    expect(r.stderr).not.toContain(live);
    await expect(access(dead)).rejects.toThrow();
    expect(await readFile(join(live, "0", "junk"), "utf8")).toBe("x");
    await expectPattern(out, spec);
  });

  test("a dead .old store is removed when the output exists, kept (with a warning) when it does not", async () => {
    const tif = join(dir, "s.tif");
    await writeStack(tif, spec);
    // Output exists: the swap finished, only deleting the old store was cut short.
    const out = join(dir, "a.zarr");
    expect((await ngff("convert", "-i", tif, "-o", out, "--workers", "0")).code).toBe(0);
    const old = `${out}.old-${deadPid()}`;
    await mkdir(old);
    const r = await ngff("convert", "-i", tif, "-o", out, "--overwrite", "--workers", "0");
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`removed ${old}`);
    await expect(access(old)).rejects.toThrow();
    // No output: the .old store may be the only copy of the previous one.
    const out2 = join(dir, "b.zarr");
    const old2 = `${out2}.old-${deadPid()}`;
    await mkdir(old2);
    await writeFile(join(old2, "keep"), "y");
    const r2 = await ngff("convert", "-i", tif, "-o", out2, "--workers", "0");
    expect(r2.code).toBe(0);
    expect(r2.stderr).toContain(`kept ${old2}`);
    expect(r2.stderr).toContain("may be the only copy of the previous store");
    expect(await readFile(join(old2, "keep"), "utf8")).toBe("y");
  });
});
