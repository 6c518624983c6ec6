/**
 * Regression tests for the bugs the reliability suites found. For the crash suite
 * (crash-*.test.ts) each reproduces, in process and without killing anything, the exact state
 * a SIGKILLed writer left, and checks that rerunning the job's next call now completes.
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  type CodecSpec,
  createArray,
  isOmeZarrError,
  openOmeZarr,
  Plate,
  type Position,
  validateStore,
  writeMultiscalesMetadata,
  writeWellMetadata,
} from "../../src/index.js";
import { createGroup, openLocalStore } from "../../src/store/index.js";
import { digestTree, tempDir } from "./helpers/tree.js";

let root: string;
beforeEach(async () => {
  root = await tempDir("regress");
});
afterEach(() => fs.rm(root, { recursive: true, force: true }));

const image = (seed: number) => ({
  data: Uint16Array.from({ length: 2 * 4 * 8 }, (_, i) => (i * 7 + seed) & 0xfff),
  shape: [1, 2, 1, 4, 8],
});

describe("createImage after a kill between the array and the multiscales write", () => {
  // What happened: the crash suite killed `createImage("0", …)` after the array's metadata (and
  // some chunks) were written but before the position's `multiscales` listed it. Rerunning the
  // job called `createImage("0", …)` again, which refused with AlreadyExistsError ("delete it
  // first") — and the public API has no way to delete an array, so the job could never finish.
  // Why: `_createLevel` treated any node at the name as taken. Fix: an unlisted array with the
  // very geometry asked for (shape, dtype, chunks, shards) is the leftover of that interrupted
  // create, and is replaced; anything else still refuses.
  test.each(["0.4", "0.5"] as const)("NGFF %s: the leftover array is replaced", async (version) => {
    const dir = path.join(root, `fov-${version}.zarr`);
    const fresh = path.join(root, `fresh-${version}`, `fov-${version}.zarr`);
    for (const d of [dir, fresh]) {
      await using pos = await openOmeZarr(d, {
        layout: "fov",
        mode: "w-",
        channelNames: ["a", "b"],
        version,
      });
      if (d === dir) {
        // The state the kill left: array "0" (same geometry, stale data), no multiscales.
        const store = await openLocalStore(d);
        const a = await createArray(store, "0", version === "0.4" ? 2 : 3, {
          shape: [1, 2, 1, 4, 8],
          dtype: "uint16",
          chunks: [1, 1, 1, 4, 4],
          ...(version === "0.5" ? { dimensionNames: ["t", "c", "z", "y", "x"] } : {}),
        });
        await a.writeRegion(a.blockRegion([0, 0, 0, 0, 0]), new Uint16Array(16).fill(999));
      }
      await (pos as Position).createImage("0", image(1), { chunks: [1, 1, 1, 4, 4] });
    }
    expect((await validateStore(dir)).issues).toEqual([]);
    expect(await digestTree(dir)).toEqual(await digestTree(fresh));
  });

  test("an unlisted array of another geometry is still refused, untouched", async () => {
    const dir = path.join(root, "other.zarr");
    const pos = (await openOmeZarr(dir, {
      layout: "fov",
      mode: "w-",
      channelNames: ["a", "b"],
    })) as Position;
    const store = await openLocalStore(dir);
    await createArray(store, "0", 2, {
      shape: [1, 2, 1, 4, 9],
      dtype: "uint16",
      chunks: [1, 1, 1, 4, 4],
    });
    const before = await digestTree(dir);
    const err = await pos.createImage("0", image(1), { chunks: [1, 1, 1, 4, 4] }).catch((e) => e);
    expect(isOmeZarrError(err, "AlreadyExists")).toBe(true);
    expect(await digestTree(dir)).toEqual(before);
  });
});

describe("creating a position or well again after a kill between group and metadata", () => {
  // What happened: the crash suite killed `well.createPosition("0")` after the position's group
  // was created but before the well metadata listed it (and `createPositions` / `createWell`
  // after the well groups were created but before the plate metadata listed them). The resumed
  // job asked for the same position and got AlreadyExistsError ("pick another field name"), so
  // it could never finish without deleting groups by hand.
  // Why: an unlisted group at the name counted as taken, even though it held nothing. Fix: an
  // unlisted group with no attributes and nothing below it (a position), or holding only such
  // groups and at most its `well` metadata (a well), is adopted; anything holding data still
  // refuses (src/nodes/leftovers.ts).
  async function newPlate(dir: string): Promise<Plate> {
    return (await openOmeZarr(dir, {
      layout: "hcs",
      mode: "w-",
      channelNames: ["a", "b"],
    })) as Plate;
  }

  test("Well.createPosition adopts an empty unlisted position group", async () => {
    const dir = path.join(root, "p.zarr");
    const plate = await newPlate(dir);
    const well = await plate.createWell("A", "1");
    await well.createPosition("0");
    await createGroup(await openLocalStore(dir), "A/1/1", 2); // killed before the well metadata
    const pos = await well.createPosition("1");
    await pos.createImage("0", image(2));
    await (await well.getPosition("0")).createImage("0", image(3));
    expect(well.positionNames()).toEqual(["0", "1"]);
    expect((await validateStore(dir)).issues).toEqual([]);
  });

  test("createPositions adopts empty unlisted well, position and row groups", async () => {
    const dir = path.join(root, "q.zarr");
    const plate = await newPlate(dir);
    await plate.createPositions(["A/1/0"]);
    // Killed after the groups of the next batch (and one well's metadata), before the plate's.
    const store = await openLocalStore(dir);
    for (const g of ["B", "B/2", "B/2/0", "B/2/1", "A/3", "A/3/0"]) await createGroup(store, g, 2);
    await store.set("B/2/.zattrs", new TextEncoder().encode('{"well":{"images":[{"path":"0"}]}}'));
    // A v2 position group killed between its `.zattrs` and its `.zgroup` (found by the suite
    // once locks slowed the batch down: "a group already exists at C/1 …").
    await store.set("B/2/2/.zattrs", new TextEncoder().encode("{}"));
    const made = await plate.createPositions(["A/1/1", "A/3/0", "B/2/0", "B/2/1", "B/2/2"]);
    expect(made).toHaveLength(5);
    expect(plate.wellPaths()).toEqual(["A/1", "A/3", "B/2"]);
    expect((await plate.getWell("B/2")).positionNames()).toEqual(["0", "1", "2"]);
    for await (const [, pos] of plate.positions()) await pos.createImage("0", image(4));
    expect((await validateStore(dir)).issues).toEqual([]);
  });

  test("a group holding data is never adopted", async () => {
    const dir = path.join(root, "r.zarr");
    const plate = await newPlate(dir);
    const store = await openLocalStore(dir);
    await createGroup(store, "C/4/0", 2, {}, { parents: true });
    await createArray(store, "C/4/0/0", 2, { shape: [4], dtype: "uint8", chunks: [4] });
    const before = await digestTree(dir);
    for (const attempt of [
      () => plate.createPositions(["C/4/0"]),
      () => plate.createWell("C", "4"),
    ]) {
      const err = await attempt().catch((e) => e);
      expect(isOmeZarrError(err, "AlreadyExists")).toBe(true);
    }
    expect(await digestTree(dir)).toEqual(before);
  });
});

describe("reopening a new store killed before its first image", () => {
  // What happened: the crash suite killed the image job right after
  // `openOmeZarr(dir, { layout: "fov", mode: "a" })` had created the store (an empty root
  // group) and before `createImage` wrote `multiscales`. The rerun opened the same path with
  // the same options and got LayoutMismatchError: "layout fov does not match … (keys [])".
  // The same happened to anyone who created a FOV store and reopened it before writing an
  // image. Why: open treated "no multiscales" as "another layout". Fix: a root group with no
  // OME keys at all opens as the layout asked for (as an empty plate already did for "hcs").
  test.each(["0.4", "0.5"] as const)("NGFF %s", async (version) => {
    const dir = path.join(root, `empty-${version}.zarr`);
    const opts = { layout: "fov", channelNames: ["a", "b"], version } as const;
    await (await openOmeZarr(dir, { ...opts, mode: "w-" })).close();
    const pos = await openOmeZarr(dir, { ...opts, mode: "a" });
    await pos.createImage("0", image(5));
    expect((await validateStore(dir)).issues).toEqual([]);
    // A group with other OME metadata is still refused.
    const err = await openOmeZarr(dir, { layout: "hcs", mode: "a" }).catch((e) => e);
    expect(isOmeZarrError(err, "LayoutMismatch")).toBe(true);
  });
});

describe("a plate reopened without channel names, then a position added to its first well", () => {
  // What happened: in the concurrency suite each writer process opened the shared plate with
  // `openOmeZarr(dir, { layout: "hcs", mode: "r+" })` and called `createPosition("A", "1", …)`:
  // InvalidMetadataError "channelNames: found []". Any single process reopening a plate this way
  // hit it too. Why: `Plate.open` learns the channel names from the first position, but it
  // opens (and caches) that position's well before it knows them, so the cached well handed
  // `[]` to every position created in it. Fix: the wells opened while learning the first
  // position's channel names and axes take them once learned (kept cached: one read each).
  test.each(["0.4", "0.5"] as const)("NGFF %s", async (version) => {
    const dir = path.join(root, `reopen-${version}.zarr`);
    const plate = (await openOmeZarr(dir, {
      layout: "hcs",
      mode: "w-",
      channelNames: ["DAPI", "GFP"],
      version,
    })) as Plate;
    const [first] = await plate.createPositions(["A/1/0"]);
    await first!.createImage("0", image(6));
    const reopened = (await openOmeZarr(dir, { layout: "hcs", mode: "r+" })) as Plate;
    expect(reopened.channelNames).toEqual(["DAPI", "GFP"]);
    const pos = await reopened.createPosition("A", "1", "1");
    expect(pos.channelNames).toEqual(["DAPI", "GFP"]);
    await pos.createImage("0", image(7));
    expect((await validateStore(dir)).issues).toEqual([]);
  });
});

describe("function-style writers and unsafe paths", () => {
  // What happened: the hostile-input suite fed every unsafe name to every place that takes one.
  // `writeMultiscalesMetadata(group, [{ path: "../evil", … }])` wrote the path into
  // `multiscales` without a word — as it did "/abs", ".zattrs" or "" — so readers resolving the
  // dataset (our pyramid included) would reach outside the image group. `writeWellMetadata`
  // listed a 300-byte field name no file system can create. Why: the writers validated the
  // metadata's shape (zod) but not its paths, unlike the node API. Fix: dataset paths go
  // through assertSafePath, field paths through the plate's name check (UnsafePathError).
  test.each(["../evil", "/abs", ".zattrs", "", "a/../../b"])("dataset path %j", async (p) => {
    const dir = path.join(root, "w.zarr");
    const err = await writeMultiscalesMetadata(
      dir,
      [{ path: p, coordinateTransformations: [{ type: "scale", scale: [1, 1] }] }],
      { axes: "yx" },
    ).catch((e) => e);
    expect(isOmeZarrError(err, "UnsafePath")).toBe(true);
    await expect(fs.stat(dir)).rejects.toThrow(); // nothing created
  });

  test("a field name longer than a file name can be", async () => {
    const dir = path.join(root, "well.zarr");
    const err = await writeWellMetadata(dir, ["0", "x".repeat(300)]).catch((e) => e);
    expect(isOmeZarrError(err, "UnsafePath")).toBe(true);
    expect(err.message).toContain("longer than 255 bytes");
    await expect(fs.stat(dir)).rejects.toThrow();
  });
});

describe("a truncated chunk", () => {
  // What happened: the hostile-store suite cut a blosc chunk of a finished image short (as a
  // torn write on a network file system leaves it) and read the array: no error, and the
  // pixels were garbage — silently. Cutting even one byte did it. Why: c-blosc's decompress
  // trusts the compressed size in the frame header and reads past the end of the buffer it was
  // given (wasm memory), and our own frame decoder handed such frames to c-blosc. Fix: a frame
  // shorter than its header says is refused before any decoder runs, so the read fails with
  // InvalidMetadataError "corrupt chunk <key>; rewrite or delete it". Every codec is checked.
  const codecs: CodecSpec[] = [
    { name: "blosc" },
    { name: "blosc", cname: "zstd", shuffle: "bitshuffle" },
    { name: "blosc", cname: "zlib" },
    { name: "zstd" },
    { name: "lz4" },
    { name: "gzip" },
    { name: "zlib" },
    { name: "none" },
  ];
  test.each(codecs.flatMap((c) => ([2, 3] as const).map((f) => [f, c] as const)))(
    "Zarr v%i, %j",
    async (format, codec) => {
      const store = await openLocalStore(path.join(root, "t"), { create: true });
      const a = await createArray(store, "a", format, {
        shape: [64, 64],
        dtype: "uint16",
        chunks: [64, 64],
        codec,
      });
      await a.writeRegion(
        [
          [0, 64],
          [0, 64],
        ],
        Uint16Array.from({ length: 4096 }, (_, k) => (k * 7) % 1000),
      );
      const file = path.join(store.root!, format === 2 ? "a/0/0" : "a/c/0/0");
      const whole = await fs.readFile(file);
      for (const n of [whole.length - 1, whole.length >> 1, 20]) {
        await fs.writeFile(file, whole.subarray(0, n));
        const err = await a.readRegion(a.blockRegion([0, 0])).catch((e) => e);
        expect(isOmeZarrError(err, "InvalidMetadata"), `cut to ${n} bytes`).toBe(true);
        expect(err.message).toContain("corrupt chunk a/");
      }
    },
  );
});

describe("a stored multiscales that breaks the axes rules", () => {
  // What happened: the hostile-store suite edited a finished image's metadata to six axes (the
  // spec allows 2 to 5; here 4 of them space axes) with matching scales. `openOmeZarr(…, "r+")`
  // opened it without a word, ready to write more metadata through it; only validateStore
  // noticed. Why: axes given to the API are checked (checkAxes), but `parseMultiscales` only
  // checked that stored axes had names. Fix: stored axes go through the same rules on open, and
  // the error lists each (InvalidMetadataError, located at multiscales[0].axes).
  test("six axes, four of them space", async () => {
    const dir = path.join(root, "six.zarr");
    await (
      await openOmeZarr(dir, { layout: "fov", mode: "w-", channelNames: ["a", "b"] })
    ).createImage("0", image(8));
    const file = path.join(dir, ".zattrs");
    const attrs = JSON.parse(await fs.readFile(file, "utf8"));
    attrs.multiscales[0].axes.splice(2, 0, { name: "w", type: "space" });
    attrs.multiscales[0].datasets[0].coordinateTransformations[0].scale.splice(2, 0, 1);
    await fs.writeFile(file, JSON.stringify(attrs));
    const err = await openOmeZarr(dir, { layout: "fov", mode: "r+" }).catch((e) => e);
    expect(isOmeZarrError(err, "InvalidMetadata")).toBe(true);
    expect(err.message).toContain("multiscales[0].axes: found 6 axes, expected between 2 and 5");
    expect(err.message).toContain('found 4 axes of type "space", expected 2 or 3');
  });
});

describe("two processes creating the same plate with mode a", () => {
  // What happened: reviewing what the concurrency suite's "plate they all create (mode a)" case
  // relies on: when two acquisition processes start together, both may find no plate and both
  // create it. `Plate.create` wrote the root group with attributes `{}` even when the group
  // existed — so a process that came second wiped the `plate` metadata the first had already
  // written (its wells vanished from the plate; the groups stayed on disk, unlisted). Why:
  // "create" meant "reset attributes". Fix: creating a plate keeps the attributes of a group
  // that appeared meanwhile (under the plate's lock), and its first update merges onto them.
  test.each(["0.4", "0.5"] as const)(
    "NGFF %s: the second create keeps the first one's wells",
    async (version) => {
      const dir = path.join(root, `race-${version}.zarr`);
      const first = (await openOmeZarr(dir, {
        layout: "hcs",
        mode: "w-",
        channelNames: ["c"],
        version,
      })) as Plate;
      await first.createPositions(["A/1/0"]);
      // The second process's probe ran before the first created anything: it creates too.
      const second = await Plate.create(
        {
          store: await openLocalStore(dir),
          path: "",
          format: version === "0.4" ? 2 : 3,
          version,
          mode: "a",
        },
        { channelNames: ["c"] },
      );
      await second.createPositions(["B/1/0"]);
      const reopened = (await openOmeZarr(dir, { layout: "hcs", mode: "r" })) as Plate;
      expect(reopened.wellPaths()).toEqual(["A/1", "B/1"]);
    },
  );
});

describe("mode a on a directory whose root group is still being written", () => {
  // What happened: in the concurrency suite three writers opened a missing plate with mode "a"
  // at the same moment. Under load one of them failed: NotFoundError "there is no Zarr group at
  // …; is this an OME-Zarr store?". Another writer had just created the directory and its first
  // temp file (or lock file, or a v2 `.zattrs` before the `.zgroup`), so the directory was not
  // empty and mode "a" tried to open rather than create. A writer killed in that window left the
  // same directory behind, and rerunning the job failed the same way. Why: "exists" meant "the
  // directory is not empty", not "there is a Zarr group". Fix: mode "a" creates (or joins the
  // creation, see Plate.create) when the root holds no `.zgroup` / `zarr.json` yet.
  test.each([
    ["a v2 .zattrs only", ".zattrs", "{}"],
    ["a temp file", ".zattrs.tmp-123-abcdef0", "{"],
    ["a lock file", ".ngff-lock", '{"pid":1,"host":"elsewhere","time":0}'],
  ])("a root holding %s", async (_, name, body) => {
    const dir = path.join(root, `half-${name}.zarr`);
    await fs.mkdir(dir);
    await fs.writeFile(path.join(dir, name), body);
    if (name === ".ngff-lock") await fs.utimes(path.join(dir, name), 0, 0); // a stale holder
    const plate = (await openOmeZarr(dir, {
      layout: "hcs",
      mode: "a",
      channelNames: ["c"],
    })) as Plate;
    await plate.createPositions(["A/1/0"]);
    expect(plate.wellPaths()).toEqual(["A/1"]);
  });
});
