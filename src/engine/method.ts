/**
 * The downsampling method, checked once at the API boundary. The list of methods is the
 * kernels' {@link DOWNSAMPLE_METHODS} (`native-free-kernels/types.ts`), declared nowhere else.
 */
import { DOWNSAMPLE_METHODS, type DownsampleMethod } from "../../native-free-kernels/index.js";
import { InvalidOptionsError } from "../errors.js";

/**
 * Check a downsampling method given to the API (`computePyramid`, `createLabel`, the writer
 * functions, `convertTiff`, `computeLevels`; the CLI offers the same list as its choices).
 * @param option - how the caller spells the option in messages, e.g. `"scaler.method"`.
 * @throws {InvalidOptionsError} when `method` is not one of {@link DOWNSAMPLE_METHODS}.
 */
export function checkMethod(
  method: unknown,
  option = "method",
): asserts method is DownsampleMethod {
  if (!(DOWNSAMPLE_METHODS as readonly unknown[]).includes(method)) {
    throw new InvalidOptionsError(option, method, `one of ${DOWNSAMPLE_METHODS.join(", ")}`, {
      hint: "The downsampling methods follow TensorStore's rules (DESIGN.md section 5).",
    });
  }
}
