/**
 * Parsers for option values and small text inputs (lists, CSV), shared by the commands. Bad
 * values are usage errors (exit code 2) that name the option and what was expected.
 */
import { InvalidArgumentError } from "commander";
import { UsageError } from "./io.js";

/** Commander argument parser for a positive integer (`-l 4`). */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a positive integer, got ${JSON.stringify(value)}`);
  return n;
}

/** Commander argument parser for a non-negative integer (`--workers 0`). */
export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new InvalidArgumentError(`expected an integer ≥ 0, got ${JSON.stringify(value)}`);
  return n;
}

/** Commander argument parser for a positive finite number (`-z 0.5`). */
export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === "" || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError(`expected a positive number, got ${JSON.stringify(value)}`);
  }
  return n;
}

/** Split a comma-separated list, trimming items and dropping empty ones. */
export function splitList(value: string): string[] {
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/**
 * A comma-separated list of positive integers (`"1,1,16,256,256"`).
 * @throws {UsageError} naming `option` when an item is not a positive integer.
 */
export function parseIntList(value: string, option: string): number[] {
  const items = splitList(value);
  const out = items.map(Number);
  if (items.length === 0 || out.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new UsageError(
      `${option} expects comma-separated positive integers, got ${JSON.stringify(value)}`,
    );
  }
  return out;
}

/**
 * Parse CSV text: comma-separated fields, double quotes around fields that hold commas or
 * quotes (`""` inside quotes is one quote), blank lines and lines starting with `#` skipped.
 * Fields are trimmed.
 */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  for (const rawLine of text.replace(/^\uFEFF/, "").split(/\r?\n/)) {
    if (rawLine.trim() === "" || rawLine.trimStart().startsWith("#")) continue;
    const fields: string[] = [];
    let field = "";
    let quoted = false;
    for (let i = 0; i < rawLine.length; i++) {
      const ch = rawLine[i]!;
      if (quoted) {
        if (ch === '"' && rawLine[i + 1] === '"') {
          field += '"';
          i++;
        } else if (ch === '"') quoted = false;
        else field += ch;
      } else if (ch === '"') quoted = true;
      else if (ch === ",") {
        fields.push(field.trim());
        field = "";
      } else field += ch;
    }
    fields.push(field.trim());
    rows.push(fields);
  }
  return rows;
}
