/**
 * Zod issues → {@link MetadataIssue} records: a stable `code`, a `location` such as
 * `multiscales[0].datasets[2].coordinateTransformations[0]`, a message saying what was found and
 * what was expected, and the `expected` phrase. The codes are documented in
 * `src/validate/codes.ts`.
 */
import type { z } from "zod";
import type { MetadataIssue } from "../errors.js";
import { type NgffIssueParams, plural } from "./common/checks.js";

type Path = readonly PropertyKey[];

const IDENT = /^[A-Za-z_$][A-Za-z0-9_$-]*$/;

/**
 * Format a path as a location: keys joined by dots, indices as `[i]`, keys that are not plain
 * identifiers quoted (`["bioformats2raw.layout"]`); `""` is the root.
 */
export function formatLocation(path: Path): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else {
      const key = String(seg);
      if (IDENT.test(key)) out += out === "" ? key : `.${key}`;
      else out += `[${JSON.stringify(key)}]`;
    }
  }
  return out;
}

type Lookup = { kind: "found"; value: unknown } | { kind: "missing" } | { kind: "unreachable" };

function lookup(root: unknown, path: Path): Lookup {
  let cur: unknown = root;
  for (const seg of path) {
    if (cur === null || typeof cur !== "object") return { kind: "unreachable" };
    const container = cur as Record<PropertyKey, unknown>;
    if (!Object.hasOwn(container, seg)) {
      return Array.isArray(cur) ? { kind: "unreachable" } : { kind: "missing" };
    }
    cur = container[seg];
  }
  return { kind: "found", value: cur };
}

const TYPE_PHRASES: Record<string, string> = {
  string: "a string",
  number: "a number",
  int: "an integer",
  boolean: "a boolean",
  array: "an array",
  object: "an object",
  record: "an object",
  null: "null",
};

function typePhrase(expected: string): string {
  return TYPE_PHRASES[expected] ?? expected;
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

/** How a found value is named in messages: `the string "abc"`, `an array`, `null`. */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return `the string ${short(value)}`;
    case "number":
      return `the number ${value}`;
    case "boolean":
      return `${value}`;
    case "object":
      return "an object";
    default:
      return typeof value;
  }
}

function missingIssue(path: Path): MetadataIssue {
  const key = String(path[path.length - 1]);
  const parent = path[path.length - 2];
  const location = formatLocation(path);
  if (key === "version" && parent === "ome") {
    return {
      code: "missing_version",
      location,
      message: 'missing "version" in "ome"; NGFF 0.5 requires "version": "0.5"',
      expected: '"0.5"',
    };
  }
  const hint =
    key === "ome" ? " (NGFF 0.5 keeps its metadata under attributes.ome with a version)" : "";
  return {
    code: "missing_key",
    location,
    message: `missing required key "${key}"${hint}`,
    expected: `key "${key}"`,
  };
}

function convert(iss: z.core.$ZodIssue, root: unknown, base: Path, out: MetadataIssue[]): void {
  const path = [...base, ...iss.path];
  const location = formatLocation(path);
  const at = lookup(root, path);
  const value = at.kind === "found" ? at.value : undefined;
  switch (iss.code) {
    case "invalid_type": {
      if (at.kind === "missing") {
        const m = missingIssue(path);
        out.push({ ...m, expected: `${m.expected} (${typePhrase(iss.expected)})` });
        return;
      }
      const expected = typePhrase(iss.expected);
      out.push({
        code: "invalid_type",
        location,
        message: `found ${describeValue(value)}, expected ${expected}`,
        expected,
      });
      return;
    }
    case "invalid_value": {
      if (at.kind === "missing") {
        out.push(missingIssue(path));
        return;
      }
      const expected = iss.values.map((v) => short(v)).join(" or ");
      const isVersion = path[path.length - 1] === "version";
      out.push({
        code: isVersion ? "invalid_version" : "invalid_value",
        location,
        message: `found ${describeValue(value)}, expected ${expected}`,
        expected,
      });
      return;
    }
    case "invalid_format": {
      const pattern = "pattern" in iss && typeof iss.pattern === "string" ? iss.pattern : "";
      const expected = pattern ? `a string matching ${pattern}` : `a valid ${iss.format}`;
      out.push({
        code: "invalid_format",
        location,
        message: `found ${describeValue(value)}, expected ${expected}`,
        expected,
      });
      return;
    }
    case "too_small":
    case "too_big": {
      const small = iss.code === "too_small";
      const bound = small ? iss.minimum : iss.maximum;
      if (iss.origin === "array" || iss.origin === "string") {
        const n = Array.isArray(value) || typeof value === "string" ? value.length : "?";
        const unit = iss.origin === "array" ? "item" : "character";
        const expected = `${small ? "at least" : "at most"} ${plural(Number(bound), unit)}`;
        out.push({
          code: small ? "too_few_items" : "too_many_items",
          location,
          message: `found ${typeof n === "number" ? plural(n, unit) : `? ${unit}s`}, expected ${expected}`,
          expected,
        });
        return;
      }
      const op = small ? (iss.inclusive ? ">=" : ">") : iss.inclusive ? "<=" : "<";
      const expected = `a number ${op} ${bound}`;
      out.push({
        code: "out_of_range",
        location,
        message: `found ${describeValue(value)}, expected ${expected}`,
        expected,
      });
      return;
    }
    case "invalid_union": {
      if (iss.errors.length > 0) {
        // Report the branch that came closest (fewest issues; the first on ties), e.g. the
        // space-axis branch for {"type": "space"} without a name.
        let best = iss.errors[0]!;
        for (const branch of iss.errors) if (branch.length < best.length) best = branch;
        for (const sub of best) convert(sub, root, path, out);
        return;
      }
      if (at.kind === "missing") {
        out.push(missingIssue(path));
        return;
      }
      const options = "options" in iss && Array.isArray(iss.options) ? iss.options : [];
      const expected = options.length ? options.map((o) => short(o)).join(" or ") : "a valid value";
      out.push({
        code: "invalid_value",
        location,
        message: `found ${describeValue(value)}, expected ${expected}`,
        expected,
      });
      return;
    }
    case "custom": {
      const params = iss.params as Partial<NgffIssueParams> | undefined;
      const issue: MetadataIssue = {
        code: params?.ngffCode ?? "custom",
        location,
        message: iss.message,
        ...(params?.expected === undefined ? {} : { expected: params.expected }),
      };
      out.push(issue);
      return;
    }
    default:
      out.push({ code: iss.code, location, message: iss.message });
  }
}

/**
 * Convert zod issues from parsing `root` into metadata issues (locations relative to `root`).
 */
export function toMetadataIssues(
  issues: readonly z.core.$ZodIssue[],
  root: unknown,
): MetadataIssue[] {
  const out: MetadataIssue[] = [];
  for (const iss of issues) convert(iss, root, [], out);
  return out;
}
