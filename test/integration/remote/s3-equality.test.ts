import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  closeSharedPools,
  hasSharedPool,
  REMOTE_TASKS_PER_WORKER,
} from "../../../src/engine/shared-pool.js";
import { isOmeZarrError } from "../../../src/errors.js";
import type { Position } from "../../../src/nodes/position.js";
import { openOmeZarr } from "../../../src/open.js";
import { openStore } from "../../../src/store/index.js";
import { validateStore } from "../../../src/validate/store.js";
import { type S3TestServer, startS3Server, useS3rverCredentials } from "../../helpers/s3-server.js";
import { readObjects, sortedByKey as sorted } from "../../helpers/store-objects.js";
import { readTree, seededUint16 } from "../pyramid/helpers.js";

const BUCKET = "ngff-eq";
let server: S3TestServer;
let dir: string;

beforeAll(async () => {
  useS3rverCredentials();
  server = await startS3Server([BUCKET]);
  dir = await mkdtemp(join(tmpdir(), "ngff-s3-eq-"));
});
afterAll(async () => {
  await closeSharedPools();
  await server?.dispose();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

const s3 = () => ({ endpoint: server.endpoint, region: "us-east-1", forcePathStyle: true });
const url = (name: string) => `s3://${BUCKET}/${name}`;

const SHAPE = [1, 2, 6, 96, 80];
const CASES = [
  { name: "0.4", version: "0.4" as const, shardsRatio: undefined },
  { name: "0.5", version: "0.5" as const, shardsRatio: undefined },
  { name: "0.5 sharded", version: "0.5" as const, shardsRatio: [1, 1, 1, 2, 2] },
];

async function writeFov(target: string, version: "0.4" | "0.5", shardsRatio?: number[]) {
  await using pos = (await openOmeZarr(target, {
    layout: "fov",
    mode: "w-",
    version,
    channelNames: ["DAPI", "GFP"],
    s3: s3(),
  })) as Position;
  await pos.createImage(
    "0",
    {
      data: seededUint16(
        SHAPE.reduce((a, b) => a * b, 1),
        7,
      ),
      shape: SHAPE,
    },
    { chunks: [1, 1, 2, 32, 32], ...(shardsRatio === undefined ? {} : { shardsRatio }) },
  );
  // Pool workers (2 threads) reopen the store by reference and write every level.
  await pos.computePyramid({ levels: 3, method: "mean", workers: 2 });
  const labels = new Uint32Array(SHAPE[2]! * SHAPE[3]! * SHAPE[4]!).map((_, i) => (i >> 9) % 5);
  await pos.createLabel("cells", { data: labels, shape: [1, SHAPE[2]!, SHAPE[3]!, SHAPE[4]!] });
}

describe.each(CASES)(
  "fov with pyramid and labels, NGFF $name",
  ({ name, version, shardsRatio }) => {
    test("S3 and disk hold the same objects, byte for byte; the S3 store validates", async () => {
      const store = `fov-${name.replace(" ", "-")}.zarr`;
      const local = join(dir, store);
      await writeFov(local, version, shardsRatio);
      await writeFov(url(store), version, shardsRatio);
      expect(hasSharedPool(2, REMOTE_TASKS_PER_WORKER)).toBe(true);

      const remote = await openStore(url(store), { readOnly: true, s3: s3() });
      const objects = await readObjects(remote);
      const files = sorted(await readTree(local));
      expect(objects.size).toBeGreaterThan(20);
      expect([...objects.keys()]).toEqual([...files.keys()]);
      expect(objects).toEqual(files);
      const result = await validateStore(remote);
      expect(result.issues).toEqual([]);
    });
  },
);

async function writePlate(target: string, version: "0.4" | "0.5") {
  await using plate = await openOmeZarr(target, {
    layout: "hcs",
    mode: "w-",
    version,
    channelNames: ["DAPI"],
    s3: s3(),
  });
  const positions = await plate.createPositions(["A/1/0", "A/2/0", "B/1/0", "B/1/1"]);
  const shape = [1, 1, 2, 40, 40];
  for (const [i, pos] of positions.entries()) {
    await pos.createImage(
      "0",
      {
        data: seededUint16(
          shape.reduce((a, b) => a * b, 1),
          i + 1,
        ),
        shape,
      },
      { chunks: [1, 1, 1, 16, 16] },
    );
    await pos.computePyramid({ levels: 2, method: "max", workers: 2 });
  }
}

describe.each(["0.4", "0.5"] as const)("hcs plate, NGFF %s", (version) => {
  test("S3 and disk hold the same objects, byte for byte; reopened from S3 it lists its wells", async () => {
    const store = `plate-${version}.zarr`;
    const local = join(dir, store);
    await writePlate(local, version);
    await writePlate(url(store), version);
    const remote = await openStore(url(store), { readOnly: true, s3: s3() });
    expect(await readObjects(remote)).toEqual(sorted(await readTree(local)));
    expect((await validateStore(remote)).issues).toEqual([]);

    await using plate = await openOmeZarr(url(store), { mode: "r", layout: "hcs", s3: s3() });
    const names: string[] = [];
    for await (const [n] of plate.positions()) names.push(n);
    expect(names).toEqual(["A/1/0", "A/2/0", "B/1/0", "B/1/1"]);
  });
});

test("mode r on S3 refuses writes with ReadOnlyError, and nothing is written", async () => {
  const store = "fov-ro.zarr";
  await writeFov(url(store), "0.5");
  const before = await readObjects(await openStore(url(store), { readOnly: true, s3: s3() }));
  await using pos = (await openOmeZarr(url(store), {
    mode: "r",
    layout: "fov",
    s3: s3(),
  })) as Position;
  const err = await pos
    .createImage("x", { data: new Uint16Array(4), shape: [1, 1, 1, 2, 2] })
    .catch((e: unknown) => e);
  expect(isOmeZarrError(err, "ReadOnly")).toBe(true);
  const after = await readObjects(await openStore(url(store), { readOnly: true, s3: s3() }));
  expect(after).toEqual(before);
});
