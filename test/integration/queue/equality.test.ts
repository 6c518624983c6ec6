import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { closeSharedPools } from "../../../src/engine/shared-pool.js";
import { openStore } from "../../../src/store/index.js";
import { ngff, storeFiles, writeStack } from "../../fixtures/cli/run.js";
import { type RedisTestServer, startRedisServer } from "../../helpers/redis-server.js";
import { type S3TestServer, startS3Server, useS3rverCredentials } from "../../helpers/s3-server.js";
import { readObjects } from "../../helpers/store-objects.js";
import { readTree } from "../pyramid/helpers.js";
import {
  completedByKind,
  lastEventId,
  startWorkers,
  type WorkerProcess,
  writeImage,
} from "./helpers.js";

const BUCKET = "ngff-queue";
let redis: RedisTestServer;
let s3: S3TestServer;
let workers: WorkerProcess[] = [];
let dir: string;

beforeAll(async () => {
  useS3rverCredentials();
  [redis, s3] = await Promise.all([startRedisServer(), startS3Server([BUCKET])]);
  workers = await startWorkers(3, redis.url);
  dir = await mkdtemp(join(tmpdir(), "ngff-queue-eq-"));
}, 180_000);

afterAll(async () => {
  // Workers first (SIGTERM: they drain and exit 0), then the servers they talk to.
  const codes = await Promise.all(workers.map((w) => w.stop()));
  await closeSharedPools();
  await Promise.all([redis?.dispose(), s3?.dispose()]);
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  expect(codes).toEqual(workers.map(() => 0));
}, 60_000);

const queue = () => ({ connection: redis.url, taskBytes: 1, pollMs: 20, backoffMs: 100 });

const CASES = [
  { name: "mean 0.4", method: "mean" as const, version: "0.4" as const, shardsRatio: undefined },
  { name: "mode 0.4", method: "mode" as const, version: "0.4" as const, shardsRatio: undefined },
  {
    name: "mean 0.5 sharded",
    method: "mean" as const,
    version: "0.5" as const,
    shardsRatio: [1, 1, 1, 2, 2],
  },
  {
    name: "mode 0.5 sharded",
    method: "mode" as const,
    version: "0.5" as const,
    shardsRatio: [1, 1, 1, 2, 2],
  },
  { name: "mean 0.5", method: "mean" as const, version: "0.5" as const, shardsRatio: undefined },
];
const SHAPE = [1, 2, 4, 96, 80];
const CHUNKS = [1, 1, 2, 32, 32];

describe("on a directory: queue workers write the same bytes as the local pool", () => {
  test.each(CASES)("$name", async ({ name, method, version, shardsRatio }) => {
    const sub = name.replaceAll(" ", "-");
    const spec = { version, shape: SHAPE, chunks: CHUNKS, shardsRatio, labels: method === "mode" };
    const paths = {
      local: join(dir, sub, "local", "img.zarr"),
      queued: join(dir, sub, "queued", "img.zarr"),
    };
    await mkdir(join(dir, sub, "local"), { recursive: true });
    await mkdir(join(dir, sub, "queued"), { recursive: true });
    {
      await using pos = await writeImage(paths.local, spec);
      await pos.computePyramid({ levels: 3, method, workers: 2 });
    }
    await using pos = await writeImage(paths.queued, spec);
    const report = await pos.computePyramid({ levels: 3, method, queue: queue() });
    // Every task went through the queue (one block per task), none was run here.
    const tasks = report.levels.reduce((a, l) => a + l.tasks, 0);
    expect(report.queue?.added).toBe(tasks);
    expect(tasks).toBeGreaterThanOrEqual(shardsRatio === undefined ? 10 : 4);
    const [a, b] = await Promise.all([readTree(paths.local), readTree(paths.queued)]);
    expect(a.size).toBeGreaterThan(10);
    expect(b).toEqual(a);
  });
});

describe("on S3: workers in other processes reach s3rver through the store reference", () => {
  test.each([CASES[1]!, CASES[2]!])("$name", async ({ name, method, version, shardsRatio }) => {
    const sub = `s3-${name.replaceAll(" ", "-")}`;
    const s3opts = { endpoint: s3.endpoint, region: "us-east-1", forcePathStyle: true };
    const spec = { version, shape: SHAPE, chunks: CHUNKS, shardsRatio, labels: method === "mode" };
    const local = join(dir, sub, "img.zarr");
    await mkdir(join(dir, sub), { recursive: true });
    {
      await using pos = await writeImage(local, spec);
      await pos.computePyramid({ levels: 3, method, workers: 2 });
    }
    const url = `s3://${BUCKET}/${sub}/img.zarr`;
    {
      await using pos = await writeImage(url, { ...spec, s3: s3opts });
      const report = await pos.computePyramid({ levels: 3, method, queue: queue() });
      expect(report.queue?.added).toBeGreaterThanOrEqual(4);
    }
    const objects = await readObjects(await openStore(url, { readOnly: true, s3: s3opts }));
    const files = await readTree(local);
    expect(objects.size).toBeGreaterThan(10);
    expect(objects).toEqual(files);
  });
});

describe("ngff convert --redis", () => {
  test("a plate converted through the queue equals the local conversion, file for file; every input converted by a worker", async () => {
    const inputs = join(dir, "tiffs");
    await mkdir(inputs, { recursive: true });
    const csv: string[] = [];
    // Heights differ, so an input written into another position would not go unnoticed.
    for (const [i, well] of ["A/1", "A/2", "B/1"].entries()) {
      await writeStack(join(inputs, `w${i}.tif`), {
        sizeZ: 3,
        sizeY: 80 + 16 * i,
        sizeX: 96,
        dtype: "uint16",
      });
      csv.push(`w${i}.tif,${well}`);
    }
    await writeFile(join(inputs, "wells.csv"), `${csv.join("\n")}\n`);
    const out = { local: join(dir, "plate-local"), queued: join(dir, "plate-queued") };
    await mkdir(out.local);
    await mkdir(out.queued);
    const common = [
      "--plate",
      join(inputs, "wells.csv"),
      "--levels",
      "3",
      "--chunks",
      "1,1,1,32,32",
    ];
    const a = await ngff(
      "convert",
      ...common,
      "-o",
      join(out.local, "plate.zarr"),
      "--workers",
      "2",
    );
    expect(a.stderr).toBe("");
    expect(a.code).toBe(0);
    const mark = await lastEventId(redis.port);
    const b = await ngff(
      "convert",
      ...common,
      "-o",
      join(out.queued, "plate.zarr"),
      "--redis",
      redis.url,
    );
    expect(b.stderr).toBe("");
    expect(b.code).toBe(0);
    expect(b.stdout).toMatch(/queue: 3 conversion job\(s\), \d+ pyramid job\(s\)/);
    // Jobs completed on the workers (only they move jobs to completed), counted by kind from
    // their job ids: one conversion per input (`c…`), pyramid tasks (`p…`) for each position.
    const done = await completedByKind(redis.port, mark);
    expect(done.convert).toBe(3);
    expect(done.pyramid).toBeGreaterThanOrEqual(3 * 2);
    const [x, y] = await Promise.all([
      storeFiles(join(out.local, "plate.zarr")),
      storeFiles(join(out.queued, "plate.zarr")),
    ]);
    expect(Object.keys(x).length).toBeGreaterThan(30);
    expect(y).toEqual(x);
  });
});
