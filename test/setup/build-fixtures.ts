/**
 * vitest `globalSetup`: bundle the child-process fixtures (test/helpers/fixtures.ts) and the
 * pyramid worker with esbuild, once per run (~0.5 s), so that sources edited since the last run
 * are always picked up. Each file is written beside its target and renamed into place: another
 * test run building at the same moment (a shared checkout) never sees half a bundle, and both
 * write the same bytes.
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { build, stop } from "esbuild";
import { BUNDLED_WORKER, bundleEntries, FIXTURE_CACHE } from "../helpers/fixtures.js";

/** Build every bundle into `node_modules/.cache/ngff-test/`. */
export default async function setup(): Promise<void> {
  const result = await build({
    entryPoints: bundleEntries(),
    outdir: FIXTURE_CACHE,
    bundle: true,
    platform: "node",
    format: "esm",
    target: "node20",
    packages: "external",
    sourcemap: "inline",
    sourcesContent: false,
    write: false,
    logLevel: "silent",
  }).finally(() => stop()); // esbuild's service process would otherwise live as long as vitest
  const files = [
    ...result.outputFiles.map((f) => ({ file: f.path, bytes: f.contents })),
    {
      file: path.join(FIXTURE_CACHE, "package.json"),
      bytes: new TextEncoder().encode('{ "type": "module" }\n'),
    },
  ];
  for (const { file, bytes } of files) {
    await fs.mkdir(path.dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    await fs.writeFile(tmp, bytes);
    await fs.rename(tmp, file);
  }
  // Pool threads of the test processes (and their children) start from the bundled worker
  // instead of registering tsx in every thread (~0.35 s of CPU each).
  process.env.NGFF_PYRAMID_WORKER = BUNDLED_WORKER;
}
