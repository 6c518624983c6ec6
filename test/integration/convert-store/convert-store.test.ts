/**
 * convertStore: whole stores 0.4 → 0.5 → 0.4 (fov with pyramid and labels, plate, collection,
 * sharded 0.5), pixels equal, strict-valid in the target version, dimension_names on v3 only;
 * bad input → typed errors and nothing written.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import {
  AlreadyExistsError,
  Collection,
  convertStore,
  InvalidMetadataError,
  InvalidOptionsError,
  NotFoundError,
  openOmeZarr,
  Plate,
} from "../../../src/index.js";
import type { NgffVersion } from "../../../src/nodes/context.js";
import {
  digest,
  expectSamePixels,
  expectStrictValid,
  writeCollection,
  writeFov,
  writePlate,
} from "./helpers.js";

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "ngff-convert-store-"));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** a → other version → back; each step strict-valid, pixels equal, no partial left. */
async function roundTrip(
  root: string,
  src: string,
  from: NgffVersion,
  workers: number,
): Promise<{ mid: string; back: string }> {
  const to: NgffVersion = from === "0.4" ? "0.5" : "0.4";
  const mid = join(root, `mid-${to}.zarr`);
  const back = join(root, `back-${from}.zarr`);
  const progress: number[] = [];
  const r1 = await convertStore(src, mid, {
    version: to,
    workers,
    onProgress: (p) => progress.push(p.done),
  });
  expect(r1.from).toBe(from);
  expect(r1.to).toBe(to);
  expect(r1.blocks).toBeGreaterThan(0);
  expect(progress.at(-1)).toBe(r1.blocks);
  await expectStrictValid(mid, to);
  await expectSamePixels(src, mid);
  await convertStore(new URL(`file://${mid}`), back, { version: from, workers });
  await expectStrictValid(back, from);
  await expectSamePixels(src, back);
  expect((await readdir(root)).filter((n) => n.includes(".partial-"))).toEqual([]);
  return { mid, back };
}

describe.each(["0.4", "0.5"] as NgffVersion[])("from NGFF %s", (from) => {
  test("fov with pyramid and labels (pool)", async () => {
    const root = await tempDir();
    const src = join(root, "fov.zarr");
    await writeFov(src, from);
    const { mid, back } = await roundTrip(root, src, from, 2);
    await using pos = await openOmeZarr(mid, { layout: "fov" });
    expect(pos.version).toBe(from === "0.4" ? "0.5" : "0.4");
    expect(pos.channelNames).toEqual(["DAPI", "GFP"]);
    expect(await pos.labelNames()).toEqual(["cells"]);
    // The metadata comes back as it was (0.4 → 0.5 → 0.4, or 0.5 → 0.4 → 0.5).
    const meta = from === "0.4" ? ".zattrs" : "zarr.json";
    for (const f of [meta, `labels/${meta}`, `labels/cells/${meta}`]) {
      const a = JSON.parse(await readFile(join(src, f), "utf8"));
      const b = JSON.parse(await readFile(join(back, f), "utf8"));
      expect(b, f).toEqual(a);
    }
  });

  test("plate with acquisitions (in-process)", async () => {
    const root = await tempDir();
    const src = join(root, "plate.zarr");
    await writePlate(src, from);
    const { mid } = await roundTrip(root, src, from, 0);
    await using plate = await openOmeZarr(mid);
    expect(plate).toBeInstanceOf(Plate);
    if (!(plate instanceof Plate)) return;
    expect(plate.metadata?.wells.map((w) => w.path)).toEqual(["A/1", "B/2"]);
    expect(plate.acquisitions.map((a) => a.id)).toEqual([0, 1]);
  });

  test("bioformats2raw collection (OME-XML passed through)", async () => {
    const root = await tempDir();
    const src = join(root, "col.zarr");
    await writeCollection(src, from);
    const { mid } = await roundTrip(root, src, from, 0);
    await using col = await openOmeZarr(mid);
    expect(col).toBeInstanceOf(Collection);
    if (!(col instanceof Collection)) return;
    expect(col.seriesNames).toEqual(["0", "1"]);
    expect(await col.omeXml()).toBe(await readFile(join(src, "OME", "METADATA.ome.xml"), "utf8"));
  });
});

test("a sharded 0.5 source: 0.4 gets its inner chunks; a 0.5 copy stays sharded", async () => {
  const root = await tempDir();
  const src = join(root, "sharded.zarr");
  await writeFov(src, "0.5", { shardsRatio: [1, 1, 1, 2, 2] });
  const v4 = join(root, "v4.zarr");
  await convertStore(src, v4, { version: "0.4", workers: 2 });
  await expectStrictValid(v4, "0.4");
  const arrays = await expectSamePixels(src, v4);
  expect(arrays).toContain("0");
  const zarray = JSON.parse(await readFile(join(v4, "0", ".zarray"), "utf8"));
  expect(zarray.chunks).toEqual([1, 1, 2, 16, 16]);
  // and the sharded source re-encoded as sharded 0.5 (same version: a copy)
  const copy = join(root, "copy.zarr");
  await convertStore(src, copy, { version: "0.5", workers: 0 });
  await expectStrictValid(copy, "0.5");
  await expectSamePixels(src, copy);
  const meta = JSON.parse(await readFile(join(copy, "0", "zarr.json"), "utf8"));
  expect(meta.codecs[0].name).toBe("sharding_indexed");
  const group = JSON.parse(await readFile(join(copy, "zarr.json"), "utf8"));
  const axes = group.attributes.ome.multiscales[0].axes.map((a: { name: string }) => a.name);
  expect(meta.dimension_names).toEqual(axes);
});

describe("bad input: typed errors, nothing written", () => {
  test("dst exists, unknown version, bad workers, not OME-Zarr, missing", async () => {
    const root = await tempDir();
    const src = join(root, "fov.zarr");
    await writeFov(src, "0.4");
    const dst = join(root, "taken.zarr");
    await mkdir(dst);
    await writeFile(join(dst, "keep.txt"), "mine");
    const plain = join(root, "plain.zarr");
    await mkdir(plain);
    await writeFile(join(plain, ".zgroup"), '{"zarr_format": 2}');
    await writeFile(join(plain, ".zattrs"), '{"hello": 1}');
    const before = await digest(root);

    await expect(convertStore(src, dst, { version: "0.5", workers: 0 })).rejects.toBeInstanceOf(
      AlreadyExistsError,
    );
    await expect(
      convertStore(src, join(root, "x.zarr"), { version: "0.6" as NgffVersion }),
    ).rejects.toBeInstanceOf(InvalidOptionsError);
    await expect(
      convertStore(src, join(root, "x.zarr"), { version: "0.5", workers: -1 }),
    ).rejects.toBeInstanceOf(InvalidOptionsError);
    await expect(
      convertStore(plain, join(root, "x.zarr"), { version: "0.5" }),
    ).rejects.toBeInstanceOf(InvalidMetadataError);
    await expect(
      convertStore(join(root, "missing.zarr"), join(root, "x.zarr"), { version: "0.5" }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      convertStore(src, join(root, "no", "such", "dir.zarr"), { version: "0.5" }),
    ).rejects.toBeInstanceOf(NotFoundError);
    // overwrite is guarded by ".zarr" in the path
    await mkdir(join(root, "folder"));
    await expect(
      convertStore(src, join(root, "folder"), { version: "0.5", overwrite: true }),
    ).rejects.toBeInstanceOf(AlreadyExistsError);
    await rm(join(root, "folder"), { recursive: true });
    expect(await digest(root)).toEqual(before);
    expect(await readdir(root)).toEqual(["fov.zarr", "plain.zarr", "taken.zarr"]);
  });

  test("overwrite replaces dst only when the new store is complete; abort leaves it", async () => {
    const root = await tempDir();
    const src = join(root, "fov.zarr");
    await writeFov(src, "0.4");
    const dst = join(root, "out.zarr");
    await convertStore(src, dst, { version: "0.5", workers: 0 });
    const first = await digest(dst);
    const controller = new AbortController();
    controller.abort(new Error("stop"));
    await expect(
      convertStore(src, dst, {
        version: "0.4",
        overwrite: true,
        workers: 0,
        signal: controller.signal,
      }),
    ).rejects.toThrow("stop");
    expect(await digest(dst)).toEqual(first);
    expect((await readdir(root)).sort()).toEqual(["fov.zarr", "out.zarr"]);
    await convertStore(src, dst, { version: "0.4", overwrite: true, workers: 0 });
    await expectStrictValid(dst, "0.4");
    expect((await readdir(root)).sort()).toEqual(["fov.zarr", "out.zarr"]);
  });
});
