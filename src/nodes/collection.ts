/**
 * Collection: the root of a bioformats2raw collection (NGFF "bioformats2raw.layout" 3, the
 * transitional layout of 0.4 and 0.5). Series images live in groups `0`, `1`, … under the root,
 * whose attributes carry `"bioformats2raw.layout": 3`; the `OME` group lists them in `series`
 * and may hold the original metadata as `OME/METADATA.ome.xml`, passed through as given.
 *
 * Each series is a {@link Position}. Created with `openOmeZarr(path, { layout: "bf2raw",
 * mode: "w-", channelNames, omeXml })`, opened with `layout: "auto"` (the marker is detected) or
 * `"bf2raw"`. Reading follows ome-zarr-py: the `series` list when present, else the numbered
 * groups `0`, `1`, … (the spec's rule when there is no `series` attribute).
 */
import {
  AlreadyExistsError,
  InvalidMetadataError,
  InvalidOptionsError,
  NotFoundError,
} from "../errors.js";
import { BF2RAW_LAYOUT } from "../schema/common/bf2raw.js";
import { Semaphore } from "../store/concurrency.js";
import { assertSafeName, createGroup, listChildren, readNode } from "../store/index.js";
import { withStoreLock } from "../store/lock.js";
import { type AxisSpec, checkAxes } from "./axes.js";
import { assertWritable, childContext, joinPath, type NodeContext } from "./context.js";
import { NgffNode, type NodeInit } from "./ngff-node.js";
import { readOmeAttrs, writeOmeAttrs } from "./ome-attrs.js";
import { checkChannelNames, Position } from "./position.js";

/** Name of the group that lists the series and holds the OME-XML. */
export const OME_GROUP = "OME";
/** Key of the OME-XML document, relative to the collection root. */
export const OME_XML_KEY = `${OME_GROUP}/METADATA.ome.xml`;
/** The `bioformats2raw.layout` value NGFF 0.4 and 0.5 describe (the schema's marker). */
export { BF2RAW_LAYOUT };

/** Options of {@link Collection.create}. */
export interface CollectionCreateOptions {
  /** Default channel names of the series (each series may give its own). */
  channelNames?: readonly string[] | undefined;
  /** Default axes of the series (default iohub's T, C, Z, Y, X). */
  axes?: readonly AxisSpec[] | undefined;
  /** OME-XML written to `OME/METADATA.ome.xml` as given (bioformats2raw's original metadata). */
  omeXml?: string | undefined;
}

/** Options of {@link Collection.createSeries}. */
export interface CreateSeriesOptions {
  /** The series index (default: one more than the largest listed, 0 for the first). */
  index?: number;
  /** Channel names of this series (default: the collection's). */
  channelNames?: readonly string[];
  /** Axes of this series (default: the collection's). */
  axes?: readonly AxisSpec[];
}

function badOption(option: string, found: unknown, expected: string): InvalidOptionsError {
  return new InvalidOptionsError(option, found, expected);
}

/** Check `omeXml` (a string, or undefined). @throws {InvalidOptionsError} */
export function checkOmeXml(xml: unknown): string | undefined {
  if (xml === undefined) return undefined;
  if (typeof xml !== "string") throw badOption("omeXml", xml, "an OME-XML string");
  return xml;
}

/** What a collection node is made from: its series and whether the `OME` group lists them. */
type CollectionArgs = [
  ctx: NodeContext,
  series: string[],
  listed: boolean,
  init: { attributes: Record<string, unknown> } & NodeInit,
];

/** A bioformats2raw collection: numbered series images under one root. */
export class Collection extends NgffNode {
  #series: string[];
  /** Whether the `OME` group lists the series (else they are the numbered groups). */
  #listed: boolean;
  readonly #queue = new Semaphore(1);

  /** @internal */
  protected constructor(...args: CollectionArgs);
  /** A collection comes from `openOmeZarr`, not from `new`. */
  protected constructor(...args: never);
  protected constructor(...[ctx, series, listed, init]: CollectionArgs) {
    super(ctx, init);
    this.#series = series;
    this.#listed = listed;
  }

  /**
   * Create a collection at `ctx.path`: the `OME` group (empty `series` list, the OME-XML when
   * given), then the root's `bioformats2raw.layout` marker last, so a store without the marker
   * is never mistaken for a finished collection. Options are checked before anything is written.
   * @throws {InvalidMetadataError} for bad channel names, axes or `omeXml`.
   * @throws {ReadOnlyError} in mode "r".
   * @internal
   */
  static async create(ctx: NodeContext, opts: CollectionCreateOptions = {}): Promise<Collection> {
    const channelNames =
      opts.channelNames === undefined ? undefined : checkChannelNames(opts.channelNames);
    const axes = opts.axes === undefined ? undefined : checkAxes(opts.axes);
    const xml = checkOmeXml(opts.omeXml);
    assertWritable(ctx);
    const omeCtx = childContext(ctx, OME_GROUP);
    await createGroup(ctx.store, omeCtx.path, ctx.format, undefined, { parents: true });
    await writeOmeAttrs(omeCtx, { series: [] });
    if (xml !== undefined) {
      await ctx.store.set(joinPath(ctx.path, OME_XML_KEY), new TextEncoder().encode(xml));
    }
    const attributes = await writeOmeAttrs(ctx, { "bioformats2raw.layout": BF2RAW_LAYOUT });
    const init: {
      attributes: Record<string, unknown>;
      channelNames?: readonly string[];
      axes?: readonly AxisSpec[];
    } = { attributes };
    if (channelNames !== undefined) init.channelNames = channelNames;
    if (axes !== undefined) init.axes = axes;
    return new Collection(ctx, [], true, init);
  }

  /**
   * Open the collection at `ctx.path`: its series come from `OME`'s `series` list, else from
   * the numbered child groups.
   * @throws {NotFoundError} when there is no group; {@link InvalidMetadataError} for a bad list.
   * @internal
   */
  static async open(
    ctx: NodeContext,
    init: {
      channelNames?: readonly string[] | undefined;
      axes?: readonly AxisSpec[] | undefined;
    } = {},
  ): Promise<Collection> {
    const read = await readOmeAttrs(ctx.store, ctx.path);
    if (read === undefined) {
      throw new NotFoundError(
        ctx.path,
        `there is no Zarr group at ${JSON.stringify(ctx.path || "/")}`,
      );
    }
    const { series, listed } = await readSeries(ctx);
    const base: {
      attributes: Record<string, unknown>;
      channelNames?: readonly string[];
      axes?: readonly AxisSpec[];
    } = { attributes: read.attributes };
    if (init.channelNames !== undefined) base.channelNames = init.channelNames;
    if (init.axes !== undefined) base.axes = init.axes;
    // As a plate does (iohub): defaults from the first series that has an image.
    const first = series[0];
    if (first !== undefined && (init.channelNames === undefined || init.axes === undefined)) {
      const pos = await Position.open(childContext(ctx, first)).catch(() => undefined);
      if (pos !== undefined && pos.channelNames.length > 0) {
        base.channelNames ??= pos.channelNames;
        base.axes ??= pos.axes;
      }
    }
    return new Collection(ctx, series, listed, base);
  }

  protected override omeMetadata(): Record<string, unknown> | undefined {
    return { "bioformats2raw.layout": BF2RAW_LAYOUT };
  }

  /** Paths of the series images, in order (`["0", "1", …]`). */
  get seriesNames(): readonly string[] {
    return [...this.#series];
  }

  /** Number of series. */
  get length(): number {
    return this.#series.length;
  }

  /** The OME-XML document (`OME/METADATA.ome.xml`), or undefined when there is none. */
  async omeXml(): Promise<string | undefined> {
    const bytes = await this.ctx.store.get(joinPath(this.ctx.path, OME_XML_KEY));
    return bytes === undefined ? undefined : new TextDecoder().decode(bytes);
  }

  /**
   * Replace the OME-XML document (written atomically).
   * @throws {InvalidOptionsError} for a non-string; {@link ReadOnlyError} in mode "r".
   */
  async writeOmeXml(xml: string): Promise<void> {
    const text = checkOmeXml(xml);
    if (text === undefined) throw badOption("omeXml", undefined, "an OME-XML string");
    this.assertWritable();
    await this.ctx.store.set(joinPath(this.ctx.path, OME_XML_KEY), new TextEncoder().encode(text));
  }

  /**
   * A series by index (`0`) or path (`"0"`), as a Position.
   * @throws {NotFoundError} when the collection has no such series; {@link UnsafePathError} for
   * an unsafe path.
   */
  async get(series: number | string): Promise<Position> {
    const name = typeof series === "number" ? this.#series[series] : series;
    if (typeof series === "string") assertSafeName(series, "series path");
    if (name === undefined || !this.#series.includes(name)) {
      throw new NotFoundError(
        String(series),
        `series ${JSON.stringify(series)} is not one of the ${this.#series.length} series ` +
          `${JSON.stringify(this.#series)} of ${JSON.stringify(this.ctx.path || "/")}`,
      );
    }
    return Position.open(childContext(this.ctx, name), {
      channelNames: this._channelNames.length > 0 ? this._channelNames : undefined,
      axes: this._axes,
    });
  }

  /** Every series as `[path, position]`, in order. */
  async *series(): AsyncGenerator<[string, Position]> {
    for (const name of [...this.#series]) yield [name, await this.get(name)];
  }

  /**
   * Create the next series image group (`"0"`, `"1"`, …, or `opts.index`) and list it in
   * `OME/series`. The group is created first and listed second (a killed writer leaves at most
   * an unlisted empty group, which the next `createSeries` of that index adopts). The returned
   * Position has no image yet: write one with `createImage`/`createZeros`.
   * @throws {InvalidMetadataError} for a bad index, channel names or axes, or when neither the
   * series nor the collection has channel names.
   * @throws {AlreadyExistsError} when the index is taken; {@link ReadOnlyError} in mode "r".
   */
  async createSeries(opts: CreateSeriesOptions = {}): Promise<Position> {
    this.assertWritable();
    if (
      opts.index !== undefined &&
      (typeof opts.index !== "number" || !Number.isSafeInteger(opts.index) || opts.index < 0)
    ) {
      throw badOption("index", opts.index, "a non-negative integer");
    }
    const names = opts.channelNames ?? (this._channelNames.length > 0 ? this._channelNames : []);
    if (names.length === 0) {
      throw badOption(
        "channelNames",
        undefined,
        "channel names for the series (pass them to createSeries or when creating the collection)",
      );
    }
    const channelNames = checkChannelNames(names);
    const axes = opts.axes === undefined ? this._axes : checkAxes(opts.axes);
    // A taken index is refused before any lock file is created (checked again under the lock).
    if (opts.index !== undefined) {
      this.#assertFree(String(opts.index), (await readSeries(this.ctx)).series);
    }
    return this.#queue.run(() =>
      withStoreLock(this.ctx.store, joinPath(this.ctx.path, OME_GROUP), async () => {
        this.assertWritable();
        const { series } = await readSeries(this.ctx);
        this.#series = series;
        const index =
          opts.index ??
          series.reduce(
            (m, s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Math.max(m, Number(s) + 1) : m),
            0,
          );
        const name = String(index);
        this.#assertFree(name, series);
        const ctx = childContext(this.ctx, name);
        const existing = await readNode(ctx.store, ctx.path);
        if (existing !== undefined && !(await isEmptyGroup(ctx))) {
          throw new AlreadyExistsError(
            name,
            `${JSON.stringify(ctx.path)} exists and is not listed as a series; remove it or choose another index`,
          );
        }
        const position = await Position.create(ctx, { channelNames, axes });
        const next = [...series, name];
        await writeOmeAttrs(childContext(this.ctx, OME_GROUP), { series: next });
        this.#series = next;
        this.#listed = true;
        return position;
      }),
    );
  }

  #assertFree(name: string, series: readonly string[]): void {
    if (!series.includes(name)) return;
    throw new AlreadyExistsError(
      name,
      `series ${name} already exists in ${JSON.stringify(this.ctx.path || "/")} ` +
        `(series ${JSON.stringify(series)}); open it with get(${name}), or omit index to add the next one`,
    );
  }

  /** Whether the series come from the `OME` group's `series` list. */
  get listed(): boolean {
    return this.#listed;
  }
}

/** A group with no attributes and nothing below it (a killed createSeries' leftover). */
async function isEmptyGroup(ctx: NodeContext): Promise<boolean> {
  const node = await readNode(ctx.store, ctx.path);
  if (node?.kind !== "group" || node.format !== ctx.format) return false;
  const attrs = node.attributes;
  const keys = Object.keys(attrs).filter((k) => k !== "ome");
  const ome = attrs.ome;
  if (keys.length > 0) return false;
  if (ome !== undefined && Object.keys(ome as object).some((k) => k !== "version")) return false;
  return (await ctx.store.list(ctx.path)).dirs.length === 0;
}

/**
 * The series of the collection at `ctx.path`: `OME`'s `series` list when present (each a safe
 * path), else the numbered groups `0`, `1`, … that exist, in order.
 * @throws {InvalidMetadataError} when `series` is not a list of safe paths.
 */
export async function readSeries(ctx: NodeContext): Promise<{ series: string[]; listed: boolean }> {
  const ome = await readOmeAttrs(ctx.store, joinPath(ctx.path, OME_GROUP)).catch(() => undefined);
  const list = ome?.ome.series;
  if (list !== undefined) {
    if (!Array.isArray(list) || !list.every((s) => typeof s === "string")) {
      throw new InvalidMetadataError(
        [
          {
            code: "invalid_type",
            location: "series",
            message: `found ${JSON.stringify(list)}`,
            expected: "a list of series paths",
          },
        ],
        { source: `${joinPath(ctx.path, OME_GROUP)}`, summary: "invalid OME series list" },
      );
    }
    for (const s of list as string[]) assertSafeName(s, "series path");
    return { series: [...(list as string[])], listed: true };
  }
  const { groups } = await listChildren(ctx.store, ctx.path);
  const numbered = new Set(groups.filter((g) => /^(0|[1-9][0-9]*)$/.test(g)));
  const series: string[] = [];
  for (let i = 0; numbered.has(String(i)); i++) series.push(String(i));
  return { series, listed: false };
}
