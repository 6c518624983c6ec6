/**
 * Crash anywhere, HCS plate: a job creating a plate (a batch of positions, single positions,
 * wells then positions, an image in every position, field_count) is SIGKILLed at seeded points
 * over its whole life. After every kill the store validates (or is cleanly absent) and every
 * chunk decodes; rerunning the job completes it byte for byte like an uninterrupted run.
 * Kill/resume rounds run for a time budget (`NGFF_CRASH_BUDGET_S`), at least `MIN_ROUNDS` of
 * them (helpers/crash.ts).
 */
import { expect, test } from "vitest";
import { CHAIN, describeReport, planCrashCampaign, runCrashCampaign } from "./helpers/crash.js";

// The uninterrupted run is measured before the test is declared: its timeout derives from it.
const plan = await planCrashCampaign("plate", { chain: CHAIN, seed: 0x91a7e });

test("plate job: every kill leaves a valid store, and resuming gives the same bytes", {
  timeout: plan.timeoutMs,
}, async ({ annotate, signal }) => {
  const report = await runCrashCampaign(plan, signal);
  await annotate(describeReport(report), "crash-campaign");
  expect(report.rounds).toBeGreaterThanOrEqual(plan.minRounds);
  expect(report.kills).toBeGreaterThanOrEqual(report.rounds);
  expect(report.valid + report.absent).toBe(report.kills);
});
