/**
 * Crash anywhere, `overwrite: true` (issue 12 item 5): a job on an NGFF 0.4 FOV replaces a label,
 * replaces the image by one of another shape (its label goes with it), computes a pyramid,
 * replaces a pyramid level and adds a label, and is SIGKILLed at seeded points over its life,
 * three in four of them in the overwrite phase. After every kill the store validates (or is
 * cleanly absent) and every chunk decodes; rerunning the job (the same create with
 * `overwrite: true`) completes it byte for byte like an uninterrupted run. Kill/resume rounds run
 * for a time budget (`NGFF_CRASH_BUDGET_S`, helpers/crash.ts).
 */
import { crashCampaignTest } from "./helpers/crash.js";

// The delete and overwrite campaigns share one campaign's budget (half each).
await crashCampaignTest("overwrite", { seed: 0x0e7e, fromMarker: "setup", budgetShare: 0.5 });
