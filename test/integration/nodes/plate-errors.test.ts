/** Bad input gets a typed error and leaves the store byte-identical (every check runs before any write). */
import { describe, expect, test } from "vitest";
import { isOmeZarrError, type OmeZarrErrorTag } from "../../../src/errors.js";
import { Plate } from "../../../src/nodes/plate/plate.js";
import { createMemoryStore } from "../../../src/store/index.js";
import { dumpStore, memoryCtx } from "./plate-helpers.js";

async function build(version: "0.4" | "0.5"): Promise<Plate> {
  const plate = await Plate.create(memoryCtx(version, createMemoryStore()), {
    channelNames: ["c"],
  });
  await plate.createPositions(["A/1/0", "B/1/0", "B/2/0"]);
  const pos = await plate.getPosition("A/1/0");
  await pos.createImage("0", { data: new Uint8Array(4).fill(9), shape: [1, 1, 1, 2, 2] });
  return plate;
}

const CASES: [string, (p: Plate) => Promise<unknown>, OmeZarrErrorTag][] = [
  ["existing well", (p) => p.createWell("A", "1"), "AlreadyExists"],
  ["existing position", (p) => p.createPosition("A", "1", "0"), "AlreadyExists"],
  ["existing position in a batch", (p) => p.createPositions(["C/1/0", "A/1/0"]), "AlreadyExists"],
  ["duplicate position in a batch", (p) => p.createPositions(["C/1/0", "C/1/0"]), "AlreadyExists"],
  ["row ..", (p) => p.createWell("..", "1"), "UnsafePath"],
  ["row a/b", (p) => p.createWell("a/b", "1"), "UnsafePath"],
  ["empty row", (p) => p.createWell("", "1"), "UnsafePath"],
  ["column ..", (p) => p.createPosition("A", "..", "0"), "UnsafePath"],
  ["empty column", (p) => p.createPosition("A", "", "0"), "UnsafePath"],
  ["position ..", (p) => p.createPosition("A", "1", ".."), "UnsafePath"],
  ["position a/b", (p) => p.createPosition("A", "1", "a/b"), "UnsafePath"],
  ["empty position", (p) => p.createPosition("A", "1", ""), "UnsafePath"],
  ["unsafe name in a batch", (p) => p.createPositions(["C/1/0", "C/../0"]), "UnsafePath"],
  ["non-alphanumeric row", (p) => p.createWell("A-1", "1"), "InvalidMetadata"],
  [
    "unknown acquisition",
    (p) => p.createPosition("C", "1", "0", { acqIndex: 5 }),
    "InvalidMetadata",
  ],
  ["row index that disagrees", (p) => p.createWell("A", "7", { rowIndex: 1 }), "InvalidMetadata"],
  ["rename to an existing well", (p) => p.renameWell("A/1", "B/2"), "AlreadyExists"],
  ["rename to itself", (p) => p.renameWell("A/1", "A/1"), "AlreadyExists"],
  ["rename an unknown well", (p) => p.renameWell("Z/9", "C/1"), "NotFound"],
  ["rename to an unsafe path", (p) => p.renameWell("A/1", "../x"), "UnsafePath"],
  ["rename to a bad path", (p) => p.renameWell("A/1", "C"), "InvalidMetadata"],
  ["unknown well", (p) => p.getWell("C/1"), "NotFound"],
  ["unknown position", (p) => p.getPosition("A/1/7"), "NotFound"],
  ["duplicate acquisition", (p) => p.addAcquisition({ id: 0 }), "AlreadyExists"],
  ["bad concurrency", (p) => p.createPositions(["C/1/0"], { concurrency: 0 }), "InvalidOptions"],
];

describe.each(["0.4", "0.5"] as const)("NGFF %s", (version) => {
  test.each(CASES)("%s → typed error, store unchanged", async (_name, op, tag) => {
    const plate = await build(version);
    const before = await dumpStore(plate.ctx.store);
    const metaBefore = plate.metadata;
    let error: unknown;
    try {
      await op(plate);
    } catch (e) {
      error = e;
    }
    expect(isOmeZarrError(error, tag), String(error)).toBe(true);
    expect(await dumpStore(plate.ctx.store)).toEqual(before);
    expect(plate.metadata).toEqual(metaBefore);
    // the plate still works afterwards
    await plate.createPosition("D", "1", "0");
    expect(plate.wellPaths()).toContain("D/1");
  });

  test("a plate opened read-only refuses writes", async () => {
    const plate = await build(version);
    const ro = await Plate.open({ ...plate.ctx, mode: "r" });
    const before = await dumpStore(plate.ctx.store);
    await expect(ro.createPosition("C", "1", "0")).rejects.toMatchObject({ _tag: "ReadOnly" });
    await expect(ro.renameWell("A/1", "C/1")).rejects.toMatchObject({ _tag: "ReadOnly" });
    expect(await dumpStore(plate.ctx.store)).toEqual(before);
  });

  test("a closed plate refuses writes", async () => {
    const plate = await build(version);
    await plate.close();
    await expect(plate.createWell("C", "1")).rejects.toMatchObject({ _tag: "ReadOnly" });
  });
});

test("error messages (snapshot)", async () => {
  const plate = await build("0.4");
  const messages: string[] = [];
  for (const [name, op] of CASES) {
    try {
      await op(plate);
    } catch (e) {
      messages.push(`${name}: ${(e as Error).message}`);
    }
  }
  expect(messages).toMatchSnapshot();
});
