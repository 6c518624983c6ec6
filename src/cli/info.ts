/**
 * `ngff info <store…> [-v] [--json]`: layout, version, axes, channels, levels (shape, dtype,
 * chunks, codec, scale), plate summary and size on disk of each store.
 */
import { stat } from "node:fs/promises";
import type { Command } from "commander";
import { isStoreUrl } from "../store/index.js";
import { openTiff, SUPPORTED_COMPRESSIONS } from "../tiff/index.js";
import type { CommandEnv } from "./env.js";
import { formatBytes, formatList, formatNumber, formatShape, table } from "./format.js";
import { type ImageSummary, type StoreSummary, summarizeStore } from "./inspect.js";
import { ReportedFailure, reportError } from "./io.js";

/** What `ngff info --json` prints for a TIFF input. */
export interface TiffSummary {
  path: string;
  layout: "tiff";
  metadata: "ome" | "imagej" | "plain";
  shape: { t: number; c: number; z: number; y: number; x: number };
  dtype: string;
  pages: number;
  compression: string;
  blocks: string;
  channels: (string | null)[];
  scale: Record<string, { value: number; unit: string | null }>;
  sizeBytes: number;
  notes: string[];
}

async function summarizeTiff(path: string): Promise<TiffSummary> {
  await using tiff = await openTiff(path);
  const l = tiff.layout;
  const p = tiff.structure.ifds[l.plane(0, 0, 0).ifd]!;
  const scale: TiffSummary["scale"] = {};
  for (const [axis, v] of Object.entries(l.scale))
    scale[axis] = { value: v.value, unit: v.unit ?? null };
  return {
    path,
    layout: "tiff",
    metadata: l.source,
    shape: { t: l.sizeT, c: l.sizeC, z: l.sizeZ, y: l.sizeY, x: l.sizeX },
    dtype: l.dtype,
    pages: tiff.structure.ifds.length,
    compression: SUPPORTED_COMPRESSIONS[p.compression] ?? String(p.compression),
    blocks: p.tiled ? `tiles ${p.blockWidth}×${p.blockHeight}` : `strips of ${p.blockHeight} rows`,
    channels: l.channelNames.map((n) => n ?? null),
    scale,
    sizeBytes: tiff.structure.fileSize,
    notes: [...l.notes],
  };
}

function tiffLines(s: TiffSummary): string[] {
  const { t, c, z, y, x } = s.shape;
  const scale = Object.entries(s.scale)
    .map(([a, v]) => `${a} ${formatNumber(v.value)}${v.unit ? ` ${v.unit}` : ""}`)
    .join(", ");
  return [
    s.path,
    `  layout:    TIFF (${s.metadata === "ome" ? "OME-XML" : s.metadata === "imagej" ? "ImageJ hyperstack" : "no metadata: pages along z"})`,
    `  shape:     T ${t}, C ${c}, Z ${z}, Y ${y}, X ${x}  (${s.pages} pages)`,
    `  dtype:     ${s.dtype}, ${s.compression}, ${s.blocks}`,
    `  channels:  ${s.channels.map((n, i) => n ?? `#${i}`).join(", ")}`,
    ...(scale === "" ? [] : [`  scale:     ${scale}`]),
    `  size:      ${formatBytes(s.sizeBytes)}`,
    ...s.notes.map((n) => `  note:      ${n}`),
  ];
}

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (st) => st.isFile(),
    () => false,
  );
}

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
    `  size:      ${s.sizeBytes === null ? "not counted (remote store)" : `${formatBytes(s.sizeBytes)} on disk`}`,
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
    .argument(
      "<store...>",
      "OME-Zarr stores: directories, s3:// or http(s):// URLs (or TIFF files, to preview a conversion)",
    )
    .option("-v, --verbose", "every position of a plate, every channel, translations")
    .option("--json", "print a JSON array with one summary per store")
    .action(
      env.action("info", async (stores: string[], opts: { verbose?: boolean; json?: boolean }) => {
        const summaries: (StoreSummary | TiffSummary)[] = [];
        let failed = false;
        for (const path of stores) {
          try {
            const s =
              !isStoreUrl(path) && (await isFile(path))
                ? await summarizeTiff(path)
                : await summarizeStore(path);
            summaries.push(s);
            if (!opts.json) {
              if (summaries.length > 1) env.out("");
              const lines =
                s.layout === "tiff" ? tiffLines(s) : formatSummary(s, opts.verbose === true);
              for (const line of lines) env.out(line);
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
