/**
 * ngff-writer: write OME-Zarr (OME-NGFF 0.4 on Zarr v2, 0.5 on Zarr v3) from Node and build
 * multiscale pyramids. This is the one public entry; everything public is exported here, grouped.
 */

// Downsampling kernels (pure TypeScript; also usable on their own)
export {
  DOWNSAMPLE_METHODS,
  type DownsampleMethod,
  downsample,
  downsampledShape,
  type KernelArray,
  type KernelDType,
} from "../native-free-kernels/index.js";
