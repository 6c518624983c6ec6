/**
 * The order test files start in: the longest first, so that the two workers finish together
 * instead of one running a long crash campaign alone at the end. vitest's own order uses the
 * durations of the previous run (node_modules/.vite) and, without them (a fresh clone: CI),
 * the files' sizes, which put the crash campaigns (a few lines each) last. Here a file's weight
 * is its duration in the previous run when vitest has one, else its measured seconds below, else
 * 0 (unknown files keep vitest's order among themselves, after the known slow ones).
 */
import { existsSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { BaseSequencer, type TestSpecification } from "vitest/node";
import { API_DIR, inputsHash, ROOT } from "../../scripts/api-report.js";

/** Seconds per file measured on a quiet 2-core machine (files over ~4 s; rough is fine). */
export const KNOWN_SECONDS: Readonly<Record<string, number>> = {
  "test/reliability/crash-stream.test.ts": 30,
  "test/reliability/concurrent.test.ts": 25,
  "test/integration/queue/faults.test.ts": 33,
  "test/reliability/crash-image.test.ts": 18,
  "test/reliability/crash-pyramid.test.ts": 18,
  "test/reliability/crash-resize.test.ts": 16,
  "test/reliability/crash-plate.test.ts": 14,
  "test/reliability/crash-delete-overwrite.test.ts": 14,
  "test/reliability/crash-delete.test.ts": 9,
  "test/integration/remote/s3-equality.test.ts": 27,
  "test/integration/convert-store/crash.test.ts": 15,
  "test/reliability/stream-reader.test.ts": 20,
  "test/reliability/soak.test.ts": 20,
  "test/integration/queue/netns.test.ts": 18,
  "test/integration/remote/cli-urls.test.ts": 17,
  "test/integration/examples.test.ts": 15,
  "test/integration/queue/equality.test.ts": 12,
  "test/integration/nodes/resize.test.ts": 15,
  "test/integration/s3/locks.test.ts": 10,
  "test/integration/nodes/create-image-pool.test.ts": 11,
  "test/integration/cli/binary.test.ts": 9,
  "test/integration/convert-store/convert-store.test.ts": 9,
  "test/integration/s3/contract.test.ts": 9,
  "test/integration/pyramid/pool.test.ts": 8,
  "test/integration/convert-store/s3.test.ts": 8,
  "test/reliability/hostile-input.test.ts": 7,
  "test/integration/nodes/delete.test.ts": 7,
  "test/integration/store/crash.test.ts": 5,
};

/** The API report test, and its seconds when it regenerates the reports (a declaration emit). */
const API_TEST = "test/unit/public-api.test.ts";
const API_REGENERATE_SECONDS = 45;

/**
 * True when the API report test will regenerate the reports: the sources changed since
 * api/inputs.sha256 and no cached generation matches them (scripts/api-report.ts). Its previous
 * duration (a hash comparison, a tenth of a second) would start it last, and its 20–50 s alone
 * at the end of the run.
 */
export function apiReportsRegenerate(): boolean {
  try {
    const hash = inputsHash();
    const recorded = /^inputs\s+(\S+)/m.exec(
      readFileSync(join(API_DIR, "inputs.sha256"), "utf8"),
    )?.[1];
    if (recorded === hash) return false;
    return !existsSync(join(ROOT, "node_modules/.cache/ngff-api-report", `${hash}.json`));
  } catch {
    return false;
  }
}

/**
 * Longest first: previous run's duration, else {@link KNOWN_SECONDS}, else vitest's order; the
 * API report test as a long one when it will regenerate.
 */
export default class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const base = await super.sort(files);
    const root = this.ctx.config.root;
    const regenerate = base.some((s) => relative(root, s.moduleId) === API_TEST)
      ? apiReportsRegenerate()
      : false;
    const weight = (spec: TestSpecification): number => {
      const rel = relative(root, spec.moduleId);
      if (rel === API_TEST && regenerate) return API_REGENERATE_SECONDS * 1000;
      const cached = this.ctx.cache.getFileTestResults(`${spec.project.name}:${rel}`);
      if (cached !== undefined) return cached.duration;
      return (KNOWN_SECONDS[rel] ?? 0) * 1000;
    };
    const w = new Map(base.map((s) => [s, weight(s)]));
    // Array.prototype.sort is stable: ties keep vitest's order.
    return base.sort((a, b) => w.get(b)! - w.get(a)!);
  }
}
