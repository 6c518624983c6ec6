/**
 * Both lock modes of S3 stores against real servers:
 * - single-writer (s3rver, no conditional writes): a lease object; two writers in this process
 *   share it and never lose an update; another live process holding it (planted, or a real
 *   second process) makes lock() fail with ConcurrentWriteError; expired leases and leases of
 *   dead processes on this host are taken over; an idle lease is given up;
 * - conditional (the latency proxy emulating If-None-Match / If-Match in front of s3rver):
 *   lock objects; live locks of others are waited for (LockTimeoutError), expired ones taken
 *   over, and three processes incrementing one object under lock never lose an update.
 */
import type { ChildProcess } from "node:child_process";
import * as os from "node:os";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { isOmeZarrError } from "../../../src/errors.js";
import { createArray, openArray } from "../../../src/store/index.js";
import type { S3Store } from "../../../src/store/s3/index.js";
import { spawnFixture } from "../../helpers/fixtures.js";
import { type LatencyProxy, startLatencyProxy } from "../../helpers/latency-proxy.js";
import type { S3TestServer } from "../../helpers/s3-server.js";
import { BUCKET, freshPrefix, openAt, rawClient, rawGet, rawPut, startServer } from "./helpers.js";

const enc = (s: string) => new TextEncoder().encode(s);
const dec = (b: Uint8Array | undefined) =>
  b === undefined ? undefined : new TextDecoder().decode(b);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let server: S3TestServer;
const children: ChildProcess[] = [];

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  for (const c of children) c.kill("SIGKILL");
  await server.dispose();
});

/** Start the fixture; `next()` resolves with its next line of output, `exit` with its code. */
function worker(args: string[]): {
  child: ChildProcess;
  next: () => Promise<string>;
  exit: Promise<number | null>;
} {
  const child = spawnFixture("s3-lock-worker", args, { env: process.env });
  children.push(child);
  let out = "";
  let err = "";
  const waiting: ((line: string) => void)[] = [];
  const lines: string[] = [];
  child.stderr!.on("data", (d: Buffer) => {
    err += d.toString();
  });
  child.stdout!.on("data", (d: Buffer) => {
    out += d.toString();
    for (let i = out.indexOf("\n"); i >= 0; i = out.indexOf("\n")) {
      const line = out.slice(0, i);
      out = out.slice(i + 1);
      const w = waiting.shift();
      if (w !== undefined) w(line);
      else lines.push(line);
    }
  });
  const exit = new Promise<number | null>((resolve) => child.on("exit", resolve));
  const next = () =>
    lines.length > 0
      ? Promise.resolve(lines.shift()!)
      : new Promise<string>((resolve, reject) => {
          waiting.push(resolve);
          void exit.then((code) => reject(new Error(`worker exited with ${code}: ${err}`)));
        });
  return { child, next, exit };
}

/** A lease or lock record of another process. */
function record(o: { host?: string; pid?: number; expires: number }): string {
  return JSON.stringify({
    host: o.host ?? "some-other-host",
    pid: o.pid ?? 4242,
    tag: "feedbeef",
    since: Date.now() - 1000,
    expires: o.expires,
  });
}

/** Increment the number at "counter" under lock `n` times, `parallel` calls at once. */
async function increments(store: S3Store, n: number): Promise<void> {
  await Promise.all(
    Array.from({ length: n }, () =>
      store.lock!(".counter.ngff-lock", async () => {
        const v = Number(dec(await store.get("counter")) ?? "0");
        await store.set("counter", enc(String(v + 1)));
      }),
    ),
  );
}

/** Two array handles on two store objects write alternate rows (partial chunks) at once. */
async function interleavedRows(a: S3Store, b: S3Store): Promise<void> {
  await createArray(a, "img", 3, { shape: [8, 12], chunks: [4, 8], dtype: "uint8" });
  const [x, y] = await Promise.all([openArray(a, "img"), openArray(b, "img")]);
  await Promise.all(
    Array.from({ length: 8 }, (_, r) =>
      (r % 2 === 0 ? x : y).writeRegion(
        [
          [r, r + 1],
          [0, 12],
        ],
        r + 1,
      ),
    ),
  );
  const got = Array.from(
    (await x.readRegion([
      [0, 8],
      [0, 12],
    ])) as Uint8Array,
  );
  expect(got).toEqual(Array.from({ length: 96 }, (_, i) => Math.floor(i / 12) + 1));
}

describe("single-writer mode (no conditional writes)", () => {
  test("two writers in this process share the lease and never lose an update", async () => {
    const prefix = freshPrefix("sw");
    const a = await openAt(server.endpoint, prefix);
    const b = await openAt(server.endpoint, prefix);
    expect(a.lockMode).toBe("single-writer");
    await Promise.all([increments(a, 15), increments(b, 15)]);
    expect(dec(await a.get("counter"))).toBe("30");
    await interleavedRows(a, b);
    await Promise.all([a.close(), b.close()]);
  });

  test("a live lease of another process: ConcurrentWriteError naming it, fn not run, nothing written", async () => {
    const prefix = freshPrefix("sw");
    const c = rawClient(server.endpoint);
    const until = Date.now() + 60_000;
    await rawPut(c, `${prefix}/.ngff:lease`, record({ expires: until }));
    const store = await openAt(server.endpoint, prefix);
    let ran = false;
    const err = await store.lock!(".ngff-lock", async () => {
      ran = true;
    }).catch((e: unknown) => e);
    expect(ran).toBe(false);
    expect(isOmeZarrError(err, "ConcurrentWrite")).toBe(true);
    const msg = (err as Error).message;
    expect(msg).toContain("process 4242 on some-other-host");
    expect(msg).toContain(new Date(until).toISOString());
    expect(msg).toMatch(/Wait for that writer to finish.*delete s3:\/\//);
    expect(JSON.parse(dec(await rawGet(c, `${prefix}/.ngff:lease`))!).pid).toBe(4242);
    c.destroy();
  });

  test("an expired lease, or one of a dead process on this host, is taken over", async () => {
    const c = rawClient(server.endpoint);
    for (const planted of [
      record({ expires: Date.now() - 1 }),
      record({ host: os.hostname(), pid: 2 ** 22 + 7, expires: Date.now() + 60_000 }), // no such pid
    ]) {
      const prefix = freshPrefix("sw");
      await rawPut(c, `${prefix}/.ngff:lease`, planted);
      const store = await openAt(server.endpoint, prefix);
      await store.lock!(".ngff-lock", async () => {
        const lease = JSON.parse(dec(await rawGet(c, `${prefix}/.ngff:lease`))!);
        expect(lease.pid).toBe(process.pid);
        expect(lease.host).toBe(os.hostname());
      });
      await store.close();
      expect(await rawGet(c, `${prefix}/.ngff:lease`)).toBeUndefined(); // given up on close
    }
    c.destroy();
  });

  test("the lease is renewed while in use and given up once idle", async () => {
    const prefix = freshPrefix("sw");
    const c = rawClient(server.endpoint);
    const store = await openAt(server.endpoint, prefix, { lock: { staleMs: 600 } });
    let first = 0;
    await store.lock!(".ngff-lock", async () => {
      first = JSON.parse(dec(await rawGet(c, `${prefix}/.ngff:lease`))!).expires;
      await sleep(1_000); // renewed every 200 ms
      const now = JSON.parse(dec(await rawGet(c, `${prefix}/.ngff:lease`))!).expires;
      expect(now).toBeGreaterThan(first);
    });
    for (let i = 0; i < 100 && (await rawGet(c, `${prefix}/.ngff:lease`)) !== undefined; i++) {
      await sleep(50);
    }
    expect(await rawGet(c, `${prefix}/.ngff:lease`)).toBeUndefined();
    await store.lock!(".ngff-lock", async () => undefined); // claimed again
    await store.close();
    c.destroy();
  });

  test("a second process holding the lease: ConcurrentWriteError; once it is killed, ours", async () => {
    const prefix = freshPrefix("sw");
    const w = worker(["hold", server.endpoint, BUCKET, prefix]);
    const line = await w.next();
    expect(line).toBe(`held ${w.child.pid} single-writer`);
    const store = await openAt(server.endpoint, prefix);
    const err = await store.lock!(".ngff-lock", async () => undefined).catch((e: unknown) => e);
    expect(isOmeZarrError(err, "ConcurrentWrite")).toBe(true);
    expect((err as Error).message).toContain(`process ${w.child.pid} on ${os.hostname()}`);
    w.child.kill("SIGKILL");
    await w.exit;
    // Dead on this host: taken over at once, without waiting for the expiry.
    await store.lock!(".ngff-lock", async () => undefined);
    await store.close();
  });
});

describe("conditional mode (conditional PUTs emulated by the proxy)", () => {
  let proxy: LatencyProxy;
  beforeAll(async () => {
    proxy = await startLatencyProxy(server.endpoint, {
      minDelayMs: 0,
      maxDelayMs: 3,
      conditionalWrites: true,
    });
  });
  afterAll(() => proxy.close());

  test("the probe finds conditional writes; a lock object exists while held and is deleted after", async () => {
    const prefix = freshPrefix("cw");
    const refusedBefore = proxy.refused;
    const store = await openAt(proxy.endpoint, prefix, { lock: { lingerMs: 0 } });
    expect(proxy.refused).toBe(refusedBefore + 1); // the probe's second put
    expect(store.conditionalWrites).toBe(true);
    expect(store.lockMode).toBe("conditional");
    const c = rawClient(server.endpoint);
    await store.lock!("A/.1.ngff-lock", async () => {
      const held = JSON.parse(dec(await rawGet(c, `${prefix}/A/.1.ngff-lock`))!);
      expect(held.pid).toBe(process.pid);
      expect(await store.list("A")).toEqual({ dirs: [], files: [] });
    });
    expect(await rawGet(c, `${prefix}/A/.1.ngff-lock`)).toBeUndefined();
    expect(await rawGet(c, `${prefix}/.ngff:lease`)).toBeUndefined(); // no lease in this mode
    c.destroy();
  });

  test("two writers in this process never lose an update", async () => {
    const prefix = freshPrefix("cw");
    const a = await openAt(proxy.endpoint, prefix);
    const b = await openAt(proxy.endpoint, prefix);
    await Promise.all([increments(a, 15), increments(b, 15)]);
    expect(dec(await a.get("counter"))).toBe("30");
    await interleavedRows(a, b);
    await Promise.all([a.close(), b.close()]);
  });

  test("a live lock of another process is waited for, then LockTimeoutError naming it", async () => {
    const prefix = freshPrefix("cw");
    const store = await openAt(proxy.endpoint, prefix, { lock: { timeoutMs: 300 } });
    await store.set(".x.ngff-lock", enc(record({ expires: Date.now() + 60_000 })));
    const t0 = Date.now();
    let ran = false;
    const err = await store.lock!(".x.ngff-lock", async () => {
      ran = true;
    }).catch((e: unknown) => e);
    expect(ran).toBe(false);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(isOmeZarrError(err, "LockTimeout")).toBe(true);
    expect((err as Error).message).toContain("process 4242 on some-other-host");
  });

  test("an expired lock of another process is taken over (If-Match on its ETag)", async () => {
    const prefix = freshPrefix("cw");
    const store = await openAt(proxy.endpoint, prefix, { lock: { lingerMs: 0 } });
    await store.set(".x.ngff-lock", enc(record({ expires: Date.now() - 1 })));
    await store.lock!(".x.ngff-lock", async () => {
      expect(JSON.parse(dec(await store.get(".x.ngff-lock"))!).pid).toBe(process.pid);
    });
    expect(await store.has(".x.ngff-lock")).toBe(false);
  });

  test("three processes incrementing one object under lock never lose an update", async () => {
    const prefix = freshPrefix("cw");
    const store = await openAt(proxy.endpoint, prefix, { lock: { lingerMs: 0 } });
    const ws = [0, 1].map(() => worker(["increment", proxy.endpoint, BUCKET, prefix, "15"]));
    expect(await Promise.all(ws.map((w) => w.next()))).toEqual(["ready", "ready"]);
    const refusedBefore = proxy.refused;
    await store.set("go", enc("1")); // all three start now
    for (let i = 0; i < 15; i++) await increments(store, 1);
    expect(await Promise.all(ws.map((w) => w.next()))).toEqual([
      "done conditional",
      "done conditional",
    ]);
    expect(await Promise.all(ws.map((w) => w.exit))).toEqual([0, 0]);
    expect(dec(await store.get("counter"))).toBe("45");
    // The writers met: some lock creations were refused because another process held it.
    expect(proxy.refused).toBeGreaterThan(refusedBefore);
  });
});
