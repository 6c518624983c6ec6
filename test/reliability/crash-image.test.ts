/**
 * Crash anywhere, one large image: a job writing a 64 MiB uint16 image (createImage, then the
 * contrast limits) is SIGKILLed at seeded points over its life. After every kill the store
 * validates (or is cleanly absent) and every chunk decodes; rerunning the job completes it
 * byte for byte like an uninterrupted run. Kill/resume rounds run for a time budget
 * (`NGFF_CRASH_BUDGET_S`), at least `MIN_ROUNDS` of them (helpers/crash.ts).
 */
import { crashCampaignTest } from "./helpers/crash.js";

await crashCampaignTest("image", { seed: 0x1a6e });
