/**
 * `overwrite: true` on the create calls (iohub's `overwriting_creation`): the checks that must
 * pass before an existing child is deleted to make room for its replacement. The replacement
 * itself is "delete (src/nodes/delete.ts), then create": the metadata never names something
 * missing, so a writer killed anywhere leaves a valid store, and running the same create again
 * (with `overwrite: true`) completes it.
 */
import { InvalidOptionsError } from "../errors.js";

/**
 * The `overwrite` option: undefined or a boolean.
 * @returns whether to overwrite.
 * @throws {InvalidOptionsError} for anything else.
 */
export function checkOverwrite(value: unknown): boolean {
  if (value === undefined) return false;
  if (typeof value !== "boolean") {
    throw new InvalidOptionsError("overwrite", value, "true or false", {
      hint: "Pass overwrite: true to replace an existing child of that name.",
    });
  }
  return value;
}

/**
 * An acquisition id given to a create that overwrites: undefined or an integer >= 0 (checked
 * before the old child is deleted; the full check against the plate follows in the create).
 * @throws {InvalidOptionsError} for anything else.
 */
export function checkAcquisitionId(value: unknown, option = "acquisition"): void {
  if (value === undefined) return;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 0) {
    throw new InvalidOptionsError(option, value, "an integer >= 0 (an acquisition id)", {
      hint: "Use the id of one of the plate's acquisitions (default 0).",
    });
  }
}
