import { describe, expect, test } from "vitest";
import { isOmeZarrError } from "../../../src/errors.js";
import type { NgffVersion } from "../../../src/nodes/context.js";
import { LabelImage } from "../../../src/nodes/labels.js";
import type { Position } from "../../../src/nodes/position.js";
import { newFov } from "./delete-helpers.js";
import {
  expectRejectedUntouched,
  expectValidStore,
  rejection,
  validateGroups,
  vals,
} from "./open-helpers.js";

const SHAPE = [1, 2, 3, 8, 8];
const LSHAPE = [1, 3, 8, 8];
const LN = LSHAPE.reduce((a, b) => a * b);

function position(version: NgffVersion): Promise<{ pos: Position; dir: string }> {
  const data = new Uint16Array(SHAPE.reduce((a, b) => a * b));
  return newFov(version, { data, shape: SHAPE }, "l.zarr");
}

describe.each(["0.4", "0.5"] as const)("labels, NGFF %s", (version) => {
  test("float label data is refused and nothing is written", async () => {
    const { pos, dir } = await position(version);
    const err = await expectRejectedUntouched(dir, "ShapeMismatch", () =>
      pos.createLabel("seg", { data: new Float32Array(LN), shape: LSHAPE }),
    );
    expect(err.message).toMatchInlineSnapshot(
      `"label data must have an integer dtype (int8…uint64), found float32; convert it (e.g. Uint32Array.from(values))"`,
    );
    await expectRejectedUntouched(dir, "ShapeMismatch", () =>
      pos.createLabel("seg", { shape: LSHAPE, dtype: "float64" }),
    );
    await expectRejectedUntouched(dir, "ShapeMismatch", () =>
      pos.createLabel("seg", { data: new Uint8Array(2 * LN), shape: [1, 2, 3, 8, 8] }),
    );
    await expectRejectedUntouched(dir, "InvalidMetadata", () =>
      pos.createLabel("seg", { shape: LSHAPE }, { colors: { 1: [300, 0, 0] } }),
    );
    await expectRejectedUntouched(dir, "InvalidMetadata", () =>
      pos.createLabel("seg", { shape: LSHAPE }, { properties: [{ area: 3 }] }),
    );
    await expectRejectedUntouched(dir, "InvalidOptions", () =>
      pos.createLabel("seg", { shape: LSHAPE }, { method: "blur" as never }),
    );
    expect(await pos.labelNames()).toEqual([]);
  });

  test("labels group lists every label; duplicates are refused", async () => {
    const { pos, dir } = await position(version);
    const a = await pos.createLabel("nuclei", { data: new Uint32Array(LN).fill(1), shape: LSHAPE });
    expect(a).toBeInstanceOf(LabelImage);
    await pos.createLabel("cells", { shape: LSHAPE, dtype: "uint16" });
    expect(await pos.labelNames()).toEqual(["cells", "nuclei"]);
    await expectRejectedUntouched(dir, "AlreadyExists", () =>
      pos.createLabel("cells", { shape: LSHAPE }),
    );
    const names: string[] = [];
    for await (const [n, l] of pos.labels()) {
      names.push(n);
      expect(l.imageLabel.source).toEqual({ image: "../../" });
    }
    expect(names).toEqual(["cells", "nuclei"]);
    expect(isOmeZarrError(await rejection(pos.getLabel("missing")), "NotFound")).toBe(true);
    expect((await validateGroups(dir)).length).toBe(4);
    await expectValidStore(dir);
  });

  test("a label created before the image pyramid gets its own pyramid on request", async () => {
    const { pos } = await position(version);
    const data = new Int32Array(LN).map((_, i) => (i % 5 === 0 ? -1 : 7));
    const label = await pos.createLabel("seg", { data, shape: LSHAPE }, { levels: 2, workers: 0 });
    expect(label.levelPaths).toEqual(["0", "1"]);
    expect((await label.get("1")).shape).toEqual([1, 1, 2, 4, 4]);
    expect(label.axisNames).toEqual(pos.axisNames);
    expect(label.multiscale?.type).toBe("mode");
    const l1 = await (await label.get("1")).toArray();
    expect(new Set(Array.from(l1.data as Int32Array))).toEqual(new Set([7]));
    await label.deletePyramid();
    expect(label.levelPaths).toEqual(["0"]);
  });

  test("a label follows the image pyramid", async () => {
    const { pos } = await position(version);
    await pos.computePyramid({ levels: 3, dims: ["y", "x"], workers: 0 });
    const label = await pos.createLabel(
      "seg",
      { data: new Uint8Array(LN).fill(3), shape: LSHAPE },
      { workers: 0 },
    );
    expect(label.levelPaths).toEqual(["0", "1", "2"]);
    expect((await label.get("2")).shape).toEqual([1, 1, 3, 2, 2]);
    expect(label.getEffectiveScale("2")).toEqual([1, 1, 1, 4, 4]);
    expect(vals(await (await label.get("2")).toArray()).every((v) => v === 3)).toBe(true);
  });
});
