/**
 * ngff-writer's downsampling kernels: pure functions on typed arrays that import nothing
 * outside this folder (no node:*, no zarrita, no zod), so they run the same on the main
 * thread, in a worker, or in a browser.
 */
export { downsample, downsampledShape } from "./downsample.js";
export type { DownsampleMethod, KernelArray, KernelDType } from "./types.js";
export { DOWNSAMPLE_METHODS } from "./types.js";
