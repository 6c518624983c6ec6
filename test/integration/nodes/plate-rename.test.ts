/** renameWell moves only the named well (iohub moves the whole row), on disk and in memory. */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import type { NgffVersion, NodeContext } from "../../../src/nodes/context.js";
import { plateIssues } from "../../../src/nodes/plate/meta.js";
import { Plate } from "../../../src/nodes/plate/plate.js";
import { openLocalStore } from "../../../src/store/index.js";
import { validateOmeObject } from "../../../src/validate/ome.js";
import { validateStore } from "../../../src/validate/store.js";
import { attrsKey, countingStore } from "./plate-helpers.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ngff-plate-rename-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function ctxFor(
  version: NgffVersion,
  mode: NodeContext["mode"] = "w-",
): Promise<NodeContext> {
  const store = await openLocalStore(join(dir, "p.zarr"), { create: true });
  return { store, path: "", format: version === "0.4" ? 2 : 3, version, mode };
}

/** A plate with wells A/1, A/2, A/3 and B/1, one position each holding a distinct image. */
async function build(version: NgffVersion): Promise<Plate> {
  const plate = await Plate.create(await ctxFor(version), { channelNames: ["c"] });
  const paths = ["A/1/0", "A/2/0", "A/3/0", "B/1/0"];
  const positions = await plate.createPositions(paths);
  for (const [i, pos] of positions.entries()) {
    await pos.createImage("0", { data: new Uint8Array(4).fill(i + 1), shape: [1, 1, 1, 2, 2] });
  }
  return plate;
}

async function firstPixel(plate: Plate, path: string): Promise<number> {
  const pos = await plate.getPosition(path);
  return (await (await pos.data).read()).data[0] as number;
}

describe.each(["0.4", "0.5"] as const)("NGFF %s", (version) => {
  test("renaming one well of a row moves only that well", async () => {
    const plate = await build(version);
    const { store, counts } = countingStore((await ctxFor(version)).store);
    const p = await Plate.open({ ...(await ctxFor(version, "r+")), store });
    counts.sets.clear();
    await p.renameWell("A/2", "C/5");
    expect(counts.sets.get(attrsKey("", version))).toBe(1);
    expect(p.wellPaths()).toEqual(["A/1", "A/3", "B/1", "C/5"]);
    expect(await readdir(join(dir, "p.zarr", "A"))).not.toContain("2");
    expect(await readdir(join(dir, "p.zarr", "A"))).toEqual(expect.arrayContaining(["1", "3"]));
    expect(await firstPixel(p, "C/5/0")).toBe(2);
    expect(await firstPixel(p, "A/1/0")).toBe(1);
    expect(await firstPixel(p, "A/3/0")).toBe(3);
    const meta = p.metadata!;
    expect(meta.rows.map((r) => r.name)).toEqual(["A", "B", "C"]);
    expect(meta.columns.map((c) => c.name)).toEqual(["1", "3", "5"]);
    expect(plateIssues(meta)).toEqual([]);

    // reopened from disk: same wells, same data; metadata validates
    const again = await Plate.open(await ctxFor(version, "r"));
    expect(again.metadata).toEqual(meta);
    expect(await firstPixel(again, "C/5/0")).toBe(2);
    const rootDoc = await (await ctxFor(version, "r")).store.get(attrsKey("", version));
    expect(validateOmeObject(JSON.parse(Buffer.from(rootDoc!).toString()), { version }).kind).toBe(
      "plate",
    );
    await plate.close();
    expect((await validateStore(join(dir, "p.zarr"))).issues).toEqual([]);
  });

  test("moving the last well out of a row removes the emptied row group", async () => {
    const plate = await build(version);
    await plate.renameWell("B/1", "D/1");
    const top = await readdir(join(dir, "p.zarr"));
    expect(top).not.toContain("B");
    expect(top).toContain("D");
    expect(plate.rowNames()).toEqual(["A", "D"]);
    expect(plate.metadata?.rows.map((r) => r.name)).toEqual(["A", "D"]);
    expect(await firstPixel(plate, "D/1/0")).toBe(4);
    expect((await validateStore(join(dir, "p.zarr"))).issues).toEqual([]);
  });

  test("renaming within a row keeps the row", async () => {
    const plate = await build(version);
    await plate.renameWell("A/1", "A/12");
    expect(plate.wellPaths()).toEqual(["A/2", "A/3", "A/12", "B/1"]);
    expect(plate.metadata?.columns.map((c) => c.name)).toEqual(["1", "2", "3", "12"]);
    expect(await firstPixel(plate, "A/12/0")).toBe(1);
    expect(plateIssues(plate.metadata!)).toEqual([]);
    expect((await validateStore(join(dir, "p.zarr"))).issues).toEqual([]);
  });
});
