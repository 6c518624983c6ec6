/**
 * Deleting nodes (issue 12 item 5, iohub's `__delitem__`): an image, a label, a position, a
 * well, a row — every metadata list naming it updated, the files gone, the store valid (strict)
 * afterwards. Bad input (a missing name, an unsafe name, a read-only node) raises a typed error
 * and leaves every file byte-identical. An interrupted delete's leftovers (an unlisted directory,
 * a `.<name>.ngff-deleted` one) do not make the store invalid and are removed by running the same
 * delete again. NGFF 0.4 and 0.5.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { NgffVersion } from "../../../src/nodes/context.js";
import type { Plate } from "../../../src/nodes/plate/plate.js";
import type { Position } from "../../../src/nodes/position.js";
import { openOmeZarr } from "../../../src/open.js";
import { validateStore } from "../../../src/validate/store.js";
import { entries, newFilledPlate, newFov, untouched } from "./delete-helpers.js";
import { expectValidStore, vals } from "./open-helpers.js";

const VERSIONS: NgffVersion[] = ["0.4", "0.5"];
const SHAPE = [1, 2, 2, 8, 8];
const SIZE = SHAPE.reduce((a, b) => a * b);

function pixels(seed = 0): { data: Uint16Array; shape: number[] } {
  return { data: new Uint16Array(SIZE).map((_, i) => (i * 7 + seed) & 0xfff), shape: SHAPE };
}

function labelData(): { data: Uint8Array; shape: number[] } {
  return { data: new Uint8Array(SIZE / 2).map((_, i) => i % 3), shape: [1, 1, 2, 8, 8] };
}

function newPosition(version: NgffVersion) {
  return newFov(version, pixels());
}

function newPlate(version: NgffVersion) {
  return newFilledPlate(version, ["A/1/0", "A/1/1", "A/2/0", "B/1/0", "B/3/0"]);
}

const GROUP_FILES: Record<NgffVersion, string[]> = {
  "0.4": [".zattrs", ".zgroup"],
  "0.5": ["zarr.json"],
};

describe.each(VERSIONS)("NGFF %s", (version) => {
  describe("position.deleteImage", () => {
    test("level 0 removes the whole image: every level, its labels, multiscales and omero", async () => {
      const { pos, dir } = await newPosition(version);
      await pos.computePyramid({ levels: 3 });
      await pos.createLabel("cells", labelData());
      await pos.deleteImage("0");
      expect(pos.levelPaths).toEqual([]);
      expect(pos.omero).toBeUndefined();
      expect(await entries(dir)).toEqual(GROUP_FILES[version]);
      // The position waits for a new first image, as after createPosition; that one validates.
      await pos.createImage("0", pixels(5));
      expect(vals(await (await pos.get("0")).read())).toEqual(Array.from(pixels(5).data));
      expect(await pos.labelNames()).toEqual([]);
      await expectValidStore(dir);
    });

    test("a pyramid level k removes levels k…; the store stays valid", async () => {
      const { pos, dir } = await newPosition(version);
      await pos.computePyramid({ levels: 3 });
      const [, l1, l2] = pos.levelPaths as [string, string, string];
      await pos.deleteImage(l2);
      expect(pos.levelPaths).toEqual(["0", l1]);
      await expectValidStore(dir);
      await pos.deleteImage(l1);
      expect(pos.levelPaths).toEqual(["0"]);
      expect(await entries(dir)).toEqual([...GROUP_FILES[version], "0"].sort());
      await expectValidStore(dir);
      const reopened = (await openOmeZarr(dir, { layout: "fov", mode: "r" })) as Position;
      expect(reopened.levelPaths).toEqual(["0"]);
    });

    test("bad input: missing or unsafe name, a level of an image with labels, read-only", async () => {
      const { pos, dir } = await newPosition(version);
      await pos.computePyramid({ levels: 2 });
      const missing = await untouched(dir, "NotFound", () => pos.deleteImage("nope"));
      expect(missing.message).toContain('its images are ["0","1"]');
      await untouched(dir, "UnsafePath", () => pos.deleteImage("../x"));
      await pos.createLabel("cells", labelData());
      const level = await untouched(dir, "Unsupported", () => pos.deleteImage("1"));
      expect(level.message).toContain("delete the labels first");
      const ro = (await openOmeZarr(dir, { layout: "fov", mode: "r" })) as Position;
      const e = await untouched(dir, "ReadOnly", () => ro.deleteImage("0"));
      expect(e.message).toContain('reopen it with mode "r+"');
    });

    test("an interrupted delete's leftovers keep the store valid; deleting again removes them", async () => {
      const { pos, dir } = await newPosition(version);
      await pos.computePyramid({ levels: 2 });
      // What a kill after the metadata write leaves: the image unlisted, its arrays still there
      // (simulated by restoring a copy of an array after the delete), and a half-removed one.
      await pos.deleteImage("1");
      await mkdir(join(dir, "1"));
      await writeFile(join(dir, "1", "stale"), "x");
      await mkdir(join(dir, ".1.ngff-deleted"));
      expect((await validateStore(dir, { strict: true })).issues).toEqual([]);
      await pos.deleteImage("1");
      expect(await entries(dir)).toEqual([...GROUP_FILES[version], "0"].sort());
      await untouched(dir, "NotFound", () => pos.deleteImage("1"));
    });
  });

  describe("position.deleteLabel", () => {
    test("removes the label and its entry in the labels list", async () => {
      const { pos, dir } = await newPosition(version);
      await pos.createLabel("cells", labelData());
      await pos.createLabel("nuclei", labelData());
      await pos.deleteLabel("cells");
      expect(await pos.labelNames()).toEqual(["nuclei"]);
      expect(await entries(join(dir, "labels"))).toEqual(
        [...GROUP_FILES[version], "nuclei"].sort(),
      );
      await expectValidStore(dir);
      await pos.deleteLabel("nuclei");
      expect(await pos.labelNames()).toEqual([]);
      await expectValidStore(dir);
      // The name is free again.
      await pos.createLabel("cells", labelData());
      expect(await pos.labelNames()).toEqual(["cells"]);
      await expectValidStore(dir);
    });

    test("bad input: missing or unsafe name, read-only", async () => {
      const { pos, dir } = await newPosition(version);
      await untouched(dir, "NotFound", () => pos.deleteLabel("cells"));
      await pos.createLabel("cells", labelData());
      const e = await untouched(dir, "NotFound", () => pos.deleteLabel("nuclei"));
      expect(e.message).toContain('its labels are ["cells"]');
      await untouched(dir, "UnsafePath", () => pos.deleteLabel(".."));
      const ro = (await openOmeZarr(dir, { layout: "fov", mode: "r" })) as Position;
      await untouched(dir, "ReadOnly", () => ro.deleteLabel("cells"));
    });

    test("an unlisted leftover is removed by deleting again", async () => {
      const { pos, dir } = await newPosition(version);
      await pos.createLabel("cells", labelData());
      await pos.deleteLabel("cells");
      await mkdir(join(dir, "labels", ".cells.ngff-deleted", "0"), { recursive: true });
      expect((await validateStore(dir, { strict: true })).issues).toEqual([]);
      await pos.deleteLabel("cells");
      expect(await entries(join(dir, "labels"))).toEqual(GROUP_FILES[version]);
      await untouched(dir, "NotFound", () => pos.deleteLabel("cells"));
    });
  });

  describe("well.deletePosition", () => {
    test("removes the field from the well's images list and its directory", async () => {
      const { plate, dir } = await newPlate(version);
      const well = await plate.getWell("A/1");
      await well.deletePosition("1");
      expect(well.positionNames()).toEqual(["0"]);
      expect(await entries(join(dir, "A", "1"))).toEqual([...GROUP_FILES[version], "0"].sort());
      await expectValidStore(dir);
      const reopened = (await openOmeZarr(dir, { layout: "hcs", mode: "r" })) as Plate;
      expect((await reopened.getWell("A/1")).positionNames()).toEqual(["0"]);
      // The last field: the well is as createWell leaves it; a new field makes it valid again.
      await well.deletePosition("0");
      expect(well.metadata).toBeUndefined();
      await well.createPosition("2");
      expect(well.positionNames()).toEqual(["2"]);
    });

    test("bad input: missing or unsafe name, read-only", async () => {
      const { plate, dir } = await newPlate(version);
      const well = await plate.getWell("A/1");
      const e = await untouched(dir, "NotFound", () => well.deletePosition("7"));
      expect(e.message).toContain('it has ["0","1"]');
      await untouched(dir, "UnsafePath", () => well.deletePosition("a/b"));
      const ro = (await openOmeZarr(dir, { layout: "hcs", mode: "r" })) as Plate;
      const roWell = await ro.getWell("A/1");
      await untouched(dir, "ReadOnly", () => roWell.deletePosition("0"));
    });
  });

  describe("plate.deleteWell, row.deleteWell, plate.deleteRow", () => {
    test("deleteWell: the wells list loses it, rows and columns are kept, the row goes when empty", async () => {
      const { plate, dir } = await newPlate(version);
      const rows = plate.metadata?.rows;
      const columns = plate.metadata?.columns;
      await plate.deleteWell("A", "1");
      expect(plate.wellPaths()).toEqual(["A/2", "B/1", "B/3"]);
      expect(plate.metadata?.rows).toEqual(rows);
      expect(plate.metadata?.columns).toEqual(columns);
      expect(await entries(join(dir, "A"))).toEqual([...GROUP_FILES[version], "2"].sort());
      await expectValidStore(dir);
      const row = await plate.getRow("A");
      await row.deleteWell("2");
      expect(plate.wellPaths()).toEqual(["B/1", "B/3"]);
      expect((await entries(dir)).includes("A")).toBe(false);
      await expectValidStore(dir);
      const reopened = (await openOmeZarr(dir, { layout: "hcs", mode: "r" })) as Plate;
      expect(reopened.wellPaths()).toEqual(["B/1", "B/3"]);
      // The name is free again.
      await plate.createPosition("A", "1", "0");
      expect(plate.wellPaths()).toEqual(["A/1", "B/1", "B/3"]);
    });

    test("deleteRow removes every well of the row in one metadata write", async () => {
      const { plate, dir } = await newPlate(version);
      await plate.deleteRow("B");
      expect(plate.wellPaths()).toEqual(["A/1", "A/2"]);
      expect((await entries(dir)).includes("B")).toBe(false);
      await expectValidStore(dir);
      // The last wells: the plate is as before its first well, and takes new ones.
      await plate.deleteRow("A");
      expect(plate.metadata).toBeUndefined();
      await plate.createPosition("C", "4", "0");
      expect(plate.wellPaths()).toEqual(["C/4"]);
    });

    test("bad input: missing or unsafe names, read-only", async () => {
      const { plate, dir } = await newPlate(version);
      const e = await untouched(dir, "NotFound", () => plate.deleteWell("A", "9"));
      expect(e.message).toContain("its wells are");
      await untouched(dir, "NotFound", () => plate.deleteRow("Z"));
      // An empty row group (no well in it): a missing well there changes nothing either.
      await mkdir(join(dir, "Z"));
      if (version === "0.4") {
        await writeFile(join(dir, "Z", ".zattrs"), "{}\n");
        await writeFile(join(dir, "Z", ".zgroup"), '{"zarr_format": 2}\n');
      } else {
        const group = { zarr_format: 3, node_type: "group", attributes: {} };
        await writeFile(join(dir, "Z", "zarr.json"), JSON.stringify(group));
      }
      await untouched(dir, "NotFound", () => plate.deleteWell("Z", "1"));
      await untouched(dir, "UnsafePath", () => plate.deleteWell("..", "1"));
      await untouched(dir, "UnsafePath", () => plate.deleteRow(""));
      const ro = (await openOmeZarr(dir, { layout: "hcs", mode: "r" })) as Plate;
      await untouched(dir, "ReadOnly", () => ro.deleteWell("A", "1"));
      await untouched(dir, "ReadOnly", () => ro.deleteRow("A"));
    });

    test("an unlisted well leftover keeps the store valid and is removed by deleting again", async () => {
      const { plate, dir } = await newPlate(version);
      await plate.deleteWell("B", "3");
      await mkdir(join(dir, "B", "3", "0"), { recursive: true });
      await mkdir(join(dir, "B", ".3.ngff-deleted"));
      expect((await validateStore(dir, { strict: true })).issues).toEqual([]);
      await plate.deleteWell("B", "3");
      expect(await entries(join(dir, "B"))).toEqual([...GROUP_FILES[version], "1"].sort());
      await untouched(dir, "NotFound", () => plate.deleteWell("B", "3"));
    });
  });
});
