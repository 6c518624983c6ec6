/**
 * The HTTP store's own contract over a loopback server: gets, ranges, key encoding, retries,
 * and typed errors for bad input (unreachable URL, no store, writes), with nothing written to
 * the served directory.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isOmeZarrError, type OmeZarrErrorTag } from "../../../src/errors.js";
import type { Position } from "../../../src/nodes/position.js";
import { openOmeZarr } from "../../../src/open.js";
import { openHttpStore } from "../../../src/store/http-store.js";
import { openStore, openStoreRef } from "../../../src/store/index.js";
import { type StaticServer, startStaticServer } from "../../helpers/static-server.js";
import { snapshotDir } from "./fixtures.js";

let root: string;
let before: Record<string, string>;
let server: StaticServer;
const BYTES = new Uint8Array(1000).map((_, i) => (i * 31) % 251);
const ODD = "odd dir #1/a b%?&é.bin";

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "ngff-http-store-"));
  await openOmeZarr(join(root, "img.zarr"), {
    layout: "fov",
    mode: "w-",
    version: "0.5",
    channelNames: ["BF"],
  }).then(async (pos) => {
    await pos.createImage("0", { data: new Uint16Array(64).fill(7), shape: [1, 1, 1, 8, 8] });
    await pos.close();
  });
  await writeFile(join(root, "img.zarr", "blob.bin"), BYTES);
  await writeFile(join(root, "img.zarr", "empty.bin"), new Uint8Array(0));
  await mkdir(join(root, "img.zarr", "odd dir #1"));
  await writeFile(join(root, "img.zarr", ODD), BYTES.subarray(0, 10));
  await mkdir(join(root, "nothing"));
  await writeFile(join(root, "nothing", "readme.txt"), "not a store");
  before = await snapshotDir(root);
  server = await startStaticServer(root);
});

afterAll(async () => {
  await server.close();
  expect(await snapshotDir(root)).toEqual(before);
  await rm(root, { recursive: true, force: true });
});

async function rejects(tag: OmeZarrErrorTag, p: Promise<unknown>): Promise<Error> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isOmeZarrError(err, tag), `expected ${tag}, got ${String(err)}`).toBe(true);
  return err as Error;
}

const img = () => openStore(`${server.url}/img.zarr/`);

describe("reads", () => {
  test("a URL opens through the registry as a read-only HTTP store", async () => {
    const store = await img();
    expect(store).toMatchObject({
      kind: "http",
      readOnly: true,
      root: undefined,
      ref: { kind: "http", url: `${server.url}/img.zarr` },
    });
    expect(await store.get("blob.bin")).toEqual(BYTES);
    expect(await store.get("missing.bin")).toBeUndefined();
    expect(await store.get("empty.bin")).toEqual(new Uint8Array(0));
    expect(await store.has("blob.bin")).toBe(true);
    expect(await store.has("zarr.json")).toBe(true);
    expect(await store.has("nope/zarr.json")).toBe(false);
    // A directory is no value, even where the server redirects it to its index.
    const indexed = await startStaticServer(root, { indexes: "python" });
    try {
      const withIndex = await openStore(`${indexed.url}/img.zarr`);
      expect(await withIndex.get("0")).toBeUndefined();
      expect(await withIndex.has("0")).toBe(false);
      expect(indexed.log.some((r) => r.path.endsWith("/img.zarr/0/") && r.status === 200)).toBe(
        true,
      );
    } finally {
      await indexed.close();
    }
    // Keys are encoded per segment: spaces, '#', '%', '?', '&' and non-ASCII reach the file.
    expect(await store.get(ODD)).toEqual(BYTES.subarray(0, 10));
  });

  test.each([
    ["honours Range", false],
    ["ignores Range", true],
  ] as const)("byte ranges from a server that %s", async (_, ignoreRange) => {
    const s = await startStaticServer(root, { ignoreRange });
    try {
      const store = await openStore(`${s.url}/img.zarr`);
      const range = store.getRange!.bind(store);
      expect(await range("blob.bin", { offset: 10, length: 5 })).toEqual(BYTES.subarray(10, 15));
      expect(await range("blob.bin", { suffixLength: 7 })).toEqual(BYTES.subarray(993));
      expect(await range("blob.bin", { suffixLength: 5000 })).toEqual(BYTES);
      expect(await range("blob.bin", { offset: 995, length: 100 })).toEqual(BYTES.subarray(995));
      expect(await range("blob.bin", { offset: 2000, length: 4 })).toEqual(new Uint8Array(0));
      expect(await range("blob.bin", { offset: 3, length: 0 })).toEqual(new Uint8Array(0));
      expect(await range("missing.bin", { offset: 0, length: 4 })).toBeUndefined();
      expect(await range("missing.bin", { suffixLength: 4 })).toBeUndefined();
      const statuses = s.log.filter((r) => r.path.endsWith("/blob.bin")).map((r) => r.status);
      expect(new Set(statuses)).toEqual(ignoreRange ? new Set([200]) : new Set([206, 416, 200]));
    } finally {
      await s.close();
    }
  });

  test("unsafe keys are refused before any request", async () => {
    const store = await img();
    const n = server.log.length;
    for (const key of ["../nothing/readme.txt", "/abs", "a//b", "a/./b", "c:d"]) {
      await rejects("UnsafePath", store.get(key));
      await rejects("UnsafePath", store.has(key));
    }
    await rejects("UnsafePath", store.list(".."));
    expect(server.log.length).toBe(n);
  });

  test("a 503 is retried (Retry-After honoured) and then read", async () => {
    const s = await startStaticServer(root, { failFirst: 2 });
    try {
      const store = await openStoreRef({ kind: "http", url: `${s.url}/img.zarr` });
      expect(await store.get("blob.bin")).toEqual(BYTES);
      expect(s.log.slice(0, 2).map((r) => r.status)).toEqual([503, 503]);
    } finally {
      await s.close();
    }
  });

  test("a server that keeps failing gives StoreAccessError after the retries", async () => {
    const failing = await startStaticServer(root, { failFirst: 1000 });
    try {
      const err = await rejects(
        "StoreAccess",
        openHttpStore({ kind: "http", url: `${failing.url}/img.zarr` }, { retries: 2 }),
      );
      expect(err).toMatchObject({ status: 503 });
      expect(err.message).toMatch(/answered 503 Service Unavailable after 3 attempts/);
      // Four root probes in parallel, three attempts each.
      expect(failing.log.length).toBe(12);
    } finally {
      await failing.close();
    }
  });

  test("403 reads as missing; a root that refuses everything is StoreAccessError", async () => {
    const s = await startStaticServer(root, { forbidden: /\/blob\.bin$|^\/nothing\// });
    try {
      const store = await openStore(`${s.url}/img.zarr`);
      expect(await store.get("blob.bin")).toBeUndefined();
      expect(await store.has("blob.bin")).toBe(false);
      const strict = await openHttpStore(
        { kind: "http", url: `${s.url}/img.zarr` },
        { forbiddenAsMissing: false },
      );
      expect(await rejects("StoreAccess", strict.get("blob.bin"))).toMatchObject({ status: 403 });
      const err = await rejects("StoreAccess", openStore(`${s.url}/nothing`));
      expect(err).toMatchObject({ status: 403 });
      expect(err.message).toContain("access token");
    } finally {
      await s.close();
    }
  });
});

describe("bad input", () => {
  test("an unreachable URL is StoreAccessError naming the URL", async () => {
    const port = await new Promise<number>((done) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const p = (probe.address() as { port: number }).port;
        probe.close(() => done(p));
      });
    });
    const url = `http://127.0.0.1:${port}/data.zarr`;
    const err = await rejects("StoreAccess", openStoreRef({ kind: "http", url }));
    expect(err).toMatchObject({ code: "ECONNREFUSED", status: undefined });
    expect(err.message).toContain(url);
    expect(err.message).toContain("check the URL and that the server is up");
  });

  test("a URL without a store is NotFoundError", async () => {
    for (const url of [`${server.url}/nothing`, `${server.url}/no-such-dir.zarr`]) {
      const err = await rejects("NotFound", openStoreRef({ kind: "http", url }));
      expect(err.message).toContain(`no Zarr group or array at ${url}`);
    }
  });

  test("opening for writing is ReadOnlyError", async () => {
    const ref = { kind: "http", url: `${server.url}/img.zarr` } as const;
    const n = server.log.length;
    const err = await rejects("ReadOnly", openStoreRef(ref, { readOnly: false }));
    expect(err.message).toMatch(/HTTP stores are read-only; open it with mode "r"/);
    expect(err.message).toContain("s3://");
    await rejects("ReadOnly", openStoreRef(ref, { create: true }));
    expect(server.log.length).toBe(n);
    await rejects("Unsupported", openHttpStore({ kind: "http", url: "ftp://x/y" }, {}));
  });

  test("every write through the store or a node is ReadOnlyError; nothing changes", async () => {
    const store = await img();
    const writes: Promise<unknown>[] = [
      store.set("blob.bin", new Uint8Array(3)),
      store.set("new.bin", new Uint8Array(3)),
      store.delete("blob.bin"),
      store.deletePrefix(""),
      store.rename("blob.bin", "moved.bin"),
      store.lock!("x", async () => 1),
    ];
    for (const w of writes) await rejects("ReadOnly", w);

    const pos = (await openOmeZarr(store, { mode: "r+", layout: "fov" })) as Position;
    await rejects(
      "ReadOnly",
      pos.createImage("1", { data: new Uint16Array(64), shape: [1, 1, 1, 8, 8] }),
    );
    await rejects("ReadOnly", pos.setScale("0", "Z", 2));
    await rejects("ReadOnly", (await pos.data).write([0, 0, 0], 1));
    await rejects(
      "ReadOnly",
      openOmeZarr(store, { mode: "w", layout: "fov", channelNames: ["x"] }),
    );
    expect(await snapshotDir(root)).toEqual(before);
    expect(server.log.every((r) => r.method === "GET" || r.method === "HEAD")).toBe(true);
  });
});
