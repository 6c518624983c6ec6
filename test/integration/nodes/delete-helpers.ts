/**
 * Helpers for the delete, overwrite and plate-layout tests: bad input must leave the store
 * byte-identical, but a successful plate or well operation before it leaves its lock file
 * lingering for a moment (src/store/lock.ts); compare once those are gone.
 */
import { LOCK_NAME_PATTERN } from "../../../src/store/lock.js";
import { expectRejectedUntouched, listFiles } from "./open-helpers.js";

/** Wait until no lock file is left under `dir` (at most ~2 s). */
export async function noLocks(dir: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const files = await listFiles(dir).catch(() => [] as string[]);
    if (!files.some((f) => LOCK_NAME_PATTERN.test(f.split("/").pop() ?? ""))) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`lock files left under ${dir}`);
}

/** {@link expectRejectedUntouched}, compared once lingering lock files are gone. */
export async function untouched(
  dir: string,
  tag: Parameters<typeof expectRejectedUntouched>[1],
  run: () => Promise<unknown>,
): Promise<Error> {
  await noLocks(dir);
  return expectRejectedUntouched(dir, tag, async () => {
    try {
      return await run();
    } finally {
      await noLocks(dir);
    }
  });
}
