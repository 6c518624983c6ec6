/** Version strings of the OME-NGFF metadata. */
import { z } from "zod";

/** The NGFF versions this package reads and writes. */
export type NgffVersion = "0.4" | "0.5";

/**
 * A `version` key that must equal `v` (a string first: any other JSON type is `invalid_type`).
 * A wrong string is `invalid_version`.
 */
export function versionString<const V extends NgffVersion>(v: V) {
  return z.string().refine((s) => s === v, {
    error: (iss) => `found version ${JSON.stringify(iss.input)}, expected "${v}"`,
    params: { ngffCode: "invalid_version", expected: `"${v}"` },
  }) as unknown as z.ZodType<V, V>;
}
