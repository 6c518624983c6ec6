/**
 * The suite's file order (test/setup/sequencer.ts): its measured weights name test files that
 * exist (a renamed file would silently lose its place), and the longest files come first, by the
 * previous run's duration when vitest has one, else by the measured weight.
 */
import { existsSync } from "node:fs";
import * as path from "node:path";
import { expect, test } from "vitest";
import type { TestSpecification, Vitest } from "vitest/node";
import { REPO } from "../helpers/fixtures.js";
import LongestFirst, { KNOWN_SECONDS } from "../setup/sequencer.js";

test("every weighted file exists", () => {
  const missing = Object.keys(KNOWN_SECONDS).filter((f) => !existsSync(path.join(REPO, f)));
  expect(missing).toEqual([]);
});

test("longest first: the previous run's duration, else the measured weight, else vitest's order", async () => {
  const spec = (f: string) =>
    ({
      moduleId: path.join(REPO, f),
      project: { name: "", config: { sequence: { groupOrder: 0 }, isolate: true } },
    }) as unknown as TestSpecification;
  const cachedMs: Record<string, number> = { "test/unit/b.test.ts": 500_000 };
  const ctx = {
    config: { root: REPO },
    cache: {
      getFileTestResults: (key: string) => {
        const ms = cachedMs[key.slice(key.indexOf(":") + 1)];
        return ms === undefined ? undefined : { duration: ms, failed: false };
      },
      getFileStats: () => ({ size: 1 }),
    },
  } as unknown as Vitest;
  const files = [
    "test/unit/a.test.ts",
    "test/reliability/crash-delete.test.ts",
    "test/integration/queue/faults.test.ts",
    "test/unit/b.test.ts",
  ];
  const sorted = await new LongestFirst(ctx).sort(files.map(spec));
  expect(sorted.map((s) => path.relative(REPO, s.moduleId))).toEqual([
    "test/unit/b.test.ts",
    "test/integration/queue/faults.test.ts",
    "test/reliability/crash-delete.test.ts",
    "test/unit/a.test.ts",
  ]);
});
