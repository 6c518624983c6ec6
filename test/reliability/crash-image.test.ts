/**
 * Crash anywhere, one large image: a job writing a 64 MiB uint16 image (createImage, then the
 * contrast limits) is SIGKILLed at seeded points over its life. After every kill the store
 * validates (or is cleanly absent) and every chunk decodes; rerunning the job completes it
 * byte for byte like an uninterrupted run. Kill/resume rounds run for a time budget
 * (`NGFF_CRASH_BUDGET_S`), at least `MIN_ROUNDS` of them (helpers/crash.ts).
 */
import { expect, test } from "vitest";
import { CHAIN, describeReport, planCrashCampaign, runCrashCampaign } from "./helpers/crash.js";

// The uninterrupted run is measured before the test is declared: its timeout derives from it.
const plan = await planCrashCampaign("image", { chain: CHAIN, seed: 0x1a6e });

test("image job: every kill leaves a valid store, and resuming gives the same bytes", {
  timeout: plan.timeoutMs,
}, async ({ annotate, signal }) => {
  const report = await runCrashCampaign(plan, signal);
  await annotate(describeReport(report), "crash-campaign");
  expect(report.rounds).toBeGreaterThanOrEqual(plan.minRounds);
  expect(report.kills).toBeGreaterThanOrEqual(report.rounds);
  expect(report.valid + report.absent).toBe(report.kills);
});
