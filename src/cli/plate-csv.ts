/**
 * The `--plate wells.csv` file of `ngff convert`: one line per input file,
 * `file,well[,field]` (e.g. `scan-01.tif,B/3` or `scan-01.tif,B/3,1`), an optional header line,
 * `#` comments. Relative file paths are relative to the CSV file's directory.
 */
import { isAbsolute, join } from "node:path";
import { UsageError } from "./io.js";
import { parseCsv } from "./options.js";

/** One input of a plate conversion: the file and where it goes. */
export interface PlateJob {
  input: string;
  row: string;
  column: string;
  field: string;
}

const WELL = /^([^/\s]+)\/([^/\s]+)$/;

/**
 * Parse the wells CSV. Fields default to `0`, `1`, … per well in file order.
 * @throws {UsageError} for a line without a file and a `row/column` well, a bad field, or the
 *   same position twice (names are checked again by the plate API before anything is written).
 */
export function parseWellsCsv(text: string, csvPath: string, csvDir: string): PlateJob[] {
  const rows = parseCsv(text);
  const first = rows[0];
  if (first !== undefined && !WELL.test(first[1] ?? "")) rows.shift(); // a header line
  if (rows.length === 0)
    throw new UsageError(`${csvPath} lists no files; expected lines "file,row/column[,field]"`);
  const jobs: PlateJob[] = [];
  const perWell = new Map<string, number>();
  const seen = new Set<string>();
  rows.forEach((r, i) => {
    const [file, well, field] = r;
    const m = WELL.exec(well ?? "");
    if (!file || m === null || r.length > 3) {
      throw new UsageError(
        `${csvPath} row ${i + 1}: expected "file,row/column[,field]" (e.g. "a.tif,B/3"), got ${JSON.stringify(r.join(","))}`,
      );
    }
    const key = `${m[1]}/${m[2]}`;
    const next = perWell.get(key) ?? 0;
    const f = field === undefined || field === "" ? String(next) : field;
    perWell.set(key, next + 1);
    if (seen.has(`${key}/${f}`))
      throw new UsageError(`${csvPath} row ${i + 1}: position ${key}/${f} is listed twice`);
    seen.add(`${key}/${f}`);
    jobs.push({
      input: isAbsolute(file) ? file : join(csvDir, file),
      row: m[1]!,
      column: m[2]!,
      field: f,
    });
  });
  return jobs;
}
