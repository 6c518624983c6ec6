/**
 * Crash at every step, deterministically (issue 12 item 5): each delete and each create with
 * `overwrite: true` runs on an in-memory store that fails its N-th write (set, delete, rename or
 * prefix removal), for N = 0, 1, 2, … until the operation gets through — a writer killed between
 * any two of its store operations (each atomic, as on disk). After every interruption the store,
 * reopened, validates strictly (apart from the states the API defines: a position waiting for
 * its first image), and running the same operation again completes it, with exactly the store of
 * an uninterrupted run. Complements the SIGKILL campaigns (crash-delete*.test.ts), whose kill
 * points land at random times.
 */
import { describe, expect, test } from "vitest";
import type { NgffVersion } from "../../src/nodes/context.js";
import type { Plate } from "../../src/nodes/plate/plate.js";
import type { Position } from "../../src/nodes/position.js";
import { openOmeZarr } from "../../src/open.js";
import { createMemoryStore, type ZarrStore } from "../../src/store/index.js";
import { validateStore } from "../../src/validate/store.js";

const CRASH = "injected crash (the writer dies here)";
class Crash extends Error {}

/** The injected crash, possibly wrapped (a pyramid task reports it as a WorkerTaskError). */
function isCrash(err: unknown): boolean {
  return err instanceof Crash || String(err).includes(CRASH);
}

/** `inner`, failing every write from the `budget.left`-th on. */
function failing(inner: ZarrStore, budget: { left: number }): ZarrStore {
  const write = <A extends unknown[]>(f: (...a: A) => Promise<void>) => {
    return async (...a: A): Promise<void> => {
      if (budget.left-- <= 0) throw new Crash(CRASH);
      await f(...a);
    };
  };
  return {
    kind: inner.kind,
    root: inner.root,
    ref: inner.ref,
    readOnly: inner.readOnly,
    get: (k) => inner.get(k),
    has: (k) => inner.has(k),
    list: (p) => inner.list(p),
    set: write((k: string, v: Uint8Array) => inner.set(k, v)),
    delete: write((k: string) => inner.delete(k)),
    deletePrefix: write((p: string) => inner.deletePrefix(p)),
    rename: write((a: string, b: string) => inner.rename(a, b)),
  };
}

/** Every key of `store` with its bytes (as text: metadata is JSON, chunks compare fine). */
async function snapshot(store: ZarrStore): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (prefix: string): Promise<void> => {
    const { dirs, files } = await store.list(prefix);
    for (const f of files) {
      const k = prefix === "" ? f : `${prefix}/${f}`;
      out[k] = Buffer.from((await store.get(k)) ?? new Uint8Array()).toString("base64");
    }
    for (const d of dirs) await walk(prefix === "" ? d : `${prefix}/${d}`);
  };
  await walk("");
  return out;
}

/** A position listed before its first image, or a well before its first field: API states. */
function pending(i: { code: string; message: string }): boolean {
  return (
    i.code === "missing_key" &&
    (/^field of view ".*" has no "multiscales"/.test(i.message) ||
      /^well ".*" has no "well" metadata/.test(i.message))
  );
}

const img = (v: number, shape = [1, 1, 2, 8, 8]) => ({
  data: new Uint16Array(shape.reduce((a, b) => a * b)).map((_, i) => (i + v) & 0xff),
  shape,
});
const lbl = (v: number) => ({ data: new Uint8Array(128).fill(v), shape: [1, 1, 2, 8, 8] });

async function plateStore(version: NgffVersion): Promise<ZarrStore> {
  const store = createMemoryStore();
  const plate = (await openOmeZarr(store, {
    layout: "hcs",
    mode: "w",
    channelNames: ["DAPI"],
    version,
    // Named: a memory store has no name to derive the plate's (strict) name from.
    plate: { name: "steps", rows: ["A", "B"], columns: ["1", "2"] },
  })) as Plate;
  const positions = await plate.createPositions(["A/1/0", "A/1/1", "A/2/0", "B/1/0"]);
  for (const [i, p] of positions.entries()) await p.createImage("0", img(i));
  const first = positions[0] as Position;
  await first.computePyramid({ levels: 2, workers: 0 });
  await first.createLabel("cells", lbl(1));
  await first.createLabel("nuclei", lbl(2));
  await (positions[2] as Position).computePyramid({ levels: 3, workers: 0 });
  return store;
}

type Op = (plate: Plate) => Promise<unknown>;
const pos = async (plate: Plate, well: string, field: string) =>
  (await plate.getWell(well)).getPosition(field);

const OPS: Record<string, Op> = {
  deleteLabel: async (p) => (await pos(p, "A/1", "0")).deleteLabel("cells"),
  "deleteImage(level 0, with pyramid and labels)": async (p) =>
    (await pos(p, "A/1", "0")).deleteImage("0"),
  "deleteImage(pyramid level 1 of 3)": async (p) => (await pos(p, "A/2", "0")).deleteImage("1"),
  deletePosition: async (p) => (await p.getWell("A/1")).deletePosition("1"),
  deleteWell: (p) => p.deleteWell("A", "2"),
  deleteRow: (p) => p.deleteRow("A"),
  "createImage overwrite": async (p) =>
    (await pos(p, "A/1", "0")).createImage("0", img(50, [1, 1, 2, 4, 4]), { overwrite: true }),
  "createLabel overwrite": async (p) =>
    (await pos(p, "A/1", "0")).createLabel("cells", lbl(7), { overwrite: true }),
  "createPosition overwrite": (p) => p.createPosition("A", "1", "1", { overwrite: true }),
  "createWell overwrite": (p) => p.createWell("A", "2", { overwrite: true }),
};

describe.each(["0.4", "0.5"] as NgffVersion[])("NGFF %s", (version) => {
  test.each(Object.keys(OPS))(
    "%s: interrupted at every write, valid, and a rerun completes it",
    {
      timeout: 240_000,
    },
    async (name) => {
      const op = OPS[name] as Op;
      const open = (store: ZarrStore) =>
        // Channel names given, as a resuming writer does: a plate opened without them learns them
        // from its first position, which an interrupted overwrite leaves without an image.
        openOmeZarr(store, { layout: "hcs", mode: "r+", channelNames: ["DAPI"] }) as Promise<Plate>;
      const reference = await plateStore(version);
      await op(await open(reference));
      const want = await snapshot(reference);
      let interrupted = 0;
      for (let n = 0; ; n++) {
        const store = await plateStore(version);
        const budget = { left: n };
        const crashed = await op(await open(failing(store, budget))).then(
          () => false,
          (err: unknown) => {
            if (!isCrash(err)) throw err;
            return true;
          },
        );
        if (!crashed) {
          expect(await snapshot(store)).toEqual(want);
          break;
        }
        interrupted++;
        const result = await validateStore(store, { strict: true });
        expect(
          result.issues.filter((i) => !pending(i)),
          `${name} interrupted at write ${n}`,
        ).toEqual([]);
        await op(await open(store));
        expect(await snapshot(store), `${name} rerun after write ${n}`).toEqual(want);
      }
      expect(interrupted).toBeGreaterThan(0);
    },
  );
});
