/**
 * Crash anywhere, pyramid with workers: a job creating a sharded NGFF 0.5 image and computing
 * a 4-level pyramid in a 2-thread pool is SIGKILLed at seeded points, three in four of them
 * during the pyramid. After every kill the store validates (or is cleanly absent) and every
 * shard decodes; rerunning the job completes it byte for byte like an uninterrupted run.
 */
import { expect, test } from "vitest";
import { crashCampaign, FULL } from "./helpers/crash.js";

test("pyramid job: every kill leaves a valid store, and resuming gives the same bytes", {
  timeout: FULL ? 1_800_000 : 120_000,
}, async () => {
  const kills = FULL ? 150 : 20;
  const report = await crashCampaign("pyramid", {
    kills,
    chain: 4,
    seed: 0x9e1d,
    from: (ref) => ref.markers.find((m) => m.label === "image")?.t ?? 0,
  });
  expect(report.kills).toBe(kills);
  expect(report.valid + report.absent).toBe(kills);
});
