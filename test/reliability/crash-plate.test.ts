/**
 * Crash anywhere, HCS plate: a job creating a plate (a batch of positions, single positions,
 * wells then positions, an image in every position, field_count) is SIGKILLed at seeded points
 * over its whole life. After every kill the store validates (or is cleanly absent) and every
 * chunk decodes; rerunning the job completes it byte for byte like an uninterrupted run.
 * Kill/resume rounds run for a time budget (`NGFF_CRASH_BUDGET_S`), at least `MIN_ROUNDS` of
 * them (helpers/crash.ts).
 */
import { crashCampaignTest } from "./helpers/crash.js";

await crashCampaignTest("plate", { seed: 0x91a7e });
