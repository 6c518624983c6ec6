/**
 * Crash anywhere, deleting nodes (issue 12 item 5): a job on an NGFF 0.5 plate deletes a label, a
 * pyramid level, a whole image (then writes a new one), a position, a well and a row, and is
 * SIGKILLed at seeded points over its life, three in four of them in the delete phase. After every
 * kill the store validates (or is cleanly absent) and every chunk decodes; rerunning the job (each
 * delete again: it finishes an interrupted one) completes it byte for byte like an uninterrupted
 * run. Kill/resume rounds run for a time budget (`NGFF_CRASH_BUDGET_S`, helpers/crash.ts).
 */
import { crashCampaignTest } from "./helpers/crash.js";

// The delete and overwrite campaigns share one campaign's budget (half each).
await crashCampaignTest("delete", { seed: 0xde1e7e, fromMarker: "setup", budgetShare: 0.5 });
