/**
 * `ngff validate <store…> [--strict] [--json]`: check metadata and structure of each store
 * (validateStore); every problem is printed with its location; exit code 1 when any store has
 * a problem.
 */
import type { Command } from "commander";
import { validateStore } from "../validate/store.js";
import type { CommandEnv } from "./env.js";
import { ReportedFailure, reportError } from "./io.js";

/** Register `validate`. */
export function registerValidate(program: Command, env: CommandEnv): void {
  program
    .command("validate")
    .description(
      "validate OME-Zarr stores: metadata against the OME-NGFF schemas, and the structure it describes",
    )
    .argument("<store...>", "OME-Zarr stores: directories, s3://bucket/prefix or http(s):// URLs")
    .option("--strict", "also apply the SHOULDs of the official strict schemas")
    .option("--json", "print a JSON array of { path, ok, version, kind, issues } per store")
    .action(
      env.action(
        "validate",
        async (stores: string[], opts: { strict?: boolean; json?: boolean }) => {
          let failed = false;
          const results: unknown[] = [];
          for (const path of stores) {
            try {
              const r = await validateStore(path, { strict: opts.strict === true });
              if (!r.ok) failed = true;
              if (opts.json) {
                results.push({
                  path,
                  ok: r.ok,
                  version: r.version ?? null,
                  kind: r.kind ?? null,
                  issues: r.issues,
                });
                continue;
              }
              const what = `${r.kind ?? "unknown kind"}, OME-NGFF ${r.version ?? "?"}`;
              if (r.ok) {
                if (!env.flags.quiet) env.out(`${path}: valid (${what})`);
                continue;
              }
              env.out(
                `${path}: ${r.issues.length} problem${r.issues.length === 1 ? "" : "s"} (${what})`,
              );
              for (const i of r.issues) {
                const where = [i.path === "" ? "/" : i.path, i.location]
                  .filter((s) => s !== "")
                  .join(" ");
                env.out(`  ${where}: ${i.message} [${i.code}]`);
              }
            } catch (err) {
              failed = true;
              if (opts.json)
                results.push({
                  path,
                  ok: false,
                  error: err instanceof Error ? err.message : String(err),
                });
              else reportError(env.io, "validate", err, env.flags.debug);
            }
          }
          if (opts.json) env.out(JSON.stringify(results, null, 2));
          if (failed) throw new ReportedFailure();
        },
      ),
    );
}
