import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup/fail-on-console.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Worker-pool and crash tests spawn processes; keep file parallelism modest on 2 cores.
    maxWorkers: 2,
  },
});
