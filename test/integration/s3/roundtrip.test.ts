/**
 * The storage round-trip table on S3: every data type × (Zarr v2 / NGFF 0.4, v3 / 0.5, v3
 * sharded) written with `createArray` + `writeRegion` reads back equal, and the objects hold
 * exactly the bytes the same array has in a local directory, key for key.
 */
import * as fs from "node:fs/promises";
import * as nodePath from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  type ArraySpec,
  createArray,
  DATA_TYPES,
  type DataType,
  openLocalStore,
  type ZarrStore,
} from "../../../src/store/index.js";
import type { S3TestServer } from "../../helpers/s3-server.js";
import { sampleData, tempDir, toArray } from "../../unit/store/helpers.js";
import { allKeys, BUCKET, freshPrefix, openAt, startServer } from "./helpers.js";

const LAYOUTS: { label: string; format: 2 | 3; spec: Pick<ArraySpec, "chunks" | "shards"> }[] = [
  { label: "v2 (NGFF 0.4)", format: 2, spec: { chunks: [8, 6] } },
  { label: "v3 (NGFF 0.5)", format: 3, spec: { chunks: [8, 6] } },
  { label: "v3 sharded", format: 3, spec: { chunks: [4, 3], shards: [8, 6] } },
];
const SHAPE = [10, 13]; // edge chunks on both axes

let server: S3TestServer;
let s3: ZarrStore;
let local: ZarrStore;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  server = await startServer();
  s3 = await openAt(server.endpoint, freshPrefix("roundtrip"));
  const tmp = await tempDir("ngff-s3-roundtrip-");
  cleanup = tmp.cleanup;
  local = await openLocalStore(tmp.dir);
});
afterAll(async () => {
  await cleanup();
  await server.dispose();
});

describe.each(LAYOUTS)("$label", ({ format, spec, label }) => {
  test("every data type round-trips and matches the local store byte for byte", async () => {
    const whole = SHAPE.map((s) => [0, s] as [number, number]);
    await Promise.all(
      DATA_TYPES.map(async (dtype: DataType, i) => {
        const path = `${format}-${spec.shards === undefined ? "plain" : "sharded"}/${dtype}`;
        const data = sampleData(dtype, SHAPE[0]! * SHAPE[1]!, 11 + i);
        for (const store of [s3, local]) {
          const arr = await createArray(store, path, format, { shape: SHAPE, dtype, ...spec });
          await arr.writeRegion(whole, data);
          expect(toArray(await arr.readRegion(whole)), `${label} ${dtype}`).toEqual(toArray(data));
        }
      }),
    );
    const root = `${format}-${spec.shards === undefined ? "plain" : "sharded"}`;
    const keys = await allKeys(s3, root);
    expect(keys).toEqual(await allKeys(local, root));
    // Metadata plus 2×3 blocks per array (all written: sample data is never all fill).
    expect(keys.length).toBe(DATA_TYPES.length * ((format === 2 ? 2 : 1) + 6));
    // The stored objects, read from s3rver's directory (<key>._S3rver_object).
    const objectFile = (k: string) =>
      nodePath.join(
        server.dir,
        BUCKET,
        s3.ref.kind === "s3" ? s3.ref.prefix : "",
        `${k}._S3rver_object`,
      );
    for (const k of keys) {
      const [a, b] = await Promise.all([fs.readFile(objectFile(k)), local.get(k)]);
      expect(Buffer.compare(a, b!), k).toBe(0);
    }
    expect(Buffer.compare((await s3.get(keys[0]!))!, (await local.get(keys[0]!))!)).toBe(0);
  });
});
