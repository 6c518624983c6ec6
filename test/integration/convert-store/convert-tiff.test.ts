/** convertTiff: the same store as `ngff convert`, file for file; bad options are typed errors. */
import { mkdir, mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, test } from "vitest";
import {
  AlreadyExistsError,
  convertTiff,
  InvalidOptionsError,
  validateStore,
} from "../../../src/index.js";
import { ngff, writeStack } from "../../fixtures/cli/run.js";
import { digest } from "./helpers.js";

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

const SPEC = {
  sizeC: 2,
  sizeZ: 3,
  sizeY: 40,
  sizeX: 56,
  dtype: "uint16" as const,
  ome: { channelNames: ["DAPI", "GFP"], physical: { x: 0.5, y: 0.5, z: 2 } },
};

test("an image and a plate, equal to ngff convert's", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ngff-convert-tiff-"));
  dirs.push(dir);
  const a = join(dir, "a.ome.tif");
  const b = join(dir, "b.ome.tif");
  await writeStack(a, SPEC);
  await writeStack(b, SPEC);
  await mkdir(join(dir, "cli"));
  await mkdir(join(dir, "lib"));
  const args = ["--levels", "2", "--chunks", "2,16,16", "--version", "0.5", "-w", "0", "-q"];
  const cli = await ngff("convert", "-i", a, "-o", join(dir, "cli", "img.zarr"), ...args);
  expect([cli.code, cli.stderr]).toEqual([0, ""]);
  const r = await convertTiff(a, join(dir, "lib", "img.zarr"), {
    levels: 2,
    chunks: [2, 16, 16],
    version: "0.5",
    workers: 0,
  });
  expect(r).toMatchObject({ kind: "image", version: "0.5", positions: 1, levels: 2 });
  expect(r.shape).toEqual([1, 2, 3, 40, 56]);
  expect(await digest(join(dir, "lib", "img.zarr"))).toEqual(
    await digest(join(dir, "cli", "img.zarr")),
  );

  const cliPlate = await ngff("convert", "-i", a, b, "-o", join(dir, "cli", "p.zarr"), ...args);
  expect(cliPlate.code).toBe(0);
  const p = await convertTiff([a, b], join(dir, "lib", "p.zarr"), {
    levels: 2,
    chunks: [2, 16, 16],
    version: "0.5",
    workers: 0,
  });
  expect(p).toMatchObject({ kind: "plate", positions: 2 });
  expect(await digest(join(dir, "lib", "p.zarr"))).toEqual(
    await digest(join(dir, "cli", "p.zarr")),
  );
  expect((await validateStore(join(dir, "lib", "p.zarr"), { strict: true })).issues).toEqual([]);

  // bad input: typed errors, nothing written
  const before = await readdir(join(dir, "lib"));
  await expect(convertTiff(a, join(dir, "lib", "img.zarr"))).rejects.toBeInstanceOf(
    AlreadyExistsError,
  );
  await expect(convertTiff([], join(dir, "lib", "x.zarr"))).rejects.toBeInstanceOf(
    InvalidOptionsError,
  );
  await expect(
    convertTiff(a, join(dir, "lib", "y.zarr"), { channelNames: ["a,b"] }),
  ).rejects.toBeInstanceOf(InvalidOptionsError);
  await expect(
    convertTiff(a, join(dir, "lib", "folder"), { overwrite: true }),
  ).rejects.toBeInstanceOf(InvalidOptionsError);
  expect(await readdir(join(dir, "lib"))).toEqual(before);
});
