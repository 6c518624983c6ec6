/**
 * The built `ngff` binary (`bin/ngff.js` → `dist/src/cli/main.js`) as a child process:
 * `npm run build` runs once in beforeAll, unless dist/ is newer than every input of the build
 * (a build costs ~18 s of CPU; a rerun with unchanged sources skips it). Pyramids run in real
 * worker threads here.
 */
import { execFile, spawn } from "node:child_process";
import { access, mkdtemp, readdir, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { openOmeZarr } from "../../../src/open.js";
import { patternPlane } from "../../fixtures/cli/images.js";
import { listTree, writeStack } from "../../fixtures/cli/run.js";

const run = promisify(execFile);
const root = new URL("../../../", import.meta.url).pathname;
const bin = join(root, "bin/ngff.js");
let dir: string;

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function ngffBin(...args: string[]): Promise<Result> {
  return ngffBinWith([], ...args);
}

/** `ngff …` under `node <nodeFlags>`. */
async function ngffBinWith(nodeFlags: string[], ...args: string[]): Promise<Result> {
  try {
    const { stdout, stderr } = await run(process.execPath, [...nodeFlags, bin, ...args], {
      cwd: dir,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** What `npm run build` reads: sources, build scripts and configuration. */
const BUILD_INPUTS = [
  "src",
  "workers",
  "native-free-kernels",
  "scripts",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "tsconfig.build.json",
];
/** What the binary runs: the CLI and library entries and the pool worker. */
const BUILD_OUTPUTS = ["dist/src/cli/main.js", "dist/src/index.js", "dist/workers/pyramid-task.js"];

/** The newest mtime under `p` (directories count too: a deleted file changes its directory's). */
async function newest(p: string): Promise<number> {
  const st = await stat(p).catch(() => undefined);
  if (st === undefined) return 0;
  if (!st.isDirectory()) return st.mtimeMs;
  let t = st.mtimeMs;
  for (const e of await readdir(p)) t = Math.max(t, await newest(join(p, e)));
  return t;
}

/** True when every output exists and is newer than every input. */
async function builtFromCurrentSources(): Promise<boolean> {
  const outputs = await Promise.all(
    BUILD_OUTPUTS.map((f) => stat(join(root, f)).catch(() => null)),
  );
  if (outputs.some((o) => o === null)) return false;
  const oldestOutput = Math.min(...outputs.map((o) => o!.mtimeMs));
  const inputs = await Promise.all(BUILD_INPUTS.map((f) => newest(join(root, f))));
  return Math.max(...inputs) < oldestOutput;
}

beforeAll(async () => {
  // Type errors elsewhere in the tree (other work in progress) do not stop tsc from emitting;
  // what matters is that the CLI entry was built.
  if (!(await builtFromCurrentSources())) {
    await run("npm", ["run", "build"], { cwd: root, timeout: 180_000 }).catch(() => undefined);
  }
  await access(join(root, "dist/src/cli/main.js"));
  dir = await mkdtemp(join(tmpdir(), "ngff-bin-"));
}, 200_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("ngff binary", () => {
  test("--version and --help", async () => {
    const v = await ngffBin("--version");
    expect(v.code).toBe(0);
    expect(v.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    const h = await ngffBin("convert", "--help");
    expect(h.code).toBe(0);
    expect(h.stdout).toContain("--overwrite");
  });

  test("converts a multi-page TIFF with a pooled pyramid; no progress bars when stderr is a pipe", async () => {
    const spec = { sizeZ: 6, sizeY: 64, sizeX: 96, dtype: "uint16" as const };
    await writeStack(join(dir, "stack.tif"), spec);
    const out = join(dir, "stack.zarr");
    const r = await ngffBin(
      "convert",
      "-i",
      "stack.tif",
      "-o",
      "stack.zarr",
      "--levels",
      "3",
      "--workers",
      "2",
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    await using pos = await openOmeZarr(out, { layout: "fov" });
    const l0 = await pos.get("0");
    for (let z = 0; z < 6; z++) {
      const plane = await l0.read([0, 0, z]);
      expect(Array.from(plane.data as ArrayLike<number>)).toEqual(
        Array.from(patternPlane("uint16", 0, 0, z, 64, 96)),
      );
    }
    expect((await pos.get("2")).shape).toEqual([1, 1, 2, 16, 24]);
    const v = await ngffBin("validate", "stack.zarr");
    expect(v.code).toBe(0);
    const info = await ngffBin("info", "stack.zarr", "--json");
    expect(JSON.parse(info.stdout)[0].image.levels).toHaveLength(3);
  });

  test("under node's V8 flags (--max-old-space-size, --expose-gc) the pool still starts", async () => {
    // A worker refuses V8 flags in an explicit execArgv; the pool once passed the process's.
    const spec = { sizeZ: 2, sizeY: 32, sizeX: 48, dtype: "uint8" as const };
    await writeStack(join(dir, "v8flags.tif"), spec);
    const r = await ngffBinWith(
      ["--max-old-space-size=1024", "--expose-gc"],
      "convert",
      "-i",
      "v8flags.tif",
      "-o",
      "v8flags.zarr",
      "--levels",
      "2",
      "--workers",
      "2",
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    await using pos = await openOmeZarr(join(dir, "v8flags.zarr"), { layout: "fov" });
    expect((await pos.get("1")).shape).toEqual([1, 1, 1, 16, 24]);
  });

  test("tiled OME-TIFF → NGFF 0.5", async () => {
    const spec = {
      sizeC: 2,
      sizeZ: 3,
      sizeY: 50,
      sizeX: 40,
      dtype: "uint8" as const,
      page: { tile: [16, 16] as const, compression: "deflate" as const },
      ome: { channelNames: ["a", "b"], physical: { x: 0.2, y: 0.2, z: 1.5 } },
    };
    await writeStack(join(dir, "t.ome.tif"), spec);
    const r = await ngffBin(
      "convert",
      "-i",
      "t.ome.tif",
      "-o",
      "t.zarr",
      "--version",
      "0.5",
      "--levels",
      "2",
      "-q",
    );
    expect([r.code, r.stderr]).toEqual([0, ""]);
    await using pos = await openOmeZarr(join(dir, "t.zarr"), { layout: "fov" });
    expect(pos.version).toBe("0.5");
    expect(pos.channelNames).toEqual(["a", "b"]);
    const plane = await (await pos.get("0")).read([0, 1, 2]);
    expect(Array.from(plane.data as ArrayLike<number>)).toEqual(
      Array.from(patternPlane("uint8", 0, 1, 2, 50, 40)),
    );
  });

  test("bad input: exit 1, one line, no stack trace, nothing written; usage error: exit 2", async () => {
    await writeFile(join(dir, "fake.tif"), "GIF89a not a tiff");
    const before = await listTree(dir);
    const r = await ngffBin("convert", "-i", "fake.tif", "-o", "fake.zarr");
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^ngff convert: error: fake\.tif is not a TIFF file/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(await listTree(dir)).toEqual(before);
    const u = await ngffBin("convert", "-i", "fake.tif");
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/required option '-o, --output/);
  });

  test("SIGINT stops a conversion and leaves no output", async () => {
    // Big enough to take a few seconds: 48 deflate pages of 512×512.
    await writeStack(join(dir, "big.tif"), {
      sizeZ: 48,
      sizeY: 512,
      sizeX: 512,
      dtype: "uint16",
      page: { compression: "deflate", rowsPerStrip: 32 },
    });
    const before = (await readdir(dir)).filter((n) => n.startsWith("big."));
    const child = spawn(
      process.execPath,
      [bin, "convert", "-i", "big.tif", "-o", "big.zarr", "--levels", "4"],
      { cwd: dir },
    );
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.on("exit", (code) => resolve(code)),
    );
    // Wait until the partial store exists, then interrupt.
    for (let i = 0; i < 200; i++) {
      if ((await readdir(dir)).some((n) => n.includes(".partial-"))) break;
      await new Promise((r) => setTimeout(r, 25));
    }
    child.kill("SIGINT");
    const code = await exited;
    expect(code).toBe(1);
    expect(stderr).toMatch(/SIGINT: stopping/);
    expect(stderr).toMatch(/ngff convert: error: .*interrupted by SIGINT|aborted/i);
    expect((await readdir(dir)).filter((n) => n.startsWith("big."))).toEqual(before);
  });
});
