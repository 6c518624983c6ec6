/**
 * bioformats2raw collections: create (series images under the root's `bioformats2raw.layout`
 * marker, `OME/series`, `OME/METADATA.ome.xml`), reopen with layout "auto", iterate the series
 * as positions; strict validation; bad input leaves every file byte-identical.
 */
import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterEach, describe, expect, test } from "vitest";
import {
  AlreadyExistsError,
  Collection,
  InvalidMetadataError,
  InvalidOptionsError,
  NotFoundError,
  openOmeZarr,
  Position,
  ReadOnlyError,
  UnsafePathError,
  validateStore,
} from "../../../src/index.js";
import type { NgffVersion } from "../../../src/nodes/context.js";
import { TEMP_NAME_PATTERN } from "../../../src/store/index.js";
import { LOCK_NAME_PATTERN } from "../../../src/store/lock.js";

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), "ngff-collection-"));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/**
 * relative path → sha256 of every file under `dir`, lock files excepted (scratch: a lock file
 * lingers after its holder released it and is removed when idle).
 */
async function digest(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (d: string): Promise<void> => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (LOCK_NAME_PATTERN.test(e.name) || TEMP_NAME_PATTERN.test(e.name)) continue;
      else
        out[relative(dir, p)] = createHash("sha256")
          .update(await readFile(p))
          .digest("hex");
    }
  };
  await walk(dir);
  return out;
}

const XML =
  '<?xml version="1.0" encoding="UTF-8"?>\n<OME xmlns="http://www.openmicroscopy.org/Schemas/OME/2016-06"><Image ID="Image:0"/></OME>\n';

async function makeCollection(dir: string, version: NgffVersion): Promise<void> {
  await using col = await openOmeZarr(dir, {
    layout: "bf2raw",
    mode: "w-",
    channelNames: ["DAPI", "GFP"],
    version,
    omeXml: XML,
  });
  expect(col).toBeInstanceOf(Collection);
  for (let s = 0; s < 3; s++) {
    const pos = await col.createSeries(s === 2 ? { channelNames: ["only"] } : {});
    const c = s === 2 ? 1 : 2;
    const shape = [1, c, 2, 8 + s, 10];
    const data = new Uint16Array(shape.reduce((a, b) => a * b)).map((_, i) => (i * (s + 3)) % 999);
    await pos.createImage("0", { data, shape });
    await pos.computePyramid({ levels: 2, workers: 0 });
  }
}

describe.each(["0.4", "0.5"] as NgffVersion[])("NGFF %s", (version) => {
  test("create, reopen with auto, iterate; strict validation", async () => {
    const dir = join(await tempDir(), "col.zarr");
    await makeCollection(dir, version);

    // layout on disk
    const names = await readdir(dir);
    expect(names).toEqual(expect.arrayContaining(["0", "1", "2", "OME"]));
    expect(await readFile(join(dir, "OME", "METADATA.ome.xml"), "utf8")).toBe(XML);
    if (version === "0.4") {
      const root = JSON.parse(await readFile(join(dir, ".zattrs"), "utf8"));
      expect(root).toEqual({ "bioformats2raw.layout": 3 });
      const ome = JSON.parse(await readFile(join(dir, "OME", ".zattrs"), "utf8"));
      expect(ome).toEqual({ series: ["0", "1", "2"] });
    } else {
      const root = JSON.parse(await readFile(join(dir, "zarr.json"), "utf8"));
      expect(root.attributes).toEqual({ ome: { version: "0.5", "bioformats2raw.layout": 3 } });
      const ome = JSON.parse(await readFile(join(dir, "OME", "zarr.json"), "utf8"));
      expect(ome.attributes).toEqual({ ome: { version: "0.5", series: ["0", "1", "2"] } });
    }

    const strict = await validateStore(dir, { strict: true });
    expect(strict.issues).toEqual([]);
    expect(strict.kind).toBe("bf2raw");
    expect(strict.version).toBe(version);

    await using col = await openOmeZarr(dir);
    expect(col).toBeInstanceOf(Collection);
    if (!(col instanceof Collection)) return;
    expect(col.version).toBe(version);
    expect(col.seriesNames).toEqual(["0", "1", "2"]);
    expect(await col.omeXml()).toBe(XML);
    const seen: string[] = [];
    for await (const [name, pos] of col.series()) {
      expect(pos).toBeInstanceOf(Position);
      seen.push(name);
      const img = await pos.data;
      expect(img.shape).toEqual([1, name === "2" ? 1 : 2, 2, 8 + Number(name), 10]);
      expect(pos.channelNames).toEqual(name === "2" ? ["only"] : ["DAPI", "GFP"]);
      expect(await pos.get("1")).toBeDefined();
    }
    expect(seen).toEqual(["0", "1", "2"]);
    const second = await col.get(1);
    expect(second.path).toBe("1");
    const arr = await (await col.get("1")).data;
    const back = await arr.read([0, 1, 1, null, null]);
    expect(back.shape).toEqual([9, 10]);

    // opened as bf2raw explicitly, in mode "a": the next series is 3
    await using more = await openOmeZarr(dir, { layout: "bf2raw", mode: "a" });
    const s3 = await more.createSeries({ channelNames: ["x"] });
    expect(s3.path).toBe("3");
    await s3.createImage("0", { data: new Uint8Array(40), shape: [1, 1, 1, 4, 10] });
    expect(more.seriesNames).toEqual(["0", "1", "2", "3"]);
    expect((await validateStore(dir, { strict: true })).issues).toEqual([]);
  });

  test("a collection without a series list reads its numbered groups", async () => {
    const dir = join(await tempDir(), "plain.zarr");
    await makeCollection(dir, version);
    // Drop the OME group's list (bioformats2raw without "series"): numbered groups are read.
    await rm(join(dir, "OME"), { recursive: true });
    await using col = await openOmeZarr(dir, { layout: "auto" });
    if (!(col instanceof Collection)) throw new Error("expected a collection");
    expect(col.seriesNames).toEqual(["0", "1", "2"]);
    expect(col.listed).toBe(false);
    expect(await col.omeXml()).toBeUndefined();
  });

  test("bad input: typed errors, every file byte-identical", async () => {
    const dir = join(await tempDir(), "bad.zarr");
    await makeCollection(dir, version);
    const before = await digest(dir);
    {
      await using col = await openOmeZarr(dir, { layout: "bf2raw", mode: "r+" });
      await expect(col.createSeries({ index: 1 })).rejects.toBeInstanceOf(AlreadyExistsError);
      await expect(col.createSeries({ index: -1 })).rejects.toBeInstanceOf(InvalidOptionsError);
      await expect(col.createSeries({ index: 1.5 })).rejects.toBeInstanceOf(InvalidOptionsError);
      await expect(col.createSeries({ channelNames: ["a", "a"] })).rejects.toBeInstanceOf(
        InvalidMetadataError,
      );
      await expect(col.get("../0")).rejects.toBeInstanceOf(UnsafePathError);
      await expect(col.get("a/b")).rejects.toBeInstanceOf(UnsafePathError);
      await expect(col.get(7)).rejects.toBeInstanceOf(NotFoundError);
      await expect(col.get("OME")).rejects.toBeInstanceOf(NotFoundError);
      // @ts-expect-error: not a string
      await expect(col.writeOmeXml(42)).rejects.toBeInstanceOf(InvalidOptionsError);
    }
    {
      await using ro = await openOmeZarr(dir, { layout: "bf2raw", mode: "r" });
      await expect(ro.createSeries()).rejects.toBeInstanceOf(ReadOnlyError);
      await expect(ro.writeOmeXml("<OME/>")).rejects.toBeInstanceOf(ReadOnlyError);
      const pos = await ro.get(0);
      await expect(
        pos.createImage("9", { data: new Uint8Array(1), shape: [1, 1, 1, 1, 1] }),
      ).rejects.toBeInstanceOf(ReadOnlyError);
    }
    // a collection opened as something else, and a collection that exists
    await expect(openOmeZarr(dir, { layout: "fov", mode: "r" })).rejects.toMatchObject({
      _tag: "LayoutMismatch",
    });
    await expect(openOmeZarr(dir, { layout: "hcs", mode: "r" })).rejects.toMatchObject({
      _tag: "LayoutMismatch",
    });
    await expect(
      openOmeZarr(dir, { layout: "bf2raw", mode: "w-", version }),
    ).rejects.toBeInstanceOf(AlreadyExistsError);
    await expect(
      // @ts-expect-error: omeXml must be a string
      openOmeZarr(dir, { layout: "bf2raw", mode: "a", omeXml: 3 }),
    ).rejects.toBeInstanceOf(InvalidOptionsError);
    await expect(
      openOmeZarr(dir, { layout: "fov", mode: "a", omeXml: XML, channelNames: ["a"] }),
    ).rejects.toBeInstanceOf(InvalidOptionsError);
    const after = await digest(dir);
    expect(Object.keys(after).filter((k) => !(k in before))).toEqual([]);
    expect(after).toEqual(before);
  });
});

test("a series group left unlisted by a killed createSeries is adopted", async () => {
  const dir = join(await tempDir(), "adopt.zarr");
  {
    await using col = await openOmeZarr(dir, {
      layout: "bf2raw",
      mode: "w-",
      channelNames: ["a"],
    });
    await col.createSeries();
  }
  // what a kill between the group and the list leaves: an empty group "1", not listed
  await mkdirGroup(join(dir, "1"));
  await using col = await openOmeZarr(dir, {
    layout: "bf2raw",
    mode: "r+",
    channelNames: ["a"],
  });
  expect(col.seriesNames).toEqual(["0"]);
  const pos = await col.createSeries();
  expect(pos.path).toBe("1");
  expect(col.seriesNames).toEqual(["0", "1"]);
});

async function mkdirGroup(path: string): Promise<void> {
  const { mkdir, writeFile } = await import("node:fs/promises");
  await mkdir(path, { recursive: true });
  await writeFile(join(path, ".zattrs"), "{}\n");
  await writeFile(join(path, ".zgroup"), '{\n    "zarr_format": 2\n}\n');
}
