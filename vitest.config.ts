import { defineConfig } from "vitest/config";
import LongestFirst from "./test/setup/sequencer.js";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup/fail-on-console.ts"],
    // Bundles the child-process fixtures once per run (test/helpers/fixtures.ts).
    globalSetup: ["test/setup/build-fixtures.ts"],
    // The longest files start first, also in a fresh clone (test/setup/sequencer.ts).
    sequence: { sequencer: LongestFirst },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Worker-pool and crash tests spawn processes; keep file parallelism modest on 2 cores.
    maxWorkers: 2,
  },
});
