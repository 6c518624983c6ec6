/** Both byte stores behave the same: get/set/has/delete/list/deletePrefix/rename/getRange. */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { isOmeZarrError } from "../../../src/errors.js";
import {
  cleanupTempFiles,
  createMemoryStore,
  openLocalStore,
  TEMP_NAME_PATTERN,
  tempNameFor,
  type ZarrStore,
} from "../../../src/store/index.js";
import { tempDir } from "./helpers.js";

const bytes = (...xs: number[]) => new Uint8Array(xs);

describe.each(["memory", "local"] as const)("%s store", (kind) => {
  let store: ZarrStore;
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    store = kind === "memory" ? createMemoryStore() : await openLocalStore(dir);
  });
  afterEach(() => cleanup());

  test("set/get/has/delete, values are not shared with the caller", async () => {
    const v = bytes(1, 2, 3);
    await store.set("a/b/c", v);
    v[0] = 9;
    expect(Array.from((await store.get("a/b/c"))!)).toEqual([1, 2, 3]);
    expect(await store.has("a/b/c")).toBe(true);
    expect(await store.has("a/b")).toBe(false);
    expect(await store.get("nope")).toBeUndefined();
    await store.delete("a/b/c");
    await store.delete("a/b/c");
    expect(await store.has("a/b/c")).toBe(false);
  });

  test("getRange reads offsets and suffixes", async () => {
    await store.set("k", bytes(0, 1, 2, 3, 4, 5));
    expect(Array.from((await store.getRange!("k", { offset: 2, length: 3 }))!)).toEqual([2, 3, 4]);
    expect(Array.from((await store.getRange!("k", { suffixLength: 2 }))!)).toEqual([4, 5]);
    expect(await store.getRange!("missing", { suffixLength: 2 })).toBeUndefined();
  });

  test("list returns sorted direct children", async () => {
    await store.set("g/b/x", bytes(1));
    await store.set("g/a/x", bytes(1));
    await store.set("g/z.json", bytes(1));
    await store.set("g/.zattrs", bytes(1));
    expect(await store.list("g")).toEqual({ dirs: ["a", "b"], files: [".zattrs", "z.json"] });
    expect(await store.list("")).toEqual({ dirs: ["g"], files: [] });
    expect(await store.list("missing")).toEqual({ dirs: [], files: [] });
  });

  test("deletePrefix removes a subtree only", async () => {
    await store.set("a/b/1", bytes(1));
    await store.set("a/bc", bytes(1));
    await store.set("a/b/c/2", bytes(1));
    await store.deletePrefix("a/b");
    expect(await store.list("a")).toEqual({ dirs: [], files: ["bc"] });
    await store.set("a/b/3", bytes(1)); // directory is recreated after deletion
    expect(await store.has("a/b/3")).toBe(true);
    await store.deletePrefix("");
    expect(await store.list("")).toEqual({ dirs: [], files: [] });
  });

  test("rename moves a subtree and refuses missing sources, taken targets and moves into itself", async () => {
    await store.set("A/1/x", bytes(7));
    await store.rename("A/1", "B/2");
    expect(Array.from((await store.get("B/2/x"))!)).toEqual([7]);
    expect(await store.has("A/1/x")).toBe(false);
    await expect(store.rename("A/1", "C")).rejects.toSatisfy((e) => isOmeZarrError(e, "NotFound"));
    await store.set("C/y", bytes(1));
    await expect(store.rename("B/2", "C")).rejects.toSatisfy((e) =>
      isOmeZarrError(e, "AlreadyExists"),
    );
    await expect(store.rename("B", "B/2/deeper")).rejects.toSatisfy((e) =>
      isOmeZarrError(e, "UnsafePath"),
    );
  });
});

describe("local store temp files", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(() => cleanup());

  test("temp names look like .<name>.tmp-<pid>-<rand>, are hidden and cleaned up", async () => {
    const t = tempNameFor("zarr.json");
    expect(t).toMatch(new RegExp(`^\\.zarr\\.json\\.tmp-${process.pid}-[0-9a-z]+$`));
    expect(TEMP_NAME_PATTERN.test(t)).toBe(true);
    expect(tempNameFor("zarr.json")).not.toBe(t);
    const store = await openLocalStore(dir);
    await store.set("g/zarr.json", bytes(1));
    await fs.writeFile(path.join(dir, "g", t), "torn");
    expect(await store.list("g")).toEqual({ dirs: [], files: ["zarr.json"] });
    expect(await cleanupTempFiles(dir)).toBe(1);
    expect(await fs.readdir(path.join(dir, "g"))).toEqual(["zarr.json"]);
  });

  test("a successful set leaves no temp file behind", async () => {
    const store = await openLocalStore(dir);
    await Promise.all(Array.from({ length: 50 }, (_, i) => store.set(`d/${i % 5}/${i}`, bytes(i))));
    const all = await fs.readdir(dir, { recursive: true });
    expect(all.filter((f) => TEMP_NAME_PATTERN.test(path.basename(String(f))))).toEqual([]);
    expect(all.length).toBe(1 + 5 + 50);
  });
});
