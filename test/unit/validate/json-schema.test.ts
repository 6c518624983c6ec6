/**
 * The small JSON Schema checker of json-schema.ts agrees with the official OME-NGFF test suites
 * and examples (../shared/ngff-schemas): every case marked valid passes its schema, every case
 * marked invalid fails it — except the one case upstream itself xfails because JSON Schema
 * cannot see it (README "Known data problems" 3). That is what lets the strict-conformance
 * tests trust it with the `strict_*` schemas.
 */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, test } from "vitest";
import { SCHEMAS_DIR, SchemaSet } from "./json-schema.js";

const VERSIONS = ["0.4", "0.5"] as const;
const sets = { "0.4": new SchemaSet("0.4"), "0.5": new SchemaSet("0.5") };

/** Cases JSON Schema cannot decide (upstream xfails them). */
const UNDECIDABLE = new Set(["0.5/plate_suite/well_path_has_column_before_row"]);

function stripComments(text: string): string {
  return text
    .split("\n")
    .filter((line) => !line.trim().startsWith("//"))
    .join("\n");
}

interface Case {
  id: string;
  version: (typeof VERSIONS)[number];
  schema: string;
  data: unknown;
  valid: boolean;
}

function loadCases(): Case[] {
  const out: Case[] = [];
  for (const version of VERSIONS) {
    const testsDir = path.join(SCHEMAS_DIR, "examples", version, "tests");
    for (const file of fs.readdirSync(testsDir).sort()) {
      if (!file.endsWith("_suite.json")) continue;
      const suite = JSON.parse(fs.readFileSync(path.join(testsDir, file), "utf8"));
      const schema = path.basename(suite.schema.id).replace(/\.schema$/, "");
      for (const t of suite.tests) {
        const name = t.formerly ? path.basename(t.formerly, ".json") : t.description;
        const id = `${version}/${file.replace(/\.json$/, "")}/${name}`;
        out.push({ id, version, schema, data: t.data, valid: t.valid });
      }
    }
    const exDir = path.join(SCHEMAS_DIR, "examples", version, "examples");
    for (const dir of fs.readdirSync(exDir).sort()) {
      const config = JSON.parse(fs.readFileSync(path.join(exDir, dir, ".config.json"), "utf8"));
      const schema = path.basename(config.schema).replace(/\.schema$/, "");
      for (const file of fs.readdirSync(path.join(exDir, dir)).sort()) {
        if (!file.endsWith(".json") || file.startsWith(".")) continue;
        const doc = JSON.parse(stripComments(fs.readFileSync(path.join(exDir, dir, file), "utf8")));
        const data = version === "0.5" ? doc.attributes : doc;
        out.push({ id: `${version}/examples/${dir}/${file}`, version, schema, data, valid: true });
      }
    }
  }
  return out;
}

const cases = loadCases();

describe("json-schema checker vs the official suites", () => {
  test("every suite case and example is loaded", () => {
    expect(cases).toHaveLength(178 + 20);
    for (const id of UNDECIDABLE)
      expect(
        cases.some((c) => c.id === id),
        id,
      ).toBe(true);
  });

  test.each(cases.filter((c) => !UNDECIDABLE.has(c.id)).map((c) => [c.id, c] as const))(
    "%s",
    (_id, c) => {
      const errors = sets[c.version].validate(c.schema, c.data);
      if (c.valid) expect(errors).toEqual([]);
      else expect(errors.length).toBeGreaterThan(0);
    },
  );

  test.each([...UNDECIDABLE])("%s is invalid but passes the schema (upstream xfail)", (id) => {
    const c = cases.find((x) => x.id === id)!;
    expect(c.valid).toBe(false);
    expect(sets[c.version].validate(c.schema, c.data)).toEqual([]);
  });

  test("an unsupported keyword is refused, not ignored; the basics work", () => {
    const set = sets["0.5"];
    expect(set.names()).toContain("strict_image");
    expect(() => set.validateWith({ additionalProperties: false }, {})).toThrow(/not supported/);
    expect(set.validateWith({ required: ["a"] }, {})).toHaveLength(1);
    expect(set.validateWith({ type: "integer" }, 1.5)).toHaveLength(1);
    expect(set.validateWith({ items: { enum: [1] }, uniqueItems: true }, [1, 1])).toHaveLength(1);
  });
});
