/**
 * `multiscales[].type` and `metadata` are always written (strict_image's SHOULDs): what
 * ngff-writer computed, what the caller or another tool set, or a placeholder that says what is
 * known ("none" for one level, "unknown" for levels not computed here).
 */
import { describe, expect, test } from "vitest";
import {
  defaultLabelColor,
  defaultLabelColors,
  distinctLabelValues,
} from "../../../src/nodes/labels.js";
import {
  downscalingOf,
  LIBRARY_NAME,
  libraryVersion,
  type MultiscaleMeta,
  pyramidMetadata,
  serializeMultiscale,
} from "../../../src/nodes/multiscales-meta.js";
import {
  defaultPlateName,
  raiseFieldCounts,
  recountFieldCounts,
} from "../../../src/nodes/plate/meta.js";

const level = (path: string, s: number) => ({
  path,
  coordinateTransformations: [{ type: "scale" as const, scale: [s, s] }],
});
const ms = (levels: number, extra: Partial<MultiscaleMeta> = {}): MultiscaleMeta => ({
  axes: [
    { name: "y", type: "space" },
    { name: "x", type: "space" },
  ],
  datasets: Array.from({ length: levels }, (_, k) => level(String(k), 2 ** k)),
  ...extra,
});

describe("multiscales type and metadata", () => {
  test("one level: none; several levels not computed here: unknown", () => {
    expect(downscalingOf(ms(1))).toEqual({
      type: "none",
      metadata: expect.objectContaining({ method: "none", library: LIBRARY_NAME }),
    });
    expect(downscalingOf(ms(2)).type).toBe("unknown");
    // a placeholder read back from disk follows the level count
    const none = serializeMultiscale(ms(1), "0.5");
    expect(
      downscalingOf(
        ms(2, { type: none.type as string, metadata: none.metadata as Record<string, unknown> }),
      ).type,
    ).toBe("unknown");
  });

  test("a computed pyramid, the caller's type and another tool's type are kept", () => {
    const computed = ms(3, {
      type: "mean",
      metadata: pyramidMetadata("mean", [
        [2, 2],
        [2, 2],
      ]),
    });
    expect(serializeMultiscale(computed, "0.4")).toMatchObject({
      version: "0.4",
      type: "mean",
      metadata: {
        method: "mean",
        library: "ngff-writer",
        version: libraryVersion(),
        args: {
          factors: [
            [2, 2],
            [2, 2],
          ],
        },
      },
    });
    const foreign = serializeMultiscale(ms(2, { type: "gaussian" }), "0.5");
    expect(foreign.type).toBe("gaussian");
    expect(foreign.metadata).toBeUndefined();
    // "none" that another tool wrote (no ngff-writer metadata) is theirs, not a placeholder
    expect(downscalingOf(ms(2, { type: "none" })).type).toBe("none");
  });

  test("libraryVersion is package.json's", async () => {
    const { readFile } = await import("node:fs/promises");
    const pkg = JSON.parse(
      await readFile(new URL("../../../package.json", import.meta.url), "utf8"),
    );
    expect(libraryVersion()).toBe(pkg.version);
  });
});

describe("plate defaults", () => {
  test("plate name from the store or group name", () => {
    expect(defaultPlateName("plate.ome.zarr")).toBe("plate");
    expect(defaultPlateName("Plate.ZARR")).toBe("Plate");
    expect(defaultPlateName("screen")).toBe("screen");
    expect(defaultPlateName("out.zarr.partial-4242")).toBe("out");
    expect(defaultPlateName("store.zarr", "screens/p1.zarr")).toBe("p1");
    expect(defaultPlateName("")).toBeUndefined();
  });

  test("maximumfieldcount only grows through raiseFieldCounts; recount sets it exactly", () => {
    const plate = {
      acquisitions: [{ id: 0 }, { id: 1, maximumfieldcount: 3 }],
      rows: [],
      columns: [],
      wells: [],
    };
    expect(
      raiseFieldCounts(plate, [
        { path: "0", acquisition: 0 },
        { path: "1", acquisition: 1 },
      ]),
    ).toBe(true);
    expect(plate.acquisitions).toEqual([
      { id: 0, maximumfieldcount: 1 },
      { id: 1, maximumfieldcount: 3 },
    ]);
    expect(raiseFieldCounts(plate, [{ path: "0", acquisition: 0 }])).toBe(false);
    recountFieldCounts(plate, [[{ path: "0", acquisition: 1 }], []]);
    expect(plate.acquisitions).toEqual([{ id: 0 }, { id: 1, maximumfieldcount: 1 }]);
  });
});

describe("default label palette", () => {
  test("0 transparent; values sorted; the cap stops the scan", () => {
    expect(defaultLabelColors()).toEqual([{ "label-value": 0, rgba: [0, 0, 0, 0] }]);
    const colors = defaultLabelColors(new Uint16Array([5, 0, 3, 5, 3]));
    expect(colors.map((c) => c["label-value"])).toEqual([0, 3, 5]);
    expect(colors[1]?.rgba).toEqual(defaultLabelColor(3));
    expect(colors[1]?.rgba?.[3]).toBe(255);
    expect(defaultLabelColor(3)).not.toEqual(defaultLabelColor(5));
    expect(distinctLabelValues(new Int32Array([9, -1, 9, 4, 7]), 2)).toEqual({
      values: [-1, 9],
      truncated: true,
    });
    expect(distinctLabelValues(new BigUint64Array([2n, 2n ** 60n, 1n])).values).toEqual([1, 2]);
  });
});
