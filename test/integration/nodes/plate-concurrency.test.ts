/** Concurrent calls in one process serialize their metadata updates: nothing is lost or listed twice. */
import { expect, test } from "vitest";
import { plateIssues } from "../../../src/nodes/plate/meta.js";
import { Plate } from "../../../src/nodes/plate/plate.js";
import { createMemoryStore } from "../../../src/store/index.js";
import { validateStore } from "../../../src/validate/store.js";
import { memoryCtx } from "./plate-helpers.js";

test.each(["0.4", "0.5"] as const)(
  "NGFF %s: 40 concurrent createPosition calls over 8 new wells, plus a batch",
  async (version) => {
    const store = createMemoryStore();
    const plate = await Plate.create(memoryCtx(version, store), { channelNames: ["c"] });
    const calls = [];
    for (let w = 0; w < 8; w++) {
      for (let f = 0; f < 5; f++)
        calls.push(plate.createPosition(w < 4 ? "A" : "B", String((w % 4) + 1), String(f)));
    }
    calls.push(plate.createPositions(["C/1/0", "A/1/9"]));
    await Promise.all(calls);
    const reopened = await Plate.open({ ...memoryCtx(version, store), mode: "r" });
    expect(reopened.metadata).toEqual(plate.metadata);
    expect(reopened.wellPaths()).toEqual([
      "A/1",
      "A/2",
      "A/3",
      "A/4",
      "B/1",
      "B/2",
      "B/3",
      "B/4",
      "C/1",
    ]);
    expect(plateIssues(reopened.metadata!)).toEqual([]);
    const a1 = await reopened.getWell("A/1");
    expect(a1.positionNames()).toEqual(["0", "1", "2", "3", "4", "9"]);
    let n = 0;
    for await (const _ of reopened.positions()) n++;
    expect(n).toBe(42);
    // with an image in each position, the whole store validates
    for await (const [, pos] of plate.positions()) {
      await pos.createImage("0", { data: new Uint8Array(4), shape: [1, 1, 1, 2, 2] });
    }
    expect((await validateStore(store)).issues).toEqual([]);
  },
);
