import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { closeSharedPools } from "../../../src/engine/shared-pool.js";
import { AlreadyExistsError, convertStore, validateStore } from "../../../src/index.js";
import { openStore } from "../../../src/store/index.js";
import { type S3TestServer, startS3Server, useS3rverCredentials } from "../../helpers/s3-server.js";
import { readObjects } from "../../helpers/store-objects.js";
import { readTree } from "../pyramid/helpers.js";
import { writeFov } from "./helpers.js";

const BUCKET = "ngff-convert-store";
let server: S3TestServer;
let dir: string;

beforeAll(async () => {
  useS3rverCredentials();
  server = await startS3Server([BUCKET]);
  dir = await mkdtemp(join(tmpdir(), "ngff-cs-s3-"));
});
afterAll(async () => {
  await closeSharedPools();
  await server?.dispose();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

const s3url = (name: string) => `s3://${BUCKET}/${name}?endpoint=${server.endpoint}`;

test("disk 0.4 → s3 0.5 → disk 0.4: equal to the conversions on disk", async () => {
  const src = join(dir, "fov.zarr");
  await writeFov(src, "0.4");
  const local5 = join(dir, "v5.zarr");
  await convertStore(src, local5, { version: "0.5", workers: 2 });
  await convertStore(src, s3url("v5.zarr"), { version: "0.5", workers: 2 });
  const remote = await openStore(s3url("v5.zarr"), { readOnly: true });
  const want = new Map([...(await readTree(local5))].sort(([a], [b]) => (a < b ? -1 : 1)));
  expect(await readObjects(remote)).toEqual(want);
  expect((await validateStore(s3url("v5.zarr"), { strict: true })).issues).toEqual([]);
  const bucket = await openStore(`s3://${BUCKET}?endpoint=${server.endpoint}`, { readOnly: true });
  expect((await bucket.list("")).dirs.filter((d) => d.includes(".partial-"))).toEqual([]);
  await expect(
    convertStore(src, s3url("v5.zarr"), { version: "0.5", workers: 0 }),
  ).rejects.toBeInstanceOf(AlreadyExistsError);

  // and back from S3 (workers read the source through its reference)
  const back = join(dir, "back.zarr");
  await convertStore(s3url("v5.zarr"), back, { version: "0.4", workers: 2 });
  const again = join(dir, "again.zarr");
  await convertStore(local5, again, { version: "0.4", workers: 0 });
  expect(await readTree(back)).toEqual(await readTree(again));
});
