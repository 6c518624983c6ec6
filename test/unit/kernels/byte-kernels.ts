/**
 * The 1-byte kernel files (native-free-kernels/fast-2x2-byte.ts, fast-2x2x2-byte.ts) are
 * generated from the 2-byte ones: identical code with "Short" renamed to "Byte". Two copies
 * keep every kernel monomorphic (V8 specializes typed-array loads per array type; a kernel fed
 * both Uint8Array and Uint16Array ran 10–28% slower on uint16 in bench/kernels.bench.ts).
 * byte-kernels.test.ts fails when a copy is stale; regenerate with
 *   node --import tsx test/unit/kernels/sync-byte-kernels.ts
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** [source, generated copy], relative to native-free-kernels/. */
export const BYTE_KERNEL_FILES: readonly (readonly [string, string])[] = [
  ["fast-2x2-short.ts", "fast-2x2-byte.ts"],
  ["fast-2x2x2-short.ts", "fast-2x2x2-byte.ts"],
];

/** Absolute path of a file in native-free-kernels/. */
export function kernelPath(name: string): string {
  return fileURLToPath(new URL(`../../../native-free-kernels/${name}`, import.meta.url));
}

/** The generated 1-byte source for a 2-byte kernel file. */
export function byteKernelSource(shortName: string): string {
  const text = readFileSync(kernelPath(shortName), "utf8");
  const end = text.indexOf("*/\n");
  if (!text.startsWith("/**") || end < 0) throw new Error(`${shortName}: no leading doc comment`);
  const banner = [
    "/**",
    ` * GENERATED from ${shortName} by test/unit/kernels/sync-byte-kernels.ts; do not edit.`,
    " * The same full-block kernels for 1-byte integers (bool, int8, uint8): a separate copy keeps",
    " * each kernel monomorphic (see test/unit/kernels/byte-kernels.ts).",
    " */",
    "",
  ].join("\n");
  return banner + text.slice(end + 3).replaceAll("Short", "Byte");
}
