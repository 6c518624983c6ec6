/**
 * Leftovers of conversions that were killed (SIGKILL, power loss) before they could clean up:
 * `<output>.partial-<pid>` (a store being written) and `<output>.old-<pid>` (the replaced store,
 * between the swap and its deletion). Only leftovers of processes that no longer run are touched.
 */
import { readdir, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** What {@link removeDeadLeftovers} did with one leftover. */
export interface Leftover {
  path: string;
  pid: number;
  /** `removed`, or `kept` (with the reason) when removing it could lose data. */
  action: "removed" | "kept";
  reason?: string;
}

/** True when a process with this pid runs (or exists but is not ours to signal). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Remove the leftovers of dead conversions into `output`: every `.partial-<pid>` (an incomplete
 * store), and every `.old-<pid>` when `output` exists (the swap finished, only the deletion of the
 * old store was cut short). An `.old-<pid>` without `output` is kept: it may be the only copy of
 * the previous store. Leftovers of running processes (this one included) are never touched.
 */
export async function removeDeadLeftovers(
  output: string,
  outputExists: boolean,
): Promise<Leftover[]> {
  const parent = dirname(output);
  const name = basename(output);
  const pattern = new RegExp(`^${escapeRegExp(name)}\\.(partial|old)-(\\d+)$`);
  const done: Leftover[] = [];
  for (const entry of await readdir(parent).catch(() => [] as string[])) {
    const m = pattern.exec(entry);
    if (m === null) continue;
    const pid = Number(m[2]);
    if (pid === process.pid || pidAlive(pid)) continue;
    const path = join(parent, entry);
    if (m[1] === "old" && !outputExists) {
      done.push({
        path,
        pid,
        action: "kept",
        reason: `${name} is missing, so this may be the only copy of the previous store; rename it back or delete it`,
      });
      continue;
    }
    await rm(path, { recursive: true, force: true });
    done.push({ path, pid, action: "removed" });
  }
  return done;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
