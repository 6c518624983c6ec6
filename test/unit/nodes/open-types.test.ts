import { describe, expectTypeOf, test } from "vitest";
import type { Collection } from "../../../src/nodes/collection.js";
import type { ImageArray } from "../../../src/nodes/image-array.js";
import type { NdArray } from "../../../src/nodes/pixel-data.js";
import type { Plate } from "../../../src/nodes/plate/plate.js";
import type { Position } from "../../../src/nodes/position.js";
import type { TiledImageArray } from "../../../src/nodes/tiled-image-array.js";
import type { TiledPosition } from "../../../src/nodes/tiled-position.js";
import { type NodeForLayout, openOmeZarr } from "../../../src/open.js";

describe("openOmeZarr's return type narrows by layout", () => {
  test("per layout", () => {
    expectTypeOf(() =>
      openOmeZarr("x.zarr", { layout: "fov" }),
    ).returns.resolves.toEqualTypeOf<Position>();
    expectTypeOf(() =>
      openOmeZarr("x.zarr", { layout: "tiled" }),
    ).returns.resolves.toEqualTypeOf<TiledPosition>();
    expectTypeOf(() =>
      openOmeZarr("x.zarr", { layout: "hcs" }),
    ).returns.resolves.toEqualTypeOf<Plate>();
    expectTypeOf(() =>
      openOmeZarr("x.zarr", { layout: "bf2raw" }),
    ).returns.resolves.toEqualTypeOf<Collection>();
    expectTypeOf(() => openOmeZarr("x.zarr", { layout: "auto" })).returns.resolves.toEqualTypeOf<
      Position | Plate | Collection
    >();
    expectTypeOf(() => openOmeZarr("x.zarr")).returns.resolves.toEqualTypeOf<
      Position | Plate | Collection
    >();
    expectTypeOf(() => openOmeZarr("x.zarr", { mode: "r" })).returns.resolves.toEqualTypeOf<
      Position | Plate | Collection
    >();
  });

  test("the conditional type", () => {
    expectTypeOf<NodeForLayout<"fov">>().toEqualTypeOf<Position>();
    expectTypeOf<NodeForLayout<"fov" | "hcs">>().toEqualTypeOf<Position | Plate>();
  });

  test("options are checked at compile time", () => {
    // Never called: only type-checked.
    const typeOnly = () => {
      // @ts-expect-error: not a layout
      void openOmeZarr("x.zarr", { layout: "plate" });
      // @ts-expect-error: not a mode
      void openOmeZarr("x.zarr", { mode: "rw" });
      // @ts-expect-error: not a version
      void openOmeZarr("x.zarr", { version: "0.6" });
    };
    expectTypeOf(typeOnly).toBeFunction();
  });

  test("nodes and arrays", () => {
    expectTypeOf<Position>().toMatchTypeOf<AsyncDisposable>();
    expectTypeOf<Position["data"]>().toEqualTypeOf<Promise<ImageArray>>();
    expectTypeOf<TiledPosition["data"]>().toEqualTypeOf<Promise<TiledImageArray>>();
    expectTypeOf<ImageArray["read"]>().returns.resolves.toEqualTypeOf<NdArray>();
    expectTypeOf<NdArray<BigInt64Array>["get"]>().returns.toEqualTypeOf<bigint>();
    expectTypeOf<NdArray<Uint16Array>["get"]>().returns.toEqualTypeOf<number>();
  });
});
