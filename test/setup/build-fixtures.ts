/**
 * vitest `globalSetup`: bundle the child-process fixtures (test/helpers/fixtures.ts) and the
 * pyramid worker with esbuild, once per run (~0.5 s), so that sources edited since the last run
 * are always picked up. Each file is written beside its target and renamed into place: another
 * test run building at the same moment (a shared checkout) never sees half a bundle, and both
 * write the same bytes.
 *
 * Code splitting keeps the library's lazy `import()`s lazy: in one file per fixture, esbuild
 * inlines every dynamically imported module and hoists its packages' imports to the top, so each
 * child loaded bullmq, ioredis and the AWS SDK whether it used them or not (~1.1 s of the 1.4 s a
 * crash job spent importing; a crash job's run 3.1 → 1.9 s of CPU, measured with /usr/bin/time).
 * Shared and lazy chunks go to `t/c/`, as deep as the fixtures in `t/f/`, so that paths the
 * library derives from its own module (the worker two directories up, package.json) hold from
 * either. Chunk names carry a content hash: chunks are written before the entries that import
 * them, and only chunks no build wrote within the last hour are removed (another test run may
 * still load its own).
 */
import * as fs from "node:fs/promises";
import * as path from "node:path";
import { build, stop } from "esbuild";
import { BUNDLED_WORKER, bundleEntries, FIXTURE_CACHE } from "../helpers/fixtures.js";

/** Where the chunks go, relative to the cache: as deep as the fixtures (`t/f`). */
const CHUNK_DIR = "t/c";

/** Chunks no build wrote for this long are removed (a test run takes minutes). */
const STALE_CHUNK_MS = 3_600_000;

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
    splitting: true,
    chunkNames: `${CHUNK_DIR}/[name]-[hash]`,
    write: false,
    logLevel: "silent",
  }).finally(() => stop()); // esbuild's service process would otherwise live as long as vitest
  const chunks = path.join(FIXTURE_CACHE, CHUNK_DIR);
  const isChunk = (file: string) => path.dirname(file) === chunks;
  // Chunks first: an entry is renamed into place only once everything it imports is there.
  const outputs = [...result.outputFiles].sort((a, b) => +isChunk(b.path) - +isChunk(a.path));
  const files = [
    ...outputs.map((f) => ({ file: f.path, bytes: f.contents })),
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
  const written = new Set(files.map((f) => path.basename(f.file)));
  const old = Date.now() - STALE_CHUNK_MS;
  for (const name of await fs.readdir(chunks)) {
    if (written.has(name)) continue;
    const file = path.join(chunks, name);
    const st = await fs.stat(file).catch(() => undefined);
    if (st !== undefined && st.mtimeMs < old) await fs.rm(file, { force: true });
  }
  // Pool threads of the test processes (and their children) start from the bundled worker
  // instead of registering tsx in every thread (~0.35 s of CPU each).
  process.env.NGFF_PYRAMID_WORKER = BUNDLED_WORKER;
}
