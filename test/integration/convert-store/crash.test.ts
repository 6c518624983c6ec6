/**
 * Crash test of convertStore: SIGKILL the conversion (a child process) at points spread over a
 * measured uninterrupted run, for as many rounds as fit in a time budget (at least three), and
 * check that `dst` is absent or complete (strict-valid, the reference's bytes); then run the
 * conversion again: it completes, with bytes equal to the uninterrupted run, and no leftover of
 * the killed run remains.
 *
 * Kill points: the uninterrupted run's timeline from its `ready` marker to its exit, sampled by
 * a golden-ratio sequence (evenly spread however many rounds fit), so kills land in pool start,
 * the block copies, the group metadata writes and the final rename alike. Budget:
 * `NGFF_CRASH_BUDGET_S` (default 6 s, as the other campaigns); the test's timeout only catches a
 * hang.
 */
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test } from "vitest";
import { validateStore } from "../../../src/index.js";
import { spawnFixture } from "../../helpers/fixtures.js";
import { crashBudgetMs } from "../../reliability/helpers/crash.js";
import { digest, writeFov } from "./helpers.js";

// The crash campaigns' budget (6 s by default, `NGFF_CRASH_BUDGET_S`, longer with
// `RELIABILITY_FULL=1`); a round here is one kill, so three at least.
const BUDGET_MS = crashBudgetMs();
const MIN_ROUNDS = 3;
const GOLDEN = (Math.sqrt(5) - 1) / 2;

interface Run {
  killed: boolean;
  /** ms from the `ready` marker to exit (or kill). */
  afterReady: number;
  wallMs: number;
}

/** Run the child; kill it `killAt` ms after its `ready` marker when given. */
function runChild(src: string, dst: string, killAt?: number): Promise<Run> {
  const started = performance.now();
  const child = spawnFixture("convert-store-child", [src, dst, "0.5", "2"]);
  let ready: number | undefined;
  let stderr = "";
  let timer: NodeJS.Timeout | undefined;
  child.stderr.on("data", (d) => {
    stderr += String(d);
  });
  child.stdout.on("data", (d) => {
    if (ready === undefined && String(d).includes(" ready")) {
      ready = performance.now();
      if (killAt !== undefined) timer = setTimeout(() => child.kill("SIGKILL"), killAt);
    }
  });
  const hang = setTimeout(() => child.kill("SIGKILL"), 300_000);
  return new Promise((res, rej) => {
    child.on("exit", (code, signal) => {
      clearTimeout(hang);
      if (timer !== undefined) clearTimeout(timer);
      const now = performance.now();
      const afterReady = ready === undefined ? 0 : now - ready;
      if (signal === "SIGKILL" && killAt !== undefined) {
        res({ killed: true, afterReady, wallMs: now - started });
      } else if (code === 0) res({ killed: false, afterReady, wallMs: now - started });
      else rej(new Error(`conversion failed (code ${code}, signal ${signal}):\n${stderr}`));
    });
  });
}

// The source and the reference run, measured while the file is collected (so the timeout can
// follow the machine's pace).
const root = await mkdtemp(join(tmpdir(), "ngff-cs-crash-"));
const src = join(root, "src.zarr");
await writeFov(src, "0.4", { workers: 2, big: true });
const refDst = join(root, "ref.zarr");
const ref = await runChild(src, refDst);
const reference = await digest(refDst);
const timeoutMs = BUDGET_MS + (MIN_ROUNDS + 1) * 2 * ref.wallMs * 3 + 30_000;

afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

test(
  "SIGKILL at spread points: dst absent or complete; running again completes it, same bytes",
  async (ctx) => {
    expect((await validateStore(refDst, { strict: true })).issues).toEqual([]);
    const phase = 0.137;
    const t0 = performance.now();
    let rounds = 0;
    let slowest = 0;
    const seen = { absent: 0, complete: 0, missed: 0 };
    while (rounds < MIN_ROUNDS || performance.now() - t0 + slowest < BUDGET_MS) {
      const r0 = performance.now();
      const u = (phase + rounds * GOLDEN) % 1;
      const dst = join(root, `round-${rounds}.zarr`);
      const killed = await runChild(src, dst, u * ref.afterReady);
      const names = await readdir(root);
      if (names.includes(`round-${rounds}.zarr`)) {
        // Killed after the rename (or finished first): the store is there, and complete.
        expect((await validateStore(dst, { strict: true })).issues).toEqual([]);
        expect(await digest(dst)).toEqual(reference);
        if (killed.killed) seen.complete++;
        else seen.missed++;
      } else {
        seen.absent++;
        const again = await runChild(src, dst);
        expect(again.killed).toBe(false);
        expect(await digest(dst)).toEqual(reference);
        // the killed run's partial store was cleared by the second run
        expect((await readdir(root)).filter((n) => n.startsWith(`round-${rounds}.zarr.`))).toEqual(
          [],
        );
      }
      await rm(dst, { recursive: true, force: true });
      rounds++;
      slowest = Math.max(slowest, performance.now() - r0);
    }
    ctx.annotate(
      `${rounds} rounds (${seen.absent} absent then completed, ${seen.complete} complete at the kill, ` +
        `${seen.missed} finished before the kill) in ${((performance.now() - t0) / 1000).toFixed(1)} s; ` +
        `uninterrupted run ${(ref.wallMs / 1000).toFixed(1)} s (${(ref.afterReady / 1000).toFixed(1)} s after ready)`,
    );
    expect(seen.absent).toBeGreaterThan(0);
  },
  timeoutMs,
);
