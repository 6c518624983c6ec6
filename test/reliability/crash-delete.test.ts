/**
 * Crash anywhere, deleting nodes (issue 12 item 5): a job on an NGFF 0.5 plate deletes a label, a
 * pyramid level, a whole image (then writes a new one), a position, a well and a row, and is
 * SIGKILLed at seeded points over its life, three in four of them in the delete phase. After every
 * kill the store validates (or is cleanly absent) and every chunk decodes; rerunning the job (each
 * delete again: it finishes an interrupted one) completes it byte for byte like an uninterrupted
 * run. Kill/resume rounds run for a time budget (`NGFF_CRASH_BUDGET_S`, helpers/crash.ts).
 */
import { expect, test } from "vitest";
import {
  CHAIN,
  crashBudgetMs,
  describeReport,
  planCrashCampaign,
  runCrashCampaign,
} from "./helpers/crash.js";

// The uninterrupted run is measured before the test is declared: its timeout derives from it.
// The delete and overwrite campaigns share one campaign's budget (half each).
const plan = await planCrashCampaign("delete", {
  chain: CHAIN,
  budgetMs: crashBudgetMs() / 2,
  seed: 0xde1e7e,
  from: (ref) => ref.markers.find((m) => m.label === "setup")?.t ?? 0,
});

test("delete job: every kill leaves a valid store, and resuming gives the same bytes", {
  timeout: plan.timeoutMs,
}, async ({ annotate, signal }) => {
  const report = await runCrashCampaign(plan, signal);
  await annotate(describeReport(report), "crash-campaign");
  expect(report.rounds).toBeGreaterThanOrEqual(plan.minRounds);
  expect(report.kills).toBeGreaterThanOrEqual(report.rounds);
  expect(report.valid + report.absent).toBe(report.kills);
});
