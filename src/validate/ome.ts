/**
 * Validate OME-NGFF metadata documents: detect the version (0.4 flat keys, or 0.5 `ome`
 * namespace, given as `attributes` or as a whole `zarr.json`) and the kind, validate with the
 * zod model, and return the input itself, typed (so it serializes exactly as it came in).
 */
import { InvalidMetadataError, InvalidOptionsError, type MetadataIssue } from "../errors.js";
import type { NgffVersion } from "../schema/common/version.js";
import { formatLocation, toMetadataIssues } from "../schema/issues.js";
import {
  detectKind,
  isRecord,
  isZarrJsonDocument,
  KIND_KEYS,
  type ModelsV04,
  type ModelsV05,
  modelFor,
  OME_KINDS,
  type OmeKind,
  type OmeModelsV05,
  type V05Value,
} from "./kinds.js";

/** Options of {@link validateOmeObject} and {@link validateOmeJson}. */
export interface ValidateOmeOptions {
  /** The kind the document must be; detected from its keys when omitted. */
  readonly kind?: OmeKind;
  /** The NGFF version; detected when omitted (`ome` namespace or `zarr.json` → 0.5, else 0.4). */
  readonly version?: NgffVersion;
  /** Also apply the SHOULDs that the official `strict_*` schemas require. Default `false`. */
  readonly strict?: boolean;
}

/** A validated document: its version and kind, and the input typed by its model. */
export type OmeValidationResult<
  K extends OmeKind = OmeKind,
  V extends NgffVersion = NgffVersion,
> = {
  [k in K]: {
    [v in V]: v extends "0.4"
      ? {
          readonly version: "0.4";
          readonly kind: k;
          /** The input object itself (the `.zattrs` contents). */
          readonly value: ModelsV04[k];
          /** The attributes (the same object as `value` for 0.4). */
          readonly attributes: ModelsV04[k];
          /** The OME metadata: for 0.4 the attributes themselves. */
          readonly ome: ModelsV04[k];
        }
      : {
          readonly version: "0.5";
          readonly kind: k;
          /** The input object itself: `attributes`, or the whole `zarr.json` document. */
          readonly value: V05Value<k>;
          /** The `attributes` object. */
          readonly attributes: ModelsV05[k];
          /** `attributes.ome`. */
          readonly ome: OmeModelsV05[k];
        };
  }[V];
}[K];

/** The result type for the given options (narrowed by `kind` and `version` when given). */
export type OmeValidationResultFor<O extends ValidateOmeOptions | undefined> = OmeValidationResult<
  O extends { kind: infer K extends OmeKind } ? K : OmeKind,
  O extends { version: infer V extends NgffVersion } ? V : NgffVersion
>;

function checkOptions(opts: ValidateOmeOptions): void {
  if (opts.kind !== undefined && !OME_KINDS.includes(opts.kind)) {
    throw new InvalidOptionsError("kind", opts.kind, `one of ${OME_KINDS.join(", ")}`);
  }
  if (opts.version !== undefined && opts.version !== "0.4" && opts.version !== "0.5") {
    throw new InvalidOptionsError("version", opts.version, '"0.4" or "0.5"');
  }
  if (opts.strict !== undefined && typeof opts.strict !== "boolean") {
    throw new InvalidOptionsError("strict", opts.strict, "a boolean");
  }
}

function fail(issues: MetadataIssue[]): never {
  throw new InvalidMetadataError(issues);
}

/**
 * Validate an OME-NGFF metadata object and return it typed.
 *
 * `obj` is a 0.4 `.zattrs` object, a 0.5 `attributes` object (`{ ome: { version: "0.5", … } }`),
 * or a whole 0.5 `zarr.json` group document. The version is `opts.version`, else 0.5 when there
 * is an `ome` key or a `zarr.json` document, else 0.4. The kind is `opts.kind`, else detected from
 * the OME keys (`plate`, `well`, `image-label`, `multiscales`, `bioformats2raw.layout`, `series`,
 * `labels`, in that order). Unknown keys are kept. The returned `value` is `obj` itself, so
 * `JSON.stringify(result.value)` equals `JSON.stringify(obj)`.
 *
 * @throws {InvalidMetadataError} listing every problem with its location and code.
 * @throws {UnsupportedError} for an unknown `kind` or `version` option.
 */
export function validateOmeObject<const O extends ValidateOmeOptions | undefined = undefined>(
  obj: unknown,
  opts?: O,
): OmeValidationResultFor<O> {
  const o: ValidateOmeOptions = opts ?? {};
  checkOptions(o);
  if (!isRecord(obj)) {
    fail([
      {
        code: "invalid_type",
        location: "",
        message: `found ${Array.isArray(obj) ? "an array" : obj === null ? "null" : typeof obj}, expected a JSON object`,
        expected: "an object",
      },
    ]);
  }
  const zarrJson = isZarrJsonDocument(obj);
  const attrs = zarrJson ? obj.attributes : obj;
  const version: NgffVersion =
    o.version ?? (zarrJson || (isRecord(attrs) && "ome" in attrs) ? "0.5" : "0.4");
  const omePath: PropertyKey[] = [
    ...(zarrJson ? ["attributes"] : []),
    ...(version === "0.5" ? ["ome"] : []),
  ];
  const ome = version === "0.5" ? (isRecord(attrs) ? attrs.ome : undefined) : attrs;
  let kind = o.kind;
  if (kind === undefined) {
    if (!isRecord(ome)) {
      // Let the image model describe the missing or mistyped container.
      kind = "image";
    } else {
      kind = detectKind(ome);
      if (kind === undefined) {
        const keys = OME_KINDS.map((k) => JSON.stringify(KIND_KEYS[k])).join(", ");
        fail([
          {
            code: "unknown_kind",
            location: formatLocation(omePath),
            message: `no OME-NGFF metadata found (NGFF ${version}); expected one of the keys ${keys}`,
            expected: `one of the keys ${keys}`,
          },
        ]);
      }
    }
  }
  const model = modelFor(version, kind, o.strict ?? false, zarrJson);
  const result = model.safeParse(obj);
  if (!result.success) fail(toMetadataIssues(result.error.issues, obj));
  return {
    version,
    kind,
    value: obj,
    attributes: attrs,
    ome,
  } as unknown as OmeValidationResultFor<O>;
}

/**
 * Parse JSON text and validate it with {@link validateOmeObject}.
 * @throws {InvalidMetadataError} with code `invalid_json` when `text` is not JSON, or the
 *   problems of the document.
 * @throws {UnsupportedError} for an unknown `kind` or `version` option.
 */
export function validateOmeJson<const O extends ValidateOmeOptions | undefined = undefined>(
  text: string,
  opts?: O,
): OmeValidationResultFor<O> {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (err) {
    throw new InvalidMetadataError(
      [
        {
          code: "invalid_json",
          location: "",
          message: `not valid JSON: ${(err as Error).message}`,
          expected: "a JSON document",
        },
      ],
      { cause: err },
    );
  }
  return validateOmeObject(obj, opts);
}
