/**
 * Child-process fixtures, prebuilt. Tests that run a fixture script in a child process (crash
 * jobs, concurrent writers, queue workers, …) spawn it through `spawnFixture`: the script is
 * bundled once per test run (test/setup/build-fixtures.ts, a vitest `globalSetup`) with esbuild
 * into `node_modules/.cache/ngff-test/`, so a child starts as plain JavaScript instead of loading
 * the tsx loader (measured: ~0.6 s wall and ~1 s CPU less per child, and its pool threads start
 * without tsx too).
 *
 * Layout: fixtures in `<cache>/t/f/<name>.js`, the chunks they share or import lazily in
 * `<cache>/t/c/`, the pyramid worker in `<cache>/workers/pyramid-task.js`, and
 * `<cache>/package.json` (`"type": "module"`). A bundled library resolves its worker as
 * `../../workers/pyramid-task.js` from its own module (two directories up from `t/f/` or `t/c/`),
 * and finds ngff-writer's package.json (its version) six directories up at most: both hold for
 * this layout, and for no deeper one. Packages stay external and resolve from the repository's
 * node_modules.
 */
import {
  type ChildProcess,
  type ChildProcessByStdio,
  type SpawnOptions,
  type SpawnOptionsWithoutStdio,
  spawn,
} from "node:child_process";
import { existsSync } from "node:fs";
import * as path from "node:path";
import type { Readable } from "node:stream";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Where the bundles are written. */
export const FIXTURE_CACHE = path.join(REPO, "node_modules/.cache/ngff-test");

/** The bundled pool worker (`NGFF_PYRAMID_WORKER` of every test process, set by the globalSetup). */
export const BUNDLED_WORKER = path.join(FIXTURE_CACHE, "workers/pyramid-task.js");

/** The fixture scripts, by name: the TypeScript source each bundle is built from. */
export const FIXTURES = {
  "reliability-job": "test/fixtures/reliability/job.ts",
  "concurrent-writer": "test/fixtures/reliability/concurrent-writer.ts",
  "stream-job": "test/fixtures/reliability/stream-job.ts",
  "store-crash-writer": "test/fixtures/store/crash-writer.ts",
  "s3-lock-worker": "test/fixtures/s3/lock-worker.ts",
  "queue-ngff": "test/fixtures/queue/ngff.ts",
  "queue-coordinator": "test/fixtures/queue/coordinator.ts",
  "convert-store-child": "test/integration/convert-store/child.ts",
} as const;

/** A fixture's name. */
export type FixtureName = keyof typeof FIXTURES;

/** The bundles' entry points, relative to {@link FIXTURE_CACHE} (no extension), and sources. */
export function bundleEntries(): Record<string, string> {
  const out: Record<string, string> = {
    "workers/pyramid-task": path.join(REPO, "workers/pyramid-task.ts"),
  };
  for (const [name, src] of Object.entries(FIXTURES)) out[`t/f/${name}`] = path.join(REPO, src);
  return out;
}

/** The bundled file of fixture `name` (built by the vitest `globalSetup`). */
export function fixturePath(name: FixtureName): string {
  return path.join(FIXTURE_CACHE, "t/f", `${name}.js`);
}

/**
 * The Node arguments that run fixture `name` with `args` (for a spawn through another command,
 * such as `ip netns exec … node <argv>`). Throws when the bundle is missing: the tests run
 * through vitest, whose `globalSetup` builds it.
 */
export function fixtureArgv(name: FixtureName, args: readonly string[] = []): string[] {
  const file = fixturePath(name);
  if (!existsSync(file)) {
    throw new Error(
      `fixture bundle ${file} is missing: it is built by test/setup/build-fixtures.ts (vitest globalSetup)`,
    );
  }
  return ["--enable-source-maps", file, ...args];
}

/**
 * Spawn fixture `name` with `args` in a Node child process: cwd the repository root, stdin
 * ignored and stdout/stderr piped unless `opts.stdio` says otherwise.
 */
export function spawnFixture(
  name: FixtureName,
  args?: readonly string[],
  opts?: SpawnOptionsWithoutStdio,
): ChildProcessByStdio<null, Readable, Readable>;
export function spawnFixture(
  name: FixtureName,
  args: readonly string[],
  opts: SpawnOptions,
): ChildProcess;
export function spawnFixture(
  name: FixtureName,
  args: readonly string[] = [],
  opts: SpawnOptions = {},
): ChildProcess {
  return spawn(process.execPath, fixtureArgv(name, args), {
    cwd: REPO,
    stdio: ["ignore", "pipe", "pipe"],
    ...opts,
  });
}
