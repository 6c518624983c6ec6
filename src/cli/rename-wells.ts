/**
 * `ngff rename-wells -i <plate> -c <csv>`: rename wells from a CSV of `old,new` lines (no
 * header), e.g. `A/1,B/2`, as iohub's `rename-wells`. Every rename is checked first; then the
 * wells are moved one by one.
 */
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { NotFoundError } from "../errors.js";
import { openOmeZarr } from "../open.js";
import type { CommandEnv } from "./env.js";
import { UsageError } from "./io.js";
import { parseCsv } from "./options.js";

/**
 * Parse the rename CSV into `[old, new]` pairs.
 * @throws {UsageError} for a line without exactly two fields, or an old name listed twice.
 */
export function parseRenameCsv(text: string, source: string): [string, string][] {
  const pairs: [string, string][] = [];
  const rows = parseCsv(text);
  if (rows.length === 0) throw new UsageError(`${source} has no "old,new" lines`);
  rows.forEach((r, i) => {
    if (r.length !== 2 || r[0] === "" || r[1] === "") {
      throw new UsageError(
        `${source} row ${i + 1}: expected two columns "old,new" (e.g. "A/1,B/2"), got ${JSON.stringify(r.join(","))}`,
      );
    }
    pairs.push([r[0]!, r[1]!]);
  });
  const olds = pairs.map((p) => p[0]);
  const dup = olds.find((o, i) => olds.indexOf(o) !== i);
  if (dup !== undefined) throw new UsageError(`${source}: well ${dup} is renamed twice`);
  return pairs;
}

/** Register `rename-wells`. */
export function registerRenameWells(program: Command, env: CommandEnv): void {
  program
    .command("rename-wells")
    .description("rename wells of a plate from a CSV of old,new well paths")
    .requiredOption("-i, --input <plate>", "OME-Zarr plate directory")
    .requiredOption(
      "-c, --csv <file>",
      'CSV with two columns, old and new well path, no header ("A/1,B/2")',
    )
    .addHelpText("after", "\nExample:\n  ngff rename-wells -i plate.zarr -c names.csv")
    .action(
      env.action("rename-wells", async (o: { input: string; csv: string }) => {
        const text = await readFile(o.csv, "utf8").catch((err: NodeJS.ErrnoException) => {
          if (err.code === "ENOENT") throw new UsageError(`--csv ${o.csv}: no such file`);
          throw err;
        });
        const pairs = parseRenameCsv(text, o.csv);
        await using plate = await openOmeZarr(o.input, { layout: "hcs", mode: "r+" });
        // Check the whole list against the final state before moving anything.
        const wells = new Set(plate.wellPaths());
        for (const [from, to] of pairs) {
          if (!wells.has(from)) {
            throw new NotFoundError(
              from,
              `well ${from} is not in ${o.input} (wells: ${[...wells].join(", ")}); nothing was renamed`,
            );
          }
          wells.delete(from);
          if (wells.has(to))
            throw new UsageError(
              `well ${to} already exists in ${o.input} when ${from} is renamed to it; nothing was renamed`,
            );
          wells.add(to);
        }
        for (const [from, to] of pairs) {
          await plate.renameWell(from, to);
          env.note(`renamed ${from} → ${to}`);
        }
      }),
    );
}
