import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { isOmeZarrError } from "../../../src/errors.js";
import { Plate } from "../../../src/nodes/plate/plate.js";
import { Position } from "../../../src/nodes/position.js";
import { TiledPosition } from "../../../src/nodes/tiled-position.js";
import { openOmeZarr } from "../../../src/open.js";
import { createMemoryStore } from "../../../src/store/index.js";
import { dirContents, rejection, tempDir, vals } from "./open-helpers.js";

const channelNames = ["DAPI", "GFP"];
const pixels = { data: new Uint16Array(2 * 2 * 4 * 4).fill(7), shape: [1, 2, 2, 4, 4] };

/** An existing fov store with image "0". */
async function existingStore(dir: string): Promise<string> {
  const path = join(dir, "ds.zarr");
  const pos = await openOmeZarr(path, { layout: "fov", mode: "w-", channelNames });
  await pos.createImage("0", pixels);
  await pos.close();
  return path;
}

async function exists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

describe("mode table (iohub semantics)", () => {
  test("r: missing → NotFound; existing → read-only Position", async () => {
    const dir = await tempDir();
    const missing = join(dir, "missing.zarr");
    expect(isOmeZarrError(await rejection(openOmeZarr(missing, { mode: "r" })), "NotFound")).toBe(
      true,
    );
    expect(await exists(missing)).toBe(false);
    const path = await existingStore(dir);
    const before = await dirContents(path);
    const pos = await openOmeZarr(path); // default mode "r", layout "auto"
    expect(pos).toBeInstanceOf(Position);
    expect(pos.mode).toBe("r");
    const p = pos as Position;
    const img = await p.data;
    expect(isOmeZarrError(await rejection(img.write([0], 1)), "ReadOnly")).toBe(true);
    expect(isOmeZarrError(await rejection(p.createImage("1", pixels)), "ReadOnly")).toBe(true);
    expect(isOmeZarrError(await rejection(p.renameChannel("GFP", "x")), "ReadOnly")).toBe(true);
    expect(isOmeZarrError(await rejection(p.computePyramid({ levels: 2 })), "ReadOnly")).toBe(true);
    expect(
      isOmeZarrError(await rejection(p.createLabel("cells", { shape: [1, 2, 4, 4] })), "ReadOnly"),
    ).toBe(true);
    expect(await dirContents(path)).toEqual(before);
  });

  test("r+: missing → NotFound; existing → writable", async () => {
    const dir = await tempDir();
    expect(
      isOmeZarrError(await rejection(openOmeZarr(join(dir, "m.zarr"), { mode: "r+" })), "NotFound"),
    ).toBe(true);
    const path = await existingStore(dir);
    const pos = await openOmeZarr(path, { mode: "r+", layout: "fov" });
    await (await pos.data).write([0, 0, 0, 0, 0], 9);
    expect((await (await pos.data).read([0, 0, 0, 0, 0])).get()).toBe(9);
  });

  test("a: creates when missing, opens (keeping data) when present", async () => {
    const dir = await tempDir();
    const path = join(dir, "a.zarr");
    const created = await openOmeZarr(path, { mode: "a", layout: "fov", channelNames });
    await created.createImage("0", pixels);
    await created.close();
    const reopened = await openOmeZarr(path, {
      mode: "a",
      layout: "fov",
      channelNames: ["ignored"],
    });
    expect(reopened.channelNames).toEqual(channelNames);
    expect(vals(await (await reopened.data).toArray())).toEqual(Array.from(pixels.data));
  });

  test("w-: creates when missing; AlreadyExists (store untouched) when present", async () => {
    const dir = await tempDir();
    const path = await existingStore(dir);
    const before = await dirContents(path);
    const err = await rejection(openOmeZarr(path, { mode: "w-", layout: "fov", channelNames }));
    expect(isOmeZarrError(err, "AlreadyExists")).toBe(true);
    expect((err as Error).message).toMatchInlineSnapshot(
      `"${path} already exists; use mode "a" or "r+" to open it, or "w" to overwrite it"`,
    );
    expect(await dirContents(path)).toEqual(before);
  });

  test("w: creates when missing, overwrites a .zarr path", async () => {
    const dir = await tempDir();
    const fresh = await openOmeZarr(join(dir, "new.zarr"), {
      mode: "w",
      layout: "fov",
      channelNames,
    });
    expect(await fresh.arrayKeys()).toEqual([]);
    const path = await existingStore(dir);
    const over = await openOmeZarr(path, { mode: "w", layout: "fov", channelNames: ["BF"] });
    expect(await over.arrayKeys()).toEqual([]);
    expect(over.channelNames).toEqual(["BF"]);
    expect(await exists(join(path, "0"))).toBe(false);
  });

  test("the .zarr guard: a user's folder survives w without disablePathChecking", async () => {
    const dir = await tempDir();
    const folder = join(dir, "my-results");
    await mkdir(folder);
    await writeFile(join(folder, "notes.txt"), "precious");
    const before = await dirContents(folder);
    const err = await rejection(openOmeZarr(folder, { mode: "w", layout: "fov", channelNames }));
    expect(isOmeZarrError(err, "AlreadyExists")).toBe(true);
    expect((err as Error).message).toContain('does not contain ".zarr"');
    expect((err as Error).message).toContain("disablePathChecking: true");
    expect(await dirContents(folder)).toEqual(before);
    const pos = await openOmeZarr(folder, {
      mode: "w",
      layout: "fov",
      channelNames,
      disablePathChecking: true,
    });
    expect(pos).toBeInstanceOf(Position);
    expect(await exists(join(folder, "notes.txt"))).toBe(false);
  });

  test("a memory store works like a path", async () => {
    const store = createMemoryStore();
    expect(isOmeZarrError(await rejection(openOmeZarr(store, { mode: "r" })), "NotFound")).toBe(
      true,
    );
    const pos = await openOmeZarr(store, {
      mode: "w-",
      layout: "fov",
      channelNames,
      version: "0.5",
    });
    await pos.createImage("0", pixels);
    expect(
      isOmeZarrError(
        await rejection(openOmeZarr(store, { mode: "w-", layout: "fov", channelNames })),
        "AlreadyExists",
      ),
    ).toBe(true);
    const again = await openOmeZarr(store, { mode: "r" });
    expect(again.version).toBe("0.5");
  });
});

describe("options and layouts", () => {
  test.each([
    [{ mode: "x" }, "mode", "InvalidOptions"],
    [{ layout: "plate" }, "layout", "InvalidOptions"],
    [{ version: "0.6" }, "version", "InvalidOptions"],
    [{ channelNames: ["a", "a"], mode: "w", layout: "fov" }, "channel", "InvalidMetadata"],
    [
      { axes: [{ name: "x", type: "space" }], mode: "w", layout: "fov", channelNames },
      "axes",
      "InvalidMetadata",
    ],
    [{ mode: "w", layout: "fov" }, "channelNames", "InvalidOptions"],
  ] as const)(
    "bad options %j are rejected before the store is touched",
    async (opts, what, tag) => {
      const dir = await tempDir();
      const path = join(dir, "x.zarr");
      const err = await rejection(openOmeZarr(path, opts as never));
      expect(isOmeZarrError(err, tag)).toBe(true);
      expect((err as Error).message).toContain(what);
      expect(await exists(path)).toBe(false);
    },
  );

  test("layout auto cannot create", async () => {
    const dir = await tempDir();
    const err = await rejection(openOmeZarr(join(dir, "x.zarr"), { mode: "w", channelNames }));
    expect(isOmeZarrError(err, "InvalidOptions") && err.option).toBe("layout");
  });

  test("a fov store opened as hcs is a layout mismatch; tiled opens a fov store", async () => {
    const dir = await tempDir();
    const path = await existingStore(dir);
    const err = await rejection(openOmeZarr(path, { layout: "hcs", mode: "r" }));
    expect(isOmeZarrError(err, "LayoutMismatch")).toBe(true);
    expect(await openOmeZarr(path, { layout: "tiled" })).toBeInstanceOf(TiledPosition);
  });

  test("auto infers hcs from plate metadata", async () => {
    const dir = await tempDir();
    const path = join(dir, "plate.zarr");
    const plate = await openOmeZarr(path, { layout: "hcs", mode: "w-", channelNames });
    expect(plate).toBeInstanceOf(Plate);
    const pos = await plate.createPosition("A", "1", "0");
    await pos.createImage("0", pixels);
    await plate.close();
    const again = await openOmeZarr(path);
    expect(again).toBeInstanceOf(Plate);
    expect(
      isOmeZarrError(await rejection(openOmeZarr(path, { layout: "fov" })), "LayoutMismatch"),
    ).toBe(true);
  });

  // A plate's "plate" metadata is written with its first well (the spec requires one), so a
  // plate created and closed before any well exists used to reopen as a LayoutMismatch with
  // layout "hcs". iohub opens it; so do we. "auto" still cannot tell what it is.
  test("an empty plate reopens with layout hcs; auto refuses to guess", async () => {
    const dir = await tempDir();
    const path = join(dir, "empty-plate.zarr");
    await (await openOmeZarr(path, { layout: "hcs", mode: "w-", channelNames })).close();
    const plate = await openOmeZarr(path, { layout: "hcs", mode: "r+", channelNames });
    expect(plate).toBeInstanceOf(Plate);
    expect(plate.channelNames).toEqual(channelNames);
    const pos = await plate.createPosition("B", "2", "0");
    await pos.createImage("0", pixels);
    await plate.close();
    const again = await openOmeZarr(path, { layout: "hcs" });
    expect(again.wellPaths()).toEqual(["B/2"]);
    const autoDir = join(dir, "empty-again.zarr");
    await (await openOmeZarr(autoDir, { layout: "hcs", mode: "w-", channelNames })).close();
    expect(isOmeZarrError(await rejection(openOmeZarr(autoDir)), "LayoutMismatch")).toBe(true);
  });

  test("an existing store keeps its own version; a folder without a group is NotFound", async () => {
    const dir = await tempDir();
    const path = join(dir, "v5.zarr");
    const pos = await openOmeZarr(path, { layout: "fov", mode: "w", channelNames, version: "0.5" });
    await pos.createImage("0", pixels);
    const again = await openOmeZarr(path, { version: "0.4" });
    expect(again.version).toBe("0.5");
    const stray = join(dir, "stray");
    await mkdir(stray);
    await writeFile(join(stray, "a.txt"), "x");
    expect(isOmeZarrError(await rejection(openOmeZarr(stray, { mode: "r" })), "NotFound")).toBe(
      true,
    );
    expect(await readFile(join(stray, "a.txt"), "utf8")).toBe("x");
  });

  test("await using closes the node", async () => {
    const dir = await tempDir();
    let node: Position | undefined;
    {
      await using pos = await openOmeZarr(join(dir, "u.zarr"), {
        layout: "fov",
        mode: "w",
        channelNames,
      });
      node = pos;
      expect(pos.closed).toBe(false);
    }
    expect(node?.closed).toBe(true);
    expect(isOmeZarrError(await rejection(node.createImage("0", pixels)), "ReadOnly")).toBe(true);
  });
});
