/**
 * `ngff convert` on a 1 GiB TIFF: 64 uncompressed uint16 pages of 4096×2048 (one strip per
 * page, as ImageJ and tifffile write them), generated here with the test TIFF writer.
 *
 * Each case runs the built binary (`npm run build` first) as a child process and reports its
 * wall time and peak RSS (`process.resourceUsage().maxRSS`, threads included, printed by a
 * preloaded exit hook). Baseline: a child that only reads every pixel of the TIFF through the
 * same reader (the I/O + copy floor). The converter must stay under 600 MiB of RSS. Every run
 * writes a new store and nothing is deleted until the end: on this VM's ext4, creating files
 * shortly after deleting many is several times slower, which `--overwrite` runs suffered from.
 *
 *   npm run build && node --import tsx bench/convert.bench.ts [--runs 3] [--keep]
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { patternPlane } from "../test/fixtures/cli/images.js";
import { type TiffPage, writeTiff } from "../test/fixtures/cli/tiff-writer.js";

const PAGES = 64;
const WIDTH = 4096;
const HEIGHT = 2048;
const RSS_LIMIT_MIB = 600;
const root = new URL("../", import.meta.url).pathname;
const bin = join(root, "bin/ngff.js");
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf("--runs") + 1]) || 3;

// Printed to stderr by the child at exit: its peak resident set size in KiB.
const RSS_HOOK = `data:text/javascript,${encodeURIComponent(
  'import { writeSync } from "node:fs"; process.on("exit", () => writeSync(2, "\\nMAXRSS " + process.resourceUsage().maxRSS + "\\n"));',
)}`;

const READ_ONLY = `
  const { openTiff } = await import(${JSON.stringify(join(root, "dist/src/tiff/index.js"))});
  const tiff = await openTiff(process.argv[1]);
  const l = tiff.layout;
  const band = new Uint16Array(512 * l.sizeX);
  for (let z = 0; z < l.sizeZ; z++)
    for (let y = 0; y < l.sizeY; y += 512) await tiff.readRows(0, 0, z, y, Math.min(l.sizeY, y + 512), band, 0);
  await tiff.close();
`;

interface Sample {
  seconds: number;
  rssMiB: number;
}

function runChild(argv: string[], cwd: string): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, ["--import", RSS_HOOK, ...argv], {
      cwd,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    let stdout = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      const seconds = (performance.now() - started) / 1000;
      const m = /MAXRSS (\d+)/.exec(stderr);
      if (code !== 0 || m === null) {
        reject(new Error(`child ${argv.join(" ")} failed (exit ${code}):\n${stdout}${stderr}`));
        return;
      }
      resolve({ seconds, rssMiB: Number(m[1]) / 1024 });
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

async function main(): Promise<void> {
  if (!existsSync(join(root, "dist/src/cli/main.js"))) {
    throw new Error("dist/ is missing: run `npm run build` first");
  }
  const dir = await mkdtemp(join(tmpdir(), "ngff-convert-bench-"));
  try {
    const tif = join(dir, "big.tif");
    const t0 = performance.now();
    function* pages(): Generator<TiffPage> {
      for (let z = 0; z < PAGES; z++) {
        yield {
          spec: { width: WIDTH, height: HEIGHT, dtype: "uint16" },
          data: patternPlane("uint16", 0, 0, z, HEIGHT, WIDTH),
        };
      }
    }
    await writeTiff(tif, pages());
    const bytes = (await stat(tif)).size;
    const mib = bytes / 2 ** 20;
    process.stderr.write(
      `wrote ${tif} (${mib.toFixed(0)} MiB) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
    );

    const cases: [string, (run: number) => string[]][] = [
      [
        "baseline: read every pixel (no output)",
        (_run) => ["--input-type=module", "-e", READ_ONLY, tif],
      ],
      [
        "convert, level 0 only, on the main thread (--levels 1 --workers 0)",
        (run) => [
          bin,
          "convert",
          "-i",
          tif,
          "-o",
          join(dir, `l1w0-${run}.zarr`),
          "--levels",
          "1",
          "--workers",
          "0",
          "-q",
        ],
      ],
      [
        "convert, level 0 only, 2 workers (--levels 1)",
        (run) => [
          bin,
          "convert",
          "-i",
          tif,
          "-o",
          join(dir, `l1-${run}.zarr`),
          "--levels",
          "1",
          "--workers",
          "2",
          "-q",
        ],
      ],
      [
        "convert + 5-level pyramid, 2 workers",
        (run) => [
          bin,
          "convert",
          "-i",
          tif,
          "-o",
          join(dir, `l5-${run}.zarr`),
          "--levels",
          "5",
          "--workers",
          "2",
          "-q",
        ],
      ],
      [
        "convert + 5-level pyramid, NGFF 0.5",
        (run) => [
          bin,
          "convert",
          "-i",
          tif,
          "-o",
          join(dir, `v5-${run}.zarr`),
          "--levels",
          "5",
          "--version",
          "0.5",
          "-q",
        ],
      ],
    ];
    const rows: string[] = [];
    let baseline = 0;
    let worstRss = 0;
    for (const [name, argv] of cases) {
      const samples: Sample[] = [];
      for (let i = 0; i < runs; i++) samples.push(await runChild(argv(i), dir));
      const secs = median(samples.map((s) => s.seconds));
      const rss = median(samples.map((s) => s.rssMiB));
      const maxRss = Math.max(...samples.map((s) => s.rssMiB));
      if (name.startsWith("convert")) worstRss = Math.max(worstRss, maxRss);
      if (baseline === 0) baseline = secs;
      rows.push(
        `| ${name} | ${secs.toFixed(2)} | ${(mib / secs).toFixed(0)} | ${(secs / baseline).toFixed(2)}× | ${rss.toFixed(0)} | ${maxRss.toFixed(0)} |`,
      );
      process.stderr.write(
        `${name}: ${samples.map((s) => `${s.seconds.toFixed(1)} s / ${s.rssMiB.toFixed(0)} MiB`).join(", ")}\n`,
      );
    }
    const lines = [
      `### ngff convert: ${PAGES} × ${WIDTH}×${HEIGHT} uint16 TIFF (${mib.toFixed(0)} MiB, uncompressed, one strip per page)`,
      "",
      `median of ${runs} runs; peak RSS of the child process (threads included); 2-core machine`,
      "",
      "| case | wall s | MiB/s of input | vs baseline | peak RSS MiB (median) | peak RSS MiB (max) |",
      "|---|---:|---:|---:|---:|---:|",
      ...rows,
      "",
      `peak RSS of every conversion ${worstRss.toFixed(0)} MiB: ${worstRss < RSS_LIMIT_MIB ? "under" : "OVER"} the ${RSS_LIMIT_MIB} MiB budget`,
      "",
      "reproduce: `npm run build && node --import tsx bench/convert.bench.ts --runs 3`",
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
    if (worstRss >= RSS_LIMIT_MIB) process.exitCode = 1;
  } finally {
    if (!args.includes("--keep")) await rm(dir, { recursive: true, force: true });
  }
}

await main();
