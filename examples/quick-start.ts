/**
 * The README's "Quick start", as a script that a test runs (test/integration/examples.test.ts), so
 * the README cannot drift from the API. Writes into the directory given as the first argument.
 */
import { join } from "node:path";
import ndarray from "ndarray";
import { openOmeZarr } from "../src/index.js";

const dir = process.argv[2] ?? "demo-output";

// 1. A 2-channel z-stack (T, C, Z, Y, X) as OME-NGFF 0.5 with a 3-level pyramid.
{
  await using image = await openOmeZarr(join(dir, "stack.zarr"), {
    layout: "fov",
    mode: "w-",
    version: "0.5",
    channelNames: ["DAPI", "GFP"],
  });
  const zyx = [8, 256, 256];
  const pixels = new Uint16Array(2 * zyx[0]! * zyx[1]! * zyx[2]!).map((_, i) => i % 4096);
  await image.createImage("0", ndarray(pixels, [1, 2, ...zyx]));
  await image.setScale("0", "Z", 2.0); // micrometers per voxel along Z
  await image.computePyramid({ levels: 3, method: "mean", workers: 0 });
  const gfpPlane = await (await image.data).read([0, 1, 4]); // T=0, C=GFP, Z=4 → a Y×X ndarray
  console.log(`plane shape ${gfpPlane.shape.join("×")}, first value ${gfpPlane.get(0, 0)}`);
}

// 2. A small plate: 2 wells with 2 fields each (NGFF 0.4 / Zarr v2, iohub's default).
{
  await using plate = await openOmeZarr(join(dir, "plate.zarr"), {
    layout: "hcs",
    mode: "w-",
    channelNames: ["BF"],
  });
  const fields = await plate.createPositions(["A/1/0", "A/1/1", "B/3/0", "B/3/1"]);
  for (const fov of fields) {
    await fov.createZeros("0", { shape: [1, 1, 1, 128, 128], dtype: "uint16" });
  }
  for await (const [name, position] of plate.positions()) {
    await (await position.data).write([0, 0, 0], 1000); // fill the plane with a scalar
    console.log(name);
  }
  console.log(await plate.printTree({ level: 2 }));
}
