import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { closeSharedPools } from "../../../src/engine/shared-pool.js";
import { openStore } from "../../../src/store/index.js";
import { ngff, writeStack } from "../../fixtures/cli/run.js";
import { type S3TestServer, startS3Server, useS3rverCredentials } from "../../helpers/s3-server.js";
import { type StaticServer, startStaticServer } from "../../helpers/static-server.js";
import { readObjects, sortedByKey as sorted } from "../../helpers/store-objects.js";
import { readTree } from "../pyramid/helpers.js";

const BUCKET = "ngff-cli";
let server: S3TestServer;
let web: StaticServer;
let dir: string;

beforeAll(async () => {
  useS3rverCredentials();
  server = await startS3Server([BUCKET]);
  dir = await mkdtemp(join(tmpdir(), "ngff-cli-urls-"));
  const spec = {
    sizeC: 2,
    sizeZ: 4,
    sizeY: 40,
    sizeX: 48,
    dtype: "uint16" as const,
    ome: { channelNames: ["DAPI", "GFP"], physical: { x: 0.5, y: 0.5, z: 2 } },
  };
  await writeStack(join(dir, "a.ome.tif"), spec);
  await writeStack(join(dir, "b.ome.tif"), { ...spec, sizeZ: 4 });
  web = await startStaticServer(dir);
});
afterAll(async () => {
  await closeSharedPools();
  await web?.close();
  await server?.dispose();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

const s3url = (name: string) => `s3://${BUCKET}/${name}?endpoint=${server.endpoint}`;

describe.each([
  { what: "an image", inputs: ["a.ome.tif"] },
  { what: "a plate", inputs: ["a.ome.tif", "b.ome.tif"] },
])("convert $what to s3://", ({ what, inputs }) => {
  test("equals the same conversion on disk, file for file; leaves no partial prefix", async () => {
    const name = `${what === "a plate" ? "plate" : "image"}.zarr`;
    const args = ["--levels", "2", "--chunks", "2,16,16", "--version", "0.5", "--workers", "2"];
    const local = await ngff(
      "convert",
      "-i",
      ...inputs.map((i) => join(dir, i)),
      "-o",
      join(dir, name),
      ...args,
    );
    expect(local.stderr).toBe("");
    expect(local.code).toBe(0);
    const remote = await ngff(
      "convert",
      "-i",
      ...inputs.map((i) => join(dir, i)),
      "-o",
      s3url(name),
      ...args,
    );
    expect(remote.stderr).toBe("");
    expect(remote.code).toBe(0);
    const store = await openStore(s3url(name), { readOnly: true });
    expect(await readObjects(store)).toEqual(sorted(await readTree(join(dir, name))));
    const bucket = await openStore(`s3://${BUCKET}?endpoint=${server.endpoint}`, {
      readOnly: true,
    });
    expect((await bucket.list("")).dirs.filter((d) => d.includes(".partial-"))).toEqual([]);

    // A second conversion to the same URL is refused (no --overwrite); the store is unchanged.
    const again = await ngff("convert", "-i", join(dir, inputs[0]!), "-o", s3url(name), ...args);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/already exists; pass --overwrite/);
    expect(await readObjects(store)).toEqual(sorted(await readTree(join(dir, name))));
  });
});

test("compute-pyramid, info, tree and validate on an s3:// store", async () => {
  const url = s3url("pyr.zarr");
  const c = await ngff(
    "convert",
    "-i",
    join(dir, "a.ome.tif"),
    "-o",
    url,
    "--levels",
    "1",
    "--chunks",
    "2,16,16",
  );
  expect(c.code).toBe(0);
  const p = await ngff("compute-pyramid", "-i", url, "-l", "3", "-m", "mean", "--workers", "2");
  expect(p.stderr).toBe("");
  expect(p.code).toBe(0);
  const t = await ngff("tree", url);
  expect(t.code).toBe(0);
  expect(t.stdout).toMatch(/── 2 \(1, 2, 1, 10, 12\) uint16/);
  const v = await ngff("validate", url);
  expect(v.code).toBe(0);
  expect(v.stdout).toMatch(/: valid \(image, OME-NGFF 0\.4\)/);
  const i = await ngff("info", url, "--json");
  expect(i.code).toBe(0);
  const [summary] = JSON.parse(i.stdout) as {
    layout: string;
    sizeBytes: number | null;
    image: { method: string; levels: { shape: number[] }[] };
  }[];
  expect(summary).toMatchObject({ layout: "fov", sizeBytes: null, image: { method: "mean" } });
  expect(summary!.image.levels.map((l) => l.shape)).toEqual([
    [1, 2, 4, 40, 48],
    [1, 2, 2, 20, 24],
    [1, 2, 1, 10, 12],
  ]);
});

test("info, tree and validate on an http:// store served over loopback", async () => {
  const local = await ngff(
    "convert",
    "-i",
    join(dir, "a.ome.tif"),
    "-o",
    join(dir, "web.zarr"),
    "--levels",
    "2",
    "--chunks",
    "2,16,16",
  );
  expect(local.code).toBe(0);
  const url = `${web.url}/web.zarr`;
  for (const cmd of ["tree", "validate", "info"]) {
    const onDisk = await ngff(cmd, join(dir, "web.zarr"));
    const overHttp = await ngff(cmd, url);
    expect(overHttp.stderr).toBe("");
    expect(overHttp.code).toBe(0);
    // Same report but for the store's name, and the size (counted for directories only).
    const norm = (out: string, name: string) =>
      out.replaceAll(name, "<store>").replace(/ {2}size: .*\n/, "  size: -\n");
    expect(norm(overHttp.stdout, url)).toEqual(norm(onDisk.stdout, join(dir, "web.zarr")));
    if (cmd === "info") expect(overHttp.stdout).toMatch(/size: +not counted \(remote store\)/);
  }
});

test("bad URLs: unsupported scheme, read-only HTTP output, unreachable endpoint → exit 1, one line, nothing written", async () => {
  const ftp = await ngff("tree", "ftp://example.invalid/x.zarr");
  expect(ftp.code).toBe(1);
  expect(ftp.stderr).toMatch(/unsupported store URL/);
  const http = await ngff("convert", "-i", join(dir, "a.ome.tif"), "-o", `${web.url}/out.zarr`);
  expect(http.code).toBe(1);
  expect(http.stderr).toMatch(/read-only/);
  const closed = await ngff(
    "convert",
    "-i",
    join(dir, "a.ome.tif"),
    "-o",
    `s3://${BUCKET}/x.zarr?endpoint=http://127.0.0.1:9`,
  );
  expect(closed.code).toBe(1);
  expect(closed.stderr.trim().split("\n")).toHaveLength(1);
  expect(closed.stderr).toMatch(/cannot open the S3 store/);
});
