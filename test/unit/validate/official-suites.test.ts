/**
 * Every official OME-NGFF example and every case of every official test suite (copied unmodified
 * into ../shared/ngff-schemas) goes through our validator: valid accepted, invalid rejected.
 * The only disagreements allowed are the six known 0.4 errata listed in that folder's README.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, test } from "vitest";
import { InvalidMetadataError } from "../../../src/errors.js";
import type { OmeKind } from "../../../src/validate/kinds.js";
import { validateOmeJson, validateOmeObject } from "../../../src/validate/ome.js";

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
const shared = path.resolve(repoRoot, "../shared/ngff-schemas");
const VERSIONS = ["0.4", "0.5"] as const;

/** Schema file name (without `.schema` and `strict_`) → the kind we validate it as. */
const KIND_OF_SCHEMA: Record<string, OmeKind> = {
  image: "image",
  label: "label-image",
  plate: "plate",
  well: "well",
  bf2raw: "bf2raw",
  ome: "series",
};

function schemaTarget(schemaRef: string): { kind: OmeKind; strict: boolean } {
  const base = path.basename(schemaRef).replace(/\.schema$/, "");
  const strict = base.startsWith("strict_");
  const kind = KIND_OF_SCHEMA[base.replace(/^strict_/, "")];
  if (!kind) throw new Error(`no kind for schema ${schemaRef}`);
  return { kind, strict };
}

/** Upstream strips whole-line `//` comments before parsing; so do we. */
function stripComments(text: string): string {
  return text
    .split("\n")
    .filter((line) => !line.trim().startsWith("//"))
    .join("\n");
}

interface Outcome {
  accepted: boolean;
  codes: string[];
}

function outcome(run: () => unknown): Outcome {
  try {
    run();
    return { accepted: true, codes: [] };
  } catch (err) {
    if (!(err instanceof InvalidMetadataError)) throw err;
    return { accepted: false, codes: err.issues.map((i) => i.code) };
  }
}

// The six upstream 0.4 errata (README "Known data problems" 1 and 2): marked valid upstream,
// but they contradict the 0.4 text, which our validator follows. Each is asserted to disagree.
const ERRATA: Record<string, string> = {
  "0.4/plate_suite/plate/minimal_no_acquisitions": "well_path_mismatch",
  "0.4/plate_suite/plate/minimal_acquisitions": "well_path_mismatch",
  "0.4/plate_suite/plate/non_alphanumeric_row": "well_path_mismatch",
  "0.4/strict_plate_suite/plate/strict_no_acquisitions": "well_path_mismatch",
  "0.4/strict_plate_suite/plate/strict_acquisitions": "well_path_mismatch",
  "0.4/image_suite/valid/mismatch_axes_units.json": "transform_length",
};

interface Example {
  id: string;
  version: (typeof VERSIONS)[number];
  kind: OmeKind;
  strict: boolean;
  text: string;
}

function loadExamples(): Example[] {
  const out: Example[] = [];
  for (const version of VERSIONS) {
    const root = path.join(shared, "examples", version, "examples");
    for (const dir of fs.readdirSync(root).sort()) {
      const config = JSON.parse(fs.readFileSync(path.join(root, dir, ".config.json"), "utf8"));
      const { kind, strict } = schemaTarget(config.schema);
      for (const file of fs.readdirSync(path.join(root, dir)).sort()) {
        if (!file.endsWith(".json") || file.startsWith(".")) continue;
        const text = stripComments(fs.readFileSync(path.join(root, dir, file), "utf8"));
        out.push({ id: `${version}/${dir}/${file}`, version, kind, strict, text });
      }
    }
  }
  return out;
}

interface SuiteCase {
  id: string;
  version: (typeof VERSIONS)[number];
  kind: OmeKind;
  strict: boolean;
  data: unknown;
  valid: boolean;
}

function loadSuites(): SuiteCase[] {
  const out: SuiteCase[] = [];
  for (const version of VERSIONS) {
    const root = path.join(shared, "examples", version, "tests");
    for (const file of fs.readdirSync(root).sort()) {
      if (!file.endsWith("_suite.json")) continue;
      const suite = JSON.parse(fs.readFileSync(path.join(root, file), "utf8"));
      const { kind, strict } = schemaTarget(suite.schema.id);
      for (const t of suite.tests) {
        const name = t.formerly ?? t.description;
        out.push({
          id: `${version}/${file.replace(/\.json$/, "")}/${name}`,
          version,
          kind,
          strict,
          data: t.data,
          valid: t.valid,
        });
      }
    }
  }
  return out;
}

const examples = loadExamples();
const cases = loadSuites();

describe("official examples", () => {
  test("there are 20 examples and 178 suite cases", () => {
    expect(examples).toHaveLength(20);
    expect(cases).toHaveLength(178);
  });

  test.each(examples.map((e) => [e.id, e] as const))("%s is accepted", (_id, ex) => {
    const doc = JSON.parse(ex.text);
    const opts = { kind: ex.kind, version: ex.version, strict: ex.strict };
    // 0.5 examples are whole zarr.json documents; upstream validates their `attributes`.
    const target = ex.version === "0.5" ? doc.attributes : doc;
    expect(outcome(() => validateOmeObject(target, opts))).toEqual({ accepted: true, codes: [] });
    // Auto-detection finds the version (and the whole document validates too).
    const detected = validateOmeObject(doc, { strict: ex.strict });
    expect(detected.version).toBe(ex.version);
  });

  test.each(examples.map((e) => [e.id, e] as const))("%s round-trips byte for byte", (_id, ex) => {
    // Key order, unknown keys and values all survive: the result is the parsed input itself.
    const doc = JSON.parse(ex.text);
    const fromJson = validateOmeJson(ex.text, { kind: ex.kind, strict: ex.strict });
    expect(JSON.stringify(fromJson.value)).toBe(JSON.stringify(doc));
    expect(JSON.stringify(fromJson.value, null, 2)).toBe(JSON.stringify(doc, null, 2));
    const fromObject = validateOmeObject(doc, { kind: ex.kind, strict: ex.strict });
    expect(fromObject.value).toBe(doc);
  });
});

describe("official test suites", () => {
  const agreeing = cases.filter((c) => !(c.id in ERRATA));

  test("every erratum names a real suite case", () => {
    const ids = new Set(cases.map((c) => c.id));
    for (const id of Object.keys(ERRATA)) expect(ids.has(id), id).toBe(true);
    expect(Object.keys(ERRATA)).toHaveLength(6);
    expect(agreeing).toHaveLength(178 - 6);
  });

  test.each(agreeing.map((c) => [c.id, c.valid ? "valid" : "invalid", c] as const))(
    "%s (%s)",
    (_id, _valid, c) => {
      const r = outcome(() =>
        validateOmeObject(c.data, { kind: c.kind, version: c.version, strict: c.strict }),
      );
      expect(r.accepted).toBe(c.valid);
      if (!c.valid) expect(r.codes.length).toBeGreaterThan(0);
    },
  );

  test.each(Object.entries(ERRATA))("erratum %s still disagrees (%s)", (id, code) => {
    const c = cases.find((x) => x.id === id)!;
    expect(c.valid).toBe(true);
    const r = outcome(() =>
      validateOmeObject(c.data, { kind: c.kind, version: c.version, strict: c.strict }),
    );
    expect(r.accepted).toBe(false);
    expect(r.codes).toContain(code);
  });
});
