/**
 * Crash anywhere, pyramid with workers: a job creating a sharded NGFF 0.5 image and computing
 * a 4-level pyramid in a 2-thread pool is SIGKILLed at seeded points, three in four of the
 * timed ones during the pyramid. After every kill the store validates (or is cleanly absent)
 * and every shard decodes; rerunning the job completes it byte for byte like an uninterrupted
 * run. Kill/resume rounds run for a time budget (`NGFF_CRASH_BUDGET_S`), at least `MIN_ROUNDS`
 * of them (helpers/crash.ts).
 */
import { expect, test } from "vitest";
import { CHAIN, describeReport, planCrashCampaign, runCrashCampaign } from "./helpers/crash.js";

// The uninterrupted run is measured before the test is declared: its timeout derives from it.
const plan = await planCrashCampaign("pyramid", {
  chain: CHAIN,
  seed: 0x9e1d,
  from: (ref) => ref.markers.find((m) => m.label === "image")?.t ?? 0,
});

test("pyramid job: every kill leaves a valid store, and resuming gives the same bytes", {
  timeout: plan.timeoutMs,
}, async ({ annotate, signal }) => {
  const report = await runCrashCampaign(plan, signal);
  await annotate(describeReport(report), "crash-campaign");
  expect(report.rounds).toBeGreaterThanOrEqual(plan.minRounds);
  expect(report.kills).toBeGreaterThanOrEqual(report.rounds);
  expect(report.valid + report.absent).toBe(report.kills);
});
