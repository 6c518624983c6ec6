/**
 * One metadata model (issue 12 item 1): `src/schema` is the only description of NGFF metadata.
 * This test scans the sources and fails when a second model creeps back into `src/nodes`: a zod
 * import, a hand-written validator of the kind that was removed, an issue code of the old
 * node-only list, or any issue code that `src/schema/codes.ts` does not declare. It also checks
 * that the downsampling method list is declared once (the kernels').
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, test } from "vitest";
import { DOWNSAMPLE_METHODS } from "../../../native-free-kernels/index.js";
import { ISSUE_CODES } from "../../../src/schema/codes.js";
import { ISSUE_CODES as VALIDATE_CODES } from "../../../src/validate/codes.js";

const ROOT = join(import.meta.dirname, "../../..");

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const rel = join(dir, name);
    if (statSync(join(ROOT, rel)).isDirectory()) out.push(...sources(rel));
    else if (name.endsWith(".ts")) out.push(rel);
  }
  return out;
}

const read = (file: string) => readFileSync(join(ROOT, file), "utf8");
const nodes = sources("src/nodes");

/** `file:line: text` for every line of `files` that matches `pattern`. */
function hits(files: readonly string[], pattern: RegExp): string[] {
  return files.flatMap((file) =>
    read(file)
      .split("\n")
      .flatMap((line, i) => (pattern.test(line) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
  );
}

describe("src/nodes has no metadata model of its own", () => {
  test("the scan sees the node sources", () => {
    expect(nodes.length).toBeGreaterThan(20);
    expect(nodes).toContain("src/nodes/axes.ts");
    expect(nodes).toContain("src/nodes/plate/meta.ts");
  });

  test("no zod import in src/nodes (models live in src/schema)", () => {
    expect(hits(nodes, /from\s+["']zod(\/[^"']*)?["']|require\(["']zod/)).toEqual([]);
  });

  test("the removed validators are not defined again", () => {
    const names = [
      "axesIssues",
      "transformIssues",
      "namedListIssues",
      "checkAxes",
      "checkTransforms",
      "checkLabelColors",
      "checkLabelProperties",
      "plateNameIssues",
      "modelIssues",
    ];
    const def = new RegExp(`(function|const|let)\\s+(${names.join("|")})\\b`);
    expect(hits(nodes, def)).toEqual([]);
    expect(nodes).not.toContain("src/nodes/plate/validate.ts");
  });

  test("the spec's patterns are not re-declared (plate names, well paths)", () => {
    expect(hits(nodes, /\^\[A-Za-z0-9\]\+/)).toEqual([]);
  });

  test("no issue code of the old node-only list", () => {
    const old = [
      "axes_unique",
      "axis_name",
      "axes_space",
      "axes_time",
      "axes_channel",
      "transforms",
      "transform_type",
      "multiscales",
      "axes",
      "datasets",
      "dataset_path",
      "plate_rows_empty",
      "plate_columns_empty",
      "plate_wells_empty",
      "well_images_empty",
      "well_path_format",
      "name_not_alphanumeric",
      "duplicate_name",
      "duplicate_well",
      "duplicate_acquisition",
      "duplicate_image",
      "well_row_index_mismatch",
      "well_column_index_mismatch",
      "label_value",
      "label_value_unique",
      "rgba",
    ];
    const literal = new RegExp(
      `(code:\\s*|issue\\(\\s*)["\`](${old.join("|")})["\`]|["\`](${old
        .filter((c) => c.includes("_"))
        .join("|")})["\`]`,
    );
    expect(hits(nodes, literal)).toEqual([]);
    for (const code of old) expect(Object.keys(ISSUE_CODES)).not.toContain(code);
  });
});

describe("one list of issue codes", () => {
  test("src/validate uses the schema's list", () => {
    expect(VALIDATE_CODES).toBe(ISSUE_CODES);
  });

  test("every code raised in src/nodes, src/schema and src/validate is declared", () => {
    const files = [...nodes, ...sources("src/schema"), ...sources("src/validate")];
    const pattern = /(?:code:\s*|ngffCode:\s*|addIssue\(\s*ctx,\s*|issue\(\s*)"([a-z_]+)"/g;
    const used = new Set<string>();
    for (const file of files) {
      for (const m of read(file).matchAll(pattern)) used.add(m[1]!);
    }
    // The scan finds the codes (so an empty result cannot pass silently).
    expect(used).toContain("axes_order");
    expect(used).toContain("well_path_mismatch");
    // `custom` is the mapper's fallback for a zod refinement without a code; none is raised.
    used.delete("custom");
    const declared = new Set(Object.keys(ISSUE_CODES));
    expect([...used].filter((c) => !declared.has(c)).sort()).toEqual([]);
  });
});

describe("the downsampling method list is declared once", () => {
  test("no other list of the method names in src", () => {
    const files = sources("src").map((f) => relative(ROOT, join(ROOT, f)));
    const list = /\[\s*"stride",\s*"mean",\s*"median",\s*"mode",\s*"min",\s*"max"\s*\]/;
    const inline = files.filter((f) => list.test(read(f).replace(/\s+/g, " ")));
    expect(inline).toEqual([]);
    expect(hits(files, /\b(PYRAMID_METHODS|const METHODS)\b/)).toEqual([]);
    expect(DOWNSAMPLE_METHODS).toEqual(["stride", "mean", "median", "mode", "min", "max"]);
  });
});
