import { readFileSync } from "node:fs";
import { expect, test } from "vitest";
import { BYTE_KERNEL_FILES, byteKernelSource, kernelPath } from "./byte-kernels.js";

test.each(BYTE_KERNEL_FILES)("%s → %s is up to date", (source, target) => {
  const message = `native-free-kernels/${target} is stale; run: node --import tsx test/unit/kernels/sync-byte-kernels.ts`;
  expect(readFileSync(kernelPath(target), "utf8"), message).toBe(byteKernelSource(source));
});
