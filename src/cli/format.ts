/** Small text formatters for command output. */

/** `1536` → `"1.5 KiB"`. */
export function formatBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

/** `[1, 2, 512]` → `"1×2×512"`. */
export function formatShape(shape: readonly number[]): string {
  return shape.join("×");
}

/** Compact numbers for scales: `0.5`, `2`, `0.1083`. */
export function formatNumber(n: number): string {
  return Number.isInteger(n) ? String(n) : String(Number(n.toPrecision(6)));
}

/** A list, shortened to its first and last items when long: `A, B, …, P (16)`. */
export function formatList(items: readonly string[], max = 12): string {
  if (items.length <= max) return `${items.join(", ")} (${items.length})`;
  const head = items.slice(0, max - 2);
  const tail = items.slice(-1);
  return `${head.join(", ")}, …, ${tail.join(", ")} (${items.length})`;
}

/** Left-aligned columns from rows of cells. */
export function table(rows: readonly (readonly string[])[], indent = ""): string[] {
  const widths: number[] = [];
  for (const r of rows) {
    for (const [i, c] of r.entries()) widths[i] = Math.max(widths[i] ?? 0, c.length);
  }
  return rows.map(
    (r) =>
      indent +
      r
        .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]!)))
        .join("  ")
        .trimEnd(),
  );
}
