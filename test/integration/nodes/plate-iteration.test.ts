/** rows(), wells() and positions() iterate in natural order (A2 before A10, Z before AA), whatever the creation order. */
import { describe, expect, test } from "vitest";
import { Plate } from "../../../src/nodes/plate/plate.js";
import { createMemoryStore } from "../../../src/store/index.js";
import { memoryCtx } from "./plate-helpers.js";

async function collect<T>(it: AsyncIterable<[string, T]>): Promise<string[]> {
  const out: string[] = [];
  for await (const [k] of it) out.push(k);
  return out;
}

describe.each(["0.4", "0.5"] as const)("NGFF %s", (version) => {
  test("natural order for rows, wells and positions, before and after reopening", async () => {
    const store = createMemoryStore();
    const plate = await Plate.create(memoryCtx(version, store), { channelNames: ["c"] });
    // one at a time, in a deliberately bad order: the lists keep creation order, iteration does not
    for (const p of [
      "AA/1/0",
      "B/10/10",
      "B/10/2",
      "A/10/0",
      "A/2/0",
      "Z/1/0",
      "B/2/0",
      "B/10/1",
    ]) {
      const [r, c, f] = p.split("/") as [string, string, string];
      await plate.createPosition(r, c, f);
    }
    expect(plate.metadata?.rows.map((r) => r.name)).toEqual(["AA", "B", "A", "Z"]);
    const expectWells = ["A/2", "A/10", "B/2", "B/10", "Z/1", "AA/1"];
    const expectPositions = [
      "A/2/0",
      "A/10/0",
      "B/2/0",
      "B/10/1",
      "B/10/2",
      "B/10/10",
      "Z/1/0",
      "AA/1/0",
    ];
    for (const p of [plate, await Plate.open({ ...memoryCtx(version, store), mode: "r" })]) {
      expect(await collect(p.rows())).toEqual(["A", "B", "Z", "AA"]);
      expect(await collect(p.wells())).toEqual(expectWells);
      expect(await collect(p.positions())).toEqual(expectPositions);
      const row = await p.getRow("B");
      expect(await collect(row.wells())).toEqual(["2", "10"]);
      const well = await row.getWell("10");
      expect(await collect(well.positions())).toEqual(["1", "2", "10"]);
      expect(well.images.map((i) => i.path)).toEqual(["10", "2", "1"]);
    }
  });

  test("rows past Z: AA after Z in a batch too", async () => {
    const plate = await Plate.create(memoryCtx(version), { channelNames: ["c"] });
    const letters = ["AB", "Y", "AA", "Z", "A"];
    await plate.createPositions(letters.map((r) => `${r}/1/0`));
    expect(await collect(plate.rows())).toEqual(["A", "Y", "Z", "AA", "AB"]);
    expect(plate.metadata?.rows.map((r) => r.name)).toEqual(["A", "Y", "Z", "AA", "AB"]);
  });

  test("declared row and column lists give physical indices", async () => {
    const rows = "ABCDEFGH".split("");
    const columns = Array.from({ length: 12 }, (_, i) => String(i + 1));
    const plate = await Plate.create(memoryCtx(version), { channelNames: ["c"], rows, columns });
    await plate.createPositions(["H/12/0", "C/5/0"]);
    expect(plate.metadata?.wells).toEqual([
      { path: "C/5", rowIndex: 2, columnIndex: 4 },
      { path: "H/12", rowIndex: 7, columnIndex: 11 },
    ]);
    expect(plate.metadata?.rows).toHaveLength(8);
  });

  test("acquisitions: added, then used by positions", async () => {
    const plate = await Plate.create(memoryCtx(version), {
      channelNames: ["c"],
      acquisitions: [{ id: 0, name: "first" }],
    });
    await plate.createPosition("A", "1", "0");
    await plate.addAcquisition({ id: 1, name: "second", starttime: 10, endtime: 20 });
    await plate.createPosition("A", "1", "1", { acqIndex: 1 });
    expect(plate.acquisitions.map((a) => a.id)).toEqual([0, 1]);
    const well = await plate.getWell("A/1");
    expect(well.images).toEqual([
      { acquisition: 0, path: "0" },
      { acquisition: 1, path: "1" },
    ]);
  });
});
