/**
 * vitest runs the files of a worker in one process (`isolate: false` in vitest.config.ts), so
 * what a file leaves in the process is what the next file starts with. After each file this puts
 * back what a fresh process would have: the environment variables as they were when the file
 * started (helpers such as `useS3rverCredentials` set some for the whole file), and no shared
 * worker pool (a test asserting that the first `createImage` starts one must not find one left
 * running by an earlier file).
 */
import { afterAll } from "vitest";
import { closeSharedPools } from "../../src/engine/shared-pool.js";

// Taken when the setup file runs (before each test file's own top-level code).
const env: Record<string, string | undefined> = { ...process.env };

afterAll(async () => {
  for (const key of Object.keys(process.env)) if (!(key in env)) delete process.env[key];
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && process.env[key] !== value) process.env[key] = value;
  }
  await closeSharedPools();
});
