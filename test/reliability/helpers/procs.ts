/** Child processes of the concurrency suite: start writers, release them together, await them. */
import type { ChildProcess } from "node:child_process";
import { spawnFixture } from "../../helpers/fixtures.js";

/** A started writer: resolves `ready` on its "ready" (or "held") line, `exit` when it ends. */
export interface Writer {
  child: ChildProcess;
  ready: Promise<void>;
  exit: Promise<{ code: number | null; signal: string | null; stderr: string }>;
}

/** Start `concurrent-writer.ts` (bundled: test/helpers/fixtures.ts) with `args`. */
export function startWriter(args: readonly string[]): Writer {
  const child = spawnFixture("concurrent-writer", args, { stdio: ["pipe", "pipe", "pipe"] });
  let stderr = "";
  child.stderr!.on("data", (d) => {
    stderr += String(d);
  });
  const exit = new Promise<{ code: number | null; signal: string | null; stderr: string }>(
    (resolve) => child.on("exit", (code, signal) => resolve({ code, signal, stderr })),
  );
  const ready = new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (d) => {
      if (/^(ready|held)$/m.test(String(d))) resolve();
    });
    void exit.then((e) => reject(new Error(`writer exited before ready: ${e.stderr}`)));
  });
  ready.catch(() => undefined);
  return { child, ready, exit };
}

/** Start writers, wait until all are ready, release them at once, and wait for them to finish. */
export async function runTogether(argsList: readonly (readonly string[])[]): Promise<void> {
  const writers = argsList.map(startWriter);
  await Promise.all(writers.map((w) => w.ready));
  for (const w of writers) w.child.stdin!.write("go\n");
  const exits = await Promise.all(writers.map((w) => w.exit));
  for (const e of exits) {
    if (e.code !== 0) throw new Error(`writer failed (code ${e.code}, ${e.signal}):\n${e.stderr}`);
  }
}
