/**
 * End to end, for NGFF 0.4 and 0.5: build a plate on disk (wells, positions, images), close it,
 * reopen it and read back the same data and metadata; snapshot every metadata file written and
 * validate every OME document against the spec models.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { NgffVersion, NodeContext } from "../../../src/nodes/context.js";
import { Plate } from "../../../src/nodes/plate/plate.js";
import { openOmeZarr } from "../../../src/open.js";
import { openLocalStore } from "../../../src/store/index.js";
import { validateOmeObject } from "../../../src/validate/ome.js";
import { validateStore } from "../../../src/validate/store.js";
import { dumpStore } from "./plate-helpers.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ngff-plate-e2e-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const SHAPE = [1, 2, 3, 8, 8];
const PATHS = ["B/10/0", "A/1/0", "A/1/1", "B/2/0", "A/2/0"];

function pixels(i: number): Uint16Array {
  const a = new Uint16Array(SHAPE.reduce((x, y) => x * y, 1));
  for (let k = 0; k < a.length; k++) a[k] = (k * 7 + i * 1000) % 65536;
  return a;
}

async function ctxFor(version: NgffVersion): Promise<NodeContext> {
  const store = await openLocalStore(join(dir, "plate.zarr"), { create: true });
  return { store, path: "", format: version === "0.4" ? 2 : 3, version, mode: "w-" };
}

describe.each(["0.4", "0.5"] as const)("hcs plate, NGFF %s", (version) => {
  test("create → close → reopen reads back equal data and metadata", async () => {
    const plate = await Plate.create(await ctxFor(version), {
      channelNames: ["DAPI", "GFP"],
      name: "screen",
    });
    const created = await plate.createPositions(PATHS);
    for (const [i, pos] of created.entries()) {
      await pos.createImage("0", { data: pixels(i), shape: SHAPE }, { chunks: [1, 1, 3, 4, 4] });
    }
    await plate.dumpMeta({ fieldCount: true });
    const writtenMeta = plate.metadata;
    await plate.close();

    const node = await openOmeZarr(join(dir, "plate.zarr"), { layout: "auto" });
    expect(node).toBeInstanceOf(Plate);
    const reopened = node as Plate;
    expect(reopened.mode).toBe("r");
    expect(reopened.version).toBe(version);
    expect(reopened.channelNames).toEqual(["DAPI", "GFP"]);
    expect(reopened.axes.map((a) => a.name)).toEqual(["T", "C", "Z", "Y", "X"]);
    expect(reopened.metadata).toEqual(writtenMeta);
    expect(reopened.metadata?.field_count).toBe(2);
    const seen: string[] = [];
    for await (const [path, pos] of reopened.positions()) {
      seen.push(path);
      const i = PATHS.indexOf(path);
      const arr = await (await pos.data).read();
      expect(arr.shape).toEqual(SHAPE);
      expect(Array.from(arr.data as Uint16Array)).toEqual(Array.from(pixels(i)));
      expect(pos.channelNames).toEqual(["DAPI", "GFP"]);
    }
    expect(seen).toEqual(["A/1/0", "A/1/1", "A/2/0", "B/2/0", "B/10/0"]);

    // every metadata file, as written (text, so key order is part of the snapshot)
    const all = await dumpStore(reopened.ctx.store);
    const metaKeys = [...all.keys()]
      .filter((k) => /(^|\/)(\.zattrs|\.zgroup|\.zarray|zarr\.json)$/.test(k))
      .sort();
    expect(metaKeys).toMatchSnapshot("metadata file list");
    for (const key of metaKeys) {
      const text = await readFile(join(dir, "plate.zarr", key), "utf8");
      await expect(text).toMatchFileSnapshot(
        `__file_snapshots__/plate-e2e-${version}/${key.replaceAll("/", "__")}`,
      );
      const doc = JSON.parse(text) as Record<string, unknown>;
      const attrs = version === "0.4" ? doc : ((doc.attributes ?? {}) as Record<string, unknown>);
      const isOme =
        version === "0.4"
          ? key.endsWith(".zattrs") && Object.keys(attrs).length > 0
          : "ome" in attrs;
      if (isOme) {
        expect(() => validateOmeObject(doc, { version })).not.toThrow();
      }
    }
    const report = await validateStore(join(dir, "plate.zarr"));
    expect(report.issues).toEqual([]);
    expect(report).toMatchObject({ ok: true, version, kind: "plate" });
    // the plate, wells and positions each validate, the strict plate schema included
    const root = JSON.parse(
      await readFile(join(dir, "plate.zarr", version === "0.4" ? ".zattrs" : "zarr.json"), "utf8"),
    );
    expect(validateOmeObject(root, { version }).kind).toBe("plate");
    const well = JSON.parse(
      await readFile(
        join(dir, "plate.zarr", "A/1", version === "0.4" ? ".zattrs" : "zarr.json"),
        "utf8",
      ),
    );
    expect(validateOmeObject(well, { version, strict: true }).kind).toBe("well");
  });
});
