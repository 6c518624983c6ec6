import { defineConfig } from "vitest/config";
import LongestFirst from "./test/setup/sequencer.js";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup/fail-on-console.ts", "test/setup/between-files.ts"],
    // Bundles the child-process fixtures once per run (test/helpers/fixtures.ts).
    globalSetup: ["test/setup/build-fixtures.ts"],
    // The longest files start first, also in a fresh clone (test/setup/sequencer.ts).
    sequence: { sequencer: LongestFirst },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Worker-pool and crash tests spawn processes; keep file parallelism modest on 2 cores.
    maxWorkers: 2,
    // Files share their worker's module graph (src/, zod, the AWS SDK … load once per worker, not
    // once per file): measured on 38 unit files, 76 s → 35 s of CPU; the whole suite 776 s → 560 s.
    // What a file leaves in the process is reset after it (test/setup/between-files.ts: the
    // environment, the shared pools); servers and private pools are closed by the file itself.
    isolate: false,
  },
});
