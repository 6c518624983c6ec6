/**
 * Kernel throughput: GB/s of INPUT per method × dtype for 2×2 blocks (1×1×1×2048×2048,
 * factors [1,1,1,2,2]) and 2×2×2 blocks (1×1×16×1024×1024, factors [1,1,2,2,2]), single thread.
 * "specialized" is the public `downsample` (collapsed axes → 2×2 / 2×2×2 kernels); the
 * baseline is the general n-d kernel (gather each block, then reduce) on the same input in the
 * same process.
 *
 * Timing is CPU time of this process (`process.cpuUsage`, user + system), because the machine
 * is shared: wall time includes the time other processes hold the core. Wall-clock medians are
 * printed alongside. Each cell is the median of `--runs` runs after warm-up.
 *
 *   node --import tsx bench/kernels.bench.ts [--repeat 3] [--runs 9] [--quick]
 *       [--dtype uint16,…] [--method mean,…] [--block 2x2|2x2x2] [--no-baseline]
 *
 * `--repeat N` runs the whole measurement in N separate processes, one after another, and
 * prints the median of each cell (the machine is shared, so single runs vary).
 */
import { spawnSync } from "node:child_process";
import { cpus } from "node:os";
import { fileURLToPath } from "node:url";
import { BlockIterator } from "../native-free-kernels/block-iterator.js";
import { generalKeyed32 } from "../native-free-kernels/general-keyed.js";
import { generalMeanFloat, generalMeanInt } from "../native-free-kernels/general-mean.js";
import {
  type DownsampleMethod,
  downsample,
  downsampledShape,
  type KernelArray,
} from "../native-free-kernels/index.js";
import { FLOAT32_KEY32, IDENTITY_KEY32 } from "../native-free-kernels/keys.js";
import { type Geometry, normalizeGeometry } from "../native-free-kernels/normalize.js";
import { int32View } from "../native-free-kernels/views.js";

type BenchDType = "uint8" | "uint16" | "float32";

const args = process.argv.slice(2);
const quick = args.includes("--quick");
const runsArg = args.indexOf("--runs");
const RUNS = runsArg >= 0 ? Number(args[runsArg + 1]) : quick ? 3 : 9;
const BASE_RUNS = quick ? 1 : 3;
const noBaseline = args.includes("--no-baseline");
const repeatArg = args.indexOf("--repeat");
const repeat = repeatArg >= 0 ? Number(args[repeatArg + 1]) : 1;

/** Values of `--name a,b` as a list, or undefined when the flag is absent. */
function listFlag(name: string): string[] | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? (args[i + 1] ?? "").split(",") : undefined;
}
const onlyDtypes = listFlag("--dtype");
const onlyMethods = listFlag("--method");
const onlyBlocks = listFlag("--block");

const METHODS = (["stride", "mean", "min", "max", "median", "mode"] as DownsampleMethod[]).filter(
  (m) => onlyMethods === undefined || onlyMethods.includes(m),
);
const DTYPES = (["uint8", "uint16", "float32"] as BenchDType[]).filter(
  (d) => onlyDtypes === undefined || onlyDtypes.includes(d),
);
const BLOCKS = [
  { name: "2×2", id: "2x2", shape: [1, 1, 1, 2048, 2048], factors: [1, 1, 1, 2, 2] },
  { name: "2×2×2", id: "2x2x2", shape: [1, 1, 16, 1024, 1024], factors: [1, 1, 2, 2, 2] },
].filter((b) => onlyBlocks === undefined || onlyBlocks.includes(b.id));
/** The targets from the brief: one core, uint16, 2×2 blocks. */
const TARGETS: Partial<Record<DownsampleMethod, number>> = {
  stride: 2,
  mean: 2,
  min: 2,
  max: 2,
  median: 1,
  mode: 1,
};

function makeInput(dtype: BenchDType, n: number): KernelArray {
  // Uniform noise: the worst case for branchy code, and what camera noise looks like.
  if (dtype === "uint8") return Uint8Array.from({ length: n }, () => (Math.random() * 256) | 0);
  if (dtype === "uint16") return Uint16Array.from({ length: n }, () => (Math.random() * 65536) | 0);
  return Float32Array.from({ length: n }, () => Math.random() * 2000 - 1000);
}

/** The general n-d kernel for (method, dtype), the baseline. */
function general(
  method: DownsampleMethod,
  dtype: BenchDType,
  src: KernelArray,
  out: KernelArray,
  g: Geometry,
): void {
  if (method === "stride") {
    const it = new BlockIterator(g);
    const s = src as Uint16Array;
    const o = out as Uint16Array;
    while (it.next()) o[it.outIndex] = s[it.offsets[0]!]!;
  } else if (method === "mean") {
    if (dtype === "float32") generalMeanFloat(src as Float32Array, out as Float32Array, g);
    else generalMeanInt(src as Uint16Array, out as Uint16Array, g);
  } else if (dtype === "float32") {
    generalKeyed32(method, int32View(src), int32View(out), FLOAT32_KEY32, g);
  } else {
    generalKeyed32(method, src as Uint16Array, out as Uint16Array, IDENTITY_KEY32, g);
  }
}

interface Timing {
  cpu: number;
  wall: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Median CPU and wall seconds of `runs` calls after `warm` warm-up calls. */
function time(fn: () => void, warm: number, runs: number): Timing {
  for (let i = 0; i < warm; i++) fn();
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < runs; i++) {
    const c = process.cpuUsage();
    const t = performance.now();
    fn();
    const w = performance.now() - t;
    const d = process.cpuUsage(c);
    cpu.push((d.user + d.system) / 1e6);
    wall.push(w / 1e3);
  }
  return { cpu: median(cpu), wall: median(wall) };
}

/** One measured cell, in GB/s of input. */
interface Cell {
  block: string;
  dtype: BenchDType;
  method: DownsampleMethod;
  fastCpu: number;
  fastWall: number;
  baseCpu: number;
}

function measureAll(): Cell[] {
  const cells: Cell[] = [];
  for (const block of BLOCKS) {
    const n = block.shape.reduce((p, v) => p * v, 1);
    const outLength = downsampledShape(block.shape, block.factors).reduce((p, v) => p * v, 1);
    const g = normalizeGeometry(block.shape, block.factors);
    for (const dtype of DTYPES) {
      const src = makeInput(dtype, n);
      const bytes = src.byteLength;
      for (const method of METHODS) {
        const out = downsample(method, dtype, src, block.shape, block.factors);
        const fast = time(
          () => downsample(method, dtype, src, block.shape, block.factors, out),
          3,
          RUNS,
        );
        const check = out.slice();
        const base = noBaseline
          ? { cpu: Number.NaN, wall: Number.NaN }
          : time(() => general(method, dtype, src, out, g), 1, BASE_RUNS);
        for (let i = 0; i < outLength; i++) {
          if (!Object.is(check[i], out[i])) {
            throw new Error(`${method} ${dtype}: general ≠ specialized at ${i}`);
          }
        }
        cells.push({
          block: block.name,
          dtype,
          method,
          fastCpu: bytes / fast.cpu / 1e9,
          fastWall: bytes / fast.wall / 1e9,
          baseCpu: bytes / base.cpu / 1e9,
        });
      }
    }
  }
  return cells;
}

/** Runs this script `n` times in separate processes and takes the median of every cell. */
function measureRepeated(n: number): Cell[] {
  const childArgs = args.filter((a, i) => a !== "--repeat" && args[i - 1] !== "--repeat");
  const runs: Cell[][] = [];
  for (let r = 0; r < n; r++) {
    const child = spawnSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), ...childArgs, "--json"],
      { encoding: "utf8", maxBuffer: 1 << 24 },
    );
    if (child.status !== 0) throw new Error(`benchmark run ${r + 1} failed:\n${child.stderr}`);
    runs.push(JSON.parse(child.stdout) as Cell[]);
  }
  return runs[0]!.map((cell, i) => ({
    ...cell,
    fastCpu: median(runs.map((run) => run[i]!.fastCpu)),
    fastWall: median(runs.map((run) => run[i]!.fastWall)),
    baseCpu: median(runs.map((run) => run[i]!.baseCpu)),
  }));
}

function table(cells: Cell[]): string {
  const rows = cells.map((c) => {
    const target = c.block === "2×2" && c.dtype === "uint16" ? TARGETS[c.method] : undefined;
    const meets =
      target === undefined ? "" : c.fastCpu >= target ? `≥ ${target} ✅` : `≥ ${target} ❌`;
    return (
      `| ${c.block} | ${c.dtype} | ${c.method} | ${c.fastCpu.toFixed(2)} | ` +
      `${c.fastWall.toFixed(2)} | ${c.baseCpu.toFixed(2)} | ` +
      `${(c.fastCpu / c.baseCpu).toFixed(1)}× | ${meets} |`
    );
  });
  const cpu = cpus()[0]?.model ?? "unknown CPU";
  const runs = repeat > 1 ? `, median over ${repeat} processes` : "";
  return [
    `Kernel throughput, GB/s of input, one thread (${cpu}, Node ${process.version}): ` +
      `median of ${RUNS} runs (general: ${BASE_RUNS}) after warm-up${runs}.`,
    "",
    "| block | dtype | method | specialized (CPU time) | specialized (wall) | general n-d (CPU time) | speed-up | target (uint16 2×2) |",
    "|---|---|---|---:|---:|---:|---:|---|",
    ...rows,
    "",
    `Reproduce: node --import tsx bench/kernels.bench.ts${args.length ? ` ${args.join(" ")}` : ""}`,
    "",
  ].join("\n");
}

if (args.includes("--json")) {
  process.stdout.write(JSON.stringify(measureAll()));
} else {
  process.stdout.write(table(repeat > 1 ? measureRepeated(repeat) : measureAll()));
}
