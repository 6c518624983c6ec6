/**
 * Plate.fromPositions (disabled in iohub) assembles a new plate from positions of other stores:
 * chunks byte for byte when versions match, re-encoded when they differ; every check first.
 */
import { access, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { isOmeZarrError } from "../../../src/errors.js";
import type { NgffVersion, NodeContext } from "../../../src/nodes/context.js";
import { Plate } from "../../../src/nodes/plate/plate.js";
import { Position } from "../../../src/nodes/position.js";
import { openOmeZarr } from "../../../src/open.js";
import { openLocalStore } from "../../../src/store/index.js";
import { validateStore } from "../../../src/validate/store.js";
import { dumpStore } from "./plate-helpers.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ngff-from-positions-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const SHAPE = [1, 2, 1, 6, 5];

function pixels(seed: number): Uint16Array {
  const a = new Uint16Array(60);
  for (let i = 0; i < a.length; i++) a[i] = seed * 100 + i;
  return a;
}

async function ctx(name: string, version: NgffVersion): Promise<NodeContext> {
  const store = await openLocalStore(join(dir, name), { create: true });
  return { store, path: "", format: version === "0.4" ? 2 : 3, version, mode: "w-" };
}

/** An FOV store with an image (2 chunks per plane) and a label image. */
async function fov(version: NgffVersion): Promise<Position> {
  const pos = await Position.create(await ctx("fov.zarr", version), {
    channelNames: ["DAPI", "GFP"],
  });
  await pos.createImage("0", { data: pixels(1), shape: SHAPE }, { chunks: [1, 1, 1, 3, 5] });
  await pos.createLabel("cells", { data: new Uint32Array(30).fill(3), shape: [1, 1, 6, 5] });
  return pos;
}

/** An HCS store with two positions. */
async function hcs(version: NgffVersion): Promise<Plate> {
  const plate = await Plate.create(await ctx("hcs.zarr", version), {
    channelNames: ["DAPI", "GFP"],
  });
  const [a, b] = await plate.createPositions(["A/1/0", "A/1/1"]);
  await a!.createImage("0", { data: pixels(2), shape: SHAPE });
  await b!.createImage("0", { data: pixels(3), shape: SHAPE });
  return plate;
}

async function pixelsOf(plate: Plate, path: string): Promise<number[]> {
  const pos = await plate.getPosition(path);
  return Array.from((await (await pos.data).read()).data as Uint16Array);
}

describe.each([
  ["0.4", "0.4"],
  ["0.5", "0.5"],
  ["0.4", "0.5"],
  ["0.5", "0.4"],
] as const)("sources %s → plate %s", (from, to) => {
  test("copies images, labels and metadata; the new plate validates", async () => {
    const single = await fov(from);
    const source = await hcs(from);
    const positions = {
      "B/3/0": single,
      "A/1/0": await source.getPosition("A/1/0"),
      "A/1/5": await source.getPosition("A/1/1"),
    };
    const target = join(dir, "new.zarr");
    const plate = await Plate.fromPositions(target, positions, { version: to, name: "combined" });
    expect(plate.version).toBe(to);
    expect(plate.wellPaths()).toEqual(["A/1", "B/3"]);
    expect(plate.metadata?.name).toBe("combined");

    const reopened = (await openOmeZarr(target, { layout: "auto" })) as Plate;
    expect(reopened.channelNames).toEqual(["DAPI", "GFP"]);
    expect(await pixelsOf(reopened, "B/3/0")).toEqual(Array.from(pixels(1)));
    expect(await pixelsOf(reopened, "A/1/0")).toEqual(Array.from(pixels(2)));
    expect(await pixelsOf(reopened, "A/1/5")).toEqual(Array.from(pixels(3)));
    const moved = await reopened.getPosition("B/3/0");
    expect(moved.omero?.name).toBe("0");
    expect(await moved.labelNames()).toEqual(["cells"]);
    const label = await moved.getLabel("cells");
    expect(Array.from((await (await label.data).read()).data as Uint32Array)).toEqual(
      new Array(30).fill(3),
    );
    const report = await validateStore(target);
    expect(report.issues).toEqual([]);
    expect(report.version).toBe(to);

    if (from === to) {
      // chunk files byte for byte
      const src = await dumpStore(single.ctx.store);
      const dst = await dumpStore(reopened.ctx.store, "B/3/0");
      let chunks = 0;
      for (const [key, value] of src) {
        if (/(\.zattrs|\.zgroup|\.zarray|zarr\.json)$/.test(key)) continue;
        expect(dst.get(`B/3/0/${key}`), key).toBe(value);
        chunks++;
      }
      expect(chunks).toBeGreaterThanOrEqual(3);
    } else {
      const arr = JSON.parse(
        Buffer.from(
          (await reopened.ctx.store.get(to === "0.5" ? "B/3/0/0/zarr.json" : "B/3/0/0/.zarray"))!,
        ).toString(),
      );
      if (to === "0.5") expect(arr.dimension_names).toEqual(["T", "C", "Z", "Y", "X"]);
      else expect(arr.dimension_separator).toBe("/");
      expect(arr.chunks ?? arr.chunk_grid.configuration.chunk_shape).toEqual([1, 1, 1, 3, 5]);
    }
  });
});

describe("bad input", () => {
  test.each([
    ["no positions", () => ({}), "InvalidMetadata"],
    [
      "a key that is not row/column/field",
      async () => ({ "A/1": await fov("0.4") }),
      "InvalidMetadata",
    ],
    ["an unsafe key", async () => ({ "../1/0": await fov("0.4") }), "UnsafePath"],
    [
      "positions with other channels",
      async () => {
        const p = await Position.create(await ctx("other.zarr", "0.4"), { channelNames: ["X"] });
        await p.createImage("0", { data: new Uint16Array(30), shape: [1, 1, 1, 6, 5] });
        return { "A/1/0": await fov("0.4"), "A/1/1": p };
      },
      "InvalidMetadata",
    ],
  ] as const)("%s → typed error, no target written", async (_n, make, tag) => {
    const target = join(dir, "new.zarr");
    let error: unknown;
    try {
      await Plate.fromPositions(target, (await make()) as Record<string, Position>);
    } catch (e) {
      error = e;
    }
    expect(isOmeZarrError(error, tag), String(error)).toBe(true);
    await expect(access(target)).rejects.toThrow();
  });

  test("an existing target → AlreadyExists, target untouched", async () => {
    const source = await fov("0.4");
    await Plate.fromPositions(join(dir, "new.zarr"), { "A/1/0": source });
    const before = await dumpStore(await openLocalStore(join(dir, "new.zarr")));
    await expect(
      Plate.fromPositions(join(dir, "new.zarr"), { "B/1/0": source }),
    ).rejects.toMatchObject({
      _tag: "AlreadyExists",
    });
    expect(await dumpStore(await openLocalStore(join(dir, "new.zarr")))).toEqual(before);
  });
});
