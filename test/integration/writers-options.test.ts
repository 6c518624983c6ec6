/**
 * The function-style writers catch up with ome-zarr-py (issue 12 item 8): per-level
 * `storageOptions` (a list, one entry per level) for `writeImage`'s computed pyramid, and the
 * `metadata` passthrough (`omero`, the multiscale `name`) of writeImage, writeMultiscale,
 * writeMultiscalesMetadata and writeLabels — strict-valid on 0.4 and 0.5; bad input is a typed
 * error before anything is written (every file byte-identical).
 */
import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import type { NgffVersion } from "../../src/nodes/context.js";
import type { Position } from "../../src/nodes/position.js";
import type { CodecSpec } from "../../src/store/index.js";
import {
  type StorageOptions,
  writeImage,
  writeLabels,
  writeMultiscale,
  writeMultiscalesMetadata,
} from "../../src/writers.js";
import { SchemaSet } from "../unit/validate/json-schema.js";
import { expectRejectedUntouched, expectValidStore, tempDir, vals } from "./nodes/open-helpers.js";

const SCHEMAS = { "0.4": new SchemaSet("0.4"), "0.5": new SchemaSet("0.5") };
const SHAPE = [1, 2, 3, 16, 12];

function pixels(): Uint16Array {
  const a = new Uint16Array(SHAPE.reduce((x, y) => x * y, 1));
  for (let i = 0; i < a.length; i++) a[i] = (i * 37) % 1000;
  return a;
}
const IMAGE = () => ({ data: pixels(), shape: SHAPE });

function omero(version: NgffVersion) {
  return {
    ...(version === "0.4" ? { version: "0.4" } : {}),
    name: "cells",
    channels: [
      {
        label: "DNA",
        color: "0000FF",
        active: true,
        window: { start: 0, end: 900, min: 0, max: 999 },
      },
      {
        label: "Actin",
        color: "00FF00",
        active: false,
        window: { start: 10, end: 500, min: 0, max: 999 },
      },
    ],
    rdefs: { defaultT: 0, defaultZ: 1, model: "color" },
  };
}

/** The group attributes of `dir/rel` (`.zattrs` on 0.4, `zarr.json` attributes on 0.5). */
async function attrsOf(dir: string, version: NgffVersion): Promise<Record<string, unknown>> {
  if (version === "0.4") return JSON.parse(await readFile(join(dir, ".zattrs"), "utf8"));
  return JSON.parse(await readFile(join(dir, "zarr.json"), "utf8")).attributes;
}
function omeOf(attrs: Record<string, unknown>, version: NgffVersion): Record<string, unknown> {
  return (version === "0.4" ? attrs : attrs.ome) as Record<string, unknown>;
}

async function levelData(pos: Position, level: string): Promise<(number | bigint)[]> {
  return vals(await (await pos.get(level)).read());
}

describe.each(["0.4", "0.5"] as const)("writers, NGFF %s", (version) => {
  test("writeImage: one storage entry per level; the same pixels as level-0 chunking", async () => {
    const dir = await tempDir();
    const gzip: CodecSpec = { name: "gzip", level: 3 };
    const list: StorageOptions[] = [
      { chunks: [8, 6] },
      version === "0.5" ? { chunks: [2, 2], shardsRatio: [1, 1, 1, 2, 3] } : { chunks: [4, 3] },
      { chunks: [1, 1, 1, 2, 3], codec: gzip },
    ];
    const a = join(dir, "per-level.ome.zarr");
    const b = join(dir, "plain.ome.zarr");
    const scaler = { levels: 3, workers: 0 };
    const pos = await writeImage(IMAGE(), a, { fmt: version, scaler, storageOptions: list });
    const plain = await writeImage(IMAGE(), b, { fmt: version, scaler, chunks: [8, 6] });
    expect((await pos.get("0")).chunks).toEqual([1, 2, 3, 8, 6]);
    const l1 = await pos.get("1");
    expect(l1.shape).toEqual([1, 2, 3, 8, 6]);
    if (version === "0.5") {
      expect(l1.chunks).toEqual([1, 2, 3, 2, 2]);
      expect(l1.shards).toEqual([1, 2, 3, 4, 6]);
    } else {
      expect(l1.chunks).toEqual([1, 2, 3, 4, 3]);
      expect(l1.shards).toBeUndefined();
    }
    const l2 = await pos.get("2");
    expect(l2.chunks).toEqual([1, 1, 1, 2, 3]);
    expect((await plain.get("2")).chunks).toEqual([1, 2, 3, 4, 3]); // level 0's, clipped
    const meta = JSON.parse(
      await readFile(join(a, "2", version === "0.4" ? ".zarray" : "zarr.json"), "utf8"),
    );
    expect(JSON.stringify(meta)).toContain("gzip");
    for (const level of ["0", "1", "2"])
      expect(await levelData(pos, level)).toEqual(await levelData(plain, level));
    await expectValidStore(a);
  });

  test("writeImage / writeMultiscale: metadata.omero and metadata.name are written, strict-valid", async () => {
    const dir = await tempDir();
    const a = join(dir, "img.ome.zarr");
    const pos = await writeImage(IMAGE(), a, {
      fmt: version,
      scaler: { levels: 2, workers: 0 },
      metadata: { omero: omero(version), name: "my image" },
    });
    const attrs = await attrsOf(a, version);
    const ome = omeOf(attrs, version);
    expect(ome.omero).toEqual(omero(version));
    const ms = ome.multiscales as { name: string; type: string; datasets: unknown[] }[];
    expect(ms[0]?.name).toBe("my image");
    expect(ms[0]?.type).toBe("mean");
    expect(ms[0]?.datasets).toHaveLength(2);
    expect(pos.channelNames).toEqual(["DNA", "Actin"]);
    expect((pos.omero?.rdefs as { defaultZ?: number } | undefined)?.defaultZ).toBe(1);
    expect(SCHEMAS[version].validate("strict_image", attrs)).toEqual([]);
    await expectValidStore(a);

    const b = join(dir, "ms.ome.zarr");
    const half = { data: new Uint16Array(1 * 2 * 3 * 8 * 6), shape: [1, 2, 3, 8, 6] };
    await writeMultiscale([IMAGE(), half], b, {
      fmt: version,
      storageOptions: [{ chunks: [8, 6] }, { chunks: [4, 3] }],
      metadata: { omero: omero(version), name: "pyramid" },
    });
    const mb = omeOf(await attrsOf(b, version), version);
    expect(mb.omero).toEqual(omero(version));
    expect((mb.multiscales as { name: string }[])[0]?.name).toBe("pyramid");
    await expectValidStore(b);
  });

  test("writeMultiscalesMetadata: an omero key of metadata becomes the group's omero", async () => {
    const dir = await tempDir();
    const a = join(dir, "img.ome.zarr");
    await writeImage(IMAGE(), a, { fmt: version, scaler: null });
    await writeMultiscalesMetadata(
      a,
      [{ path: "0", coordinateTransformations: [{ type: "scale", scale: [1, 1, 1, 1, 1] }] }],
      {
        axes: "tczyx",
        type: "none",
        metadata: { omero: omero(version), description: "single level" },
      },
    );
    const ome = omeOf(await attrsOf(a, version), version);
    expect(ome.omero).toEqual(omero(version));
    expect((ome.multiscales as { metadata: unknown }[])[0]?.metadata).toEqual({
      description: "single level",
    });
  });

  test("writeLabels: metadata.name names the label image's multiscale", async () => {
    const dir = await tempDir();
    const a = join(dir, "img.ome.zarr");
    await writeImage(IMAGE(), a, { fmt: version, scaler: null });
    const labels = { data: new Uint8Array(3 * 16 * 12).fill(1), shape: [1, 3, 16, 12] };
    const label = await writeLabels(labels, a, "cells", { metadata: { name: "segmentation" } });
    const ome = omeOf(await attrsOf(join(a, "labels", "cells"), version), version);
    expect((ome.multiscales as { name: string }[])[0]?.name).toBe("segmentation");
    expect(label.path).toBe("labels/cells");
    await expectValidStore(a);
  });

  test("bad storage lists and metadata: typed errors, every file untouched", async () => {
    const dir = await tempDir();
    await writeImage(IMAGE(), join(dir, "existing.ome.zarr"), { fmt: version, scaler: null });
    const target = join(dir, "new.ome.zarr");
    const scaler = { levels: 3, workers: 0 };
    const write = (opts: Parameters<typeof writeImage>[2]) => () =>
      writeImage(IMAGE(), target, { fmt: version, scaler, ...opts });
    await expectRejectedUntouched(
      dir,
      "InvalidOptions",
      write({ storageOptions: [{ chunks: [8, 6] }, { chunks: [4, 3] }] }),
    );
    await expectRejectedUntouched(
      dir,
      "InvalidOptions",
      write({ storageOptions: [{}, {}, { chunks: [2, 2], compressor: "zstd" } as StorageOptions] }),
    );
    await expectRejectedUntouched(
      dir,
      version === "0.4" ? "Unsupported" : "ShapeMismatch",
      write({
        storageOptions: [{}, {}, { shardsRatio: version === "0.4" ? [1, 1, 1, 1, 1] : [0] }],
      }),
    );
    await expectRejectedUntouched(
      dir,
      "InvalidMetadata",
      write({ storageOptions: [{}, {}, { codec: { name: "gzip", level: 42 } }] }),
    );
    const bad: [string, unknown][] = [
      ["unknown key", { omero: omero(version), colour: "red" }],
      [
        "too few channels",
        { omero: { ...omero(version), channels: [omero(version).channels[0]] } },
      ],
      [
        "colour not hex",
        {
          omero: {
            ...omero(version),
            channels: omero(version).channels.map((c) => ({ ...c, color: "green" })),
          },
        },
      ],
      [
        "window without end",
        {
          omero: {
            ...omero(version),
            channels: omero(version).channels.map((c) => ({
              ...c,
              window: { start: 0, min: 0, max: 1 },
            })),
          },
        },
      ],
      ["omero not an object", { omero: "bright" }],
      ["name not a string", { name: 5 }],
    ];
    for (const [what, metadata] of bad) {
      const err = await expectRejectedUntouched(
        dir,
        "InvalidOptions",
        write({ metadata: metadata as never }),
      );
      expect(err.message, what).toMatch(/metadata/);
    }
    await expectRejectedUntouched(dir, "InvalidOptions", () =>
      writeMultiscale([IMAGE()], target, {
        fmt: version,
        storageOptions: [{ chunks: [8, 6] }, { chunks: [4, 3] }],
      }),
    );
    const existing = join(dir, "existing.ome.zarr");
    await expectRejectedUntouched(dir, "InvalidOptions", () =>
      writeLabels({ data: new Uint8Array(3 * 16 * 12), shape: [1, 3, 16, 12] }, existing, "x", {
        metadata: { name: "" },
      }),
    );
    await expectRejectedUntouched(dir, "InvalidOptions", () =>
      writeMultiscalesMetadata(
        existing,
        [{ path: "0", coordinateTransformations: [{ type: "scale", scale: [1, 1, 1, 1, 1] }] }],
        { axes: "tczyx", metadata: { omero: { channels: [{ label: "one" }] } } },
      ),
    );
    // Nothing was created for the refused writes, not even an empty directory.
    await expect(access(target)).rejects.toThrow();
  });
});
