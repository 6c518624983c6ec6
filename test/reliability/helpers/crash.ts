/**
 * The crash harness: run a resumable writer job (test/fixtures/reliability/job.ts) in a child
 * process and SIGKILL it at seeded points spread over its life, check the store left behind,
 * resume, and compare the finished store with an uninterrupted run, byte for byte.
 *
 * Kill points: a reference run records when each progress marker appears. A kill point is a
 * seeded instant u of that timeline, turned into "marker m, then u − t(m) ms" (so a kill lands
 * at the same phase in a resumed run, whose early phases may be faster), or, one time in three,
 * 0–2 ms after a random marker (the moments right after a write completes). Kills run in chains
 * on one directory (kill, check, resume and kill again …), then a last run completes the job.
 */
import { spawn } from "node:child_process";
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { NotFoundError, validateStore } from "../../../src/index.js";
import type { Scenario } from "../../fixtures/reliability/job.js";
import {
  decodeEveryBlock,
  digestTree,
  isScratch,
  LOCK_NAME_PATTERN,
  lcg,
  listFiles,
  tempDir,
} from "./tree.js";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const JOB = path.join(REPO, "test/fixtures/reliability/job.ts");

/** `RELIABILITY_FULL=1` runs the long versions of every reliability suite. */
export const FULL = process.env.RELIABILITY_FULL === "1";

interface Marker {
  n: number;
  label: string;
  /** ms since the first marker. */
  t: number;
}

interface RunResult {
  killed: boolean;
  markers: Marker[];
  stderr: string;
}

/** Where to kill: after the marker labelled `label` (or after the first marker), wait `delayMs`. */
export interface KillPoint {
  label: string;
  delayMs: number;
}

/** Run the job once; kill it at `kill` when given. Rejects when the job fails on its own. */
export async function runJobChild(
  scenario: Scenario,
  dir: string,
  kill?: KillPoint,
): Promise<RunResult> {
  const child = spawn(process.execPath, ["--import", "tsx", JOB, scenario, dir], {
    cwd: REPO,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const markers: Marker[] = [];
  let stderr = "";
  let out = "";
  let t0: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  const fire = () => child.kill("SIGKILL");
  child.stderr.on("data", (d) => {
    stderr += String(d);
  });
  child.stdout.on("data", (d) => {
    out += String(d);
    let nl = out.indexOf("\n");
    while (nl >= 0) {
      const line = out.slice(0, nl);
      out = out.slice(nl + 1);
      nl = out.indexOf("\n");
      const m = /^@(\d+) (.*)$/.exec(line);
      if (m === null) continue;
      const now = performance.now();
      t0 ??= now;
      const label = m[2]!;
      markers.push({ n: Number(m[1]), label, t: now - t0 });
      if (kill !== undefined && timer === undefined && label === kill.label) {
        if (kill.delayMs <= 0) fire();
        else timer = setTimeout(fire, kill.delayMs);
      }
    }
  });
  const { code, signal } = await new Promise<{ code: number | null; signal: string | null }>(
    (resolve) => child.on("exit", (c, s) => resolve({ code: c, signal: s })),
  );
  if (timer !== undefined) clearTimeout(timer);
  if (signal === "SIGKILL") return { killed: true, markers, stderr };
  if (code !== 0) {
    throw new Error(`job ${scenario} failed (code ${code}, signal ${signal}):\n${stderr}`);
  }
  return { killed: false, markers, stderr };
}

/**
 * An existing group whose first image (position), first position (well) or first image or well
 * (the root of a new FOV or plate store: an empty group) is still to come.
 */
function pending(i: { code: string; message: string; path: string }): boolean {
  return (
    (i.code === "missing_key" &&
      (/^field of view ".*" has no "multiscales"/.test(i.message) ||
        /^well ".*" has no "well" metadata/.test(i.message))) ||
    (i.code === "unknown_kind" && i.path === "" && /^root group "" has no /.test(i.message))
  );
}

/**
 * What a killed writer may leave: a store that validates, or no store at all (no group at the
 * root, and no metadata file below it). Either way every block present decodes.
 */
export async function checkCrashState(
  dir: string,
): Promise<{ state: "absent" | "valid"; locks: number; temps: number }> {
  const all = await listFiles(dir);
  const files = all.filter((f) => !isScratch(path.basename(f)));
  const locks = all.filter((f) => LOCK_NAME_PATTERN.test(path.basename(f))).length;
  const temps = all.length - files.length - locks;
  let state: "absent" | "valid";
  try {
    const result = await validateStore(dir);
    // A position listed in its well before its first image has no `multiscales` yet, and a well
    // listed in the plate before its first position has no `well` metadata yet: the API defines
    // these states (iohub's create_well / create_position, then create_image), an uninterrupted
    // run passes through them too, and the resumed job fills them. Nothing else is tolerated.
    const issues = result.issues.filter((i) => !pending(i));
    expect(issues, `store at ${dir} after a kill`).toEqual([]);
    state = "valid";
  } catch (err) {
    if (!(err instanceof NotFoundError)) throw err;
    // No root group: nothing but (perhaps) the root's own first metadata file may exist.
    expect(
      files.filter((f) => f.includes("/")),
      `files without a root group in ${dir}`,
    ).toEqual([]);
    state = "absent";
  }
  if (files.length > 0) await decodeEveryBlock(dir);
  return { state, locks, temps };
}

/** The reference: one uninterrupted run, its marker timeline and the digest of what it wrote. */
export interface Reference {
  markers: Marker[];
  duration: number;
  digest: Record<string, string>;
}

export async function referenceRun(scenario: Scenario): Promise<Reference> {
  const root = await tempDir(`${scenario}-ref`);
  try {
    const dir = path.join(root, "job.zarr");
    const run = await runJobChild(scenario, dir);
    const last = run.markers.at(-1);
    expect(last, "reference run printed markers").toBeDefined();
    expect((await validateStore(dir)).issues).toEqual([]);
    return { markers: run.markers, duration: last!.t, digest: await digestTree(dir) };
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

/** A seeded kill point over the reference timeline; `from` (ms) skips the early phases. */
export function pickKillPoint(ref: Reference, rnd: () => number, from = 0): KillPoint {
  const ms = ref.markers;
  if (rnd() < 1 / 3) {
    const m = ms[Math.floor(rnd() * ms.length)]!;
    return { label: m.label, delayMs: rnd() * 2 };
  }
  const u = from + rnd() * (ref.duration - from);
  let m = ms[0]!;
  for (const x of ms) if (x.t <= u) m = x;
  return { label: m.label, delayMs: u - m.t };
}

/** Counts of one crash campaign. */
export interface CrashReport {
  kills: number;
  chains: number;
  absent: number;
  valid: number;
  /** Runs that finished before their kill point (resumed runs can be faster). */
  missed: number;
  /** Kills that left lock files behind (the resumed run had to break them as stale). */
  leftLocks: number;
  /** Kills that left temp files behind. */
  leftTemps: number;
}

/**
 * Kill the job `kills` times (in chains of `chain` kills on one directory), checking the store
 * after each kill; after each chain run the job to the end and compare with the reference.
 */
export async function crashCampaign(
  scenario: Scenario,
  opts: { kills: number; chain: number; seed: number; from?: (ref: Reference) => number },
): Promise<CrashReport> {
  const ref = await referenceRun(scenario);
  const rnd = lcg(opts.seed);
  const from = opts.from?.(ref) ?? 0;
  const report: CrashReport = {
    kills: 0,
    chains: 0,
    absent: 0,
    valid: 0,
    missed: 0,
    leftLocks: 0,
    leftTemps: 0,
  };
  const root = await tempDir(scenario);
  try {
    while (report.kills < opts.kills) {
      const dir = path.join(root, `chain-${report.chains}`, "job.zarr");
      await fs.mkdir(path.dirname(dir), { recursive: true });
      const history: KillPoint[] = [];
      for (let i = 0; i < opts.chain && report.kills < opts.kills; i++) {
        const kp = pickKillPoint(ref, rnd, rnd() < 0.75 ? from : 0);
        history.push(kp);
        const run = await runJobChild(scenario, dir, kp);
        if (!run.killed) {
          report.missed++;
          continue;
        }
        report.kills++;
        const left = await checkCrashState(dir).catch((err: unknown) => {
          throw new Error(
            `after kills ${JSON.stringify(history)}: ${err instanceof Error ? err.message : err}`,
            { cause: err },
          );
        });
        report[left.state]++;
        if (left.locks > 0) report.leftLocks++;
        if (left.temps > 0) report.leftTemps++;
      }
      const final = await runJobChild(scenario, dir);
      expect(final.killed).toBe(false);
      expect((await validateStore(dir)).issues).toEqual([]);
      const digest = await digestTree(dir);
      expect(digest, `resumed after kills ${JSON.stringify(history)}`).toEqual(ref.digest);
      report.chains++;
      await fs.rm(path.dirname(dir), { recursive: true, force: true });
    }
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
  await noteReport({ suite: "crash", scenario, ...report });
  return report;
}

/** Append a suite's counts to the file named by `RELIABILITY_REPORT` (JSON lines), if set. */
export async function noteReport(entry: Record<string, unknown>): Promise<void> {
  const file = process.env.RELIABILITY_REPORT;
  if (file) await fs.appendFile(file, `${JSON.stringify(entry)}\n`);
}
