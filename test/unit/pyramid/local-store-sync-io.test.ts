/**
 * `openLocalStore(path, { syncIO: true })`, the store the pyramid workers open: same bytes, same
 * atomic temp-file + rename, same checks as the async store.
 */
import { mkdir, mkdtemp, readdir, readFile, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import { isOmeZarrError } from "../../../src/errors.js";
import { openLocalStore } from "../../../src/store/index.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ngff-sync-io-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("set/get round-trip, overwrite through a temp file, no temp file left", async () => {
  const store = await openLocalStore(dir, { syncIO: true });
  const a = Uint8Array.from({ length: 70_000 }, (_, i) => i % 251);
  await store.set("img/0/0/1", a);
  a.fill(0); // the store is done with the buffer once set resolved
  expect((await store.get("img/0/0/1"))?.[250]).toBe(250);
  await store.set("img/0/0/1", Uint8Array.of(1, 2, 3));
  expect([...((await store.get("img/0/0/1")) ?? [])]).toEqual([1, 2, 3]);
  expect(await store.get("img/0/0/2")).toBeUndefined();
  expect(await readdir(join(dir, "img/0/0"))).toEqual(["1"]);
  // Written bytes are what the async store reads.
  const plain = await openLocalStore(dir);
  expect([...((await plain.get("img/0/0/1")) ?? [])]).toEqual([1, 2, 3]);
});

test("a directory removed behind the store's back is recreated once", async () => {
  const store = await openLocalStore(dir, { syncIO: true });
  await store.set("a/b/c", Uint8Array.of(1));
  await rm(join(dir, "a"), { recursive: true });
  await store.set("a/b/c", Uint8Array.of(2));
  expect([...(await readFile(join(dir, "a/b/c")))]).toEqual([2]);
});

test("refuses writes when read-only and through a symlink out of the root, rejecting (never throwing)", async () => {
  const ro = await openLocalStore(dir, { syncIO: true, readOnly: true });
  const p = ro.set("x", Uint8Array.of(1));
  expect(p).toBeInstanceOf(Promise);
  expect(isOmeZarrError(await p.catch((e: unknown) => e), "ReadOnly")).toBe(true);
  const outside = await mkdtemp(join(tmpdir(), "ngff-sync-io-out-"));
  try {
    await mkdir(join(dir, "d"));
    await symlink(outside, join(dir, "d", "out"));
    const store = await openLocalStore(dir, { syncIO: true });
    const err = await store.set("d/out/chunk", Uint8Array.of(1)).catch((e: unknown) => e);
    expect(isOmeZarrError(err, "UnsafePath")).toBe(true);
    expect(await readdir(outside)).toEqual([]);
  } finally {
    await rm(outside, { recursive: true, force: true });
  }
});
