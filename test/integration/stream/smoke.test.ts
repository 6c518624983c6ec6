import { expect, test } from "vitest";
import { createMemoryStore } from "../../../src/store/index.js";
import { readObjects } from "../../helpers/store-objects.js";
import { batchStore, type Case, frameOrder, newPosition, seeded } from "./helpers.js";

test("smoke: stream equals batch", async () => {
  const c: Case = {
    version: "0.5",
    dtype: "uint16",
    method: "mean",
    shape: [3, 1, 5, 13, 11],
    chunks: [1, 1, 2, 4, 4],
    levels: 3,
    dims: ["z", "y", "x"],
    order: "random",
    seed: 3,
  };
  const n = c.shape.reduce((a, b) => a * b, 1);
  const data = seeded(c.dtype, n, c.seed);
  const want = await readObjects(await batchStore(c, data));
  const store = createMemoryStore();
  const pos = await newPosition(store, c.version);
  const s = await pos.createStream("0", {
    dtype: c.dtype,
    shape: [Infinity, ...c.shape.slice(1)],
    chunks: c.chunks,
    pyramid: { levels: c.levels, method: c.method, dims: c.dims },
  });
  const plane = c.shape[3]! * c.shape[4]!;
  const frames = n / plane;
  for (const i of frameOrder(frames, c.order, c.seed)) {
    await s.write(i, data.subarray(i * plane, (i + 1) * plane));
  }
  await s.close();
  const got = await readObjects(store);
  expect([...got.keys()]).toEqual([...want.keys()]);
  for (const [k, v] of want) expect(got.get(k), k).toBe(v);
});
