/**
 * The bundled build (`npm run build`, after `tsc -p tsconfig.build.json` has written the
 * declarations and the per-file JavaScript to dist/). esbuild then writes over the entry points
 * with bundles, so that a process loads a few files instead of ~200 (ESM loading of many small
 * files is most of a cold import: issue 14, bench/cold-start.bench.ts):
 *
 * - the library: `dist/src/index.js`, `dist/src/tiff/index.js`, `dist/src/cli/main.js`, with the
 *   code they share and the parts they load on first use in `dist/src/chunk-*.js`;
 * - the pool worker: `dist/workers/pyramid-task.js`, one file for every task kind a pool runs on
 *   local stores (what only S3, HTTP or TIFF tasks need is in `dist/workers/*-<hash>.js` chunks
 *   loaded on first use).
 *
 * Packages stay external (they are installed beside the library). The per-file output of tsc
 * stays too: its declarations are the package's types, and benchmarks import inner modules of
 * dist/ (a separate copy of the library's state from the bundles').
 *
 * The bundled library finds its worker through `__NGFF_BUNDLED_WORKER__` (src/engine/pool.ts), a
 * path relative to the bundle file that holds pool.ts: checked below against the metafile.
 * Files are written beside their targets and renamed into place (a process loading dist/ at the
 * same moment never sees half a file); chunks of earlier builds are removed afterwards. While tsc
 * runs, the entry points are tsc's own (unbundled, slower to load, same behaviour).
 *
 *   node scripts/build.mjs   # after tsc; `npm run build` runs both
 */
import { mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const STARTED = Date.now();
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const DIST = join(ROOT, "dist");
/** The worker relative to a bundle file in dist/src/ (entries and chunks alike). */
const WORKER_FROM_LIBRARY = "../workers/pyramid-task.js";

/** @type {import("esbuild").BuildOptions} */
const common = {
  absWorkingDir: ROOT,
  outdir: DIST,
  outbase: ROOT,
  bundle: true,
  splitting: true,
  platform: "node",
  format: "esm",
  target: "node20",
  packages: "external",
  sourcemap: true,
  sourcesContent: false,
  metafile: true,
  write: false,
  logLevel: "warning",
};

const [library, worker] = await Promise.all([
  build({
    ...common,
    entryPoints: ["src/index.ts", "src/tiff/index.ts", "src/cli/main.ts"],
    chunkNames: "src/[name]-[hash]",
    define: { __NGFF_BUNDLED_WORKER__: JSON.stringify(WORKER_FROM_LIBRARY) },
  }),
  build({
    ...common,
    entryPoints: ["workers/pyramid-task.ts"],
    chunkNames: "workers/[name]-[hash]",
  }),
]);

// pool.ts must sit in a bundle file directly in dist/src/, or the define above points elsewhere.
for (const [out, meta] of Object.entries(library.metafile.outputs)) {
  if (!Object.hasOwn(meta.inputs, "src/engine/pool.ts")) continue;
  if (dirname(resolve(ROOT, out)) !== join(DIST, "src")) {
    throw new Error(`src/engine/pool.ts was bundled into ${out}, not directly in dist/src/`);
  }
}
const workerEntry = Object.entries(worker.metafile.outputs).find(
  ([, m]) => m.entryPoint === "workers/pyramid-task.ts",
);
if (resolve(ROOT, workerEntry?.[0] ?? "") !== join(DIST, "workers/pyramid-task.js")) {
  throw new Error("the worker bundle is not dist/workers/pyramid-task.js");
}

/** Packages an output loads before it runs: its static imports, through chunks. */
function staticPackages(outputs, out, seen = new Set()) {
  const found = new Set();
  if (seen.has(out)) return found;
  seen.add(out);
  for (const imp of outputs[out].imports) {
    if (imp.kind !== "import-statement") continue;
    if (imp.external) found.add(imp.path.replace(/^((?:@[^/]+\/)?[^/]+).*$/, "$1"));
    else for (const p of staticPackages(outputs, imp.path, seen)) found.add(p);
  }
  return found;
}
// Packages that only some paths need load on first use (dynamic `import()`), never up front:
// S3 (AWS SDK), the queue (BullMQ, ioredis), TIFF (geotiff); the worker needs no metadata
// models (zod) nor the CLI's packages either.
const LAZY = ["@aws-sdk/client-s3", "bullmq", "ioredis", "geotiff"];
const checks = [
  [library.metafile.outputs, "dist/src/index.js", LAZY],
  [worker.metafile.outputs, "dist/workers/pyramid-task.js", [...LAZY, "zod", "commander"]],
];
for (const [outputs, out, lazy] of checks) {
  const eager = staticPackages(outputs, out);
  const wrong = lazy.filter((p) => eager.has(p));
  if (wrong.length > 0) throw new Error(`${out} loads ${wrong.join(", ")} up front`);
  process.stdout.write(`${out} loads up front: ${[...eager].sort().join(", ")}\n`);
}

const written = new Set();
for (const f of [...library.outputFiles, ...worker.outputFiles]) {
  await mkdir(dirname(f.path), { recursive: true });
  const tmp = `${f.path}.${process.pid}.tmp`;
  await writeFile(tmp, f.contents);
  await rename(tmp, f.path);
  written.add(f.path);
}
// Chunks are named `<module>-<hash>.js` (tsc's files never end in 8 capitals and digits); leave
// those another build wrote since this one started.
for (const dir of [join(DIST, "src"), join(DIST, "workers")]) {
  for (const name of await readdir(dir)) {
    const file = join(dir, name);
    if (!/-[A-Z0-9]{8}\.js(\.map)?$/.test(name) || written.has(file)) continue;
    if ((await stat(file)).mtimeMs < STARTED) await rm(file, { force: true });
  }
}

const kB = (n) => `${(n / 1024).toFixed(0)} kB`;
const ENTRIES = ["src/index.ts", "src/tiff/index.ts", "src/cli/main.ts", "workers/pyramid-task.ts"];
for (const { metafile } of [library, worker]) {
  const js = Object.entries(metafile.outputs).filter(([out]) => out.endsWith(".js"));
  const chunks = js.filter(([, m]) => !ENTRIES.includes(m.entryPoint));
  for (const [out, m] of js) {
    if (ENTRIES.includes(m.entryPoint)) {
      process.stdout.write(`${relative(ROOT, resolve(ROOT, out))} ${kB(m.bytes)}\n`);
    }
  }
  const bytes = chunks.reduce((n, [, m]) => n + m.bytes, 0);
  process.stdout.write(
    `  + ${chunks.length} chunks (shared, or loaded on first use), ${kB(bytes)}\n`,
  );
}
