/**
 * `overwrite: true` on the create calls (issue 12 item 5, iohub's `overwriting_creation`):
 * createImage, createZeros, createLabel, Well.createPosition, Plate.createPosition,
 * Plate.createPositions (batch), Plate.createWell and TiledPosition.makeTiles replace an
 * existing child; without it an existing child is still an
 * AlreadyExistsError. Bad input with `overwrite: true` (a wrong shape, dtype, chunks, option
 * value…) raises a typed error before anything is removed: every file stays byte-identical.
 * NGFF 0.4 and 0.5.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { NgffVersion } from "../../../src/nodes/context.js";
import type { Plate } from "../../../src/nodes/plate/plate.js";
import type { Position } from "../../../src/nodes/position.js";
import { openOmeZarr } from "../../../src/open.js";
import { entries, newFilledPlate, newFov, newStore, untouched } from "./delete-helpers.js";
import { expectValidStore, vals } from "./open-helpers.js";

const VERSIONS: NgffVersion[] = ["0.4", "0.5"];
const SHAPE = [1, 2, 2, 8, 8];
const SIZE = SHAPE.reduce((a, b) => a * b);

function pixels(seed: number, shape = SHAPE): { data: Uint16Array; shape: number[] } {
  const n = shape.reduce((a, b) => a * b);
  return { data: new Uint16Array(n).map((_, i) => (i * 7 + seed) & 0xfff), shape };
}

function labelData(value: number): { data: Uint8Array; shape: number[] } {
  return { data: new Uint8Array(SIZE / 2).fill(value), shape: [1, 1, 2, 8, 8] };
}

function newPosition(version: NgffVersion) {
  return newFov(version, pixels(1));
}

function newPlate(version: NgffVersion) {
  return newFilledPlate(version, ["A/1/0", "A/1/1", "B/2/0"], () => 3);
}

describe.each(VERSIONS)("NGFF %s", (version) => {
  describe("createImage / createZeros with overwrite", () => {
    test("replaces the image (its pyramid and labels go with it); another shape is fine", async () => {
      const { pos, dir } = await newPosition(version);
      await pos.computePyramid({ levels: 2 });
      await pos.createLabel("cells", labelData(1));
      const shape = [1, 2, 2, 4, 4];
      await pos.createImage("0", pixels(9, shape), { overwrite: true });
      expect(pos.levelPaths).toEqual(["0"]);
      expect(await pos.labelNames()).toEqual([]);
      const img = await pos.get("0");
      expect(img.shape).toEqual(shape);
      expect(vals(await img.read())).toEqual(Array.from(pixels(9, shape).data));
      await expectValidStore(dir);
      const reopened = (await openOmeZarr(dir, { layout: "fov", mode: "r" })) as Position;
      expect(vals(await (await reopened.get("0")).read())).toEqual(
        Array.from(pixels(9, shape).data),
      );
      await pos.createZeros("0", { shape: SHAPE, dtype: "uint8", overwrite: true });
      const zeros = await pos.get("0");
      expect(zeros.dtype).toBe("uint8");
      expect(vals(await zeros.read()).every((v) => v === 0)).toBe(true);
      await expectValidStore(dir);
    });

    test("a pyramid level: levels k… are replaced, checked against level k − 1", async () => {
      const { pos, dir } = await newPosition(version);
      await pos.computePyramid({ levels: 3 });
      const l1 = pos.levelPaths[1] as string;
      const transform = [{ type: "scale" as const, scale: [1, 1, 2, 2, 2] }];
      await pos.createZeros(l1, {
        shape: [1, 2, 1, 4, 4],
        dtype: "uint16",
        transform,
        overwrite: true,
      });
      expect(pos.levelPaths).toEqual(["0", l1]);
      await expectValidStore(dir);
      // Larger than level 0: refused before anything is removed.
      const e = await untouched(dir, "ShapeMismatch", () =>
        pos.createZeros(l1, {
          shape: [1, 2, 4, 16, 16],
          dtype: "uint16",
          transform,
          overwrite: true,
        }),
      );
      expect(e.message).toContain("largest first");
    });

    test("without overwrite an existing image is AlreadyExists; bad input with overwrite removes nothing", async () => {
      const { pos, dir } = await newPosition(version);
      await pos.computePyramid({ levels: 2 });
      const e = await untouched(dir, "AlreadyExists", () => pos.createImage("0", pixels(2)));
      expect(e.message).toContain("overwrite: true");
      await untouched(dir, "ShapeMismatch", () =>
        pos.createImage("0", pixels(2, [2, 8, 8]), { overwrite: true }),
      );
      await untouched(dir, "ShapeMismatch", () =>
        pos.createImage("0", pixels(2, [1, 3, 2, 8, 8]), { overwrite: true }),
      );
      await untouched(dir, "ShapeMismatch", () =>
        pos.createImage("0", pixels(2), { overwrite: true, chunks: [1, 1, 1, 0, 8] }),
      );
      const opt = await untouched(dir, "InvalidOptions", () =>
        pos.createImage("0", pixels(2), { overwrite: "yes" as unknown as boolean }),
      );
      expect(opt.message).toContain("overwrite");
      const ro = (await openOmeZarr(dir, { layout: "fov", mode: "r" })) as Position;
      await untouched(dir, "ReadOnly", () => ro.createImage("0", pixels(2), { overwrite: true }));
    });
  });

  describe("createLabel with overwrite", () => {
    test("replaces the label, keeps the others", async () => {
      const { pos, dir } = await newPosition(version);
      await pos.createLabel("cells", labelData(1));
      await pos.createLabel("nuclei", labelData(2));
      await pos.createLabel("cells", labelData(5), { overwrite: true });
      expect(await pos.labelNames()).toEqual(["cells", "nuclei"]);
      const label = await pos.getLabel("cells");
      expect(vals(await (await label.get("0")).read()).every((v) => v === 5)).toBe(true);
      await expectValidStore(dir);
    });

    test("without overwrite AlreadyExists; a bad label with overwrite removes nothing", async () => {
      const { pos, dir } = await newPosition(version);
      await pos.createLabel("cells", labelData(1));
      const e = await untouched(dir, "AlreadyExists", () => pos.createLabel("cells", labelData(2)));
      expect(e.message).toContain("overwrite: true");
      await untouched(dir, "ShapeMismatch", () =>
        pos.createLabel(
          "cells",
          { data: new Float32Array(SIZE / 2), shape: [1, 1, 2, 8, 8] },
          { overwrite: true },
        ),
      );
      await untouched(dir, "ShapeMismatch", () =>
        pos.createLabel(
          "cells",
          { data: new Uint8Array(SIZE), shape: [1, 2, 2, 8, 8] },
          { overwrite: true },
        ),
      );
      await untouched(dir, "InvalidOptions", () =>
        pos.createLabel("cells", labelData(2), { overwrite: 1 as unknown as boolean }),
      );
    });
  });

  describe("createPosition / createWell with overwrite", () => {
    test("Well.createPosition and Plate.createPosition replace the field with an empty one", async () => {
      const { plate, dir } = await newPlate(version);
      const well = await plate.getWell("A/1");
      const fresh = await well.createPosition("1", { overwrite: true });
      expect(fresh.levelPaths).toEqual([]);
      expect(await entries(join(dir, "A", "1", "1"))).not.toContain("0");
      expect(well.positionNames()).toEqual(["0", "1"]);
      await fresh.createImage("0", { data: new Uint8Array(64).fill(7), shape: [1, 1, 1, 8, 8] });
      await expectValidStore(dir);
      const viaPlate = await plate.createPosition("B", "2", "0", { overwrite: true });
      expect(viaPlate.levelPaths).toEqual([]);
      await viaPlate.createImage("0", { data: new Uint8Array(64), shape: [1, 1, 1, 8, 8] });
      // A new field with overwrite is an ordinary create.
      await plate.createPosition("C", "3", "0", { overwrite: true });
      expect(plate.wellPaths()).toEqual(["A/1", "B/2", "C/3"]);
      await (await (await plate.getWell("C/3")).getPosition("0")).createImage("0", {
        data: new Uint8Array(64),
        shape: [1, 1, 1, 8, 8],
      });
      await expectValidStore(dir);
    });

    test("Plate.createWell replaces the well with an empty one at the same indexes", async () => {
      const { plate, dir } = await newPlate(version);
      const before = plate.metadata?.wells.find((w) => w.path === "B/2");
      const well = await plate.createWell("B", "2", { overwrite: true });
      expect(well.positionNames()).toEqual([]);
      expect(plate.metadata?.wells.find((w) => w.path === "B/2")).toEqual(before);
      expect(await entries(join(dir, "B", "2"))).not.toContain("0");
      await well.createPosition("5");
      await (await well.getPosition("5")).createImage("0", {
        data: new Uint8Array(64),
        shape: [1, 1, 1, 8, 8],
      });
      await expectValidStore(dir);
    });

    test("without overwrite AlreadyExists; bad input with overwrite removes nothing", async () => {
      const { plate, dir } = await newPlate(version);
      const well = await plate.getWell("A/1");
      await untouched(dir, "AlreadyExists", () => well.createPosition("0"));
      await untouched(dir, "AlreadyExists", () => plate.createPosition("A", "1", "0"));
      await untouched(dir, "UnsafePath", () => well.createPosition("..", { overwrite: true }));
      const acq = await untouched(dir, "InvalidOptions", () =>
        well.createPosition("0", { overwrite: true, acquisition: -1 }),
      );
      expect(acq.message).toContain("acquisition");
      await untouched(dir, "InvalidOptions", () =>
        plate.createWell("A", "1", { overwrite: "no" as unknown as boolean }),
      );
      await untouched(dir, "InvalidMetadata", () =>
        plate.createWell("A", "1", { overwrite: true, rowIndex: 5 }),
      );
      const ro = (await openOmeZarr(dir, { layout: "hcs", mode: "r" })) as Plate;
      await untouched(dir, "ReadOnly", () => ro.createWell("A", "1", { overwrite: true }));
    });
  });

  describe("Plate.createPositions with overwrite", () => {
    test("replaces the existing positions of the batch, creates the new ones", async () => {
      const { plate, dir } = await newPlate(version);
      // A/1/1 and B/2/0 exist (with an image each); A/1/2 and C/1/0 are new.
      const created = await plate.createPositions(["A/1/1", "A/1/2", "B/2/0", "C/1/0"], {
        overwrite: true,
      });
      expect(created.map((p) => p.levelPaths)).toEqual([[], [], [], []]);
      expect(await entries(join(dir, "A", "1", "1"))).not.toContain("0");
      expect(await entries(join(dir, "B", "2", "0"))).not.toContain("0");
      expect((await plate.getWell("A/1")).positionNames()).toEqual(["0", "1", "2"]);
      expect(plate.wellPaths()).toEqual(["A/1", "B/2", "C/1"]);
      // A/1/0 was not in the batch: kept with its image.
      const kept = await plate.getPosition("A/1/0");
      expect(vals(await (await kept.get("0")).read())).toEqual(new Array(64).fill(3));
      for (const p of created) {
        await p.createImage("0", { data: new Uint8Array(64).fill(9), shape: [1, 1, 1, 8, 8] });
      }
      await expectValidStore(dir);
      // Without overwrite an existing position is still an error.
      await untouched(dir, "AlreadyExists", () => plate.createPositions(["A/1/1"]));
    });

    test("bad input with overwrite removes nothing", async () => {
      const { plate, dir } = await newPlate(version);
      await untouched(dir, "InvalidOptions", () =>
        plate.createPositions(["A/1/1"], { overwrite: 1 as unknown as boolean }),
      );
      // A duplicate in the batch, an unknown acquisition, a bad index, an unsafe name, a bad
      // concurrency: each found before the existing A/1/0 is deleted.
      await untouched(dir, "AlreadyExists", () =>
        plate.createPositions(["A/1/0", "A/1/0"], { overwrite: true }),
      );
      await untouched(dir, "InvalidMetadata", () =>
        plate.createPositions(["A/1/0", { row: "B", col: "2", pos: "0", acqIndex: 4 }], {
          overwrite: true,
        }),
      );
      await untouched(dir, "InvalidMetadata", () =>
        plate.createPositions(["A/1/0", { row: "A", col: "1", pos: "3", rowIndex: 7 }], {
          overwrite: true,
        }),
      );
      await untouched(dir, "UnsafePath", () =>
        plate.createPositions(["A/1/0", "A/../0"], { overwrite: true }),
      );
      await untouched(dir, "InvalidOptions", () =>
        plate.createPositions(["A/1/0"], { overwrite: true, concurrency: 0 }),
      );
      const ro = (await openOmeZarr(dir, { layout: "hcs", mode: "r" })) as Plate;
      await untouched(dir, "ReadOnly", () => ro.createPositions(["A/1/0"], { overwrite: true }));
    });
  });

  describe("TiledPosition.makeTiles with overwrite", () => {
    test("replaces the tiled array; bad input with overwrite removes nothing", async () => {
      const { node: pos, dir } = await newStore(version, "tiled", "tiled.zarr", ["BF"]);
      const opts = {
        gridShape: [2, 2] as const,
        tileShape: [1, 1, 1, 4, 4],
        dtype: "uint16" as const,
      };
      const first = await pos.makeTiles("0", opts);
      await first.writeTile(1, 1, { data: new Uint16Array(16).fill(5), shape: [1, 1, 1, 4, 4] });
      await untouched(dir, "AlreadyExists", () => pos.makeTiles("0", opts));
      await untouched(dir, "InvalidOptions", () =>
        pos.makeTiles("0", { ...opts, overwrite: "yes" as unknown as boolean }),
      );
      await untouched(dir, "InvalidOptions", () =>
        pos.makeTiles("0", { ...opts, gridShape: [0, 2], overwrite: true }),
      );
      await untouched(dir, "InvalidOptions", () =>
        pos.makeTiles("0", { ...opts, chunkDims: 9, overwrite: true }),
      );
      await untouched(dir, "InvalidMetadata", () =>
        pos.makeTiles("0", { ...opts, dtype: "uint3" as "uint16", overwrite: true }),
      );
      const again = await pos.makeTiles("0", {
        gridShape: [3, 1],
        tileShape: [1, 1, 1, 4, 4],
        dtype: "uint8",
        overwrite: true,
      });
      expect(again.shape).toEqual([1, 1, 1, 12, 4]);
      expect(again.tiles).toEqual([3, 1]);
      expect(again.dtype).toBe("uint8");
      expect(vals(await again.read())).toEqual(new Array(48).fill(0));
      await expectValidStore(dir);
    });
  });
});
