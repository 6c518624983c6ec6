import { afterEach, beforeEach, describe, expect, test } from "vitest";
import {
  createArray,
  createGroup,
  createMemoryStore,
  listChildren,
  openArray,
  openLocalStore,
  readAttributes,
  readNode,
  type ZarrStore,
} from "../../../src/store/index.js";
import { sampleData, sliceRef, tempDir, toArray } from "./helpers.js";

describe.each([2, 3] as const)("Zarr v%i basics", (format) => {
  let cleanup: () => Promise<void>;
  let stores: [string, ZarrStore][];
  beforeEach(async () => {
    const t = await tempDir();
    cleanup = t.cleanup;
    stores = [
      ["memory", createMemoryStore()],
      ["local", await openLocalStore(t.dir, { create: true })],
    ];
  });
  afterEach(() => cleanup());

  test("round-trips a 2-D uint16 array with edge chunks, whole and by region", async () => {
    for (const [, store] of stores) {
      await createGroup(store, "", format, { hello: "world" });
      const arr = await createArray(store, "img", format, {
        shape: [37, 50],
        dtype: "uint16",
        chunks: [16, 16],
      });
      const data = sampleData("uint16", 37 * 50);
      await arr.writeRegion(
        [
          [0, 37],
          [0, 50],
        ],
        data,
      );
      const back = await (await openArray(store, "img")).readRegion([
        [0, 37],
        [0, 50],
      ]);
      expect(toArray(back)).toEqual(toArray(data));
      const sub = await arr.readRegion([
        [5, 30],
        [17, 49],
      ]);
      expect(toArray(sub)).toEqual(
        sliceRef(
          data,
          [37, 50],
          [
            [5, 30],
            [17, 49],
          ],
        ),
      );
      expect(await readAttributes(store, "")).toEqual({ hello: "world" });
      expect(await listChildren(store, "")).toEqual({ groups: [], arrays: ["img"] });
      expect((await readNode(store, "img"))?.kind).toBe("array");
    }
  });

  test("partial writes keep the rest of the chunk; missing chunks read as fill value", async () => {
    for (const [, store] of stores) {
      const arr = await createArray(store, "a", format, {
        shape: [10, 10],
        dtype: "float32",
        chunks: [4, 4],
        fillValue: 7,
      });
      await arr.writeRegion(
        [
          [1, 3],
          [1, 3],
        ],
        new Float32Array([1, 2, 3, 4]),
      );
      await arr.writeRegion(
        [
          [2, 5],
          [2, 3],
        ],
        9,
      );
      const all = await arr.readRegion([
        [0, 10],
        [0, 10],
      ]);
      expect(all[0]).toBe(7);
      expect(all[11]).toBe(1);
      expect(all[12]).toBe(2);
      expect(all[21]).toBe(3);
      expect(all[22]).toBe(9);
      expect(all[32]).toBe(9);
      expect(all[42]).toBe(9);
      expect(all[99]).toBe(7);
    }
  });
});
