/**
 * Broken and hostile stores: corrupt JSON and truncated metadata files, metadata that breaks
 * the spec or points outside the store, chunks and shards replaced by garbage or cut short,
 * and symlinks inside the store that point outside it. Opening, reading and writing such a
 * store must fail with a typed error naming the problem (the file, the chunk) and change no
 * byte anywhere: not in the store, and not where a symlink points. Writes never follow a
 * symlink out of the store; reads may (documented in src/store/README.md).
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { openOmeZarr } from "../../src/index.js";
import { noteReport } from "./helpers/crash.js";
import {
  buildTemplates,
  type CaseDirs,
  fov,
  type HostileCase,
  newCase,
  overwrite,
  plate,
  runCase,
  symlinkOut,
  truncate,
} from "./helpers/hostile.js";
import { tempDir } from "./helpers/tree.js";

let templates: string;
let cases: string;
beforeAll(async () => {
  templates = await tempDir("hostile-store-templates");
  cases = await tempDir("hostile-store-cases");
  await buildTemplates(templates);
}, 60_000);
afterAll(async () => {
  await fs.rm(templates, { recursive: true, force: true });
  await fs.rm(cases, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noExplicitAny: the cases edit free-form metadata JSON
async function editJson(d: CaseDirs, rel: string, fn: (j: any) => void): Promise<void> {
  const file = path.join(d.store, rel);
  const j = JSON.parse(await fs.readFile(file, "utf8"));
  fn(j);
  await fs.writeFile(file, JSON.stringify(j));
}

const garbage = Uint8Array.from({ length: 200 }, (_, i) => (i * 37 + 11) & 0xff);
const u16 = (n: number) => new Uint16Array(n).fill(9);
/** The OME attributes of a group file, whatever its version (0.5 keeps them under `ome`). */
// biome-ignore lint/suspicious/noExplicitAny: free-form metadata JSON
const omeOf = (j: any) => j.attributes?.ome ?? j;

const storeCases: HostileCase[] = [
  // ---- metadata files: corrupt, truncated, empty --------------------------------------------
  {
    what: "corrupt JSON in the root .zattrs (mode r+)",
    base: "fov04",
    prepare: (d) => overwrite(d, ".zattrs", '{"multiscales": [ {"axes": '),
    act: (d) => fov(d),
    tag: "InvalidMetadata",
    message: /\.zattrs/,
  },
  {
    what: "corrupt JSON in the root .zattrs is not 'repaired' by mode a",
    base: "fov04",
    prepare: (d) => overwrite(d, ".zattrs", "{ not json"),
    act: (d) => openOmeZarr(d.store, { layout: "fov", mode: "a", channelNames: ["x"] }),
    tag: "InvalidMetadata",
    message: /\.zattrs/,
  },
  {
    what: "a truncated root zarr.json",
    base: "fov05",
    prepare: (d) => truncate(d, "zarr.json", 40),
    act: (d) => fov(d, "a"),
    tag: "InvalidMetadata",
    message: /zarr\.json/,
  },
  {
    what: "an empty root .zattrs",
    base: "plate04",
    prepare: (d) => overwrite(d, ".zattrs", ""),
    act: (d) => plate(d),
    tag: "InvalidMetadata",
    message: /\.zattrs/,
  },
  {
    what: "a truncated .zarray of level 0 (read)",
    base: "fov04",
    prepare: (d) => truncate(d, "0/.zarray", 30),
    act: async (d) => (await fov(d)).data,
    tag: "InvalidMetadata",
    message: /0\/\.zarray/,
  },
  {
    what: "a truncated .zarray of level 0 (pyramid)",
    base: "fov04",
    prepare: (d) => truncate(d, "0/.zarray", 30),
    act: async (d) => (await fov(d)).computePyramid({ workers: 0 }),
    tag: "InvalidMetadata",
    message: /0\/\.zarray/,
  },
  {
    what: "an array zarr.json without its fields",
    base: "fov05",
    prepare: (d) => overwrite(d, "0/zarr.json", '{"zarr_format":3,"node_type":"array"}'),
    act: async (d) => (await (await fov(d)).data).write([0, 0, 0], u16(32 * 32)),
    tag: "InvalidMetadata",
    message: /0\/zarr\.json/,
  },
  {
    what: "an array of an unsupported dtype (float16)",
    base: "fov04",
    prepare: (d) => editJson(d, "0/.zarray", (j) => Object.assign(j, { dtype: "<f2" })),
    act: async (d) => (await fov(d)).data,
    tag: "InvalidMetadata",
    message: /unsupported or invalid Zarr array metadata in 0\/\.zarray[\s\S]*<f2/,
  },
  {
    what: "an array with an unknown codec",
    base: "fov05",
    prepare: (d) =>
      editJson(d, "1/zarr.json", (j) => {
        j.codecs[0].configuration.codecs[1] = { name: "snappy9", configuration: {} };
      }),
    act: async (d) => (await fov(d)).get("1"),
    tag: "Unsupported",
    message: /snappy9/,
  },
  // ---- metadata that breaks the spec, or points outside ---------------------------------------
  {
    what: "multiscales with no datasets",
    base: "fov04",
    prepare: (d) =>
      editJson(d, ".zattrs", (j) => Object.assign(j.multiscales[0], { datasets: [] })),
    act: (d) => fov(d),
    tag: "InvalidMetadata",
    message: /datasets/,
  },
  {
    what: "multiscales with six axes",
    base: "fov05",
    prepare: (d) =>
      editJson(d, "zarr.json", (j) => {
        const m = omeOf(j).multiscales[0];
        m.axes.splice(2, 0, { name: "w", type: "space" });
        for (const ds of m.datasets) ds.coordinateTransformations[0].scale.splice(2, 0, 1);
      }),
    act: (d) => fov(d),
    tag: "InvalidMetadata",
    message: /multiscales\[0\]\.axes: found 6 axes, expected between 2 and 5/,
  },
  {
    what: "a scale of NaN in the stored multiscales (JSON null)",
    base: "fov04",
    prepare: (d) =>
      editJson(d, ".zattrs", (j) => {
        j.multiscales[0].datasets[0].coordinateTransformations[0].scale[3] = null;
      }),
    act: (d) => fov(d),
    tag: "InvalidMetadata",
    message: /scale/,
  },
  {
    what: "a dataset path that climbs out of the store (pyramid)",
    base: "fov04",
    prepare: async (d) => {
      await fs.cp(path.join(d.store, "0"), path.join(d.outside, "0"), { recursive: true });
      await editJson(d, ".zattrs", (j) => {
        j.multiscales[0].datasets[0].path = "../outside/0";
      });
    },
    act: async (d) => (await fov(d)).computePyramid({ workers: 0 }),
    tag: "UnsafePath",
    message: /unsafe node path "\.\.\/outside\/0"/,
  },
  {
    what: "a plate well path that climbs out of the store",
    base: "plate04",
    prepare: (d) =>
      editJson(d, ".zattrs", (j) => {
        j.plate.wells[0].path = "../outside";
      }),
    act: (d) => plate(d),
    tag: "InvalidMetadata",
    message: /\.\.\/outside|path/,
  },
  {
    what: "a plate well whose row index disagrees with its path",
    base: "plate05",
    prepare: (d) =>
      editJson(d, "zarr.json", (j) => {
        omeOf(j).plate.wells[0].rowIndex = 1;
      }),
    act: (d) => plate(d),
    tag: "InvalidMetadata",
    message: /rowIndex|row/,
  },
  {
    what: "corrupt JSON in a well's .zattrs (createPosition in it)",
    base: "plate04",
    prepare: (d) => overwrite(d, "A/1/.zattrs", '{"well": {"images": ['),
    act: async (d) => (await plate(d)).createPosition("A", "1", "5"),
    tag: "InvalidMetadata",
    message: /A\/1\/\.zattrs/,
  },
  {
    what: "a well listing a field outside the store",
    base: "plate05",
    prepare: (d) =>
      editJson(d, "A/2/zarr.json", (j) => {
        omeOf(j).well.images[0].path = "../../outside";
      }),
    act: async (d) => (await plate(d)).getWell("A/2"),
    tag: "InvalidMetadata",
    message: /\.\.\/\.\.\/outside|path/,
  },
  // ---- chunks and shards: garbage, truncated ----------------------------------------------------
  {
    what: "a chunk replaced by garbage (read)",
    base: "fov04",
    prepare: (d) => overwrite(d, "0/0/0/0/0/0", garbage),
    act: async (d) => (await (await fov(d)).data).read([0, 0, 0]),
    tag: "InvalidMetadata",
    message: /corrupt chunk 0\/0\/0\/0\/0\/0/,
  },
  {
    what: "a chunk replaced by garbage (partial write into it)",
    base: "fov04",
    prepare: (d) => overwrite(d, "0/0/0/0/0/0", garbage),
    act: async (d) => (await (await fov(d)).data).write([0, 0, 0, [0, 4], [0, 4]], u16(16)),
    tag: "InvalidMetadata",
    message: /corrupt chunk 0\/0\/0\/0\/0\/0/,
  },
  {
    what: "a chunk replaced by garbage (pyramid names the chunk)",
    base: "fov04",
    prepare: (d) => overwrite(d, "0/0/0/1/1/1", garbage),
    act: async (d) => (await fov(d)).computePyramid({ workers: 0 }),
    tag: "WorkerTask",
    message: /corrupt chunk 0\/0\/0\/1\/1\/1/,
  },
  {
    what: "a truncated chunk",
    base: "fov04",
    prepare: (d) => truncate(d, "1/0/1/0/0/0", 20),
    act: async (d) => (await (await fov(d)).get("1")).toArray(),
    tag: "InvalidMetadata",
    message: /corrupt chunk 1\/0\/1\/0\/0\/0/,
  },
  {
    what: "a shard whose index is garbage",
    base: "fov05",
    prepare: async (d) => {
      const f = path.join(d.store, "0/c/0/0/0/0/0");
      const b = await fs.readFile(f);
      b.fill(0x5a, b.length - 40);
      await fs.writeFile(f, b);
    },
    act: async (d) => (await (await fov(d)).data).read([0, 0, [0, 2]]),
    tag: "InvalidMetadata",
    message: /0\/c\/0\/0\/0\/0\/0/,
  },
  {
    what: "a truncated shard (partial write into it)",
    base: "fov05",
    prepare: (d) => truncate(d, "0/c/0/1/0/0/1", 10),
    act: async (d) => (await (await fov(d)).data).write([0, 1, 0, [0, 4], [16, 20]], u16(16)),
    tag: "InvalidMetadata",
    message: /0\/c\/0\/1\/0\/0\/1/,
  },
  // ---- symlinks out of the store ---------------------------------------------------------------
  {
    what: "an image array that is a symlink out of the store (write)",
    base: "fov04",
    prepare: (d) => symlinkOut(d, "0"),
    act: async (d) => (await (await fov(d)).data).write([0, 0, 0], 7),
    tag: "UnsafePath",
    message: /symlink .*outside the store root/,
  },
  {
    what: "an image array that is a symlink out of the store (partial write)",
    base: "fov05",
    prepare: (d) => symlinkOut(d, "0"),
    act: async (d) => (await (await fov(d)).data).write([0, 0, 0, [1, 3], [1, 3]], u16(4)),
    tag: "UnsafePath",
    message: /symlink .*outside the store root/,
  },
  {
    what: "a pyramid level that is a symlink out of the store",
    base: "fov04",
    prepare: (d) => symlinkOut(d, "1"),
    act: async (d) => (await fov(d)).computePyramid({ workers: 0 }),
    tag: "WorkerTask",
    message: /symlink .*outside the store root/,
  },
  {
    what: "a plate row that is a symlink out of the store (createPosition)",
    base: "plate04",
    prepare: (d) => symlinkOut(d, "A"),
    act: async (d) => (await plate(d)).createPosition("A", "1", "7"),
    tag: "UnsafePath",
    message: /symlink .*outside the store root/,
  },
  {
    what: "a plate row that is a symlink out of the store (new well in it)",
    base: "plate05",
    prepare: (d) => symlinkOut(d, "B"),
    act: async (d) => (await plate(d)).createPositions(["B/4/0"]),
    tag: "UnsafePath",
    message: /symlink .*outside the store root/,
  },
  {
    what: "a well that is a symlink out of the store (new field in it)",
    base: "plate04",
    prepare: (d) => symlinkOut(d, "A/2"),
    act: async (d) => (await plate(d)).createPosition("A", "2", "7"),
    tag: "UnsafePath",
    message: /symlink .*outside the store root/,
  },
  {
    what: "a labels group that is a symlink out of the store",
    base: "fov04",
    prepare: (d) => symlinkOut(d, "labels"),
    act: async (d) => (await fov(d)).createLabel("nuclei", { shape: [1, 4, 32, 32] }),
    tag: "UnsafePath",
    message: /symlink .*outside the store root/,
  },
  {
    what: "a file where a chunk directory should be",
    base: "fov04",
    prepare: async (d) => {
      await fs.rm(path.join(d.store, "0/0/1"), { recursive: true });
      await fs.writeFile(path.join(d.store, "0/0/1"), "not a directory");
    },
    act: async (d) => (await (await fov(d)).data).write([0, 1], 3),
    tag: "Unsupported",
    message: /0\/0\/1.*is a file/,
  },
];

test.each(storeCases.map((c) => [c.what, c] as const))("%s", async (_, c) => {
  await runCase(c, await newCase(templates, cases, c.base));
});

test("counts", async () => {
  expect(storeCases.length).toBeGreaterThanOrEqual(30);
  await noteReport({ suite: "hostile-store", cases: storeCases.length });
});
