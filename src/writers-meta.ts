/**
 * What the function-style writers (src/writers.ts) pass through beyond the node API, in the
 * manner of ome-zarr-py's `writer.py`: `metadata` (`omero`, the multiscale `name`) and per-level
 * `storageOptions` for a computed pyramid. Everything here is checked before anything is
 * written; the metadata is written last, in one atomic write of the group's attributes.
 */
import { planLevelShapes } from "./engine/plan.js";
import { InvalidOptionsError } from "./errors.js";
import type { AxisSpec } from "./nodes/axes.js";
import { checkChunks, shardsFromRatio } from "./nodes/chunking.js";
import { formatForVersion, type NgffVersion, type NodeContext } from "./nodes/context.js";
import { readOmeAttrs, writeOmeAttrs } from "./nodes/ome-attrs.js";
import type { LevelStorage, PyramidDims } from "./nodes/pyramid-ops.js";
import { OmeroV04, OmeroV05 } from "./schema/common/omero.js";
import type { OmeKind } from "./schema/kinds.js";
import { type DataType, openStore, readNode } from "./store/index.js";
import { resolveCodec } from "./store/spec.js";
import { validateOmeObject } from "./validate/ome.js";
import type { ImageMetadataInput, StorageOptions, WriterGroup } from "./writers.js";

const DEFAULT_FMT: NgffVersion = "0.5";
const METADATA_KEYS = ["omero", "name"] as const;
const HEX6 = /^[0-9A-Fa-f]{6}$/;

/**
 * The NGFF version a writer will use for `group`, without creating anything: an existing group's
 * own, else `fmt`, else 0.5. (openWriterGroup still refuses an `fmt` that disagrees.)
 */
export async function peekWriterVersion(
  group: WriterGroup,
  fmt: NgffVersion | undefined,
): Promise<NgffVersion> {
  try {
    let node: Awaited<ReturnType<typeof readNode>>;
    if (typeof group === "string") {
      node = await readNode(await openStore(group, { readOnly: true }), "");
    } else if (
      typeof group === "object" &&
      group !== null &&
      typeof group.store?.get === "function"
    )
      node = await readNode(group.store, group.path ?? "");
    if (node !== undefined) return node.format === 2 ? "0.4" : "0.5";
  } catch {
    // No store there yet (a new directory): the writer creates it with `fmt`.
  }
  return fmt ?? DEFAULT_FMT;
}

/**
 * Check `metadata` (ome-zarr-py's `write_image(…, metadata={…})`): only `omero` and `name`;
 * `omero` must be the version's omero object (its schema, `src/schema`), with one channel per
 * channel of the data (`channels`) and colours as 6 hex digits (ome-zarr-py's rule).
 * @returns a copy, or undefined when `metadata` is undefined.
 * @throws {InvalidOptionsError} for anything else, naming the offending key.
 */
export function checkImageMetadata(
  metadata: unknown,
  version: NgffVersion,
  channels: number,
  option = "metadata",
): ImageMetadataInput | undefined {
  if (metadata === undefined) return undefined;
  if (typeof metadata !== "object" || metadata === null || Array.isArray(metadata)) {
    throw new InvalidOptionsError(option, metadata, "an object { omero?, name? }");
  }
  const m = metadata as Record<string, unknown>;
  const unknown = Object.keys(m).filter((k) => !(METADATA_KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new InvalidOptionsError(`${option}.${unknown[0]}`, m[unknown[0]!], "no such key", {
      hint: `${option} takes ${METADATA_KEYS.join(" and ")}; custom attributes go through setAttrs on the returned node.`,
    });
  }
  const out: ImageMetadataInput = {};
  if (m.name !== undefined) {
    if (typeof m.name !== "string" || m.name === "")
      throw new InvalidOptionsError(`${option}.name`, m.name, "a non-empty string");
    out.name = m.name;
  }
  if (m.omero !== undefined) out.omero = checkOmero(m.omero, version, channels, `${option}.omero`);
  return out;
}

function checkOmero(
  omero: unknown,
  version: NgffVersion,
  channels: number,
  option: string,
): Record<string, unknown> {
  const parsed = (version === "0.4" ? OmeroV04 : OmeroV05).safeParse(omero);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`));
    let found: unknown = omero;
    for (const k of issue.path) {
      found =
        typeof found === "object" && found !== null
          ? (found as Record<PropertyKey, unknown>)[k as PropertyKey]
          : undefined;
    }
    throw new InvalidOptionsError(
      `${option}${path.join("")}`,
      found,
      `NGFF ${version} omero metadata (${issue.message})`,
      {
        hint:
          version === "0.4"
            ? "On 0.4 every channel needs color (6 hex digits) and window { start, end, min, max }."
            : "Each channel may have label, color (6 hex digits), window { start, end, min, max }, active, …",
      },
    );
  }
  const o = omero as { channels: Record<string, unknown>[] };
  if (o.channels.length !== channels) {
    throw new InvalidOptionsError(
      `${option}.channels`,
      o.channels,
      `${channels} channel entr${channels === 1 ? "y" : "ies"}, one per channel of the data`,
      { hint: `${o.channels.length} were given.` },
    );
  }
  o.channels.forEach((c, i) => {
    if (c.color !== undefined && (typeof c.color !== "string" || !HEX6.test(c.color))) {
      throw new InvalidOptionsError(
        `${option}.channels[${i}].color`,
        c.color,
        'a colour as 6 hex digits, e.g. "00FF00"',
      );
    }
  });
  return structuredClone(omero as Record<string, unknown>);
}

/** Number of channels of data of `shape` with `axes` (1 without a channel axis). */
export function channelCount(axes: readonly AxisSpec[], shape: readonly number[]): number {
  const c = axes.findIndex((a) => a.type === "channel");
  return c < 0 ? 1 : (shape[c] ?? 1);
}

/**
 * Write `metadata` into the group at `ctx` (after its data and its own metadata): `omero`
 * replaces the group's, `name` becomes `multiscales[0].name`. The result is validated as `kind`
 * before the one atomic write.
 */
export async function applyImageMetadata(
  ctx: NodeContext,
  metadata: ImageMetadataInput | undefined,
  kind: OmeKind,
): Promise<void> {
  if (metadata === undefined || (metadata.omero === undefined && metadata.name === undefined))
    return;
  const read = await readOmeAttrs(ctx.store, ctx.path);
  const ome: Record<string, unknown> = { ...(read?.ome ?? {}) };
  if (metadata.omero !== undefined) ome.omero = structuredClone(metadata.omero);
  if (metadata.name !== undefined && Array.isArray(ome.multiscales)) {
    ome.multiscales = (ome.multiscales as Record<string, unknown>[]).map((m, i) =>
      i === 0 ? { ...m, name: metadata.name } : m,
    );
  }
  const preview = ctx.version === "0.4" ? { ...ome } : { ome: { ...ome, version: "0.5" } };
  validateOmeObject(preview, { version: ctx.version, kind });
  await writeOmeAttrs(ctx, ome, read?.attributes ?? {});
}

/** Per-axis factor of one pyramid step from `dims` (names: 2 each; a record: its factors). */
function stepFactors(axes: readonly AxisSpec[], dims: PyramidDims): number[] {
  const names = axes.map((a) => a.name.toLowerCase());
  const f = names.map(() => 1);
  const entries: [string, number][] = Array.isArray(dims)
    ? (dims as readonly string[]).map((d) => [d, 2])
    : Object.entries(dims as Record<string, number>);
  for (const [d, v] of entries) {
    const i = names.indexOf(String(d).toLowerCase());
    if (i >= 0 && Number.isInteger(v) && v >= 1) f[i] = v;
  }
  return f;
}

/**
 * Check a per-level `storageOptions` list of `writeImage` (one entry per level, ome-zarr-py's
 * list form) and return the pyramid levels' storage (entry k for level k ≥ 1). Each entry's
 * chunks are retupled against its level's shape, shards and codec checked for the version, so
 * that nothing is written when any level's options are bad.
 * @throws {InvalidOptionsError} for a list of another length or an entry with other keys.
 * @throws {ShapeMismatchError} / {@link UnsupportedError} / {@link InvalidMetadataError} for bad
 *   chunks, shard ratios (or any on 0.4) and codecs.
 */
export function checkLevelStorage(
  list: readonly StorageOptions[],
  opts: {
    levels: number;
    shape0: readonly number[];
    axes: readonly AxisSpec[];
    dims: PyramidDims;
    version: NgffVersion;
    dtype: DataType;
    retuple: (chunks: number | readonly number[], shape: readonly number[]) => number[];
  },
): LevelStorage[] {
  if (list.length !== opts.levels) {
    throw new InvalidOptionsError(
      "storageOptions",
      list,
      `one entry per level (${opts.levels} levels, ${list.length} entries given)`,
      { hint: "Give a single object to use the same options for every level." },
    );
  }
  const step = stepFactors(opts.axes, opts.dims);
  const shapes = planLevelShapes(
    opts.shape0,
    Array.from({ length: opts.levels - 1 }, () => step),
  );
  const format = formatForVersion(opts.version);
  return list.map((entry, k) => {
    const where = `storageOptions[${k}]`;
    if (typeof entry !== "object" || entry === null || Array.isArray(entry))
      throw new InvalidOptionsError(where, entry, "an object { chunks?, shardsRatio?, codec? }");
    const extra = Object.keys(entry).filter(
      (key) => key !== "chunks" && key !== "shardsRatio" && key !== "codec",
    );
    if (extra.length > 0) {
      throw new InvalidOptionsError(
        `${where}.${extra[0]}`,
        (entry as never)[extra[0]!],
        "no such key",
        {
          hint: "A level's storage options are chunks, shardsRatio and codec.",
        },
      );
    }
    const shape = shapes[k]!;
    const out: LevelStorage = {};
    if (entry.chunks !== undefined)
      out.chunks = checkChunks(opts.retuple(entry.chunks, shape), shape, `${where}.chunks`);
    const chunks = out.chunks ?? shape;
    if (entry.shardsRatio !== undefined) {
      shardsFromRatio(entry.shardsRatio, chunks, opts.version);
      out.shardsRatio = [...entry.shardsRatio];
    }
    if (entry.codec !== undefined) {
      resolveCodec(entry.codec, format, opts.dtype);
      out.codec = entry.codec;
    }
    return out;
  });
}
