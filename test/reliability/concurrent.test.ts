/**
 * Concurrent writers: several processes adding positions to one plate, and several processes
 * writing interleaved tiles of one image whose chunks they share. Nothing written may be lost:
 * every well, field and pixel is there, and the metadata lists everything. The cross-process
 * locks (src/store/lock.ts) make this hold; without them the plate metadata and shared chunks
 * lose updates (last writer wins).
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { openOmeZarr, type Plate, type Position, validateStore } from "../../src/index.js";
import {
  fieldsOf,
  PLATE_WELLS,
  TILES,
  tileOwner,
  tileValue,
} from "../fixtures/reliability/concurrent-writer.js";
import { FULL, noteReport } from "./helpers/crash.js";
import { runTogether } from "./helpers/procs.js";
import { listFiles, tempDir } from "./helpers/tree.js";

let root: string;
beforeEach(async () => {
  root = await tempDir("concurrent");
});
afterEach(() => fs.rm(root, { recursive: true, force: true }));

const RUNS = FULL ? 10 : 1;
// A hang guard, not a speed bound: the work is fixed (3 writer processes per run, prebuilt:
// test/helpers/fixtures.ts), and on the shared 2-core VM at load ~20 one run took 63 s (when
// each writer still started tsx); quiet it takes a few seconds.
const TIMEOUT_MS = RUNS * 300_000;

describe.each(["0.4", "0.5"] as const)("NGFF %s", (version) => {
  test.each([
    ["an existing plate", false],
    ["a plate they all create (mode a)", true],
  ] as const)(
    `3 processes add 36 positions each to %s, ${RUNS} runs`,
    { timeout: TIMEOUT_MS },
    async (_, create) => {
      const workers = 3;
      for (let run = 0; run < RUNS; run++) {
        const dir = path.join(root, `plate-${create}-${run}.zarr`);
        const pre: string[] = [];
        if (!create) {
          // Two wells exist before the writers start; the others are created by whoever comes first.
          const plate = (await openOmeZarr(dir, {
            layout: "hcs",
            mode: "w-",
            channelNames: ["c"],
            version,
          })) as Plate;
          await plate.createPositions(["A/1/pre", "C/4/pre"]);
          for await (const [, pos] of plate.positions()) {
            await pos.createImage("0", { data: new Uint8Array(4), shape: [1, 1, 1, 2, 2] });
          }
          pre.push("A/1", "C/4");
        }
        await runTogether(
          Array.from({ length: workers }, (_, w) => [
            create ? "plate-create" : "plate",
            dir,
            String(w),
            String(workers),
            version,
          ]),
        );
        const reopened = (await openOmeZarr(dir, { layout: "hcs", mode: "r" })) as Plate;
        expect(reopened.version).toBe(version);
        expect(reopened.wellPaths().sort()).toEqual([...PLATE_WELLS].sort());
        for (const well of PLATE_WELLS) {
          const expected = Array.from({ length: workers }, (_, w) => fieldsOf(w)).flat();
          if (pre.includes(well)) expected.push("pre");
          expect((await reopened.getWell(well)).positionNames().sort(), well).toEqual(
            expected.sort(),
          );
        }
        let images = 0;
        for await (const [p, pos] of reopened.positions()) {
          const value = p.endsWith("pre") ? 0 : Number(p.split("/")[2]![0]) + 1;
          const data = (await (await pos.data).toArray()).data as Uint8Array;
          expect([...data], p).toEqual([value, value, value, value]);
          images++;
        }
        expect(images).toBe(PLATE_WELLS.length * workers * 3 + pre.length);
        expect((await validateStore(dir)).issues).toEqual([]);
        // Every lock was released.
        expect((await listFiles(dir)).filter((f) => f.includes("ngff-lock"))).toEqual([]);
      }
      await noteReport({ suite: "concurrent-plate", version, create, runs: RUNS, workers });
    },
  );

  test(`3 processes write interleaved tiles sharing chunks, ${RUNS} runs`, {
    timeout: TIMEOUT_MS,
  }, async () => {
    const workers = 3;
    const { shape, chunks, tile } = TILES;
    for (let run = 0; run < RUNS; run++) {
      const dir = path.join(root, `tiles-${run}.zarr`);
      const pos = (await openOmeZarr(dir, {
        layout: "fov",
        mode: "w-",
        channelNames: ["c"],
        version,
      })) as Position;
      await pos.createZeros("0", {
        shape,
        dtype: "uint16",
        chunks,
        ...(version === "0.5" && run % 2 === 0 ? { shardsRatio: [1, 1, 2, 1, 2] } : {}),
      });
      await runTogether(
        Array.from({ length: workers }, (_, w) => [
          "tiles",
          dir,
          String(w),
          String(workers),
          String(run),
        ]),
      );
      const img = await ((await openOmeZarr(dir, { layout: "fov", mode: "r" })) as Position).data;
      const data = (await img.toArray()).data as Uint16Array;
      let lost = 0;
      for (let z = 0; z < shape[2]; z++) {
        for (let y = 0; y < shape[3]; y++) {
          for (let x = 0; x < shape[4]; x++) {
            const want = tileValue(Math.floor(y / tile), Math.floor(x / tile), z);
            if (data[(z * shape[3] + y) * shape[4] + x] !== want) lost++;
          }
        }
      }
      expect(lost, `pixels lost in run ${run}`).toBe(0);
      expect((await validateStore(dir)).issues).toEqual([]);
      expect((await listFiles(dir)).filter((f) => f.includes("ngff-lock"))).toEqual([]);
    }
    // The writers really share chunks: most chunks hold tiles of more than one writer.
    const owners = new Map<string, Set<number>>();
    for (let y = 0; y < shape[3]; y++) {
      for (let x = 0; x < shape[4]; x++) {
        const key = `${Math.floor(y / chunks[3])},${Math.floor(x / chunks[4])}`;
        const set = owners.get(key) ?? new Set<number>();
        set.add(tileOwner(Math.floor(y / tile), Math.floor(x / tile), workers));
        owners.set(key, set);
      }
    }
    const shared = [...owners.values()].filter((s) => s.size > 1).length;
    expect(shared).toBe(owners.size);
    await noteReport({ suite: "concurrent-tiles", version, runs: RUNS, workers });
  });
});
