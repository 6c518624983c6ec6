/**
 * `ngff info <store…> [-v] [--json]`: layout, version, axes, channels, levels (shape, dtype,
 * chunks, codec, scale), plate summary and size on disk of each store.
 */
import type { Command } from "commander";
import type { CommandEnv } from "./env.js";
import { formatBytes, formatList, formatNumber, formatShape, table } from "./format.js";
import { type ImageSummary, type StoreSummary, summarizeStore } from "./inspect.js";
import { ReportedFailure, reportError } from "./io.js";

function imageLines(img: ImageSummary, verbose: boolean, indent: string): string[] {
  const lines: string[] = [];
  const axis = (a: ImageSummary["axes"][number]) =>
    a.type === null && a.unit === null
      ? a.name
      : `${a.name} [${[a.type, a.unit].filter(Boolean).join(", ")}]`;
  if (img.name !== null) lines.push(`${indent}name:      ${img.name}`);
  lines.push(`${indent}axes:      ${img.axes.map(axis).join(", ")}`);
  lines.push(
    `${indent}channels:  ${img.channels.length === 0 ? "(none)" : formatList(img.channels, verbose ? 1e9 : 12)}`,
  );
  if (img.method !== null)
    lines.push(`${indent}pyramid:   ${img.levels.length} levels, method ${img.method}`);
  lines.push(`${indent}levels:`);
  const rows = img.levels.map((l) =>
    l.error !== undefined
      ? [l.path, `error: ${l.error}`]
      : [
          l.path,
          formatShape(l.shape),
          l.dtype,
          `chunks ${formatShape(l.chunks)}${l.shards ? ` shards ${formatShape(l.shards)}` : ""}`,
          l.codec,
          l.scale ? `scale ${l.scale.map(formatNumber).join(",")}` : "",
          verbose && l.translation
            ? `translation ${l.translation.map(formatNumber).join(",")}`
            : "",
        ],
  );
  lines.push(...table(rows, `${indent}  `));
  if (img.labels.length > 0) lines.push(`${indent}labels:    ${img.labels.join(", ")}`);
  return lines;
}

/** The text `ngff info` prints for one store. */
export function formatSummary(s: StoreSummary, verbose: boolean): string[] {
  const lines = [s.path];
  const version =
    s.version === null
      ? `Zarr v${s.zarrFormat} (no OME-NGFF metadata)`
      : `OME-NGFF ${s.version} (Zarr v${s.zarrFormat})`;
  lines.push(
    `  layout:    ${s.layout}`,
    `  version:   ${version}`,
    `  size:      ${formatBytes(s.sizeBytes)} on disk`,
  );
  if (s.plate !== null) {
    const p = s.plate;
    if (p.name !== null) lines.push(`  plate:     ${p.name}`);
    lines.push(`  rows:      ${formatList(p.rows)}`, `  columns:   ${formatList(p.columns)}`);
    const fields =
      p.fieldsPerWell.min === p.fieldsPerWell.max
        ? `${p.fieldsPerWell.max}`
        : `${p.fieldsPerWell.min}–${p.fieldsPerWell.max}`;
    lines.push(
      `  wells:     ${p.wells}, ${fields} field(s) per well, ${p.positions.length} positions`,
    );
    if (p.acquisitions > 0) lines.push(`  acquisitions: ${p.acquisitions}`);
    if (verbose) {
      lines.push("  positions:");
      for (const pos of p.positions) lines.push(`    ${pos}`);
    }
    if (p.firstImage !== null) {
      lines.push(`  first position (${p.firstImage.path}):`);
      lines.push(...imageLines(p.firstImage, verbose, "    "));
    }
  }
  if (s.image !== null) lines.push(...imageLines(s.image, verbose, "  "));
  return lines;
}

/** Register `info`. */
export function registerInfo(program: Command, env: CommandEnv): void {
  program
    .command("info")
    .description("summarize OME-Zarr stores: layout, version, axes, channels, levels, plate, size")
    .argument("<store...>", "OME-Zarr store directories")
    .option("-v, --verbose", "every position of a plate, every channel, translations")
    .option("--json", "print a JSON array with one summary per store")
    .action(
      env.action("info", async (stores: string[], opts: { verbose?: boolean; json?: boolean }) => {
        const summaries: StoreSummary[] = [];
        let failed = false;
        for (const path of stores) {
          try {
            const s = await summarizeStore(path);
            summaries.push(s);
            if (!opts.json) {
              if (summaries.length > 1) env.out("");
              for (const line of formatSummary(s, opts.verbose === true)) env.out(line);
            }
          } catch (err) {
            failed = true;
            reportError(env.io, "info", err, env.flags.debug);
          }
        }
        if (opts.json) env.out(JSON.stringify(summaries, null, 2));
        if (failed) throw new ReportedFailure();
      }),
    );
}
