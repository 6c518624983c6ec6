/**
 * A small JSON Schema (draft 2020-12) checker for the official OME-NGFF schemas in
 * ../shared/ngff-schemas, so that tests can validate what we write against the schema files
 * themselves, not only against our zod models. No JSON Schema package is installed; this covers
 * exactly the keywords those schemas use (listed in KNOWN below) and throws on any other, so a
 * schema that needs more cannot pass silently. Its agreement with the official test suites is
 * checked in json-schema.test.ts.
 */
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

type Schema = Record<string, unknown> | boolean;

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
/** The folder of the official schemas and examples. */
export const SCHEMAS_DIR = path.resolve(repoRoot, "../shared/ngff-schemas");

const ANNOTATIONS = new Set(["$schema", "$id", "$defs", "title", "description", "$comment"]);
const KNOWN = new Set([
  ...ANNOTATIONS,
  "$ref",
  "allOf",
  "anyOf",
  "oneOf",
  "not",
  "type",
  "enum",
  "properties",
  "required",
  "items",
  "minItems",
  "maxItems",
  "uniqueItems",
  "contains",
  "minContains",
  "maxContains",
  "minimum",
  "maximum",
  "exclusiveMinimum",
  "pattern",
]);

/** One failure: where in the instance, which schema keyword, and why. */
export interface SchemaError {
  readonly at: string;
  readonly keyword: string;
  readonly message: string;
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v);
}

function typeMatches(type: string, v: unknown): boolean {
  switch (type) {
    case "object":
      return v !== null && typeof v === "object" && !Array.isArray(v);
    case "array":
      return Array.isArray(v);
    case "string":
      return typeof v === "string";
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "boolean":
      return typeof v === "boolean";
    case "null":
      return v === null;
    default:
      throw new Error(`json-schema: unknown type ${type}`);
  }
}

/** The official schemas of one NGFF version, by file name and by `$id`. */
export class SchemaSet {
  readonly #byId = new Map<string, Record<string, unknown>>();
  readonly #byFile = new Map<string, Record<string, unknown>>();

  constructor(version: "0.4" | "0.5") {
    const dir = path.join(SCHEMAS_DIR, version);
    for (const file of fs.readdirSync(dir).filter((f) => f.endsWith(".schema"))) {
      const schema = JSON.parse(fs.readFileSync(path.join(dir, file), "utf8"));
      this.#byFile.set(file.replace(/\.schema$/, ""), schema);
      if (typeof schema.$id === "string") this.#byId.set(schema.$id, schema);
    }
  }

  /** The schema file names (without `.schema`). */
  names(): string[] {
    return [...this.#byFile.keys()].sort();
  }

  /** Validate `instance` against schema file `name` (e.g. `"strict_image"`); [] when valid. */
  validate(name: string, instance: unknown): SchemaError[] {
    const root = this.#byFile.get(name);
    if (root === undefined) throw new Error(`json-schema: no schema ${name}`);
    const errors: SchemaError[] = [];
    this.#check(root, root, instance, "", errors);
    return errors;
  }

  /** Validate `instance` against an ad-hoc schema (refs resolve against this set). */
  validateWith(schema: Record<string, unknown>, instance: unknown): SchemaError[] {
    const errors: SchemaError[] = [];
    this.#check(schema, schema, instance, "", errors);
    return errors;
  }

  #resolve(ref: string, root: Record<string, unknown>): [Schema, Record<string, unknown>] {
    const [base, fragment = ""] = ref.split("#");
    const doc = base === "" ? root : this.#byId.get(base as string);
    if (doc === undefined) throw new Error(`json-schema: cannot resolve $ref ${ref}`);
    let target: unknown = doc;
    for (const seg of fragment.split("/").filter(Boolean)) {
      target = (target as Record<string, unknown>)[decodeURIComponent(seg)];
      if (target === undefined) throw new Error(`json-schema: cannot resolve $ref ${ref}`);
    }
    return [target as Schema, doc];
  }

  #check(
    schema: Schema,
    root: Record<string, unknown>,
    v: unknown,
    at: string,
    errors: SchemaError[],
  ): void {
    if (schema === true) return;
    if (schema === false) {
      errors.push({ at, keyword: "false", message: "no value is allowed here" });
      return;
    }
    for (const k of Object.keys(schema)) {
      if (!KNOWN.has(k)) throw new Error(`json-schema: keyword ${k} is not supported (at ${at})`);
    }
    const fail = (keyword: string, message: string) => errors.push({ at, keyword, message });
    const sub = (s: unknown, value: unknown, where: string, into = errors) =>
      this.#check(s as Schema, root, value, where, into);
    const passes = (s: unknown) => {
      const e: SchemaError[] = [];
      sub(s, v, at, e);
      return e.length === 0;
    };
    const s = schema as Record<string, unknown>;
    if (typeof s.$ref === "string") {
      const [target, doc] = this.#resolve(s.$ref, root);
      this.#check(target, doc, v, at, errors);
    }
    if (Array.isArray(s.allOf)) for (const x of s.allOf) sub(x, v, at);
    if (Array.isArray(s.anyOf) && !s.anyOf.some(passes)) fail("anyOf", "matches no branch");
    if (Array.isArray(s.oneOf)) {
      const n = s.oneOf.filter(passes).length;
      if (n !== 1) fail("oneOf", `matches ${n} branches, expected exactly one`);
    }
    if (s.not !== undefined && passes(s.not)) fail("not", "matches a schema it must not");
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
      if (!types.some((t) => typeMatches(t, v))) {
        fail("type", `found ${JSON.stringify(v)?.slice(0, 40)}, expected ${types.join(" or ")}`);
        return;
      }
    }
    if (Array.isArray(s.enum) && !s.enum.some((e) => canonical(e) === canonical(v))) {
      fail("enum", `found ${JSON.stringify(v)}, expected one of ${JSON.stringify(s.enum)}`);
    }
    if (typeof v === "number") {
      if (typeof s.minimum === "number" && v < s.minimum) fail("minimum", `${v} < ${s.minimum}`);
      if (typeof s.maximum === "number" && v > s.maximum) fail("maximum", `${v} > ${s.maximum}`);
      if (typeof s.exclusiveMinimum === "number" && v <= s.exclusiveMinimum) {
        fail("exclusiveMinimum", `${v} <= ${s.exclusiveMinimum}`);
      }
    }
    if (typeof v === "string" && typeof s.pattern === "string") {
      if (!new RegExp(s.pattern, "u").test(v))
        fail("pattern", `${JSON.stringify(v)} !~ ${s.pattern}`);
    }
    if (v !== null && typeof v === "object" && !Array.isArray(v)) {
      const o = v as Record<string, unknown>;
      if (Array.isArray(s.required)) {
        for (const key of s.required as string[]) {
          if (!Object.hasOwn(o, key)) fail("required", `missing ${JSON.stringify(key)}`);
        }
      }
      if (s.properties !== null && typeof s.properties === "object") {
        for (const [key, ps] of Object.entries(s.properties as Record<string, unknown>)) {
          if (Object.hasOwn(o, key)) sub(ps, o[key], `${at}/${key}`);
        }
      }
    }
    if (Array.isArray(v)) {
      if (typeof s.minItems === "number" && v.length < s.minItems) {
        fail("minItems", `${v.length} items < ${s.minItems}`);
      }
      if (typeof s.maxItems === "number" && v.length > s.maxItems) {
        fail("maxItems", `${v.length} items > ${s.maxItems}`);
      }
      if (s.uniqueItems === true && new Set(v.map(canonical)).size !== v.length) {
        fail("uniqueItems", "items repeat");
      }
      if (s.items !== undefined) {
        for (const [i, item] of v.entries()) sub(s.items, item, `${at}/${i}`);
      }
      if (s.contains !== undefined) {
        const n = v.filter((item, i) => {
          const e: SchemaError[] = [];
          sub(s.contains, item, `${at}/${i}`, e);
          return e.length === 0;
        }).length;
        const min = typeof s.minContains === "number" ? s.minContains : 1;
        const max = typeof s.maxContains === "number" ? s.maxContains : Number.POSITIVE_INFINITY;
        if (n < min || n > max) fail("contains", `${n} items match, expected ${min}…${max}`);
      }
    }
  }
}
