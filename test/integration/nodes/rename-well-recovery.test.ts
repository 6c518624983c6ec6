/**
 * renameWell interrupted between moving the well group and writing the plate metadata (a
 * SIGKILL there leaves `from` listed but gone, `to` on disk but unlisted): renaming again
 * completes it, and the store validates.
 */
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { isOmeZarrError } from "../../../src/errors.js";
import type { Plate } from "../../../src/nodes/plate/plate.js";
import { openOmeZarr } from "../../../src/open.js";
import { createGroup, openLocalStore } from "../../../src/store/index.js";
import { validateStore } from "../../../src/validate/store.js";
import { rejection, tempDir, vals } from "./open-helpers.js";

for (const version of ["0.4", "0.5"] as const) {
  describe(`NGFF ${version}`, () => {
    async function interrupted(): Promise<string> {
      const path = join(await tempDir(), "plate.zarr");
      {
        await using plate = (await openOmeZarr(path, {
          layout: "hcs",
          mode: "w-",
          version,
          channelNames: ["c"],
        })) as Plate;
        await plate.createPositions(["A/1/0", "A/2/0"]);
        for (const [name, first] of [
          ["A/1/0", 1],
          ["A/2/0", 5],
        ] as const) {
          const pos = await plate.getPosition(name);
          const data = Uint8Array.from([first, first + 1, first + 2, first + 3]);
          await pos.createImage("0", { data, shape: [1, 1, 1, 2, 2] });
        }
      }
      // What renameWell("A/1", "B/3") does before its metadata write: the new row group, then
      // the move. The process dies here.
      const store = await openLocalStore(path);
      await createGroup(store, "B", version === "0.4" ? 2 : 3);
      await store.rename("A/1", "B/3");
      return path;
    }

    test("the interrupted state is what it claims: invalid, and the well cannot be read", async () => {
      const path = await interrupted();
      expect((await validateStore(path)).ok).toBe(false);
    });

    test("renameWell(from, to) again completes the rename; the store validates", async () => {
      const path = await interrupted();
      {
        await using plate = (await openOmeZarr(path, { layout: "hcs", mode: "r+" })) as Plate;
        await plate.renameWell("A/1", "B/3");
      }
      const report = await validateStore(path);
      expect(report.issues).toEqual([]);
      await using plate = (await openOmeZarr(path, { layout: "hcs", mode: "r" })) as Plate;
      const wells = [];
      for await (const [name] of plate.wells()) wells.push(name);
      expect(wells.sort()).toEqual(["A/2", "B/3"]);
      const pos = await plate.getPosition("B/3/0");
      expect(vals(await (await pos.data).read([]))).toEqual([1, 2, 3, 4]);
    });

    test("another target is still refused while the moved group exists unlisted", async () => {
      const path = await interrupted();
      await using plate = (await openOmeZarr(path, { layout: "hcs", mode: "r+" })) as Plate;
      // from is gone and C/1 does not exist: nothing to move.
      const err = await rejection(plate.renameWell("A/1", "C/1"));
      expect(isOmeZarrError(err, "NotFound")).toBe(true);
    });
  });
}
