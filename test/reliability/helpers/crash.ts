/**
 * The crash harness: run a resumable writer job (test/fixtures/reliability/job.ts) in a child
 * process and SIGKILL it at points spread over its life, check the store left behind, resume,
 * and compare the finished store with an uninterrupted run, byte for byte.
 *
 * A campaign is bounded by time, not by a count: `planCrashCampaign` first runs the job once
 * uninterrupted (when the test file is collected, so the test's timeout can be derived from it)
 * and measures its wall time, the time to check its store, and when each progress marker
 * appears. `runCrashCampaign` then runs kill/resume rounds until the next round would not fit in
 * the budget (`NGFF_CRASH_BUDGET_S`, default 6 s), but always at least `minRounds`. On a loaded
 * machine the job is slower, so fewer extra rounds fit; the test's timeout (budget + the minimum
 * rounds at 3 × the measured pace) only catches a hang.
 *
 * Kill points: a kill point is an instant u of the reference timeline, taken from a seeded
 * golden-ratio sequence (so however many rounds run, they spread evenly over the job's life),
 * turned into "marker m, then u − t(m) ms": markers, not wall time from the start, place a kill
 * in the same phase of a slower or a resumed run (whose early phases may be faster). One time
 * in three it is 0–2 ms after a marker instead (the moments right after a write completes).
 * After a run that finished before its kill point, the next kill lands right after a marker.
 * A round is a chain of kills on one directory (kill, check, resume and kill again …), then a
 * last run that completes the job and must give the reference's bytes.
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { NotFoundError, validateStore } from "../../../src/index.js";
import type { Scenario } from "../../fixtures/reliability/job.js";
import { type FixtureName, spawnFixture } from "../../helpers/fixtures.js";
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

/** `RELIABILITY_FULL=1` runs the long versions of every reliability suite. */
export const FULL = process.env.RELIABILITY_FULL === "1";

/**
 * The default budget of a campaign, in seconds. A round (two kills and the resume, each run of
 * the job 1–2 s from a prebuilt bundle) takes ~3–7 s: 6 s give the minimum two rounds (four
 * kills at spread points, two resumes compared byte for byte) and a third only when rounds are
 * short, so the campaigns keep the whole suite near four minutes (at 12 s a quiet machine ran a
 * third round in most campaigns). `RELIABILITY_FULL=1` or `NGFF_CRASH_BUDGET_S` run longer ones.
 */
const DEFAULT_BUDGET_S = 6;

/**
 * The time budget of a crash campaign's kill/resume rounds, in ms: `NGFF_CRASH_BUDGET_S`
 * seconds, by default 6 (600 with `RELIABILITY_FULL=1`).
 */
export function crashBudgetMs(): number {
  const raw = process.env.NGFF_CRASH_BUDGET_S;
  if (raw === undefined || raw.trim() === "") return (FULL ? 600 : DEFAULT_BUDGET_S) * 1000;
  const s = Number(raw);
  if (!Number.isFinite(s) || s < 0) {
    throw new Error(`NGFF_CRASH_BUDGET_S must be a number of seconds >= 0, got "${raw}"`);
  }
  return s * 1000;
}

/**
 * Rounds a campaign always runs, whatever its budget: two rounds are four kills at spread points
 * and two resumes compared with the reference, the least that still covers both halves of the
 * job's life every run (the golden-ratio points alternate between them).
 */
export const MIN_ROUNDS = FULL ? 10 : 2;

/**
 * Kills per round (on one directory, each run resuming what the killed one left) before the
 * run that completes the job. Two keep a round to about three runs of the job, so that on a
 * quiet machine a few rounds fit in the default budget and on a loaded one the minimum rounds
 * stay short.
 */
export const CHAIN = FULL ? 4 : 2;

/**
 * How much slower than the reference run the minimum rounds may run before the test times out:
 * the timeout catches a hang, load only makes a campaign run fewer extra rounds.
 */
const MARGIN = 3;

/** A hang guard for the reference run, which runs while the test file is collected (no timeout). */
const REFERENCE_LIMIT_MS = 600_000;

/** A progress marker a job printed (`@<n> <label>`). */
export interface Marker {
  n: number;
  label: string;
  /** ms since the first marker. */
  t: number;
}

/** What one run of a job did. */
export interface RunResult {
  killed: boolean;
  markers: Marker[];
  stderr: string;
  /** ms from spawn to exit. */
  wallMs: number;
}

/** Where to kill: after the marker labelled `label` (or after the first marker), wait `delayMs`. */
export interface KillPoint {
  label: string;
  delayMs: number;
}

/**
 * Run the job once; kill it at `kill` when given. Rejects when the job fails on its own, runs
 * longer than `limitMs`, or `signal` aborts (the test timed out): the child is killed then.
 */
export function runJobChild(
  scenario: Scenario,
  dir: string,
  kill?: KillPoint,
  opts: { signal?: AbortSignal | undefined; limitMs?: number } = {},
): Promise<RunResult> {
  return runMarkedChild("reliability-job", [scenario, dir], kill, opts);
}

/**
 * Run fixture `fixture` (a job printing `@<n> <label>` progress markers) with `args` once; kill
 * it at `kill` when given. Rejects when it fails on its own, runs longer than `limitMs`, or
 * `signal` aborts (the test timed out): the child is killed then.
 */
export async function runMarkedChild(
  fixture: FixtureName,
  args: readonly string[],
  kill?: KillPoint,
  opts: { signal?: AbortSignal | undefined; limitMs?: number } = {},
): Promise<RunResult> {
  opts.signal?.throwIfAborted();
  const started = performance.now();
  const child = spawnFixture(fixture, args);
  const markers: Marker[] = [];
  let stderr = "";
  let out = "";
  let t0: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  let stopped: string | undefined;
  const fire = () => child.kill("SIGKILL");
  const stop = (why: string) => {
    stopped ??= why;
    fire();
  };
  const onAbort = () => stop("aborted");
  opts.signal?.addEventListener("abort", onAbort);
  const limit =
    opts.limitMs === undefined
      ? undefined
      : setTimeout(() => stop(`ran longer than ${opts.limitMs} ms`), opts.limitMs);
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
  const wallMs = performance.now() - started;
  if (timer !== undefined) clearTimeout(timer);
  if (limit !== undefined) clearTimeout(limit);
  opts.signal?.removeEventListener("abort", onAbort);
  const what = `${fixture} ${args.join(" ")}`;
  if (stopped !== undefined) throw new Error(`job ${what}: ${stopped}`);
  if (signal === "SIGKILL") return { killed: true, markers, stderr, wallMs };
  if (code !== 0) {
    throw new Error(`job ${what} failed (code ${code}, signal ${signal}):\n${stderr}`);
  }
  return { killed: false, markers, stderr, wallMs };
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

/**
 * The reference: one uninterrupted run, its marker timeline, its wall time, the time to check
 * the store it wrote, and the digest of what it wrote.
 */
export interface Reference {
  markers: Marker[];
  /** ms from the first marker to the last. */
  duration: number;
  /** ms from spawn to exit. */
  wallMs: number;
  /** ms to validate, decode and digest the finished store (what every round does at its end). */
  checkMs: number;
  digest: Record<string, string>;
  /** `sourceStamp()` when the reference ran. */
  sources: Map<string, number>;
}

/**
 * The library's source files the job runs (src/, workers/) and their mtimes. The job runs from
 * a bundle built when the test run started (test/helpers/fixtures.ts), but the reference check
 * and the comparison run the sources in this process: a source edited meanwhile (a shared working
 * tree) may change what they see, and a failed comparison says so.
 */
export async function sourceStamp(): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  for (const top of ["src", "workers"]) {
    for (const f of await listFiles(path.join(REPO, top))) {
      const st = await fs.stat(path.join(REPO, top, f)).catch(() => undefined);
      if (st !== undefined) out.set(`${top}/${f}`, st.mtimeMs);
    }
  }
  return out;
}

function sourcesChanged(before: Map<string, number>, after: Map<string, number>): string[] {
  const changed = [...after].filter(([f, t]) => before.get(f) !== t).map(([f]) => f);
  return [...changed, ...[...before.keys()].filter((f) => !after.has(f))].sort();
}

export async function referenceRun(scenario: Scenario): Promise<Reference> {
  const root = await tempDir(`${scenario}-ref`);
  try {
    const dir = path.join(root, "job.zarr");
    const sources = await sourceStamp();
    const run = await runJobChild(scenario, dir, undefined, { limitMs: REFERENCE_LIMIT_MS });
    const last = run.markers.at(-1);
    expect(last, "reference run printed markers").toBeDefined();
    const c0 = performance.now();
    expect((await validateStore(dir)).issues).toEqual([]);
    await decodeEveryBlock(dir);
    const digest = await digestTree(dir);
    return {
      markers: run.markers,
      duration: last!.t,
      wallMs: run.wallMs,
      checkMs: performance.now() - c0,
      digest,
      sources,
    };
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

const GOLDEN = (Math.sqrt(5) - 1) / 2;

/**
 * The kill points of a campaign over the reference timeline. `next()` gives the k-th point of a
 * seeded golden-ratio sequence (evenly spread for any number of points): three in four of the
 * timed ones start at `from` ms (to weight a phase), one in three points is instead 0–2 ms after
 * a marker. `afterMarker()` gives a point right after a marker that the job still has work to do
 * after (used after a run finished before its kill point).
 */
export function killPoints(
  ref: Reference,
  seed: number,
  from = 0,
): { next(): KillPoint; afterMarker(): KillPoint } {
  const rnd = lcg(seed);
  const ms = ref.markers;
  // Markers before the last: a kill right after the last one mostly lands after the job exits.
  const inner = ms.length > 1 ? ms.slice(0, -1) : ms;
  // …and of those, the ones followed by at least 20 ms of work.
  const roomy = inner.filter((m, i) => ms[i + 1]!.t - m.t >= 20);
  const phase = rnd();
  let k = 0;
  let j = 0;
  const at = (u: number): KillPoint => {
    let m = ms[0]!;
    for (const x of ms) if (x.t <= u) m = x;
    return { label: m.label, delayMs: u - m.t };
  };
  return {
    next() {
      const f = (phase + k++ * GOLDEN) % 1;
      if (rnd() < 1 / 3) {
        const m = inner[Math.floor(f * inner.length)]!;
        return { label: m.label, delayMs: rnd() * 2 };
      }
      const lo = rnd() < 0.75 ? Math.min(from, ref.duration) : 0;
      return at(lo + f * (ref.duration - lo));
    },
    afterMarker() {
      const pool = roomy.length > 0 ? roomy : inner;
      const m = pool[Math.floor(((phase + j++ * GOLDEN) % 1) * pool.length)]!;
      return { label: m.label, delayMs: 0 };
    },
  };
}

/** A crash campaign, planned from a measured uninterrupted run. */
export interface CrashPlan {
  scenario: Scenario;
  ref: Reference;
  /** Kills per round, on one directory, before the run that completes the job. */
  chain: number;
  seed: number;
  /** ms into the reference timeline where three in four timed kill points start. */
  from: number;
  budgetMs: number;
  minRounds: number;
  /**
   * The vitest timeout for `runCrashCampaign`: the budget, plus `minRounds + 1` rounds (the
   * minimum, and the one that may start just before the budget runs out) at `MARGIN` times the
   * reference's pace, each round costing at most `chain + 1` full runs and checks.
   */
  timeoutMs: number;
}

/**
 * Measure the job (one uninterrupted run) and plan its campaign. Call it at the top level of
 * the test file, so that the test's timeout can be `plan.timeoutMs`.
 */
export async function planCrashCampaign(
  scenario: Scenario,
  opts: {
    chain: number;
    seed: number;
    from?: (ref: Reference) => number;
    budgetMs?: number;
    minRounds?: number;
  },
): Promise<CrashPlan> {
  const ref = await referenceRun(scenario);
  const budgetMs = opts.budgetMs ?? crashBudgetMs();
  const minRounds = opts.minRounds ?? MIN_ROUNDS;
  const roundMs = (opts.chain + 1) * (ref.wallMs + ref.checkMs);
  return {
    scenario,
    ref,
    chain: opts.chain,
    seed: opts.seed,
    from: opts.from?.(ref) ?? 0,
    budgetMs,
    minRounds,
    timeoutMs: Math.ceil(budgetMs + (minRounds + 1) * roundMs * MARGIN),
  };
}

/** Counts of one crash campaign. */
export interface CrashReport {
  scenario: Scenario;
  /** Rounds run: each a chain of kills, then a resumed run compared with the reference. */
  rounds: number;
  kills: number;
  absent: number;
  valid: number;
  /** Runs that finished before their kill point (resumed runs can be faster). */
  missed: number;
  /** Kills that left lock files behind (the resumed run had to break them as stale). */
  leftLocks: number;
  /** Kills that left temp files behind. */
  leftTemps: number;
  /** ms the rounds took, and the slowest round. */
  elapsedMs: number;
  slowestRoundMs: number;
  budgetMs: number;
  refWallMs: number;
}

/** One line for a test annotation: what a campaign ran. */
export function describeReport(r: CrashReport): string {
  const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  return (
    `${r.rounds} rounds, ${r.kills} kills (${r.valid} valid, ${r.absent} absent; ` +
    `${r.missed} missed, ${r.leftLocks} left locks, ${r.leftTemps} left temp files) in ` +
    `${s(r.elapsedMs)} (budget ${s(r.budgetMs)}, slowest round ${s(r.slowestRoundMs)}, ` +
    `uninterrupted run ${s(r.refWallMs)})`
  );
}

/**
 * Run the planned campaign: rounds of up to `chain` kills on one directory (at most `2 × chain`
 * attempts; at least one kill per round), checking the store after each kill; after each round
 * run the job to the end and compare with the reference. A run that finishes before its kill
 * point ends the round when it resumed a kill (it is the round's resume), and otherwise starts
 * the round's directory over (a finished job's rerun may never reach the next kill's marker). Rounds go on while the next one (as
 * long as the slowest so far) fits in the budget, and at least `minRounds` run.
 * @param signal - the test's abort signal: a timed-out test kills its running job.
 */
export async function runCrashCampaign(
  plan: CrashPlan,
  signal?: AbortSignal,
): Promise<CrashReport> {
  const { scenario, ref, chain } = plan;
  const points = killPoints(ref, plan.seed, plan.from);
  const report: CrashReport = {
    scenario,
    rounds: 0,
    kills: 0,
    absent: 0,
    valid: 0,
    missed: 0,
    leftLocks: 0,
    leftTemps: 0,
    elapsedMs: 0,
    slowestRoundMs: 0,
    budgetMs: plan.budgetMs,
    refWallMs: ref.wallMs,
  };
  const root = await tempDir(scenario);
  const t0 = performance.now();
  try {
    for (;;) {
      const elapsed = performance.now() - t0;
      if (report.rounds >= plan.minRounds && elapsed + report.slowestRoundMs > plan.budgetMs) {
        break;
      }
      const r0 = performance.now();
      const dir = path.join(root, `round-${report.rounds}`, "job.zarr");
      await fs.mkdir(path.dirname(dir), { recursive: true });
      const history: KillPoint[] = [];
      let kills = 0;
      let missedLast = false;
      let finished = false;
      for (let attempt = 0; kills < chain && attempt < 2 * chain; attempt++) {
        const kp = missedLast ? points.afterMarker() : points.next();
        history.push(kp);
        const run = await runJobChild(scenario, dir, kp, { signal });
        missedLast = !run.killed;
        if (!run.killed) {
          report.missed++;
          // The job ran to the end before its kill point. After kills, that run was the
          // round's resume: compare it below. Before any kill, the store is complete and a
          // rerun has nothing left to do (its markers may never come): start over.
          if (kills > 0) {
            finished = true;
            break;
          }
          await fs.rm(path.dirname(dir), { recursive: true, force: true });
          await fs.mkdir(path.dirname(dir), { recursive: true });
          continue;
        }
        kills++;
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
      expect(
        kills,
        `round ${report.rounds}: kills that landed, of ${JSON.stringify(history)}`,
      ).toBeGreaterThan(0);
      if (!finished) {
        const final = await runJobChild(scenario, dir, undefined, { signal });
        expect(final.killed).toBe(false);
      }
      expect((await validateStore(dir)).issues).toEqual([]);
      const digest = await digestTree(dir);
      let note = "";
      if (JSON.stringify(digest) !== JSON.stringify(ref.digest)) {
        const changed = sourcesChanged(ref.sources, await sourceStamp());
        if (changed.length > 0) {
          note = ` (library sources changed since the reference run, which may explain it: ${changed.slice(0, 8).join(", ")}${changed.length > 8 ? ", …" : ""})`;
        }
      }
      expect(digest, `resumed after kills ${JSON.stringify(history)}${note}`).toEqual(ref.digest);
      report.rounds++;
      report.slowestRoundMs = Math.max(report.slowestRoundMs, performance.now() - r0);
      await fs.rm(path.dirname(dir), { recursive: true, force: true });
    }
  } finally {
    report.elapsedMs = performance.now() - t0;
    await fs.rm(root, { recursive: true, force: true });
  }
  await noteReport({ suite: "crash", ...report });
  return report;
}

/** Options of {@link crashCampaignTest}. */
export interface CrashCampaignOptions {
  /** Seed of the kill points. */
  seed: number;
  /**
   * Three in four timed kill points land after the first marker with this label in the
   * reference run (the phase the campaign is about); by default over the whole run.
   */
  fromMarker?: string;
  /** The share of `crashBudgetMs()` this campaign gets (default 1). */
  budgetShare?: number;
  /** Labels the reference run must have printed (the job went through these steps). */
  markers?: readonly string[];
}

/**
 * Declare a crash campaign's test: measure the job (one uninterrupted run, at collection, so the
 * timeout derives from it), then run kill/resume rounds for the budget; every kill leaves a
 * valid (or cleanly absent) store, and every resumed job ends with the reference's bytes.
 * Call it with `await` at the top level of the test file.
 */
export async function crashCampaignTest(
  scenario: Scenario,
  opts: CrashCampaignOptions,
): Promise<void> {
  const { fromMarker } = opts;
  const plan = await planCrashCampaign(scenario, {
    chain: CHAIN,
    seed: opts.seed,
    budgetMs: crashBudgetMs() * (opts.budgetShare ?? 1),
    ...(fromMarker === undefined
      ? {}
      : { from: (ref: Reference) => ref.markers.find((m) => m.label === fromMarker)?.t ?? 0 }),
  });
  test(`${scenario} job: every kill leaves a valid store, and resuming gives the same bytes`, {
    timeout: plan.timeoutMs,
  }, async ({ annotate, signal }) => {
    const labels = plan.ref.markers.map((m) => m.label);
    for (const label of opts.markers ?? []) {
      expect(labels, "the reference run's markers").toContain(label);
    }
    const report = await runCrashCampaign(plan, signal);
    await annotate(describeReport(report), "crash-campaign");
    expect(report.rounds).toBeGreaterThanOrEqual(plan.minRounds);
    expect(report.kills).toBeGreaterThanOrEqual(report.rounds);
    expect(report.valid + report.absent).toBe(report.kills);
  });
}

/** Append a suite's counts to the file named by `RELIABILITY_REPORT` (JSON lines), if set. */
export async function noteReport(entry: Record<string, unknown>): Promise<void> {
  const file = process.env.RELIABILITY_REPORT;
  if (file) await fs.appendFile(file, `${JSON.stringify(entry)}\n`);
}
