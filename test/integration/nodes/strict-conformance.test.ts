/**
 * Strict conformance by default: every store kind written with default options — fov with a
 * pyramid and labels, tiled, hcs plate with acquisitions, and the function-style writers — ×
 * NGFF 0.4 and 0.5 (and sharded 0.5) passes the official `strict_*` JSON schemas of its version
 * (checked with the schema files themselves, through test/unit/validate/json-schema.ts), our
 * zod models in strict mode, and `validateStore(…, { strict: true })`. The SHOULD fields are
 * also asserted one by one.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { NgffVersion, NodeContext } from "../../../src/nodes/context.js";
import { Plate } from "../../../src/nodes/plate/plate.js";
import { openOmeZarr } from "../../../src/open.js";
import { openLocalStore } from "../../../src/store/index.js";
import { validateOmeObject } from "../../../src/validate/ome.js";
import { validateStore } from "../../../src/validate/store.js";
import {
  writeImage,
  writeLabelMetadata,
  writeLabels,
  writeMultiscale,
  writeMultiscaleLabels,
  writePlateMetadata,
  writeWellMetadata,
} from "../../../src/writers.js";
import { ngff } from "../../fixtures/cli/run.js";
import { SchemaSet } from "../../unit/validate/json-schema.js";
import { metadataFiles, tempDir } from "./open-helpers.js";

const SCHEMAS = { "0.4": new SchemaSet("0.4"), "0.5": new SchemaSet("0.5") };
const VERSION = (
  JSON.parse(await readFile(new URL("../../../package.json", import.meta.url), "utf8")) as {
    version: string;
  }
).version;

type Doc = { file: string; attrs: Record<string, unknown>; ome: Record<string, unknown> };

/** Every group metadata document with OME keys under `dir`: attributes and the OME part. */
async function omeDocs(dir: string): Promise<Doc[]> {
  const out: Doc[] = [];
  for (const f of await metadataFiles(dir)) {
    const name = f.split("/").pop();
    const doc = JSON.parse(await readFile(join(dir, f), "utf8")) as Record<string, unknown>;
    let attrs: Record<string, unknown> | undefined;
    if (name === ".zattrs") attrs = doc;
    else if (name === "zarr.json" && doc.node_type === "group")
      attrs = doc.attributes as Record<string, unknown>;
    if (attrs === undefined) continue;
    const ome = (name === ".zattrs" ? attrs : attrs.ome) as Record<string, unknown> | undefined;
    if (ome === undefined || Object.keys(ome).length === 0) continue;
    out.push({ file: f, attrs, ome });
  }
  return out;
}

/** The official schemas that apply to a document (labels groups have none). */
function schemasFor(ome: Record<string, unknown>): string[] {
  if ("plate" in ome) return ["strict_plate"];
  if ("well" in ome) return ["strict_well"];
  if ("image-label" in ome) return ["strict_label", "strict_image"];
  if ("multiscales" in ome) return ["strict_image"];
  return [];
}

/**
 * The whole check of one store: each document against its strict JSON schemas and our strict
 * models, the SHOULD fields one by one, and validateStore in strict mode. Returns the kinds seen.
 */
async function expectStrict(dir: string, version: NgffVersion): Promise<Set<string>> {
  const kinds = new Set<string>();
  for (const { file, attrs, ome } of await omeDocs(dir)) {
    for (const schema of schemasFor(ome)) {
      kinds.add(schema);
      expect(SCHEMAS[version].validate(schema, attrs), `${file} vs ${schema}`).toEqual([]);
    }
    if (!("labels" in ome) || "multiscales" in ome) {
      expect(() => validateOmeObject(attrs, { version, strict: true }), file).not.toThrow();
    }
    for (const m of (ome.multiscales as Record<string, unknown>[] | undefined) ?? []) {
      expect(typeof m.name, `${file} multiscales[].name`).toBe("string");
      expect(typeof m.type, `${file} multiscales[].type`).toBe("string");
      const meta = m.metadata as Record<string, unknown>;
      expect(meta, `${file} multiscales[].metadata`).toMatchObject({
        method: m.type,
        library: "ngff-writer",
        version: VERSION,
      });
      if (version === "0.4") expect(m.version).toBe("0.4");
    }
    const il = ome["image-label"] as Record<string, unknown> | undefined;
    if (il !== undefined) {
      expect((il.colors as unknown[]).length, `${file} image-label.colors`).toBeGreaterThan(0);
      expect(il.colors).toContainEqual({ "label-value": 0, rgba: [0, 0, 0, 0] });
      if (version === "0.4") expect(il.version).toBe("0.4");
    }
    const plate = ome.plate as Record<string, unknown> | undefined;
    if (plate !== undefined) {
      expect(typeof plate.name, `${file} plate.name`).toBe("string");
      for (const a of (plate.acquisitions as Record<string, unknown>[] | undefined) ?? []) {
        expect(typeof a.name, `${file} acquisition name`).toBe("string");
        expect(a.maximumfieldcount, `${file} maximumfieldcount`).toBeGreaterThan(0);
      }
      if (version === "0.4") expect(plate.version).toBe("0.4");
    }
    const well = ome.well as Record<string, unknown> | undefined;
    if (well !== undefined && version === "0.4") expect(well.version).toBe("0.4");
  }
  const result = await validateStore(dir, { strict: true });
  expect(result.issues).toEqual([]);
  return kinds;
}

const CASES = [
  { version: "0.4", sharded: false },
  { version: "0.5", sharded: false },
  { version: "0.5", sharded: true },
] as const;

function ramp(n: number, mod: number): Uint16Array {
  return new Uint16Array(n).map((_, i) => (i * 7) % mod);
}

describe.each(CASES)(
  "NGFF $version (sharded: $sharded), default options",
  ({ version, sharded }) => {
    const shardsRatio = sharded ? [1, 1, 1, 2, 2] : undefined;

    test("fov with a pyramid and labels (5-D, without channel, empty, precomputed)", async () => {
      const dir = join(await tempDir(), "fov.ome.zarr");
      const shape = [2, 2, 3, 16, 16];
      const n = shape.reduce((a, b) => a * b);
      await using pos = await openOmeZarr(dir, {
        layout: "fov",
        mode: "w",
        channelNames: ["DAPI", "GFP"],
        version,
      });
      await pos.createImage(
        "0",
        { data: ramp(n, 4001), shape },
        { chunks: [1, 1, 3, 8, 8], ...(shardsRatio ? { shardsRatio } : {}) },
      );
      await pos.computePyramid({ levels: 3, workers: 0 });
      const five = new Uint32Array(n / 2).map((_, i) => (i >> 4) % 5);
      await pos.createLabel("five", { data: five, shape: [2, 1, 3, 16, 16] }, { workers: 0 });
      await pos.createLabel("four", { data: five, shape: [2, 3, 16, 16] }, { workers: 0 });
      await pos.createLabel("empty", { shape: [1, 1, 3, 16, 16], dtype: "uint8" });
      const l0 = new Uint8Array(2 * 3 * 16 * 16).fill(1);
      const l1 = new Uint8Array(2 * 2 * 8 * 8).fill(1);
      const l2 = new Uint8Array(2 * 1 * 4 * 4).fill(1);
      await pos.createLabel("pre", [
        { data: l0, shape: [2, 3, 16, 16] },
        { data: l1, shape: [2, 2, 8, 8] },
        { data: l2, shape: [2, 1, 4, 4] },
      ]);
      const kinds = await expectStrict(dir, version);
      expect([...kinds].sort()).toEqual(["strict_image", "strict_label"]);
      const label = await pos.getLabel("five");
      expect(label.multiscale?.type).toBe("mode");
      expect((await pos.getLabel("empty")).multiscale?.type).toBe("mode");
      expect((await pos.getLabel("pre")).multiscale?.type).toBe("unknown");
    });

    test("tiled", async () => {
      const dir = join(await tempDir(), "tiled.zarr");
      await using pos = await openOmeZarr(dir, {
        layout: "tiled",
        mode: "w",
        channelNames: ["BF"],
        version,
      });
      const tiles = await pos.makeTiles("0", {
        gridShape: [2, 2],
        tileShape: [1, 1, 1, 8, 8],
        dtype: "uint16",
      });
      for (let r = 0; r < 2; r++)
        for (let c = 0; c < 2; c++)
          await tiles.writeTile(r, c, {
            data: new Uint16Array(64).fill(r + c),
            shape: [1, 1, 1, 8, 8],
          });
      expect([...(await expectStrict(dir, version))]).toEqual(["strict_image"]);
    });

    test("hcs plate with acquisitions (plate API and openOmeZarr defaults)", async () => {
      const dir = join(await tempDir(), "screen.ome.zarr");
      const store = await openLocalStore(dir, { create: true });
      const ctx: NodeContext = {
        store,
        path: "",
        format: version === "0.4" ? 2 : 3,
        version,
        mode: "w-",
      };
      const plate = await Plate.create(ctx, {
        channelNames: ["BF"],
        acquisitions: [{ id: 0 }, { id: 1, name: "second pass" }],
      });
      const positions = await plate.createPositions([
        { row: "A", col: "1", pos: "0" },
        { row: "A", col: "1", pos: "1", acqIndex: 1 },
        { row: "B", col: "2", pos: "0", acqIndex: 1 },
      ]);
      await plate.createPosition("B", "2", "1", { acqIndex: 1 });
      await plate.addAcquisition({ id: 2 });
      await plate.createPosition("A", "1", "2", { acqIndex: 2 });
      for (const p of [
        ...positions,
        await plate.getPosition("B/2/1"),
        await plate.getPosition("A/1/2"),
      ]) {
        await p.createImage("0", { data: ramp(2 * 64, 500), shape: [1, 1, 2, 8, 8] });
      }
      const meta = plate.metadata!;
      expect(meta.name).toBe("screen");
      expect(meta.acquisitions).toEqual([
        { id: 0, name: "Acquisition 0", maximumfieldcount: 1 },
        { id: 1, name: "second pass", maximumfieldcount: 2 },
        { id: 2, name: "Acquisition 2", maximumfieldcount: 1 },
      ]);
      expect([...(await expectStrict(dir, version))].sort()).toEqual([
        "strict_image",
        "strict_plate",
        "strict_well",
      ]);

      const dir2 = join(await tempDir(), "plate2.zarr");
      await using p2 = await openOmeZarr(dir2, {
        layout: "hcs",
        mode: "w",
        channelNames: ["BF"],
        version,
      });
      const [a] = await p2.createPositions(["C/3/0"]);
      await a!.createImage("0", { data: ramp(64, 9), shape: [1, 1, 1, 8, 8] });
      expect(p2.metadata?.name).toBe("plate2");
      await expectStrict(dir2, version);
    });

    test("function-style writers", async () => {
      const dir = join(await tempDir(), "written.zarr");
      await writeImage({ data: ramp(2 * 32 * 32, 300), shape: [2, 32, 32] }, dir, {
        axes: "cyx",
        fmt: version,
        scaler: { levels: 3, workers: 0 },
      });
      await writeLabels({ data: new Uint16Array(32 * 32).fill(2), shape: [32, 32] }, dir, "a", {
        scaler: { levels: 3, workers: 0 },
      });
      await writeMultiscaleLabels(
        [
          { data: new Uint8Array(32 * 32).fill(1), shape: [1, 32, 32] },
          { data: new Uint8Array(16 * 16).fill(1), shape: [1, 16, 16] },
          { data: new Uint8Array(8 * 8).fill(1), shape: [1, 8, 8] },
        ],
        dir,
        "b",
      );
      await writeLabelMetadata(dir, "b", {
        colors: { 0: [0, 0, 0, 0], 1: [1, 2, 3] },
        properties: [{ labelValue: 1, kind: "x" }],
      });
      await expectStrict(dir, version);

      const dir2 = join(await tempDir(), "multi.zarr");
      await writeMultiscale(
        [
          { data: ramp(16 * 16, 50), shape: [16, 16] },
          { data: ramp(8 * 8, 50), shape: [8, 8] },
        ],
        dir2,
        { fmt: version },
      );
      await expectStrict(dir2, version);

      const dir3 = join(await tempDir(), "hcs.ome.zarr");
      await writePlateMetadata(dir3, ["A"], ["1"], ["A/1"], {
        fmt: version,
        acquisitions: [{ id: 0, maximumfieldcount: 1 }],
      });
      await writeWellMetadata({ store: await openLocalStore(dir3), path: "A/1" }, ["0"], {
        fmt: version,
      });
      await writeImage(
        { data: ramp(64, 9), shape: [8, 8] },
        { store: await openLocalStore(dir3), path: "A/1/0" },
        {
          fmt: version,
          scaler: null,
        },
      );
      await expectStrict(dir3, version);
    });
  },
);

describe("strict validation reports SHOULD-level gaps", () => {
  test.each(["0.4", "0.5"] as const)(
    "NGFF %s: a store without the SHOULD fields opens, and is valid but not strict",
    async (version) => {
      const dir = join(await tempDir(), "plain.zarr");
      {
        await using pos = await openOmeZarr(dir, {
          layout: "fov",
          mode: "w",
          channelNames: ["A"],
          version,
        });
        await pos.createImage("0", { data: new Uint8Array(64), shape: [1, 1, 1, 8, 8] });
      }
      // Strip name/type/metadata as another tool might write it.
      const file = join(dir, version === "0.4" ? ".zattrs" : "zarr.json");
      const doc = JSON.parse(await readFile(file, "utf8"));
      const ms = (version === "0.4" ? doc : doc.attributes.ome).multiscales[0];
      delete ms.name;
      delete ms.type;
      delete ms.metadata;
      const { writeFile } = await import("node:fs/promises");
      await writeFile(file, JSON.stringify(doc));
      expect((await validateStore(dir)).issues).toEqual([]);
      const strict = await validateStore(dir, { strict: true });
      expect(strict.ok).toBe(false);
      expect(strict.issues.map((i) => i.code)).toEqual([
        "missing_key",
        "missing_key",
        "missing_key",
      ]);
      // `ngff validate --strict` reports them as errors (exit 1); without --strict it is valid.
      expect((await ngff("validate", dir)).code).toBe(0);
      const cli = await ngff("validate", "--strict", dir);
      expect(cli.code).toBe(1);
      expect(cli.stdout).toContain("3 problems");
      for (const key of ["name", "type", "metadata"]) {
        expect(cli.stdout).toContain(`missing required key "${key}" [missing_key]`);
      }
      await using pos = await openOmeZarr(dir, { layout: "fov" });
      expect(pos.levelPaths).toEqual(["0"]);
      expect(pos.multiscale?.type).toBe("none"); // what a rewrite would record
    },
  );
});
