/**
 * Batch creation writes plate metadata a bounded number of times (not once per position), and
 * opening a plate and iterating every position reads each node's metadata once.
 */
import { describe, expect, test } from "vitest";
import { rowLetters } from "../../../src/nodes/plate/order.js";
import { Plate } from "../../../src/nodes/plate/plate.js";
import { createMemoryStore } from "../../../src/store/index.js";
import { validateStore } from "../../../src/validate/store.js";
import { attrsKey, countingStore, memoryCtx } from "./plate-helpers.js";

const ROWS = Array.from({ length: 8 }, (_, i) => rowLetters(i));
const COLS = Array.from({ length: 12 }, (_, i) => String(i + 1));
const SPECS = ROWS.flatMap((r) => COLS.flatMap((c) => [0, 1, 2, 3].map((p) => `${r}/${c}/${p}`)));

describe.each(["0.4", "0.5"] as const)("NGFF %s", (version) => {
  test("96 wells × 4 positions: plate metadata written at most twice, each well's at most twice", async () => {
    const { store, counts } = countingStore(createMemoryStore());
    const plate = await Plate.create(memoryCtx(version, store), { channelNames: ["BF"] });
    const positions = await plate.createPositions(SPECS);
    expect(positions).toHaveLength(384);
    // Plate.create writes the (empty) group once; the batch writes the metadata once.
    expect(counts.sets.get(attrsKey("", version))).toBe(2);
    for (const r of ROWS) {
      expect(counts.sets.get(attrsKey(r, version))).toBe(1);
      for (const c of COLS) expect(counts.sets.get(attrsKey(`${r}/${c}`, version))).toBe(2);
    }
    expect(plate.metadata?.wells).toHaveLength(96);

    expect(plate.metadata?.acquisitions?.[0]?.maximumfieldcount).toBe(4);

    // more positions in existing wells: one plate write, because the acquisition's
    // maximumfieldcount grows from 4 to 5 (a strict-schema field the plate keeps) ...
    counts.sets.clear();
    await plate.createPositions(["A/1/4", "H/12/4"]);
    expect(counts.sets.get(attrsKey("", version))).toBe(1);
    expect(plate.metadata?.acquisitions?.[0]?.maximumfieldcount).toBe(5);
    // ... and none while it does not
    counts.sets.clear();
    await plate.createPosition("B", "3", "4");
    await plate.createPositions(["C/1/4"]);
    expect(counts.sets.get(attrsKey("", version))).toBeUndefined();
    expect(counts.sets.get(attrsKey("B/3", version))).toBe(1);
    // a sixth field through plate.createPosition raises it again, with one write
    await plate.createPosition("B", "3", "5");
    expect(counts.sets.get(attrsKey("", version))).toBe(1);
    expect(plate.metadata?.acquisitions?.[0]?.maximumfieldcount).toBe(6);
  });

  test("opening the plate and iterating every position reads each node's metadata once", async () => {
    const base = createMemoryStore();
    const plate = await Plate.create(memoryCtx(version, base), { channelNames: ["BF"] });
    const created = await plate.createPositions(SPECS);
    for (const pos of created) {
      await pos.createImage("0", { data: new Uint8Array(4), shape: [1, 1, 1, 2, 2] });
    }
    expect((await validateStore(base)).issues).toEqual([]);
    const { store, counts } = countingStore(base);
    const reopened = await Plate.open({ ...memoryCtx(version, store), mode: "r" });
    const seen: string[] = [];
    for await (const [path, pos] of reopened.positions()) {
      seen.push(path);
      expect(pos.channelNames).toEqual(["BF"]);
    }
    expect(seen).toHaveLength(384);
    expect(seen.slice(0, 5)).toEqual(["A/1/0", "A/1/1", "A/1/2", "A/1/3", "A/2/0"]);
    expect(seen.at(-1)).toBe("H/12/3");
    const file = version === "0.4" ? ".zattrs" : "zarr.json";
    const attrReads = [...counts.gets].filter(([k]) => k === file || k.endsWith(`/${file}`));
    // root + 96 wells + 384 positions (rows have no metadata to read), each read once
    expect(attrReads).toHaveLength(1 + 96 + 384);
    expect(Math.max(...attrReads.map(([, n]) => n))).toBe(1);
    // nothing else heavy: no chunk reads while iterating
    expect(
      [...counts.gets.keys()].every((k) => /(\.zattrs|\.zgroup|\.zarray|zarr\.json)$/.test(k)),
    ).toBe(true);

    // iterating again reads nothing (nodes are cached by the plate)
    counts.gets.clear();
    let n = 0;
    for await (const _ of reopened.positions()) n++;
    expect(n).toBe(384);
    expect(counts.gets.size).toBe(0);
  });
});
