/**
 * SIGKILL a writer in the middle of many metadata and chunk writes, several times at seeded
 * random delays: every file left behind parses or decodes (no torn file). Leftover temp files
 * (`.<name>.tmp-<pid>-<rand>`) are allowed; listings hide them and cleanupTempFiles removes them.
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { afterEach, beforeEach, expect, test } from "vitest";
import {
  cleanupTempFiles,
  listChildren,
  openArray,
  openLocalStore,
  readAttributes,
  TEMP_NAME_PATTERN,
} from "../../../src/store/index.js";
import { spawnFixture } from "../../helpers/fixtures.js";

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join((await import("node:os")).tmpdir(), "ngff-crash-"));
});
afterEach(() => fs.rm(dir, { recursive: true, force: true }));

function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

/** Start the writer, wait for "ready", let it run `ms`, then SIGKILL it. */
async function runAndKill(ms: number): Promise<void> {
  const child = spawnFixture("store-crash-writer", [dir]);
  let stderr = "";
  child.stderr.on("data", (d) => {
    stderr += String(d);
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on("exit", (code, signal) => resolve({ code, signal })),
  );
  await new Promise<void>((resolve, reject) => {
    child.stdout.on("data", (d) => {
      if (String(d).includes("ready")) resolve();
    });
    child.on("exit", () => reject(new Error(`writer exited before ready: ${stderr}`)));
  });
  await new Promise((r) => setTimeout(r, ms));
  child.kill("SIGKILL");
  const { signal } = await exited;
  expect(signal, stderr).toBe("SIGKILL");
}

async function walk(d: string, out: string[] = []): Promise<string[]> {
  for (const ent of await fs.readdir(d, { withFileTypes: true })) {
    const p = path.join(d, ent.name);
    if (ent.isDirectory()) await walk(p, out);
    else out.push(p);
  }
  return out;
}

async function checkEverything(): Promise<{ files: number; temps: number; chunks: number }> {
  let temps = 0;
  let metadata = 0;
  for (const f of await walk(dir)) {
    const base = path.basename(f);
    if (TEMP_NAME_PATTERN.test(base)) {
      temps++;
      continue;
    }
    if (/^(zarr\.json|\.zarray|\.zgroup|\.zattrs)$/.test(base)) {
      JSON.parse(await fs.readFile(f, "utf8")); // a torn metadata file throws here
      metadata++;
    }
  }
  const store = await openLocalStore(dir, { readOnly: true });
  const rootAttrs = await readAttributes(store, "");
  expect(typeof rootAttrs.started === "number" || typeof rootAttrs.iteration === "number").toBe(
    true,
  );
  let chunks = 0;
  for (const p of ["v2/arr", "v3/arr", "v3/sharded"]) {
    const a = await openArray(store, p);
    const grid = a.blockGrid();
    for (let i = 0; i < grid[0]!; i++) {
      for (let j = 0; j < grid[1]!; j++) {
        const block = await a.readRegion(a.blockRegion([i, j])); // a torn chunk/shard throws here
        const inner = a.chunks;
        // Every chunk holds one value (one iteration): check chunk by chunk.
        for (
          let r = 0;
          r < block.length / (a.blockRegion([i, j])[1]![1] - a.blockRegion([i, j])[1]![0]);
          r += inner[0]!
        ) {
          const w = a.blockRegion([i, j])[1]![1] - a.blockRegion([i, j])[1]![0];
          for (let c = 0; c < w; c += inner[1]!) {
            const first = block[r * w + c];
            for (let rr = r; rr < Math.min(r + inner[0]!, block.length / w); rr++) {
              for (let cc = c; cc < Math.min(c + inner[1]!, w); cc++) {
                if (block[rr * w + cc] !== first)
                  throw new Error(`${p} block ${i},${j}: mixed values in one chunk`);
              }
            }
            chunks++;
          }
        }
      }
    }
  }
  expect((await listChildren(store, "v3")).arrays).toEqual(["arr", "sharded"]);
  return { files: metadata, temps, chunks };
}

test("SIGKILLed writers never leave a torn metadata file, chunk or shard", async () => {
  const rnd = lcg(20240611);
  for (let run = 0; run < 5; run++) {
    await runAndKill(40 + Math.floor(rnd() * 400));
    const r = await checkEverything();
    expect(r.files).toBeGreaterThan(5);
    expect(r.chunks).toBeGreaterThan(0);
  }
  // Leftover temp files are hidden from readers and removable once no writer runs.
  const leftover = (await walk(dir)).filter((f) => TEMP_NAME_PATTERN.test(path.basename(f))).length;
  expect(await cleanupTempFiles(dir)).toBe(leftover);
  expect((await walk(dir)).some((f) => TEMP_NAME_PATTERN.test(path.basename(f)))).toBe(false);
});
