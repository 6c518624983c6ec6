/**
 * Hostile names are refused with UnsafePathError before any I/O, and writes never follow a
 * symlink out of the store root.
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { isOmeZarrError, UnsafePathError } from "../../../src/errors.js";
import {
  assertSafeName,
  assertSafePath,
  createArray,
  createGroup,
  openLocalStore,
  writeAttributes,
  type ZarrStore,
} from "../../../src/store/index.js";
import { tempDir } from "./helpers.js";

const HOSTILE: [label: string, name: string][] = [
  ["dot-dot", ".."],
  ["dot", "."],
  ["traversal inside", "a/../b"],
  ["leading traversal", "../x"],
  ["dot segment", "a/./b"],
  ["absolute", "/abs"],
  ["root", "/"],
  ["windows drive", "C:\\x"],
  ["drive letter only", "C:"],
  ["backslash", "a\\b"],
  ["empty", ""],
  ["double slash", "a//b"],
  ["trailing slash", "a/"],
  ["NUL", "\u0000"],
  ["NUL inside", "a\u0000b"],
  ["newline", "\n"],
  ["tab", "a\tb"],
  ["DEL", "a\u007f"],
  ["C1 control", "a\u0085"],
  ["very long", "a".repeat(300)],
  ["long multibyte", "é".repeat(200)],
  ["metadata name .zattrs", ".zattrs"],
  ["metadata name zarr.json", "zarr.json"],
  ["temp-file look-alike", ".x.tmp-1-abc"],
];

const RESERVED = new Set([".zattrs", "zarr.json"]);

async function listing(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, rel: string) => {
    for (const ent of await fs.readdir(d, { withFileTypes: true })) {
      out.push(`${rel}${ent.name}${ent.isDirectory() ? "/" : ""}`);
      if (ent.isDirectory()) await walk(path.join(d, ent.name), `${rel}${ent.name}/`);
    }
  };
  await walk(dir, "");
  return out.sort();
}

describe("hostile names", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let store: ZarrStore;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
    store = await openLocalStore(path.join(dir, "root.zarr"), { create: true });
    await createGroup(store, "", 3);
  });
  afterEach(() => cleanup());

  test.each(HOSTILE)("%s is rejected by assertSafeName and assertSafePath", (_label, name) => {
    expect(() => assertSafeName(name)).toThrow(UnsafePathError);
    expect(() => assertSafePath(name)).toThrow(UnsafePathError);
  });

  test.each(HOSTILE)("%s: no write API creates anything", async (_label, name) => {
    const before = await listing(dir);
    const reject = (p: Promise<unknown>) =>
      expect(p).rejects.toSatisfy((e) => isOmeZarrError(e, "UnsafePath"));
    if (name !== "") {
      // "" is the root for node APIs, so only key-level calls get it.
      await reject(createGroup(store, name, 3, { a: 1 }));
      await reject(createGroup(store, `ok/${name}`, 2, {}, { parents: true }));
      await reject(createArray(store, name, 3, { shape: [2], dtype: "uint8", chunks: [2] }));
      await reject(writeAttributes(store, name, 2, {}));
    }
    // Metadata file names are fine as keys (that is what they are for); only child names refuse them.
    if (!RESERVED.has(name)) {
      await reject(store.set(name, new Uint8Array(1)));
      await reject(store.set(`${name}/zarr.json`, new Uint8Array(1)));
      await reject(store.deletePrefix(`ok/${name}`));
      await reject(store.rename("zarr.json", name));
    }
    expect(await listing(dir)).toEqual(before);
  });

  test("the documented row/col and row/col/field forms pass; extra segments are refused", () => {
    expect(() => assertSafePath("A/1", { maxSegments: 2 })).not.toThrow();
    expect(() => assertSafePath("A/1/0", { maxSegments: 3 })).not.toThrow();
    expect(() => assertSafePath("A/1/0", { maxSegments: 2 })).toThrow(UnsafePathError);
    expect(() => assertSafeName("A/1")).toThrow(UnsafePathError);
  });

  test("the error names the offending path and the reason", () => {
    try {
      assertSafePath("a/../b", { what: "well path" });
      expect.unreachable();
    } catch (e) {
      expect(isOmeZarrError(e, "UnsafePath") && e.path).toBe("a/../b");
      expect((e as Error).message).toMatchInlineSnapshot(
        `"unsafe well path "a/../b": segment ".." is ".."; use a plain name of letters, digits, '.', '_' or '-' (no '..', '/', '\\', control characters)"`,
      );
    }
  });
});

describe("symlinks", () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });
  afterEach(() => cleanup());

  test("writes through a symlink that leaves the root are refused; nothing lands outside", async () => {
    const outside = path.join(dir, "outside");
    const root = path.join(dir, "root.zarr");
    await fs.mkdir(outside);
    await fs.mkdir(root);
    await fs.symlink(outside, path.join(root, "link"));
    const store = await openLocalStore(root);
    const reject = (p: Promise<unknown>) =>
      expect(p).rejects.toSatisfy((e) => isOmeZarrError(e, "UnsafePath"));
    await reject(store.set("link/x", new Uint8Array(1)));
    await reject(createGroup(store, "link/g", 2, {}));
    await reject(createArray(store, "link/a", 3, { shape: [2], dtype: "uint8", chunks: [2] }));
    await reject(store.delete("link/x"));
    await reject(store.deletePrefix("link/sub"));
    expect(await fs.readdir(outside)).toEqual([]);
    // Removing the link itself only removes the link.
    await fs.writeFile(path.join(outside, "keep"), "x");
    await store.deletePrefix("link");
    expect(await fs.readdir(outside)).toEqual(["keep"]);
  });

  test("a symlink that stays inside the root is allowed", async () => {
    const root = path.join(dir, "root.zarr");
    await fs.mkdir(path.join(root, "real"), { recursive: true });
    await fs.symlink(path.join(root, "real"), path.join(root, "alias"));
    const store = await openLocalStore(root);
    await store.set("alias/x", new Uint8Array([7]));
    expect(Array.from((await fs.readFile(path.join(root, "real", "x"))) as Uint8Array)).toEqual([
      7,
    ]);
  });

  test("read-only stores refuse writes", async () => {
    const store = await openLocalStore(dir, { readOnly: true });
    await expect(store.set("a", new Uint8Array(1))).rejects.toSatisfy((e) =>
      isOmeZarrError(e, "ReadOnly"),
    );
    await expect(store.deletePrefix("")).rejects.toSatisfy((e) => isOmeZarrError(e, "ReadOnly"));
    expect(await fs.readdir(dir)).toEqual([]);
  });

  test("opening a missing directory needs create: true", async () => {
    await expect(openLocalStore(path.join(dir, "nope"))).rejects.toSatisfy((e) =>
      isOmeZarrError(e, "NotFound"),
    );
    const s = await openLocalStore(path.join(dir, "nope", "deep.zarr"), { create: true });
    expect(s.root).toBe(await fs.realpath(path.join(dir, "nope", "deep.zarr")));
  });
});
