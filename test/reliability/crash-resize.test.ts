/**
 * Crash anywhere while an image grows (ImageArray.append along T and X, resize along Y, a
 * 3-level sharded pyramid following): a job (test/fixtures/reliability/resize-job.ts) is
 * SIGKILLed at seeded points over its life. After every kill the store validates and every
 * block decodes; rerunning the job completes it byte for byte like an uninterrupted run (the
 * marker of an interrupted growth is gone then). Kill/resume rounds run for a time budget
 * (`NGFF_CRASH_BUDGET_S`), at least `MIN_ROUNDS` of them (helpers/crash.ts).
 */
import { crashCampaignTest } from "./helpers/crash.js";

// Three in four timed kills land in the growth phase (after the image and its first pyramid);
// the reference run went through every growth step.
await crashCampaignTest("resize", { seed: 0x7e51, fromMarker: "image", markers: ["resize"] });
