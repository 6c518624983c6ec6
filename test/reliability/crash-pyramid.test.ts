/**
 * Crash anywhere, pyramid with workers: a job creating a sharded NGFF 0.5 image and computing
 * a 4-level pyramid in a 2-thread pool is SIGKILLed at seeded points, three in four of the
 * timed ones during the pyramid. After every kill the store validates (or is cleanly absent)
 * and every shard decodes; rerunning the job completes it byte for byte like an uninterrupted
 * run. Kill/resume rounds run for a time budget (`NGFF_CRASH_BUDGET_S`), at least `MIN_ROUNDS`
 * of them (helpers/crash.ts).
 */
import { crashCampaignTest } from "./helpers/crash.js";

await crashCampaignTest("pyramid", { seed: 0x9e1d, fromMarker: "image" });
