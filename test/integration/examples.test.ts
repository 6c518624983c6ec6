/**
 * The README's code is in examples/: run it as a user would (a child process through tsx) so the
 * README cannot drift from the API, and check what it wrote.
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, test } from "vitest";
import { openOmeZarr, validateStore } from "../../src/index.js";

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, "../..");
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "ngff-examples-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function tsx(script: string, ...args: string[]) {
  return run(process.execPath, ["--import", "tsx", join(repo, script), ...args], { cwd: repo });
}

describe("README examples", () => {
  test("quick start writes a valid z-stack with a pyramid and a valid plate", async () => {
    const { stdout } = await tsx("examples/quick-start.ts", dir);
    expect(stdout).toContain("plane shape 256×256");
    expect(stdout).toMatch(/A\/1\/0\nA\/1\/1\nB\/3\/0\nB\/3\/1\n/);

    const stack = await validateStore(join(dir, "stack.zarr"));
    expect(stack.issues).toEqual([]);
    expect(stack.version).toBe("0.5");
    const plate = await validateStore(join(dir, "plate.zarr"));
    expect(plate.issues).toEqual([]);
    expect(plate.kind).toBe("plate");

    await using image = await openOmeZarr(join(dir, "stack.zarr"), { layout: "fov" });
    expect(await image.arrayKeys()).toEqual(["0", "1", "2"]);
    expect(image.channelNames).toEqual(["DAPI", "GFP"]);
    expect((await image.get("2")).shape).toEqual([1, 2, 2, 64, 64]);
  });

  test("the main job (npm run demo) writes a pyramid, validates it and prints the tree", async () => {
    const out = join(dir, "sample.zarr");
    const { stdout } = await tsx("examples/demo.ts", out);
    expect(stdout).toContain("├── 0 (1, 2, 16, 512, 512) uint16");
    expect(stdout).toContain("└── 3 (1, 2, 2, 64, 64) uint16");
    expect(stdout).toContain("validateStore: ok");
    expect((await validateStore(out)).ok).toBe(true);
  });

  test("acquisition: a camera streams frames with a live pyramid while a reader watches", async () => {
    const { stdout } = await tsx(
      "examples/acquisition.ts",
      dir,
      "--frames",
      "24",
      "--fps",
      "40",
      "--size",
      "64",
    );
    const seen = stdout.split("\n").filter((l) => l.startsWith("reader: "));
    // Every look is a complete prefix at every level, never shrinking.
    let last = 0;
    for (const line of seen) {
      const t = [...line.matchAll(/(\d+):(\d+)/g)].map((m) => Number(m[2]));
      expect(t.every((x) => x <= 24)).toBe(true);
      expect(t[0]!).toBeGreaterThanOrEqual(last);
      last = t[0]!;
    }
    expect(stdout).toContain("camera: 24 frames at 40 fps");
    expect(stdout).toContain("closed: level 0 shape 24×1×1×64×64");
    expect(stdout).toContain("reader after close: 0:24 1:24 2:24");
    const result = await validateStore(join(dir, "live.zarr"), { strict: true });
    expect(result.issues).toEqual([]);
  });
});
