/**
 * The ZarrStore contract on S3 (s3rver): every method with the memory store's semantics, hidden
 * lock and lease objects, hostile keys, multipart values, a listing of several pages, and the
 * typed errors of bad endpoints, credentials, buckets and read-only stores.
 */
import * as fs from "node:fs/promises";
import * as net from "node:net";
import * as path from "node:path";
import { ListObjectsV2Command } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isOmeZarrError } from "../../../src/errors.js";
import { forEachBounded } from "../../../src/store/concurrency.js";
import { openStore, openStoreRef, parseStoreUrl } from "../../../src/store/registry.js";
import type { S3Store } from "../../../src/store/s3/index.js";
import { type LatencyProxy, startLatencyProxy } from "../../helpers/latency-proxy.js";
import type { S3TestServer } from "../../helpers/s3-server.js";
import {
  allKeys,
  BUCKET,
  bytes,
  freshPrefix,
  openAt,
  rawClient,
  rawGet,
  rawPut,
  refFor,
  startServer,
} from "./helpers.js";

let server: S3TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server.dispose();
});

async function fresh(opts: Parameters<typeof openAt>[2] = {}): Promise<S3Store> {
  return openAt(server.endpoint, freshPrefix(), opts);
}

/** Every object key in the bucket under `prefix` (raw listing, hidden objects included). */
async function rawKeys(prefix: string): Promise<string[]> {
  const c = rawClient(server.endpoint);
  try {
    const res = await c.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: `${prefix}/` }));
    return (res.Contents ?? []).map((o) => o.Key!).sort();
  } finally {
    c.destroy();
  }
}

describe("S3 store contract", () => {
  test("opens through the registry with kind s3, no root, its reference, and a lock mode", async () => {
    const prefix = freshPrefix();
    const url = `s3://${BUCKET}/${prefix}?endpoint=${server.endpoint}`;
    const ref = parseStoreUrl(url);
    expect(ref).toEqual(refFor(server.endpoint, prefix));
    const store = (await openStore(url)) as S3Store;
    expect(store.kind).toBe("s3");
    expect(store.root).toBeUndefined();
    expect(store.ref).toEqual(ref);
    expect(store.readOnly).toBe(false);
    // s3rver ignores If-None-Match: the probe finds no conditional writes.
    expect(store.conditionalWrites).toBe(false);
    expect(store.lockMode).toBe("single-writer");
    const ro = (await openStoreRef(ref, { readOnly: true })) as S3Store;
    expect(ro.readOnly).toBe(true);
    expect(ro.lock).toBeUndefined();
    expect(ro.lockMode).toBe("none");
    // The probe cleaned up after itself.
    expect(await rawKeys(prefix)).toEqual([]);
  });

  test("set/get/has/delete, values are not shared with the caller", async () => {
    const store = await fresh();
    const v = bytes(1, 2, 3);
    await store.set("a/b/c", v);
    v[0] = 9;
    expect(Array.from((await store.get("a/b/c"))!)).toEqual([1, 2, 3]);
    const got = (await store.get("a/b/c"))!;
    got[1] = 7;
    expect(Array.from((await store.get("a/b/c"))!)).toEqual([1, 2, 3]);
    expect(await store.has("a/b/c")).toBe(true);
    expect(await store.has("a/b")).toBe(false);
    expect(await store.get("a/b")).toBeUndefined();
    expect(await store.get("nope")).toBeUndefined();
    await store.set("empty", new Uint8Array(0));
    expect(await store.get("empty")).toEqual(new Uint8Array(0));
    await store.set("a/b/c", bytes(4)); // overwrite
    expect(Array.from((await store.get("a/b/c"))!)).toEqual([4]);
    await store.delete("a/b/c");
    await store.delete("a/b/c");
    expect(await store.has("a/b/c")).toBe(false);
  });

  test("getRange reads offsets and suffixes like the memory store", async () => {
    const store = await fresh();
    await store.set("k", bytes(0, 1, 2, 3, 4, 5));
    const r = async (range: Parameters<NonNullable<S3Store["getRange"]>>[1]) => {
      const v = await store.getRange("k", range);
      return v === undefined ? undefined : Array.from(v);
    };
    expect(await r({ offset: 2, length: 3 })).toEqual([2, 3, 4]);
    expect(await r({ offset: 0, length: 1 })).toEqual([0]);
    expect(await r({ offset: 4, length: 10 })).toEqual([4, 5]);
    expect(await r({ offset: 6, length: 2 })).toEqual([]);
    expect(await r({ offset: 3, length: 0 })).toEqual([]);
    expect(await r({ suffixLength: 2 })).toEqual([4, 5]);
    expect(await r({ suffixLength: 6 })).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await r({ suffixLength: 60 })).toEqual([0, 1, 2, 3, 4, 5]);
    expect(await r({ suffixLength: 0 })).toEqual([]);
    expect(await store.getRange("missing", { suffixLength: 2 })).toBeUndefined();
    expect(await store.getRange("missing", { offset: 0, length: 2 })).toBeUndefined();
    expect(await store.getRange("missing", { offset: 0, length: 0 })).toBeUndefined();
  });

  test("list returns sorted direct children, deep trees included, and hides lock and lease objects", async () => {
    const store = await fresh();
    await store.set("g/b/x", bytes(1));
    await store.set("g/a/deep/er/x", bytes(1));
    await store.set("g/z.json", bytes(1));
    await store.set("g/.zattrs", bytes(1));
    await store.set("g/.b.ngff-lock", bytes(1)); // a lock object's name
    expect(await store.list("g")).toEqual({ dirs: ["a", "b"], files: [".zattrs", "z.json"] });
    expect(await store.list("g/a")).toEqual({ dirs: ["deep"], files: [] });
    expect(await store.list("")).toEqual({ dirs: ["g"], files: [] });
    expect(await store.list("missing")).toEqual({ dirs: [], files: [] });
    // The first lock() writes the single-writer lease at the store root: never listed.
    await store.lock!(".ngff-lock", async () => {
      expect(await rawKeys(store.ref.prefix)).toContain(`${store.ref.prefix}/.ngff:lease`);
      expect(await store.list("")).toEqual({ dirs: ["g"], files: [] });
    });
    await store.close();
  });

  test("deletePrefix removes a subtree (and a value of that name) only; the root keeps the lease", async () => {
    const store = await fresh();
    await store.set("a/b/1", bytes(1));
    await store.set("a/bc", bytes(1));
    await store.set("a/b/c/2", bytes(1));
    await store.set("a/b", bytes(1)); // a value named like the prefix
    await store.deletePrefix("a/b");
    expect(await store.list("a")).toEqual({ dirs: [], files: ["bc"] });
    await store.set("a/b/3", bytes(1));
    expect(await store.has("a/b/3")).toBe(true);
    await store.deletePrefix("missing");
    await store.lock!(".ngff-lock", async () => {
      await store.deletePrefix("");
      expect(await store.list("")).toEqual({ dirs: [], files: [] });
      expect(await rawKeys(store.ref.prefix)).toEqual([`${store.ref.prefix}/.ngff:lease`]);
    });
    await store.close();
    expect(await rawKeys(store.ref.prefix)).toEqual([]);
  });

  test("deletePrefix of the root store of a prefix leaves neighbouring prefixes alone", async () => {
    const a = await fresh();
    const b = await openAt(server.endpoint, `${a.ref.prefix}x`); // "t-…-1x" starts like "t-…-1"
    await a.set("k", bytes(1));
    await b.set("k", bytes(2));
    await a.deletePrefix("");
    expect(await a.has("k")).toBe(false);
    expect(Array.from((await b.get("k"))!)).toEqual([2]);
  });

  test("rename moves a subtree or a value and refuses missing sources, taken targets and moves into itself", async () => {
    const store = await fresh();
    await store.set("A/1/x", bytes(7));
    await store.set("A/1/y/z", bytes(8));
    await store.rename("A/1", "B/2");
    expect(Array.from((await store.get("B/2/x"))!)).toEqual([7]);
    expect(Array.from((await store.get("B/2/y/z"))!)).toEqual([8]);
    expect(await store.has("A/1/x")).toBe(false);
    expect(await store.list("")).toEqual({ dirs: ["B"], files: [] });
    await store.rename("B/2/x", "v");
    expect(Array.from((await store.get("v"))!)).toEqual([7]);
    await expect(store.rename("A/1", "C")).rejects.toSatisfy((e) => isOmeZarrError(e, "NotFound"));
    await store.set("C/y", bytes(1));
    await expect(store.rename("B/2", "C")).rejects.toSatisfy((e) =>
      isOmeZarrError(e, "AlreadyExists"),
    );
    await expect(store.rename("B", "B/2/deeper")).rejects.toSatisfy((e) =>
      isOmeZarrError(e, "UnsafePath"),
    );
    await expect(store.rename("B", "B")).rejects.toSatisfy((e) => isOmeZarrError(e, "UnsafePath"));
    expect(Array.from((await store.get("B/2/y/z"))!)).toEqual([8]);
  });

  test("an interrupted rename completes when run again (copy phase and delete phase)", async () => {
    const store = await fresh();
    for (const k of ["a", "b", "c/d"]) await store.set(`src/${k}`, new TextEncoder().encode(k));
    // Interrupted while copying: the target holds some identical copies.
    await store.set("dst/a", new TextEncoder().encode("a"));
    await store.rename("src", "dst");
    expect(await allKeys(store)).toEqual(["dst/a", "dst/b", "dst/c/d"]);
    // Interrupted while deleting: the target is complete, some sources remain.
    await store.set("dst/b", new TextEncoder().encode("b"));
    await store.rename("dst", "again");
    await store.set("dst/b", new TextEncoder().encode("b"));
    await store.rename("dst", "again");
    expect(await allKeys(store)).toEqual(["again/a", "again/b", "again/c/d"]);
    // A target with different content is taken.
    await store.set("x/a", new TextEncoder().encode("a"));
    await store.set("y/a", new TextEncoder().encode("other"));
    await expect(store.rename("x", "y")).rejects.toSatisfy((e) =>
      isOmeZarrError(e, "AlreadyExists"),
    );
  });

  test("values from the multipart threshold on are uploaded in parts and read back whole", async () => {
    const MiB = 1024 * 1024;
    const proxy = await startLatencyProxy(server.endpoint, { minDelayMs: 0, maxDelayMs: 0 });
    try {
      const store = await openAt(proxy.endpoint, freshPrefix(), {
        s3: { multipartThreshold: 6 * MiB, partSize: 5 * MiB },
      });
      const big = new Uint8Array(11 * MiB + 3);
      for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 13)) & 255;
      await store.set("big", big);
      await store.set("small", bytes(1, 2));
      const writes = proxy.log.filter((l) => /^(PUT|POST) /.test(l));
      const parts = writes.filter((l) => /[?&]partNumber=\d+/.test(l));
      expect(parts).toHaveLength(3); // 5 + 5 + 1 MiB
      expect(writes.filter((l) => /[?&]uploads/.test(l))).toHaveLength(1);
      expect(writes.filter((l) => /^POST .*uploadId=/.test(l))).toHaveLength(1);
      const back = (await store.get("big"))!;
      expect(back.length).toBe(big.length);
      expect(Buffer.compare(back, big)).toBe(0);
      expect(Array.from((await store.getRange("big", { suffixLength: 3 }))!)).toEqual(
        Array.from(big.subarray(-3)),
      );
    } finally {
      await proxy.close();
    }
  });

  test("a listing of several pages (2100 objects) is complete; deletePrefix removes them all", async () => {
    const store = await fresh();
    // Seeded on s3rver's disk (its layout: <key>._S3rver_object and its MD5); a PUT each would
    // take ~15 s on this VM.
    const names = Array.from({ length: 2100 }, (_, i) => `k${String(i).padStart(5, "0")}`);
    const dir = path.join(server.dir, BUCKET, store.ref.prefix, "many");
    await fs.mkdir(dir, { recursive: true });
    await forEachBounded(names, 8, async (n) => {
      await fs.writeFile(path.join(dir, `${n}._S3rver_object`), "x");
      await fs.writeFile(
        path.join(dir, `${n}._S3rver_object.md5`),
        "9dd4e461268c8034f5c8564e155c67a6",
      );
    });
    await store.set("many/sub/x", bytes(1));
    await store.set("many/zz.json", bytes(1));
    const listed = await store.list("many");
    expect(listed.dirs).toEqual(["sub"]);
    expect(listed.files).toEqual([...names, "zz.json"]);
    expect(Array.from((await store.get("many/k02099"))!)).toEqual([120]); // "x"
    await store.deletePrefix("many");
    expect(await store.list("many")).toEqual({ dirs: [], files: [] });
    expect(await rawKeys(store.ref.prefix)).toEqual([]);
  });
});

describe("hostile keys", () => {
  const HOSTILE = [
    "..",
    "a/../b",
    "/abs",
    "a//b",
    "a/",
    "",
    "a\u0000b",
    "a\nb",
    "a\u007fb",
    "C:\\x",
    "a\\b",
    "x:y",
    ".a.tmp-1-abc",
    "x".repeat(256),
  ];
  let proxy: LatencyProxy;
  beforeAll(async () => {
    proxy = await startLatencyProxy(server.endpoint, { minDelayMs: 0, maxDelayMs: 0 });
  });
  afterAll(() => proxy.close());

  test("are refused with UnsafePathError before any request", async () => {
    const store = await openAt(proxy.endpoint, freshPrefix());
    const before = proxy.requests;
    const calls: ((k: string) => Promise<unknown>)[] = [
      (k) => store.get(k),
      (k) => store.set(k, bytes(1)),
      (k) => store.delete(k),
      (k) => store.has(k),
      (k) => store.getRange(k, { suffixLength: 1 }),
      (k) => store.rename(k, "ok"),
      (k) => store.rename("ok", k),
      (k) => store.lock!(k, async () => undefined),
    ];
    for (const k of HOSTILE) {
      for (const call of calls) {
        await expect(call(k), JSON.stringify(k)).rejects.toSatisfy((e) =>
          isOmeZarrError(e, "UnsafePath"),
        );
      }
      if (k !== "") {
        await expect(store.list(k)).rejects.toSatisfy((e) => isOmeZarrError(e, "UnsafePath"));
        await expect(store.deletePrefix(k)).rejects.toSatisfy((e) =>
          isOmeZarrError(e, "UnsafePath"),
        );
      }
    }
    expect(proxy.requests).toBe(before);
    // A hostile prefix in the reference is refused before the store opens.
    await expect(openAt(proxy.endpoint, "../escape")).rejects.toSatisfy((e) =>
      isOmeZarrError(e, "UnsafePath"),
    );
    await expect(openAt(proxy.endpoint, "/abs")).rejects.toSatisfy((e) =>
      isOmeZarrError(e, "UnsafePath"),
    );
    expect(proxy.requests).toBe(before);
  });

  test("unicode, spaces and punctuation are stored under exactly their key", async () => {
    const store = await fresh();
    const keys = ["wéll ü/數據 🙂/0", "ünï/a b", "ÅÄÖ/ünï ☃.json", "(x)/[y]/~z_-.1"];
    for (const [i, k] of keys.entries()) await store.set(k, bytes(i));
    for (const [i, k] of keys.entries()) expect(Array.from((await store.get(k))!)).toEqual([i]);
    expect(await allKeys(store)).toEqual([...keys].sort());
    const c = rawClient(server.endpoint);
    try {
      expect(await rawGet(c, `${store.ref.prefix}/${keys[0]}`)).toEqual(bytes(0));
    } finally {
      c.destroy();
    }
    await store.rename("wéll ü", "wèll 2");
    expect(Array.from((await store.get("wèll 2/數據 🙂/0"))!)).toEqual([0]);
    await store.deletePrefix("ünï");
    expect(await store.has("ünï/a b")).toBe(false);
  });
});

describe("bad input: typed errors, nothing written", () => {
  /** A port nothing listens on. */
  async function closedPort(): Promise<number> {
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
    const port = (srv.address() as net.AddressInfo).port;
    await new Promise((r) => srv.close(r));
    return port;
  }

  test("an unreachable endpoint: StoreAccessError naming the endpoint, at open", async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const err = await openAt(endpoint, "p", { s3: { maxAttempts: 2 } }).catch((e: unknown) => e);
    expect(isOmeZarrError(err, "StoreAccess")).toBe(true);
    const e = err as { code?: string; status?: number; message: string };
    expect(e.code).toBe("ECONNREFUSED");
    expect(e.status).toBeUndefined();
    expect(e.message).toContain(endpoint);
    expect(e.message).toContain("check the endpoint URL");
  });

  test("wrong credentials: StoreAccessError 403 saying which variables to check", async () => {
    const saved = process.env.AWS_ACCESS_KEY_ID;
    process.env.AWS_ACCESS_KEY_ID = "NOT-A-KEY";
    try {
      const err = await openAt(server.endpoint, freshPrefix()).catch((e: unknown) => e);
      expect(isOmeZarrError(err, "StoreAccess")).toBe(true);
      expect((err as { status?: number }).status).toBe(403);
      expect((err as Error).message).toContain("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
    } finally {
      process.env.AWS_ACCESS_KEY_ID = saved;
    }
  });

  test("a missing bucket: StoreAccessError 404 saying to create it; create does not create it", async () => {
    const ref = refFor(server.endpoint, "p", "no-such-bucket");
    const err = await openStoreRef(ref, { create: true }).catch((e: unknown) => e);
    expect(isOmeZarrError(err, "StoreAccess")).toBe(true);
    expect((err as { status?: number }).status).toBe(404);
    expect((err as Error).message).toMatch(/bucket "no-such-bucket" does not exist.*create it/);
    await expect(fs.stat(path.join(server.dir, "no-such-bucket"))).rejects.toThrow();
  });

  test("a read-only store refuses every write with ReadOnlyError and sends no write", async () => {
    const writer = await fresh();
    await writer.set("a/k", bytes(1));
    let events = 0;
    server.onEvent(() => events++);
    const ro = await openAt(server.endpoint, writer.ref.prefix, { readOnly: true });
    const writes: (() => Promise<unknown>)[] = [
      () => ro.set("a/k", bytes(2)),
      () => ro.set("new", bytes(2)),
      () => ro.delete("a/k"),
      () => ro.deletePrefix("a"),
      () => ro.deletePrefix(""),
      () => ro.rename("a", "b"),
    ];
    for (const w of writes)
      await expect(w()).rejects.toSatisfy((e) => isOmeZarrError(e, "ReadOnly"));
    expect(ro.lock).toBeUndefined();
    expect(Array.from((await ro.get("a/k"))!)).toEqual([1]);
    expect(await ro.list("")).toEqual({ dirs: ["a"], files: [] });
    expect(events).toBe(0); // no put, copy or delete reached the server (no probe either)
    expect(await rawKeys(writer.ref.prefix)).toEqual([`${writer.ref.prefix}/a/k`]);
  });

  test("options from the environment are checked", async () => {
    process.env.NGFF_S3_MAX_INFLIGHT = "zero";
    try {
      await expect(fresh()).rejects.toSatisfy(
        (e) => isOmeZarrError(e, "InvalidOptions") && e.option === "NGFF_S3_MAX_INFLIGHT",
      );
    } finally {
      delete process.env.NGFF_S3_MAX_INFLIGHT;
    }
  });

  test("a plain SDK object planted at a store key reads back as bytes", async () => {
    const store = await fresh();
    const c = rawClient(server.endpoint);
    try {
      await rawPut(c, `${store.ref.prefix}/planted`, "hi");
    } finally {
      c.destroy();
    }
    expect(new TextDecoder().decode((await store.get("planted"))!)).toBe("hi");
  });
});
