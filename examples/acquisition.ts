/**
 * The README's "Acquisition pipelines": a simulated camera delivers frames at a fixed rate into
 * `createStream` (open-ended t, a live 3-level pyramid), flushing every second; meanwhile a
 * reader opens the store read-only (mode "r", a separate open each time) and prints how many
 * frames each level shows. test/integration/examples.test.ts runs it with tiny settings.
 *
 *   node --import tsx examples/acquisition.ts <dir> [--frames 100] [--fps 20] [--size 512]
 */
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { openOmeZarr, type Position } from "../src/index.js";

const argv = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = argv.indexOf(`--${name}`);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const dir = argv[0] !== undefined && !argv[0].startsWith("--") ? argv[0] : "acquisition-output";
const frames = option("frames", 100);
const fps = option("fps", 20);
const size = option("size", 512);
const path = join(dir, "live.zarr");

/** The camera: frame `t` of a bright spot drifting over a noisy background. */
function capture(t: number): Uint16Array {
  const out = new Uint16Array(size * size);
  const cy = (size / 2 + (size / 3) * Math.sin(t / 10)) | 0;
  const cx = (size / 2 + (size / 3) * Math.cos(t / 10)) | 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d2 = (y - cy) ** 2 + (x - cx) ** 2;
      out[y * size + x] = 100 + ((x * 7 + y * 13 + t) & 63) + (d2 < 400 ? 3000 : 0);
    }
  }
  return out;
}

/** What a viewer sees now: frames (t extent) per level, through its own read-only open. */
async function look(): Promise<string> {
  try {
    await using image = (await openOmeZarr(path, { mode: "r" })) as Position;
    const extents: string[] = [];
    for (const level of image.levelPaths) {
      extents.push(`${level}:${(await image.get(level)).shape[0]}`);
    }
    return extents.length > 0 ? extents.join(" ") : "no image yet";
  } catch {
    return "no image yet";
  }
}

// The writer.
const position = (await openOmeZarr(path, {
  layout: "fov",
  mode: "w-",
  version: "0.5",
  channelNames: ["camera"],
})) as Position;
const stream = await position.createStream("0", {
  dtype: "uint16",
  shape: [Infinity, 1, 1, size, size], // t open-ended: the run's length is not known
  chunks: [1, 1, 1, Math.min(256, size), Math.min(256, size)],
  pyramid: { levels: 3, method: "mean", dims: ["y", "x"] },
  metadataIntervalMs: 250, // readers see complete frames within ~¼ s
});

// The reader, concurrently: every 250 ms, a fresh read-only open.
let reading = true;
const reader = (async () => {
  let last = "";
  while (reading) {
    const seen = await look();
    if (seen !== last) console.log(`reader: ${seen}`);
    last = seen;
    await sleep(250);
  }
})();

// The camera at a fixed frame rate; flush (the durability point) every second of frames.
const period = 1000 / fps;
const t0 = performance.now();
for (let t = 0; t < frames; t++) {
  await sleep(Math.max(0, t0 + t * period - performance.now()));
  await stream.write(t, capture(t)); // resolves once the frame is queued (back-pressure)
  if ((t + 1) % Math.max(1, Math.round(fps)) === 0) await stream.flush();
}
const image = await stream.close(); // edges, final metadata; an ordinary image now
reading = false;
await reader;
console.log(
  `camera: ${frames} frames at ${fps} fps in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
);
console.log(`closed: level 0 shape ${image.shape.join("×")}`);
console.log(`reader after close: ${await look()}`);
