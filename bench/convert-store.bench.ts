/**
 * `convertStore` (NGFF 0.4 → 0.5) of a 1 GiB image with a 5-level pyramid: a uint16 image of
 * 64 × 2048 × 4096 in 8 × 512 × 512 chunks (4 MiB), pyramid computed with the library, then
 * converted by a child process (`node --import tsx`, from source) whose wall time and peak RSS
 * (`VmHWM` of /proc/self/status at exit, worker threads included) are reported. The conversion
 * must stay under 400 MiB of RSS: memory is a few blocks per worker, whatever the image's size.
 *
 *   node --import tsx bench/convert-store.bench.ts [--runs 1] [--workers 2] [--keep]
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { closeSharedPools, convertStore, openOmeZarr } from "../src/index.js";

const SHAPE = [1, 1, 64, 2048, 4096];
const CHUNKS = [1, 1, 8, 512, 512];
const LEVELS = 5;
const RSS_LIMIT_MIB = 400;
const args = process.argv.slice(2);
const flag = (name: string, d: number) =>
  args.includes(name) ? Number(args[args.indexOf(name) + 1]) : d;

/** The child: convert, then print wall seconds and VmHWM (KiB) at exit. */
async function child(src: string, dst: string, workers: number): Promise<void> {
  process.on("exit", () => {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync("/proc/self/status", "utf8"));
    process.stderr.write(`\nVMHWM ${m?.[1] ?? "?"}\n`);
  });
  const t0 = performance.now();
  const r = await convertStore(src, dst, { version: "0.5", workers });
  process.stdout.write(
    `CONVERTED ${((performance.now() - t0) / 1000).toFixed(3)} ${r.blocks} ${r.bytes}\n`,
  );
  await closeSharedPools();
}

/** A 1 GiB 0.4 image with its 5-level pyramid, written with the library. */
async function makeSource(path: string, workers: number): Promise<void> {
  await using pos = await openOmeZarr(path, {
    layout: "fov",
    mode: "w-",
    channelNames: ["c0"],
    version: "0.4",
  });
  const img = await pos.createZeros("0", { shape: SHAPE, dtype: "uint16", chunks: CHUNKS });
  const [, , z, y, x] = SHAPE as [number, number, number, number, number];
  const rows = 512;
  const slab = new Uint16Array(8 * rows * x);
  let s = 0x9e3779b9;
  for (let z0 = 0; z0 < z; z0 += 8) {
    for (let y0 = 0; y0 < y; y0 += rows) {
      // smooth gradient + a little noise: compresses like a microscope image, not like zeros
      for (let i = 0; i < slab.length; i++) {
        s ^= s << 13;
        s ^= s >>> 17;
        s ^= s << 5;
        const xx = i % x;
        const yy = y0 + (Math.floor(i / x) % rows);
        slab[i] = (((xx + yy + z0) >> 3) + (s & 63)) & 0xffff;
      }
      await img.zarrArray.writeRegion(
        [
          [0, 1],
          [0, 1],
          [z0, z0 + 8],
          [y0, y0 + rows],
          [0, x],
        ],
        slab,
      );
    }
  }
  await pos.computePyramid({ levels: LEVELS, workers });
}

function runChild(src: string, dst: string, workers: number) {
  return new Promise<{ seconds: number; convertSeconds: number; rssMiB: number }>((res, rej) => {
    const started = performance.now();
    const me = fileURLToPath(import.meta.url);
    const c = spawn(
      process.execPath,
      ["--import", "tsx", me, "--child", src, dst, String(workers)],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "";
    let err = "";
    c.stdout.on("data", (d) => (out += String(d)));
    c.stderr.on("data", (d) => (err += String(d)));
    c.on("exit", (code) => {
      const m = /VMHWM (\d+)/.exec(err);
      const k = /CONVERTED ([\d.]+)/.exec(out);
      if (code !== 0 || m === null || k === null) {
        rej(new Error(`conversion failed (exit ${code}):\n${out}${err}`));
        return;
      }
      res({
        seconds: (performance.now() - started) / 1000,
        convertSeconds: Number(k[1]),
        rssMiB: Number(m[1]) / 1024,
      });
    });
  });
}

async function main(): Promise<void> {
  const workers = flag("--workers", 2);
  const runs = flag("--runs", 1);
  const dir = await mkdtemp(join(tmpdir(), "ngff-convert-store-bench-"));
  try {
    const src = join(dir, "src.zarr");
    const t0 = performance.now();
    await makeSource(src, workers);
    await closeSharedPools();
    process.stderr.write(
      `wrote ${src} (1 GiB level 0, ${LEVELS} levels) in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
    );
    const samples = [];
    for (let i = 0; i < runs; i++) {
      const load = loadavg()[0]!;
      const s = await runChild(src, join(dir, `dst-${i}.zarr`), workers);
      samples.push({ ...s, load });
      process.stderr.write(
        `run ${i}: ${s.convertSeconds.toFixed(1)} s converting (${s.seconds.toFixed(1)} s process), ` +
          `peak RSS ${s.rssMiB.toFixed(0)} MiB, load ${load.toFixed(1)}\n`,
      );
    }
    const best = samples.reduce((a, b) => (b.convertSeconds < a.convertSeconds ? b : a));
    const worstRss = Math.max(...samples.map((s) => s.rssMiB));
    const gib = (SHAPE.reduce((a, b) => a * b) * 2) / 2 ** 30;
    const lines = [
      `### convertStore: ${SHAPE.join("×")} uint16 (${gib.toFixed(2)} GiB level 0), ${LEVELS} levels, NGFF 0.4 → 0.5`,
      "",
      `best of ${runs} run(s), ${workers} workers; peak RSS = VmHWM of the converting process (threads included, tsx loader included)`,
      "",
      "| case | convert s | process s | MiB/s (level 0) | peak RSS MiB | load avg (1 min) |",
      "|---|---:|---:|---:|---:|---:|",
      `| convertStore 0.4 → 0.5, ${workers} workers | ${best.convertSeconds.toFixed(1)} | ${best.seconds.toFixed(1)} | ${((gib * 1024) / best.convertSeconds).toFixed(0)} | ${worstRss.toFixed(0)} | ${best.load.toFixed(1)} |`,
      "",
      `peak RSS ${worstRss.toFixed(0)} MiB: ${worstRss < RSS_LIMIT_MIB ? "under" : "OVER"} the ${RSS_LIMIT_MIB} MiB budget`,
      "",
      "reproduce: `node --import tsx bench/convert-store.bench.ts --runs 3`",
    ];
    process.stdout.write(`${lines.join("\n")}\n`);
    if (worstRss >= RSS_LIMIT_MIB) process.exitCode = 1;
  } finally {
    if (!args.includes("--keep")) await rm(dir, { recursive: true, force: true });
  }
}

if (args[0] === "--child") await child(args[1]!, args[2]!, Number(args[3] ?? "2"));
else await main();
