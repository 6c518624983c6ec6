/**
 * Crash anywhere, HCS plate: a job creating a plate (a batch of positions, single positions,
 * wells then positions, an image in every position, field_count) is SIGKILLed at seeded points
 * over its whole life. After every kill the store validates (or is cleanly absent) and every
 * chunk decodes; rerunning the job completes it byte for byte like an uninterrupted run.
 */
import { expect, test } from "vitest";
import { crashCampaign, FULL } from "./helpers/crash.js";

test("plate job: every kill leaves a valid store, and resuming gives the same bytes", {
  timeout: FULL ? 1_800_000 : 120_000,
}, async () => {
  const kills = FULL ? 150 : 20;
  const report = await crashCampaign("plate", { kills, chain: 4, seed: 0x91a7e });
  expect(report.kills).toBe(kills);
  expect(report.valid + report.absent).toBe(kills);
});
