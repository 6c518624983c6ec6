/**
 * Crash anywhere, one large image: a job writing a 64 MiB uint16 image (createImage, then the
 * contrast limits) is SIGKILLed at seeded points over its life. After every kill the store
 * validates (or is cleanly absent) and every chunk decodes; rerunning the job completes it
 * byte for byte like an uninterrupted run.
 */
import { expect, test } from "vitest";
import { crashCampaign, FULL } from "./helpers/crash.js";

test("image job: every kill leaves a valid store, and resuming gives the same bytes", {
  timeout: FULL ? 1_800_000 : 120_000,
}, async () => {
  const kills = FULL ? 150 : 20;
  const report = await crashCampaign("image", { kills, chain: 4, seed: 0x1a6e });
  expect(report.kills).toBe(kills);
  expect(report.valid + report.absent).toBe(kills);
});
