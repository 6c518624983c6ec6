/**
 * End to end per layout (fov, tiled) × version (0.4, 0.5): write, close, reopen, read back the
 * same pixels and metadata; every metadata file written is snapshotted, and every group's OME
 * attributes validate.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import ndarray from "ndarray";
import { describe, expect, test } from "vitest";
import type { NgffVersion } from "../../../src/nodes/context.js";
import { Position } from "../../../src/nodes/position.js";
import { TiledPosition } from "../../../src/nodes/tiled-position.js";
import { openOmeZarr } from "../../../src/open.js";
import { expectValidStore, metadataFiles, tempDir, validateGroups, vals } from "./open-helpers.js";

const VERSIONS: NgffVersion[] = ["0.4", "0.5"];

async function snapshotMetadata(dir: string, name: string): Promise<string[]> {
  const files = await metadataFiles(dir);
  for (const f of files) {
    const text = await readFile(join(dir, f), "utf8");
    await expect(text).toMatchFileSnapshot(
      `./__snapshots__/open-roundtrip/${name}/${f.replaceAll("/", "__")}`,
    );
  }
  return files;
}

describe.each(VERSIONS)("NGFF %s", (version) => {
  test("fov: image, transforms, contrast, pyramid, label → reopen with auto", async () => {
    const dir = join(await tempDir(), "fov.zarr");
    const shape = [2, 2, 3, 16, 20];
    const data = new Uint16Array(shape.reduce((a, b) => a * b)).map((_, i) => (i * 7) % 4001);
    const labelData = new Uint32Array(2 * 3 * 16 * 20).map((_, i) => (i >> 5) % 4);
    {
      await using pos = await openOmeZarr(dir, {
        layout: "fov",
        mode: "w",
        channelNames: ["DAPI", "GFP"],
        version,
      });
      const img = await pos.createImage("0", ndarray(data, shape));
      expect(img.chunks).toEqual([1, 1, 3, 16, 20]);
      await pos.setScale("0", "z", 0.5);
      await pos.setScale("*", "T", 60);
      await pos.setContrastLimits("GFP", { start: 10, end: 900, min: 0, max: 4000 });
      await pos.computePyramid({ levels: 3, workers: 0 });
      await pos.createLabel(
        "cells",
        { data: labelData, shape: [2, 3, 16, 20] },
        {
          colors: { 1: [255, 0, 0], 2: [0, 255, 0, 128] },
          properties: [
            { "label-value": 1, class: "nucleus" },
            { labelValue: 2, class: "cytoplasm" },
          ],
          workers: 0,
        },
      );
    }
    const files = await snapshotMetadata(dir, `fov-${version}`);
    expect(files.length).toBeGreaterThan(5);
    expect((await validateGroups(dir)).length).toBe(3); // image, labels group, label image
    await expectValidStore(dir);

    await using pos = await openOmeZarr(dir); // auto, mode "r"
    expect(pos).toBeInstanceOf(Position);
    if (!(pos instanceof Position)) return;
    expect(pos.version).toBe(version);
    expect(pos.channelNames).toEqual(["DAPI", "GFP"]);
    expect(pos.axisNames).toEqual(["t", "c", "z", "y", "x"]);
    expect(pos.scale).toEqual([60, 1, 0.5, 1, 1]);
    expect(pos.getEffectiveScale("2")).toEqual([60, 1, 2, 4, 4]);
    expect(pos.levelPaths).toEqual(["0", "1", "2"]);
    expect(pos.multiscale?.type).toBe("mean");
    expect(pos.omero?.channels[1]?.window).toEqual({ start: 10, end: 900, min: 0, max: 4000 });
    const back = await (await pos.data).toArray();
    expect(back.shape).toEqual(shape);
    expect(vals(back)).toEqual(Array.from(data));
    expect((await pos.get("2")).shape).toEqual([2, 2, 1, 4, 5]);
    expect(await pos.labelNames()).toEqual(["cells"]);
    const label = await pos.getLabel("cells");
    expect(label.levelPaths).toEqual(["0", "1", "2"]);
    expect(label.colors).toEqual([
      { "label-value": 1, rgba: [255, 0, 0, 255] },
      { "label-value": 2, rgba: [0, 255, 0, 128] },
    ]);
    expect(label.properties).toEqual([
      { "label-value": 1, class: "nucleus" },
      { "label-value": 2, class: "cytoplasm" },
    ]);
    expect(label.getEffectiveScale("1")).toEqual([60, 1, 1, 2, 2]);
    expect(label.axisNames).toEqual(pos.axisNames);
    expect(vals(await (await label.data).toArray())).toEqual(Array.from(labelData));
    expect(await pos.printTree()).toMatchSnapshot();
  });

  test("tiled: tiles written one by one → reopen as tiled", async () => {
    const dir = join(await tempDir(), "tiled.zarr");
    const tile = (r: number, c: number) => new Uint16Array(2 * 8 * 8).fill(r * 10 + c);
    {
      await using pos = await openOmeZarr(dir, {
        layout: "tiled",
        mode: "w",
        channelNames: ["BF", "GFP"],
        version,
      });
      const tiles = await pos.makeTiles("0", {
        gridShape: [2, 3],
        tileShape: [1, 2, 1, 8, 8],
        dtype: "uint16",
      });
      expect(tiles.shape).toEqual([1, 2, 1, 16, 24]);
      expect(tiles.tiles).toEqual([2, 3]);
      for (let r = 0; r < 2; r++)
        for (let c = 0; c < 3; c++)
          await tiles.writeTile(r, c, { data: tile(r, c), shape: [1, 2, 1, 8, 8] });
    }
    await snapshotMetadata(dir, `tiled-${version}`);
    expect((await validateGroups(dir)).length).toBe(1);
    await expectValidStore(dir);
    await using pos = await openOmeZarr(dir, { layout: "tiled" });
    expect(pos).toBeInstanceOf(TiledPosition);
    const tiles = await pos.data;
    expect(tiles.tileShape).toEqual([1, 1, 1, 8, 8]);
    for (let r = 0; r < 2; r++) {
      for (let c = 0; c < 3; c++) {
        const t = await tiles.getTile(r, c);
        expect(t.shape).toEqual([1, 2, 1, 8, 8]);
        expect(vals(t)).toEqual(Array.from(tile(r, c)));
      }
    }
    const one = await tiles.getTile(1, 2, [0, 1, 0]);
    expect(one.shape).toEqual([8, 8]);
    expect(one.get(0, 0)).toBe(12);
  });
});
