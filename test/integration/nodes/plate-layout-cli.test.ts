/**
 * `ngff convert --plate wells.csv --plate-rows A-C --plate-columns 1-4`: the CLI declares the
 * plate's layout (issue 12 item 5), so wells listed in any order get their final indexes; a
 * position outside the declaration is a usage error before any output exists.
 */
import { access, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { expect, test } from "vitest";
import { ngff, writeStack } from "../../fixtures/cli/run.js";
import { tempDir } from "./open-helpers.js";

test("ngff convert declares the plate layout; outside it is refused with nothing written", async () => {
  const dir = await tempDir();
  const spec = { sizeZ: 2, sizeY: 16, sizeX: 16, dtype: "uint16" as const };
  await writeStack(join(dir, "a.tif"), spec);
  await writeStack(join(dir, "b.tif"), spec);
  await writeFile(join(dir, "wells.csv"), "b.tif,C/4\na.tif,A/2\n");
  const out = join(dir, "plate.ome.zarr");
  const args = ["convert", "--plate", join(dir, "wells.csv"), "--levels", "1", "--version", "0.5"];
  const r = await ngff(...args, "-o", out, "--plate-rows", "A-C", "--plate-columns", "1,2,3,4");
  expect(r.code, r.stderr).toBe(0);
  const attrs = JSON.parse(await readFile(join(out, "zarr.json"), "utf8")).attributes;
  const plate = attrs.ome.plate;
  expect(plate.rows).toEqual([{ name: "A" }, { name: "B" }, { name: "C" }]);
  expect(plate.columns.map((c: { name: string }) => c.name)).toEqual(["1", "2", "3", "4"]);
  expect(plate.wells).toEqual([
    { path: "A/2", rowIndex: 0, columnIndex: 1 },
    { path: "C/4", rowIndex: 2, columnIndex: 3 },
  ]);
  const v = await ngff("validate", "--strict", out);
  expect(v.code, v.stdout).toBe(0);

  const refused = join(dir, "refused.ome.zarr");
  const bad = await ngff(...args, "-o", refused, "--plate-rows", "A-B", "--plate-columns", "1-4");
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain("C/4/0 is outside the declared plate: rows A,B");
  const half = await ngff(...args, "-o", refused, "--plate-rows", "A-C");
  expect(half.code).toBe(2);
  expect(half.stderr).toContain("--plate-rows and --plate-columns together");
  const dup = await ngff(...args, "-o", refused, "--plate-rows", "A,A", "--plate-columns", "4");
  expect(dup.code).toBe(2);
  await expect(access(refused)).rejects.toThrow();
});
