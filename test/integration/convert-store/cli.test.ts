/** `ngff convert-store`: a store in the other version, usage and input errors with exit codes. */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, test } from "vitest";
import { ngff } from "../../fixtures/cli/run.js";
import { expectSamePixels, expectStrictValid, writeFov } from "./helpers.js";

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

test("ngff convert-store 0.4 → 0.5 → 0.4", async () => {
  const dir = await mkdtemp(join(tmpdir(), "ngff-cs-cli-"));
  dirs.push(dir);
  const src = join(dir, "a.zarr");
  await writeFov(src, "0.4");
  const mid = join(dir, "b.zarr");
  const r = await ngff("convert-store", "-i", src, "-o", mid, "--version", "0.5", "-w", "0");
  expect([r.code, r.stderr]).toEqual([0, ""]);
  expect(r.stdout).toMatch(/b\.zarr: image, OME-NGFF 0\.4 → 0\.5, \d+ array\(s\)/);
  await expectStrictValid(mid, "0.5");
  await expectSamePixels(src, mid);
  const back = join(dir, "c.zarr");
  const r2 = await ngff("convert-store", "-i", mid, "-o", back, "--version", "0.4");
  expect([r2.code, r2.stderr]).toEqual([0, ""]);
  await expectStrictValid(back, "0.4");
  await expectSamePixels(src, back);

  // exists without --overwrite: exit 1, one line; a bad version: usage (exit 2)
  const again = await ngff("convert-store", "-i", src, "-o", mid, "--version", "0.5");
  expect(again.code).toBe(1);
  expect(again.stderr).toMatch(
    /^ngff convert-store: error: .*already exists; pass overwrite: true \(ngff: --overwrite\)[^\n]*\n$/,
  );
  const bad = await ngff("convert-store", "-i", src, "-o", join(dir, "d.zarr"), "--version", "0.6");
  expect(bad.code).toBe(2);
  const missing = await ngff(
    "convert-store",
    "-i",
    join(dir, "nope"),
    "-o",
    join(dir, "e.zarr"),
    "--version",
    "0.5",
  );
  expect(missing.code).toBe(1);
  expect((await readdir(dir)).sort()).toEqual(["a.zarr", "b.zarr", "c.zarr"]);
});
