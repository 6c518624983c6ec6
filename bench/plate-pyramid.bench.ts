/**
 * `ngff compute-pyramid` on a plate of many small positions, 1 vs 2 vs 3 positions at once
 * (`--jobs`), all on one pool of 2 workers: a position's barriers between levels and its
 * metadata writes leave the workers idle, another position's tasks fill them.
 *
 *   node --import tsx bench/plate-pyramid.bench.ts [--dist] [--runs 5] [--positions 24]
 *     [--jobs 1,2,3] [--dir <path>]
 *
 * Each run builds one plate per configuration first (24 positions of 1×2×1×1024×1024 uint16,
 * chunks 256², blosc lz4), then times the command on each, interleaved, in this process (the
 * shared pool stays warm between runs, as for a pipeline). Stores are deleted only at the end
 * (deleting files on this VM's ext4 slows file creation for minutes after).
 *
 * `--convert`: `ngff convert` of 24 TIFFs (2 channels of 1024² uint16 each) into a plate with
 * 4 levels instead, 1 vs 2 vs 3 inputs at once.
 */
import { execSync } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SHAPE = [1, 2, 1, 1024, 1024];

function intArg(argv: string[], name: string, fallback: number): number {
  const i = argv.indexOf(name);
  const v = i >= 0 ? Number(argv[i + 1]) : fallback;
  if (!Number.isInteger(v) || v < 1) throw new RangeError(`${name} must be ≥ 1; found ${v}`);
  return v;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const runs = intArg(argv, "--runs", 5);
  const positions = intArg(argv, "--positions", 24);
  const jobsArg = argv.indexOf("--jobs");
  const JOBS = (jobsArg >= 0 ? argv[jobsArg + 1]! : "1,2,3").split(",").map(Number);
  if (JOBS[0] !== 1 || !JOBS.every((k) => Number.isInteger(k) && k >= 1)) {
    throw new RangeError("--jobs takes a list of positive integers starting with 1 (the baseline)");
  }
  const dist = argv.includes("--dist");
  const base = dist ? "../dist/src" : "../src";
  const lib = (await import(`${base}/index.js`)) as typeof import("../src/index.js");
  const { runCli } = (await import(`${base}/cli/main.js`)) as typeof import("../src/cli/main.js");
  const dirArg = argv.indexOf("--dir");
  const parent = dirArg >= 0 ? argv[dirArg + 1]! : tmpdir();
  const root = await mkdtemp(join(parent, "ngff-bench-plate-"));

  const size = SHAPE.reduce((a, b) => a * b, 1);
  const data = new Uint16Array(size);
  let s = 1;
  for (let i = 0; i < size; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    data[i] = 1000 + ((i >> 6) & 1023) + (s >>> 28);
  }
  const makePlate = async (path: string) => {
    const plate = await lib.openOmeZarr(path, {
      layout: "hcs",
      mode: "w",
      channelNames: ["a", "b"],
    });
    for (let i = 0; i < positions; i++) {
      const pos = await plate.createPosition(
        String.fromCharCode(65 + Math.floor(i / 12)),
        String((i % 12) + 1),
        "0",
      );
      await pos.createImage(
        "0",
        { data, shape: SHAPE },
        {
          chunks: [1, 1, 1, 256, 256],
          codec: { name: "blosc", cname: "lz4", clevel: 5, shuffle: "shuffle" },
          workers: 0,
        },
      );
    }
  };
  const convert = argv.includes("--convert");
  const tiffs: string[] = [];
  if (convert) {
    const { writeStack } = await import("../test/fixtures/cli/run.js");
    for (let i = 0; i < positions; i++) {
      const tif = join(root, `in${i}.tif`);
      await writeStack(tif, { sizeC: 2, sizeZ: 1, sizeY: 1024, sizeX: 1024, dtype: "uint16" });
      tiffs.push(tif);
    }
  }
  const io = {
    stdout: { write: () => true },
    stderr: { write: (x: string) => process.stderr.write(x) },
  };
  const times: number[][] = JOBS.map(() => []);
  try {
    for (let r = 0; r < runs; r++) {
      const plates = JOBS.map((k) => join(root, `r${r}-jobs${k}.zarr`));
      if (!convert) for (const p of plates) await makePlate(p);
      for (const [i, k] of JOBS.entries()) {
        execSync("sync");
        const t0 = performance.now();
        const common = ["-l", "4", "-w", "2", "--jobs", String(k), "--quiet"];
        const code = await runCli(
          convert
            ? ["convert", "-i", ...tiffs, "-o", plates[i]!, ...common]
            : ["compute-pyramid", "-i", plates[i]!, "--dims", "y,x", ...common],
          io,
        );
        if (code !== 0) throw new Error(`--jobs ${k} exited ${code}`);
        times[i]!.push((performance.now() - t0) / 1000);
      }
    }
  } finally {
    await lib.closeSharedPools();
    await rm(root, { recursive: true, force: true });
  }
  const rows = JOBS.map((k, i) => {
    const t = times[i]!;
    const paired = median(t.map((x, r) => times[0]![r]! / x));
    return `| ${k} | ${median(t).toFixed(2)} | ${(median(times[0]!) / median(t)).toFixed(2)}× / ${paired.toFixed(2)}× | ${t.map((x) => x.toFixed(2)).join(", ")} |`;
  });
  const cmd = `node --import tsx bench/plate-pyramid.bench.ts ${argv.join(" ")}`.trim();
  const what = convert
    ? `convert of ${positions} TIFFs (2 channels of 1024² uint16) into a plate, 4 levels`
    : `compute-pyramid of a plate: ${positions} positions of ${SHAPE.join("×")} uint16 (chunks ` +
      "256², blosc lz4), 4 levels (Y, X ÷2)";
  process.stdout.write(
    `${what}, 2 workers; library from ${dist ? "dist" : "src"}/; ` +
      `${runs} runs, interleaved; medians.\n\n` +
      "| at once (--jobs) | s | vs 1 (medians / paired) | all runs s |\n|---|---|---|---|\n" +
      `${rows.join("\n")}\n\nReproduce: \`${cmd}\`\n`,
  );
}

await main();
