/**
 * The README's main job: write a sample 2-channel z-stack as OME-Zarr 0.5, build a 4-level mean
 * pyramid in a worker pool, validate the store, and print its tree.
 *
 *   npm run demo                      # writes ./demo-output/sample.zarr
 *   npm run demo -- /tmp/other.zarr   # or wherever you like (the path must contain ".zarr")
 */
import { resolve } from "node:path";
import ndarray from "ndarray";
import { openOmeZarr, validateStore } from "../src/index.js";

const out = resolve(process.argv[2] ?? "demo-output/sample.zarr");
const [t, c, z, y, x] = [1, 2, 16, 512, 512];

// Two channels of smooth blobs plus a little deterministic noise, uint16.
const data = new Uint16Array(t * c * z * y * x);
let seed = 42;
const noise = () => {
  seed = (seed * 1664525 + 1013904223) >>> 0;
  return seed / 2 ** 32;
};
for (let ci = 0; ci < c; ci++)
  for (let zi = 0; zi < z; zi++)
    for (let yi = 0; yi < y; yi++)
      for (let xi = 0; xi < x; xi++) {
        const blob = Math.sin((xi + 40 * ci) / 37) * Math.cos((yi - 3 * zi) / 29);
        data[((ci * z + zi) * y + yi) * x + xi] = Math.round(20000 + 15000 * blob + 2000 * noise());
      }

const started = performance.now();
await using position = await openOmeZarr(out, {
  layout: "fov",
  mode: "w",
  version: "0.5",
  channelNames: ["DAPI", "GFP"],
});
await position.createImage("0", ndarray(data, [t, c, z, y, x]), { chunks: [1, 1, 1, 256, 256] });
const report = await position.computePyramid({ levels: 4, method: "mean" });
const seconds = (performance.now() - started) / 1000;

const validation = await validateStore(out);
process.stdout.write(`${await position.printTree()}\n`);
process.stdout.write(
  `\nwrote ${out}: ${report.levels.length + 1} levels in ${seconds.toFixed(2)} s; ` +
    `validateStore: ${validation.ok ? "ok" : `${validation.issues.length} problem(s)`}\n`,
);
if (!validation.ok) {
  for (const issue of validation.issues)
    process.stderr.write(`  ${issue.path}: ${issue.message}\n`);
  process.exitCode = 1;
}
