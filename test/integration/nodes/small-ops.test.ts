/**
 * Small node operations of issue 12 item 5: integer keys (`position.get(0)`),
 * `ImageArray.getChannel`, bool data as an ndarray over a `boolean[]`, and custom attributes
 * (`node.attrs` / `node.setAttrs`). Each has a happy path and bad input that raises a typed
 * error and leaves every file of the store byte-identical; NGFF 0.4 and 0.5.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import ndarray from "ndarray";
import { describe, expect, test } from "vitest";
import type { NgffVersion } from "../../../src/nodes/context.js";
import { openOmeZarr } from "../../../src/open.js";
import { newFov, newStore } from "./delete-helpers.js";
import { expectRejectedUntouched, expectValidStore, tempDir, vals } from "./open-helpers.js";

const VERSIONS: NgffVersion[] = ["0.4", "0.5"];
const SHAPE = [1, 2, 2, 4, 6];
const SIZE = SHAPE.reduce((a, b) => a * b);

function newPosition(version: NgffVersion) {
  return newFov(version, { data: new Uint16Array(SIZE).map((_, i) => i), shape: SHAPE });
}

/** The group's attribute document as stored. */
async function storedAttrs(dir: string, version: NgffVersion): Promise<Record<string, unknown>> {
  if (version === "0.4") return JSON.parse(await readFile(join(dir, ".zattrs"), "utf8"));
  const doc = JSON.parse(await readFile(join(dir, "zarr.json"), "utf8"));
  return doc.attributes;
}

describe.each(VERSIONS)("NGFF %s", (version) => {
  describe("integer keys: position.get(index)", () => {
    test("get(0) is the full-resolution level, get(1) the next", async () => {
      const { pos } = await newPosition(version);
      await pos.computePyramid({ levels: 2 });
      const first = await pos.get(0);
      expect(first.path).toBe((await pos.get("0")).path);
      expect(first.shape).toEqual(SHAPE);
      expect(vals(await first.read())).toEqual(vals(await (await pos.get("0")).read()));
      const second = await pos.get(1);
      expect(second.name).toBe(pos.levelPaths[1]);
      expect(second.shape).toEqual([1, 2, 1, 2, 3]); // Z, Y and X halved
    });

    test("out of range → NotFound naming the range; negative or fractional → InvalidOptions", async () => {
      const { pos, dir } = await newPosition(version);
      const e1 = await expectRejectedUntouched(dir, "NotFound", () => pos.get(1));
      expect(e1.message).toContain("valid indexes are 0..0");
      for (const bad of [-1, 0.5, Number.NaN]) {
        const e = await expectRejectedUntouched(dir, "InvalidOptions", () => pos.get(bad));
        expect(e.option).toBe("index");
        expect(e.message).toContain("integer >= 0");
      }
    });
  });

  describe("ImageArray.getChannel", () => {
    test("by index and by name: the channel's slice, channel axis kept at size 1", async () => {
      const { pos } = await newPosition(version);
      const img = await pos.get(0);
      const gfp = await img.getChannel("GFP");
      expect(gfp.shape).toEqual([1, 1, 2, 4, 6]);
      const expected = vals(await img.read([null, [1, 2]]));
      expect(vals(gfp)).toEqual(expected);
      expect(vals(await img.getChannel(1))).toEqual(expected);
      expect(vals(await img.getChannel(0))).toEqual(vals(await img.read([null, [0, 1]])));
      // the first value of channel 1 is SIZE / 2 (data is 0, 1, 2, … in C order)
      expect(gfp.get(0, 0, 0, 0, 0)).toBe(SIZE / 2);
    });

    test("unknown name, index out of range, bad index → typed errors, store untouched", async () => {
      const { pos, dir } = await newPosition(version);
      const img = await pos.get(0);
      const e1 = await expectRejectedUntouched(dir, "NotFound", () => img.getChannel("RFP"));
      expect(e1.message).toContain('["DAPI","GFP"]');
      const e2 = await expectRejectedUntouched(dir, "NotFound", () => img.getChannel(2));
      expect(e2.message).toContain("valid indexes are 0..1");
      const e3 = await expectRejectedUntouched(dir, "InvalidOptions", () => img.getChannel(-1));
      expect(e3.option).toBe("channel");
    });
  });

  describe("bool data as an ndarray over a boolean[]", () => {
    test("is written as 0/1 and reads back", async () => {
      const { node: pos, dir } = await newStore(version, "fov", "b.zarr", ["mask"]);
      const shape = [1, 1, 1, 2, 3];
      const bools = [true, false, true, false, false, true];
      const img = await pos.createImage("0", ndarray(bools, shape) as never);
      expect(img.dtype).toBe("bool");
      expect(vals(await img.read())).toEqual([1, 0, 1, 0, 0, 1]);
      // a transposed (non-contiguous) view is copied in C order
      const t = ndarray([true, true, false, false, false, true], [1, 1, 1, 3, 2]).transpose(
        0,
        1,
        2,
        4,
        3,
      );
      await img.write([], t as never);
      expect(vals(await img.read())).toEqual([1, 0, 0, 1, 0, 1]);
      await expectValidStore(dir);
    });

    test("other unsupported ndarray data → Unsupported naming what is accepted, bool included", async () => {
      const { pos, dir } = await newPosition(version);
      const img = await pos.get(0);
      const e1 = await expectRejectedUntouched(dir, "Unsupported", () =>
        img.write([0, 0, 0], ndarray([1, 2, 3, 4, 5, 6], [2, 3]) as never),
      );
      expect(e1.message).toContain("boolean[] for bool data");
      expect(e1.message).toContain("Uint16Array");
      const e2 = await expectRejectedUntouched(dir, "Unsupported", () =>
        pos.createImage("x", ndarray(new DataView(new ArrayBuffer(8)) as never, [8]) as never),
      );
      expect(e2.message).toContain("boolean[] for bool data");
    });
  });

  describe("custom attributes: attrs and setAttrs", () => {
    test("setAttrs merges keys in one write; attrs and reopen see them; OME kept", async () => {
      const { pos, dir } = await newPosition(version);
      const omeBefore = await storedAttrs(dir, version);
      await pos.setAttrs({ experiment: { id: 7, tags: ["a", "b"] }, note: "first" });
      await pos.setAttrs({ note: "second", flag: null });
      const stored = await storedAttrs(dir, version);
      expect(stored).toEqual({
        ...omeBefore,
        experiment: { id: 7, tags: ["a", "b"] },
        note: "second",
        flag: null,
      });
      expect(pos.attrs).toEqual(stored);
      // later OME writes keep the custom keys
      await pos.appendChannel("RFP");
      const reopened = await openOmeZarr(dir, { layout: "fov", mode: "r" });
      expect(reopened.attrs.note).toBe("second");
      expect(reopened.attrs.experiment).toEqual({ id: 7, tags: ["a", "b"] });
      expect(reopened.channelNames).toEqual(["DAPI", "GFP", "RFP"]);
      await expectValidStore(dir);
    });

    test("on a plate, a well and the store root of a plate", async () => {
      const dir = join(await tempDir(), "plate.zarr");
      const plate = await openOmeZarr(dir, {
        layout: "hcs",
        mode: "w",
        channelNames: ["DAPI"],
        version,
      });
      const p = await plate.createPosition("A", "1", "0");
      await p.createImage("0", { data: new Uint16Array(4), shape: [1, 1, 1, 2, 2] });
      await plate.setAttrs({ owner: "lab" });
      const well = await plate.getWell("A/1");
      await well.setAttrs({ treated: true });
      const again = await openOmeZarr(dir, { layout: "hcs", mode: "r" });
      expect(again.attrs.owner).toBe("lab");
      expect((await again.getWell("A/1")).attrs.treated).toBe(true);
      await expectValidStore(dir);
    });

    test("owned keys, non-JSON values, mode r → typed errors, store untouched", async () => {
      const { pos, dir } = await newPosition(version);
      const owned = ["multiscales", "omero", "labels", "plate", "well", "ome", "version"];
      for (const key of owned) {
        const e = await expectRejectedUntouched(dir, "Unsupported", () =>
          pos.setAttrs({ fine: 1, [key]: {} }),
        );
        expect(e.message).toContain(`attribute "${key}"`);
        expect(e.message).toContain("written by");
      }
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      const badValues: unknown[] = [() => 1, 1n, undefined, Number.NaN, new Date(0), cyclic];
      for (const v of badValues) {
        const e = await expectRejectedUntouched(dir, "InvalidOptions", () =>
          pos.setAttrs({ ok: "yes", nested: { list: [1, v] } }),
        );
        expect(e.option.startsWith("attrs.nested.list[1]")).toBe(true);
        expect(e.message).toContain("expected a JSON value");
      }
      await expectRejectedUntouched(dir, "InvalidOptions", () => pos.setAttrs([1, 2] as never));
      const ro = await openOmeZarr(dir, { layout: "fov", mode: "r" });
      const e = await expectRejectedUntouched(dir, "ReadOnly", () => ro.setAttrs({ note: "x" }));
      expect(e.message).toContain("r+");
    });
  });
});
