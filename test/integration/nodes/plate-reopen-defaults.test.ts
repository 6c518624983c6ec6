/**
 * Regression (found by the plate crash campaign): a writer killed after creating the plate group
 * but before its first well left a group without `plate` metadata; reopened with mode "a", the
 * plate got neither its default name nor its acquisition's name, so the resumed store differed
 * from an uninterrupted one (and failed strict validation).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import type { Plate } from "../../../src/nodes/plate/plate.js";
import { openOmeZarr } from "../../../src/open.js";
import { validateStore } from "../../../src/validate/store.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ngff-plate-reopen-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function firstWell(plate: Plate): Promise<void> {
  const [pos] = await plate.createPositions(["A/1/0"]);
  await pos!.createImage("0", { data: new Uint16Array(16), shape: [1, 1, 1, 4, 4] });
}

test.each(["0.4", "0.5"] as const)(
  "NGFF %s: a plate reopened before its first well gets create's defaults",
  async (version) => {
    const opts = { layout: "hcs" as const, version, channelNames: ["DAPI"] };
    for (const name of ["a", "b"]) await rm(join(dir, name), { recursive: true, force: true });
    // Uninterrupted.
    {
      await using plate = await openOmeZarr(join(dir, "a", "screen.zarr"), { ...opts, mode: "w-" });
      await firstWell(plate);
    }
    // Created, closed before any well (as a killed writer leaves it), reopened with mode "a".
    {
      await using plate = await openOmeZarr(join(dir, "b", "screen.zarr"), { ...opts, mode: "w-" });
      void plate;
    }
    {
      await using plate = await openOmeZarr(join(dir, "b", "screen.zarr"), { ...opts, mode: "a" });
      await firstWell(plate);
    }
    const meta = version === "0.4" ? ".zattrs" : "zarr.json";
    const a = await readFile(join(dir, "a", "screen.zarr", meta), "utf8");
    const b = await readFile(join(dir, "b", "screen.zarr", meta), "utf8");
    expect(b).toEqual(a);
    expect(a).toContain('"name": "screen"');
    expect(a).toContain('"name": "Acquisition 0"');
    const r = await validateStore(join(dir, "b", "screen.zarr"), { strict: true });
    expect(r.issues).toEqual([]);
  },
);
