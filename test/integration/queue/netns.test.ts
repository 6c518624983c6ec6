/**
 * The multi-host variant of the queue tests (issue 15, item 4): each of 3 `ngff worker`
 * processes runs in its own network namespace, as on its own host, and reaches Redis and the S3
 * server (s3rver) over a veth pair only. This process (the coordinator) computes a pyramid on an
 * S3 store whose endpoint is that network's service address; the bytes must equal the local
 * pool's.
 *
 * Network (all on this machine, created here and removed in afterAll, failures included):
 * namespace `ngff-w<N>-<pid>`, veth `nw<N>h<pid>` (host side, 10.231.<x>.<4N+1>/30) ↔
 * `nw<N>n<pid>` (namespace side, .<4N+2>/30), `lo` up. The service address is the host side of
 * namespace 1; namespaces 2 and 3 route to it through their own host side (a /32 route), so
 * every worker uses the same endpoint the store reference names. Redis and s3rver listen on the
 * service address only; the namespaces have no other route (no loopback of the host, no
 * default route), so the workers can only have worked through the veths.
 *
 * Where the kernel refuses namespaces (`ip netns add` fails with a permission or operation
 * error: not root, no CAP_SYS_ADMIN, a container without them), every test here prints that
 * on stdout and asserts the refusal reason instead of running: it is never skipped silently.
 */
import { spawnSync } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import type { Server } from "node:http";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { closeSharedPools } from "../../../src/engine/shared-pool.js";
import { openStore } from "../../../src/store/index.js";
import { type RedisTestServer, startRedisServer } from "../../helpers/redis-server.js";
// Imported for its side effects too: s3rver's listing and delete fixes.
import { useS3rverCredentials } from "../../helpers/s3-server.js";
import { readObjects } from "../../helpers/store-objects.js";
import { readTree } from "../pyramid/helpers.js";
import { type Child, spawnChild, stopChild, waitFor, workerArgs, writeImage } from "./helpers.js";

const N = 3;
const BUCKET = "ngff-netns";
const PID = process.pid;
/** What `ip netns add` says when the kernel or our privileges refuse namespaces. */
const REFUSED = /Operation not permitted|Permission denied|not supported|EPERM|EACCES/i;

interface Ns {
  name: string;
  hostIf: string;
  nsIf: string;
  hostAddr: string;
  nsAddr: string;
}

/** `ip …` with output; throws with stderr unless `allowFail`. */
function ip(args: string[], allowFail = false): { code: number; out: string; err: string } {
  const r = spawnSync("ip", args, { encoding: "utf8", timeout: 10_000 });
  if (r.error !== undefined) throw r.error;
  const res = { code: r.status ?? -1, out: r.stdout, err: r.stderr.trim() };
  if (res.code !== 0 && !allowFail) {
    throw new Error(`ip ${args.join(" ")} failed (${res.code}): ${res.err}`);
  }
  return res;
}

/** A third octet no address of this machine uses yet (two runs at once must not collide). */
function pickOctet(): number {
  const used = ip(["-4", "-o", "addr", "show"]).out;
  for (let i = 0; i < 250; i++) {
    const x = (PID + i) % 250;
    if (!used.includes(`10.231.${x}.`)) return x;
  }
  throw new Error("no free 10.231.x.0/24 on this machine");
}

let refused: string | undefined;
const namespaces: Ns[] = [];
const hostIfs: string[] = [];
let svc = "";
let redis: RedisTestServer | undefined;
let s3rver: { close(): Promise<void>; httpServer?: Server } | undefined;
let s3dir: string | undefined;
let endpoint = "";
let dir: string | undefined;
interface NsWorker extends Child {
  ns: string;
  name: string;
}
const workers: NsWorker[] = [];

/** Create namespace `k` (1-based) with its veth pair, addresses and routes. */
function createNamespace(k: number, octet: number): Ns {
  const ns: Ns = {
    name: `ngff-w${k}-${PID}`,
    hostIf: `nw${k}h${PID}`.slice(0, 15),
    nsIf: `nw${k}n${PID}`.slice(0, 15),
    hostAddr: `10.231.${octet}.${4 * k + 1}`,
    nsAddr: `10.231.${octet}.${4 * k + 2}`,
  };
  const added = ip(["netns", "add", ns.name], true);
  if (added.code !== 0) {
    if (REFUSED.test(added.err)) {
      refused = `ip netns add ${ns.name}: ${added.err}`;
      return ns;
    }
    throw new Error(`ip netns add ${ns.name} failed (${added.code}): ${added.err}`);
  }
  namespaces.push(ns);
  ip(["link", "add", ns.hostIf, "type", "veth", "peer", "name", ns.nsIf]);
  hostIfs.push(ns.hostIf);
  ip(["link", "set", ns.nsIf, "netns", ns.name]);
  ip(["addr", "add", `${ns.hostAddr}/30`, "dev", ns.hostIf]);
  ip(["link", "set", ns.hostIf, "up"]);
  const inNs = (args: string[]) => ip(["netns", "exec", ns.name, "ip", ...args]);
  inNs(["link", "set", "lo", "up"]);
  inNs(["addr", "add", `${ns.nsAddr}/30`, "dev", ns.nsIf]);
  inNs(["link", "set", ns.nsIf, "up"]);
  return ns;
}

function startWorker(ns: Ns, url: string): NsWorker {
  // `ip netns exec` execs node: the child's pid is the worker itself.
  const c = spawnChild("queue-ngff", workerArgs(url), {}, ["ip", "netns", "exec", ns.name]);
  const w: NsWorker = Object.assign(c, { ns: ns.name, name: "" });
  workers.push(w);
  return w;
}

beforeAll(async () => {
  useS3rverCredentials();
  const octet = pickOctet();
  for (let k = 1; k <= N; k++) {
    createNamespace(k, octet);
    if (refused !== undefined) return;
  }
  svc = namespaces[0]!.hostAddr;
  for (const ns of namespaces.slice(1)) {
    ip(["netns", "exec", ns.name, "ip", "route", "add", `${svc}/32`, "via", ns.hostAddr]);
  }
  redis = await startRedisServer({ bind: [svc] });
  s3dir = await mkdtemp(join(tmpdir(), "ngff-netns-s3-"));
  await mkdir(join(s3dir, BUCKET));
  const S3rver = createRequire(import.meta.url)("s3rver") as new (
    o: Record<string, unknown>,
  ) => {
    run(): Promise<{ port: number }>;
    close(): Promise<void>;
    httpServer?: Server;
    logger: { close: () => unknown };
  };
  const s = new S3rver({ address: svc, port: 0, directory: s3dir, silent: true });
  s.logger.close = () => s.logger; // as in s3-server.ts: keep the silent logger open
  endpoint = `http://${svc}:${(await s.run()).port}`;
  s3rver = s;
  dir = await mkdtemp(join(tmpdir(), "ngff-netns-"));
  const started = namespaces.map((ns) => startWorker(ns, redis!.url));
  await Promise.all(
    started.map(async (w) => {
      await waitFor("a namespaced worker to be ready", () => / ready: /.test(w.stdout()), 100_000);
      w.name = /ngff worker (\S+): ready/.exec(w.stdout())![1]!;
    }),
  ).catch((err: unknown) => {
    const logs = started.map((w) => `${w.ns}: ${w.stdout()}${w.stderr()}`).join("\n");
    throw new Error(`${String(err)}\n${logs}`);
  });
}, 180_000);

afterAll(async () => {
  // Workers first (SIGTERM: they drain and exit 0), then the servers, then the network.
  const codes = await Promise.all(workers.map(stopChild));
  for (const ns of namespaces) {
    // Anything still inside (it should be nothing) goes before the namespace.
    const pids = ip(["netns", "pids", ns.name], true).out.split(/\s+/).filter(Boolean);
    for (const p of pids) {
      try {
        process.kill(Number(p), "SIGKILL");
      } catch {}
    }
  }
  await closeSharedPools();
  if (s3rver !== undefined) {
    const closed = s3rver.close();
    s3rver.httpServer?.closeAllConnections();
    await closed;
  }
  await redis?.dispose();
  for (const ns of namespaces) ip(["netns", "del", ns.name], true);
  // Deleting a namespace deletes its veth end and so the pair; make sure of the host side.
  for (const h of hostIfs) {
    if (ip(["link", "show", h], true).code === 0) ip(["link", "del", h], true);
  }
  if (s3dir !== undefined) await rm(s3dir, { recursive: true, force: true });
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  const left = ip(["netns", "list"])
    .out.split("\n")
    .filter((l) => l.includes(`-${PID}`));
  expect(left, "namespaces left behind").toEqual([]);
  expect(codes, "worker exit codes (SIGTERM → 0)").toEqual(workers.map(() => 0));
}, 60_000);

/** Says on stdout that namespaces are refused here and asserts the reason; true if so. */
function refusedHere(): boolean {
  if (refused === undefined) return false;
  process.stdout.write(
    `netns.test: NOT RUN — this kernel/user refuses network namespaces: ${refused}\n`,
  );
  expect(refused, `network namespaces refused on this machine: ${refused}`).toMatch(REFUSED);
  return true;
}

describe("workers in their own network namespaces (one per host) over veth", () => {
  test("the namespaces isolate the workers: Redis and S3 only through the veths", () => {
    if (refusedHere()) return;
    process.stdout.write(
      `netns.test: network namespaces work here: ${namespaces.map((n) => `${n.name} (${n.nsAddr})`).join(", ")}; ` +
        `Redis ${redis!.url}, S3 ${endpoint}\n`,
    );
    for (const ns of namespaces) {
      const routes = ip(["netns", "exec", ns.name, "ip", "-4", "route", "show"]).out;
      expect(routes, `${ns.name} has no default route`).not.toMatch(/^default/m);
      const lo = ip(["netns", "exec", ns.name, "ip", "-4", "addr", "show", "lo"]).out;
      expect(lo).toMatch(/127\.0\.0\.1/); // its own loopback, not the host's
    }
    expect(workers.map((w) => w.name)).toHaveLength(N);
  });

  const SHAPE = [1, 2, 4, 96, 80];
  const CHUNKS = [1, 1, 2, 32, 32];
  const CASES = [
    { name: "mode 0.4", method: "mode" as const, version: "0.4" as const, shardsRatio: undefined },
    {
      name: "mean 0.5 sharded",
      method: "mean" as const,
      version: "0.5" as const,
      shardsRatio: [1, 1, 1, 2, 2],
    },
  ];
  test.each(CASES)(
    "$name: S3 through the namespaced workers equals the local pool, byte for byte",
    async ({ name, method, version, shardsRatio }) => {
      if (refusedHere()) return;
      const sub = name.replaceAll(" ", "-");
      const spec = {
        version,
        shape: SHAPE,
        chunks: CHUNKS,
        shardsRatio,
        labels: method === "mode",
      };
      const local = join(dir!, sub, "img.zarr");
      await mkdir(join(dir!, sub), { recursive: true });
      {
        await using pos = await writeImage(local, spec);
        await pos.computePyramid({ levels: 3, method, workers: 2 });
      }
      const s3 = { endpoint, region: "us-east-1", forcePathStyle: true };
      const url = `s3://${BUCKET}/${sub}/img.zarr`;
      {
        await using pos = await writeImage(url, { ...spec, s3 });
        const report = await pos.computePyramid({
          levels: 3,
          method,
          queue: { connection: redis!.url, taskBytes: 1, pollMs: 20, backoffMs: 100 },
        });
        const tasks = report.levels.reduce((a, l) => a + l.tasks, 0);
        expect(report.queue?.added).toBe(tasks);
        expect(tasks).toBeGreaterThanOrEqual(4);
      }
      const objects = await readObjects(await openStore(url, { readOnly: true, s3 }));
      const files = await readTree(local);
      expect(objects.size).toBeGreaterThan(10);
      expect(objects).toEqual(files);
    },
    120_000,
  );
});
