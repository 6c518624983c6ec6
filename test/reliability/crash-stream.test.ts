/**
 * Issue 14, durability: a child streams 200 frames (64×64 uint16, a live 3-level mean pyramid,
 * flush every 14 frames; z downsampled on 0.4 open-ended, z kept on 0.5 sharded) and is
 * SIGKILLed at seeded points spread over a measured uninterrupted run (helpers/crash.ts
 * `killPoints`). After every kill the store validates (strict), every block present decodes,
 * every level's advertised extent covers the flushed frames, and everything inside the advertised
 * shape equals the expected pyramid (computed here by the batch path from the same frames). Then
 * `openStream` + the remaining frames + `close` must give the uninterrupted run's bytes, file for
 * file. Rounds run for `NGFF_CRASH_BUDGET_S` (at least `MIN_ROUNDS`), like the other campaigns.
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { afterAll, describe, expect, test } from "vitest";
import { closeSharedPools } from "../../src/engine/shared-pool.js";
import { validateStore } from "../../src/index.js";
import { openArray, openLocalStore, withShape } from "../../src/store/index.js";
import {
  expectedLevels,
  frameCount,
  type Level,
  type StreamVariant,
  VARIANTS,
} from "../fixtures/reliability/stream-job.js";
import {
  CHAIN,
  checkCrashState,
  crashBudgetMs,
  type KillPoint,
  killPoints,
  MIN_ROUNDS,
  noteReport,
  type Reference,
  type RunResult,
  runMarkedChild,
} from "./helpers/crash.js";
import { digestTree, isScratch, tempDir } from "./helpers/tree.js";

afterAll(async () => {
  await closeSharedPools();
});

/** Run the stream job in `dir`; SIGKILL it at `kill` (a marker label, then a delay). */
function runStreamJob(
  variant: string,
  dir: string,
  kill?: KillPoint,
  signal?: AbortSignal,
): Promise<RunResult> {
  return runMarkedChild("stream-job", [variant, dir], kill, { signal });
}

/** Frames known durable from a run's markers (`flushed f`). */
function flushedBy(run: RunResult): number {
  let f = 0;
  for (const m of run.markers) {
    const x = /^flushed (\d+)$/.exec(m.label);
    if (x !== null) f = Math.max(f, Number(x[1]));
  }
  return f;
}

/**
 * After a kill with `flushed` frames durable: every level advertises at least the complete
 * time points of those frames, no more than the image holds, and reads back exactly inside its
 * advertised shape. Returns the smallest advertised extent.
 */
async function checkFlushed(
  dir: string,
  v: StreamVariant,
  want: Level[],
  flushed: number,
): Promise<number> {
  const store = await openLocalStore(dir, { readOnly: true });
  const perT = v.shape[1] * v.shape[2];
  let least = Infinity;
  for (let k = 0; k < want.length; k++) {
    const a = await openArray(store, String(k));
    const w = want[k]!;
    const t = a.shape[0]!;
    least = Math.min(least, t);
    expect(t, `level ${k} advertises the ${flushed} flushed frames`).toBeGreaterThanOrEqual(
      Math.floor(flushed / perT),
    );
    expect(t).toBeLessThanOrEqual(w.shape[0]!);
    expect(a.shape.slice(1)).toEqual(w.shape.slice(1));
    if (t === 0) continue;
    const got = (await a.readRegion(a.shape.map((s) => [0, s] as const))) as Uint16Array;
    const wantPrefix = w.data.subarray(0, got.length);
    if (
      !Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(
        Buffer.from(wantPrefix.buffer, wantPrefix.byteOffset, wantPrefix.byteLength),
      )
    ) {
      const i = got.findIndex((x, j) => x !== wantPrefix[j]);
      throw new Error(`level ${k}, t < ${t}: element ${i} is ${got[i]}, expected ${wantPrefix[i]}`);
    }
  }
  // Flushed frames of a step not advertised yet: flush() wrote them at level 0 (beyond the
  // advertised extent, invisible to readers) and openStream re-reads them from there.
  const plane = v.shape[3] * v.shape[4];
  const l0 = await openArray(store, "0");
  const beyond = withShape(l0, [
    Math.max(l0.shape[0]!, Math.ceil(flushed / perT)),
    ...l0.shape.slice(1),
  ]);
  for (let f = l0.shape[0]! * perT; f < flushed; f++) {
    const [tt, cc, zz] = [
      Math.floor(f / perT),
      Math.floor(f / v.shape[2]) % v.shape[1],
      f % v.shape[2],
    ];
    const got = (await beyond.readRegion([
      [tt, tt + 1],
      [cc, cc + 1],
      [zz, zz + 1],
      [0, v.shape[3]],
      [0, v.shape[4]],
    ])) as Uint16Array;
    const exp = want[0]!.data.subarray(f * plane, (f + 1) * plane);
    expect(
      Buffer.from(got.buffer, got.byteOffset, got.byteLength).equals(
        Buffer.from(exp.buffer, exp.byteOffset, exp.byteLength),
      ),
      `flushed frame ${f} at level 0 (beyond the advertised ${l0.shape[0]})`,
    ).toBe(true);
  }
  return least;
}

/** The stream's state file (or "no state file") and each level's extent along t, for messages. */
async function resumeContext(dir: string): Promise<string> {
  const state = await fs.readFile(path.join(dir, ".0.ngff-stream.json"), "utf8").catch(() => "");
  const store = await openLocalStore(dir, { readOnly: true });
  const extents: number[] = [];
  for (let k = 0; ; k++) {
    const a = await openArray(store, String(k)).catch(() => undefined);
    if (a === undefined) break;
    extents.push(a.shape[0]!);
  }
  return `extents ${JSON.stringify(extents)}, ${state === "" ? "no state file" : `state ${state}`}`;
}

interface Planned {
  ref: Reference;
  want: Level[];
  timeoutMs: number;
}

/** The uninterrupted run: its markers, its wall time and its bytes; the expected pyramid. */
async function plan(name: string): Promise<Planned> {
  const v = VARIANTS[name]!;
  const root = await tempDir(`stream-${name}-ref`);
  try {
    const dir = path.join(root, "job.zarr");
    const run = await runStreamJob(name, dir);
    const c0 = performance.now();
    const want = await expectedLevels(v);
    expect(await checkFlushed(dir, v, want, frameCount(v))).toBe(v.shape[0]);
    const digest = await digestTree(dir);
    const checkMs = performance.now() - c0;
    const ref: Reference = {
      markers: run.markers,
      duration: run.markers.at(-1)!.t,
      wallMs: run.wallMs,
      checkMs,
      digest,
      sources: new Map(),
    };
    const roundMs = (CHAIN + 1) * (run.wallMs + checkMs);
    return {
      ref,
      want,
      timeoutMs: Math.ceil(crashBudgetMs() / 2 + (MIN_ROUNDS + 1) * roundMs * 3),
    };
  } finally {
    await fs.rm(root, { recursive: true, force: true });
  }
}

// Both variants share one campaign budget (half each); measured before the tests are declared.
const plans = { z: await plan("z"), s: await plan("s") };

describe.each([
  ["z", 0x5e71],
  ["s", 0x5e72],
] as const)("stream variant %s", (name, seed) => {
  const p = plans[name];
  const v = VARIANTS[name]!;
  test("every kill leaves a valid store holding the flushed frames; resuming gives the same bytes", {
    timeout: p.timeoutMs,
  }, async ({ annotate, signal }) => {
    const points = killPoints(p.ref, seed);
    const budget = crashBudgetMs() / 2;
    const root = await tempDir(`stream-${name}`);
    const t0 = performance.now();
    let rounds = 0;
    let kills = 0;
    let missed = 0;
    let slowest = 0;
    let durableSeen = 0;
    try {
      while (rounds < MIN_ROUNDS || performance.now() - t0 + slowest <= budget) {
        const r0 = performance.now();
        const dir = path.join(root, `round-${rounds}`, "job.zarr");
        await fs.mkdir(path.dirname(dir), { recursive: true });
        const history: KillPoint[] = [];
        let flushed = 0;
        let k = 0;
        let missedLast = false;
        for (let attempt = 0; k < CHAIN && attempt < 2 * CHAIN; attempt++) {
          const kp = missedLast ? points.afterMarker() : points.next();
          history.push(kp);
          const run = await runStreamJob(name, dir, kp, signal);
          flushed = Math.max(flushed, flushedBy(run));
          missedLast = !run.killed;
          if (!run.killed) {
            missed++;
            continue;
          }
          k++;
          kills++;
          const where = `after kills ${JSON.stringify(history)} (${flushed} frames flushed)`;
          try {
            const left = await checkCrashState(dir);
            if (left.state === "valid") {
              expect((await validateStore(dir, { strict: true })).issues).toEqual([]);
              const least = await checkFlushed(dir, v, p.want, flushed);
              durableSeen += least > 0 ? 1 : 0;
            }
          } catch (err) {
            throw new Error(`${where}: ${err instanceof Error ? err.message : err}`, {
              cause: err,
            });
          }
        }
        expect(
          k,
          `round ${rounds}: kills that landed of ${JSON.stringify(history)}`,
        ).toBeGreaterThan(0);
        // What the resuming run starts from: the state file and every level's advertised extent.
        const before = await resumeContext(dir);
        const final = await runStreamJob(name, dir, undefined, signal);
        expect(final.killed).toBe(false);
        try {
          expect(await checkFlushed(dir, v, p.want, frameCount(v))).toBe(v.shape[0]);
        } catch (err) {
          throw new Error(
            `resumed after kills ${JSON.stringify(history)} (${flushed} frames flushed) from ${before}: ${err instanceof Error ? err.message : err}`,
            { cause: err },
          );
        }
        const files = await fs.readdir(path.dirname(dir), { recursive: true });
        // No state file left (a killed run's temp file of it is scratch, as for every write).
        const state = files.filter(
          (f) => String(f).includes("ngff-stream") && !isScratch(path.basename(String(f))),
        );
        expect(state).toEqual([]);
        expect(await digestTree(dir), `resumed after kills ${JSON.stringify(history)}`).toEqual(
          p.ref.digest,
        );
        rounds++;
        slowest = Math.max(slowest, performance.now() - r0);
        await fs.rm(path.dirname(dir), { recursive: true, force: true });
      }
    } finally {
      // NGFF_CRASH_KEEP=1 keeps the stores of a failed campaign for a post-mortem.
      if (process.env.NGFF_CRASH_KEEP !== "1") await fs.rm(root, { recursive: true, force: true });
    }
    const line = `${rounds} rounds, ${kills} kills (${missed} missed; ${durableSeen} with frames advertised) in ${((performance.now() - t0) / 1000).toFixed(1)} s, uninterrupted run ${(p.ref.wallMs / 1000).toFixed(1)} s`;
    await annotate(line, "crash-campaign");
    await noteReport({ suite: "crash-stream", variant: name, rounds, kills, missed });
    expect(rounds).toBeGreaterThanOrEqual(MIN_ROUNDS);
    expect(kills).toBeGreaterThanOrEqual(rounds);
  });
});
