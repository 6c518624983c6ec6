/**
 * Faults and latency: the server stopped in the middle of a many-chunk write fails with a typed
 * error within seconds, and a rerun after the restart completes to the same bytes; with every
 * response delayed 20–50 ms, a many-chunk write overlaps its requests; a GET whose body breaks
 * off mid-read is read again.
 */
import { afterAll, beforeAll, expect, test } from "vitest";
import { isOmeZarrError } from "../../../src/errors.js";
import { createArray, openLocalStore, type ZarrStore } from "../../../src/store/index.js";
import { startLatencyProxy } from "../../helpers/latency-proxy.js";
import type { S3TestServer } from "../../helpers/s3-server.js";
import { sampleData, tempDir } from "../../unit/store/helpers.js";
import { allKeys, freshPrefix, openAt, startServer } from "./helpers.js";

let server: S3TestServer;
let local: ZarrStore;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  server = await startServer();
  const tmp = await tempDir("ngff-s3-faults-");
  cleanup = tmp.cleanup;
  local = await openLocalStore(tmp.dir);
});
afterAll(async () => {
  await cleanup();
  await server.dispose();
});

const SHAPE = [64, 64];
const CHUNKS = [8, 8]; // 64 chunks
const WHOLE = SHAPE.map((s) => [0, s] as [number, number]);

async function sameBytes(a: ZarrStore, b: ZarrStore, root: string): Promise<void> {
  const keys = await allKeys(a, root);
  expect(keys).toEqual(await allKeys(b, root));
  for (const k of keys) {
    const [x, y] = await Promise.all([a.get(k), b.get(k)]);
    expect(Buffer.compare(x!, y!), k).toBe(0);
  }
}

test("the server stopped mid-write: StoreAccessError within seconds; after a restart a rerun completes to identical bytes", async () => {
  const s3 = await openAt(server.endpoint, freshPrefix("stop"), { s3: { maxAttempts: 2 } });
  const spec = { shape: SHAPE, chunks: CHUNKS, dtype: "uint16" as const };
  const data = sampleData("uint16", 64 * 64, 5);
  const ref = await createArray(local, "img", 3, spec);
  await ref.writeRegion(WHOLE, data);
  const arr = await createArray(s3, "img", 3, spec);
  let events = 0;
  let stopped: Promise<void> | undefined;
  server.onEvent(() => {
    if (++events === 20) stopped = server.stop();
  });
  const t0 = Date.now();
  const err = await arr.writeRegion(WHOLE, data).catch((e: unknown) => e);
  const failedAfter = Date.now() - t0;
  expect(stopped).toBeDefined();
  await stopped;
  expect(isOmeZarrError(err, "StoreAccess")).toBe(true);
  expect((err as Error).message).toMatch(/check the endpoint URL|kept failing/);
  expect(failedAfter).toBeLessThan(10_000);
  expect((await allKeys(local, "img")).length).toBe(65); // the reference: zarr.json + 64 chunks
  await server.restart();
  const partial = (await allKeys(s3, "img")).length;
  expect(partial).toBeLessThan(65);
  await arr.writeRegion(WHOLE, data); // the rerun, on the same store object
  await sameBytes(s3, local, "img");
});

test("every response delayed 20–50 ms: a many-chunk write overlaps its requests", async () => {
  const proxy = await startLatencyProxy(server.endpoint);
  try {
    const s3 = await openAt(proxy.endpoint, freshPrefix("latency"));
    const spec = { shape: SHAPE, chunks: CHUNKS, dtype: "uint8" as const };
    const data = sampleData("uint8", 64 * 64, 9);
    const arr = await createArray(s3, "img", 2, spec);
    // One chunk row at a time (8 requests): a measured sequential baseline (and a warm-up).
    let before = proxy.requests;
    let t0 = Date.now();
    await arr.writeRegion(
      [
        [0, 8],
        [0, 64],
      ],
      0,
      { concurrency: 1 },
    );
    const sequentialPerRequest = (Date.now() - t0) / (proxy.requests - before);
    before = proxy.requests;
    t0 = Date.now();
    await arr.writeRegion(WHOLE, data, { concurrency: 32 });
    const elapsed = Date.now() - t0;
    const requests = proxy.requests - before;
    expect(requests).toBe(64);
    // One at a time, each request waits 20-50 ms (35 on average) plus its CPU (SDK, proxy and
    // s3rver share this process: 5-25 ms per request on this loaded 2-core VM, and that part
    // does not overlap); in flight together, the delays overlap: at most half the sequential
    // time (measured, so a loaded machine slows both sides alike).
    expect(sequentialPerRequest).toBeGreaterThanOrEqual(20);
    expect(elapsed).toBeLessThan((requests * sequentialPerRequest) / 2);
    const ref = await createArray(local, "lat", 2, spec);
    await ref.writeRegion(WHOLE, data);
    expect(Array.from((await arr.readRegion(WHOLE)) as Uint8Array)).toEqual(
      Array.from(data as Uint8Array),
    );
  } finally {
    await proxy.close();
  }
});

test("a body cut off mid-read is read again; cut off every time, a typed error", async () => {
  const proxy = await startLatencyProxy(server.endpoint, { minDelayMs: 0, maxDelayMs: 2 });
  try {
    const s3 = await openAt(proxy.endpoint, freshPrefix("cut"), { s3: { maxAttempts: 1 } });
    const payload = new Uint8Array(4096).map((_, i) => (i * 7) & 255);
    await s3.set("obj", payload);
    proxy.cutBodies(2);
    const back = await s3.get("obj");
    expect(proxy.cut).toBe(2);
    expect(Buffer.compare(back!, payload)).toBe(0);
    proxy.cutBodies(3); // every attempt this read makes
    const err = await s3.get("obj").catch((e: unknown) => e);
    expect(proxy.cut).toBe(5);
    expect(isOmeZarrError(err, "StoreAccess")).toBe(true);
    expect((err as Error).message).toContain("obj");
  } finally {
    await proxy.close();
  }
});
