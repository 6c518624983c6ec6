/** Regenerates the 1-byte kernel files from the 2-byte ones (see byte-kernels.ts). */
import { writeFileSync } from "node:fs";
import { BYTE_KERNEL_FILES, byteKernelSource, kernelPath } from "./byte-kernels.js";

for (const [source, target] of BYTE_KERNEL_FILES) {
  writeFileSync(kernelPath(target), byteKernelSource(source));
  process.stdout.write(`wrote native-free-kernels/${target}\n`);
}
