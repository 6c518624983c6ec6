/**
 * Runs every benchmark in bench/ one after another, each in its own process so that peak-RSS
 * figures are not shared, and prints their markdown tables.
 *
 *   npm run bench                 # all benchmarks
 *   npm run bench -- kernels      # only bench/kernels.bench.ts
 *   npm run bench -- pyramid --p2 # extra flags are passed to each benchmark
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const names = args.filter((a) => !a.startsWith("-"));
const flags = args.filter((a) => a.startsWith("-"));
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => names.length === 0 || names.includes(f.replace(/\.bench\.ts$/, "")))
  .sort();
if (files.length === 0) {
  process.stderr.write(`no benchmark matches ${names.join(", ")}\n`);
  process.exit(2);
}
let failed = 0;
for (const file of files) {
  process.stdout.write(`\n## ${file}\n\n`);
  const r = spawnSync(process.execPath, ["--import", "tsx", join(here, file), ...flags], {
    stdio: "inherit",
  });
  if (r.status !== 0) failed++;
}
process.exit(failed === 0 ? 0 : 1);
