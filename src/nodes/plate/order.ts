/**
 * Natural ordering of plate row, column and field names: `A2` before `A10`, `9` before `10`,
 * and, for letter runs, shorter before longer so that row `AA` follows row `Z` (the way plate
 * readers and spreadsheets label rows past the 26th).
 */
import { InvalidOptionsError } from "../../errors.js";

const TOKEN = /(\d+|\D+)/g;

function isDigits(s: string): boolean {
  const c = s.charCodeAt(0);
  return c >= 48 && c <= 57;
}

function compareDigits(a: string, b: string): number {
  const ta = a.replace(/^0+(?=\d)/, "");
  const tb = b.replace(/^0+(?=\d)/, "");
  if (ta.length !== tb.length) return ta.length - tb.length;
  if (ta !== tb) return ta < tb ? -1 : 1;
  // Same value: "1" before "01" so the order is total and stable.
  return a.length - b.length;
}

function compareLetters(a: string, b: string): number {
  if (a.length !== b.length) return a.length - b.length;
  const ua = a.toUpperCase();
  const ub = b.toUpperCase();
  if (ua !== ub) return ua < ub ? -1 : 1;
  // Same letters in another case: uppercase first, then code units.
  return a === b ? 0 : a < b ? -1 : 1;
}

/**
 * Compare two names in natural order: runs of digits compare by value, runs of other
 * characters compare shorter-first then case-insensitively (so `Z` < `AA`), and a digit run
 * sorts before a letter run. A total order: equal only when the strings are equal.
 */
export function naturalCompare(a: string, b: string): number {
  if (a === b) return 0;
  const ta = a.match(TOKEN) ?? [];
  const tb = b.match(TOKEN) ?? [];
  const n = Math.min(ta.length, tb.length);
  for (let i = 0; i < n; i++) {
    const x = ta[i]!;
    const y = tb[i]!;
    const dx = isDigits(x);
    const dy = isDigits(y);
    let c: number;
    if (dx && dy) c = compareDigits(x, y);
    else if (dx !== dy) c = dx ? -1 : 1;
    else c = compareLetters(x, y);
    if (c !== 0) return c;
  }
  if (ta.length !== tb.length) return ta.length - tb.length;
  return a < b ? -1 : 1;
}

/** A sorted copy of `names` in {@link naturalCompare} order. */
export function naturalSort(names: Iterable<string>): string[] {
  return [...names].sort(naturalCompare);
}

/** Compare well paths `row/column`: by row, then by column, both in natural order. */
export function compareWellPaths(a: string, b: string): number {
  const [ra = "", ca = ""] = a.split("/");
  const [rb = "", cb = ""] = b.split("/");
  return naturalCompare(ra, rb) || naturalCompare(ca, cb);
}

/**
 * The conventional letter name of a zero-based plate row: 0 → `A`, 25 → `Z`, 26 → `AA`.
 * @throws {InvalidOptionsError} when `index` is not a non-negative integer.
 */
export function rowLetters(index: number): string {
  if (!Number.isInteger(index) || index < 0) {
    throw new InvalidOptionsError("index", index, "an integer >= 0 (0 = row A)");
  }
  let s = "";
  let n = index + 1;
  while (n > 0) {
    const r = (n - 1) % 26;
    s = String.fromCharCode(65 + r) + s;
    n = Math.floor((n - 1) / 26);
  }
  return s;
}
