/**
 * DESIGN.md §1: native-free-kernels/ imports nothing outside itself (no node:*, no zarrita, no
 * zod), so it runs unchanged on the main thread, in a worker, or in a browser.
 */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect, expectTypeOf, test } from "vitest";
import {
  type DownsampleMethod,
  downsample,
  type KernelArray,
  type KernelDType,
} from "../../../native-free-kernels/index.js";

const dir = fileURLToPath(new URL("../../../native-free-kernels/", import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith(".ts"));

test("the kernel folder has source files", () => {
  expect(files).toContain("index.ts");
});

test.each(files)("%s imports only sibling modules", (file) => {
  const text = readFileSync(dir + file, "utf8");
  const specifiers = [...text.matchAll(/\b(?:from|import)\s*\(?\s*["']([^"']+)["']/g)].map(
    (m) => m[1],
  );
  for (const s of specifiers) expect(s, `${file} imports ${s}`).toMatch(/^\.\/[\w.-]+\.js$/);
  expect(text).not.toMatch(/\brequire\s*\(/);
});

test("public types", () => {
  expectTypeOf<DownsampleMethod>().toEqualTypeOf<
    "stride" | "mean" | "median" | "mode" | "min" | "max"
  >();
  expectTypeOf<KernelDType>().toEqualTypeOf<
    | "bool"
    | "int8"
    | "int16"
    | "int32"
    | "int64"
    | "uint8"
    | "uint16"
    | "uint32"
    | "uint64"
    | "float32"
    | "float64"
  >();
  expectTypeOf(downsample).returns.toEqualTypeOf<KernelArray>();
  expectTypeOf(downsample).parameter(5).toEqualTypeOf<KernelArray | undefined>();
});
