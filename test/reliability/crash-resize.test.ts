/**
 * Crash anywhere while an image grows (ImageArray.append along T and X, resize along Y, a
 * 3-level sharded pyramid following): a job (test/fixtures/reliability/resize-job.ts) is
 * SIGKILLed at seeded points over its life. After every kill the store validates and every
 * block decodes; rerunning the job completes it byte for byte like an uninterrupted run (the
 * marker of an interrupted growth is gone then). Kill/resume rounds run for a time budget
 * (`NGFF_CRASH_BUDGET_S`), at least `MIN_ROUNDS` of them (helpers/crash.ts).
 */
import { expect, test } from "vitest";
import { CHAIN, describeReport, planCrashCampaign, runCrashCampaign } from "./helpers/crash.js";

// The uninterrupted run is measured before the test is declared: its timeout derives from it.
// Three in four timed kills land in the growth phase (after the image and its first pyramid).
const plan = await planCrashCampaign("resize", {
  chain: CHAIN,
  seed: 0x7e51,
  from: (ref) => ref.markers.find((m) => m.label === "image")?.t ?? 0,
});

test("resize job: every kill leaves a valid store, and resuming gives the same bytes", {
  timeout: plan.timeoutMs,
}, async ({ annotate, signal }) => {
  const report = await runCrashCampaign(plan, signal);
  await annotate(describeReport(report), "crash-campaign");
  expect(report.rounds).toBeGreaterThanOrEqual(plan.minRounds);
  expect(report.kills).toBeGreaterThanOrEqual(report.rounds);
  expect(report.valid + report.absent).toBe(report.kills);
  // The reference run went through every growth step.
  expect(plan.ref.markers.map((m) => m.label)).toContain("resize");
});
