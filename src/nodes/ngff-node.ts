/**
 * NgffNode: what every node (Position, Plate, Row, Well, label image) has in common —
 * its context, channel names, axes, attributes, children, tree printing and metadata dump.
 */
import { InvalidOptionsError, NotFoundError, ReadOnlyError, UnsupportedError } from "../errors.js";
import { Semaphore } from "../store/concurrency.js";
import { listChildren, openArray, writeAttributes } from "../store/index.js";
import { withStoreLock } from "../store/lock.js";
import { type AxisSpec, cloneAxis, DEFAULT_AXES } from "./axes.js";
import {
  assertWritable,
  joinPath,
  type NgffVersion,
  type NodeContext,
  type OpenMode,
} from "./context.js";
import { readGroupOmeAttrs, writeOmeAttrs } from "./ome-attrs.js";

/**
 * Attribute keys the NGFF model owns, refused by {@link NgffNode.setAttrs}, with the API that
 * writes each. Refused on both versions (a 0.4 store may be converted to 0.5 and back).
 */
const OWNED_KEYS: Readonly<Record<string, string>> = {
  multiscales: "Position.createImage / createZeros, setTransform, setScale and the pyramid methods",
  omero: "Position channel methods (appendChannel, renameChannel) or channel names at creation",
  labels: "Position.createLabel",
  "image-label": "Position.createLabel",
  plate: "Plate methods (createWell, createPosition, …) and the plate options of openOmeZarr",
  well: "Plate.createWell / Well.createPosition",
  "bioformats2raw.layout": "the collection API (openOmeZarr with a bf2raw layout, createSeries)",
  series: "the collection API (createSeries)",
  ome: "the node methods above: on NGFF 0.5 every OME key lives under it",
  version: "the NGFF version chosen when the store is opened (the `version` option)",
  "ngff-writer:plate-layout": "openOmeZarr's plate option (a plate's layout, declared at creation)",
};

/** Where `value` stops being plain JSON (function, bigint, undefined, symbol, NaN, class instance, cycle), or undefined. */
function nonJson(value: unknown, at: string, seen: Set<object>): string | undefined {
  if (value === null || typeof value === "string" || typeof value === "boolean") return undefined;
  if (typeof value === "number")
    return Number.isFinite(value) ? undefined : `${at} is ${String(value)} (not finite)`;
  if (typeof value !== "object") return `${at} is a ${typeof value}`;
  if (seen.has(value)) return `${at} is a circular reference`;
  if (Array.isArray(value)) {
    seen.add(value);
    for (let i = 0; i < value.length; i++) {
      // holes of a sparse array are undefined
      const why = nonJson(i in value ? value[i] : undefined, `${at}[${i}]`, seen);
      if (why !== undefined) return why;
    }
    seen.delete(value);
    return undefined;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) {
    return `${at} is a ${(value as object).constructor?.name ?? "non-plain object"} (only plain objects, arrays, strings, finite numbers, booleans and null)`;
  }
  seen.add(value);
  for (const [k, v] of Object.entries(value)) {
    const why = nonJson(v, `${at}.${k}`, seen);
    if (why !== undefined) return why;
  }
  seen.delete(value);
  return undefined;
}

/** What a node starts with: its attributes as read (or `{}`), channel names and axes. */
export interface NodeInit {
  attributes?: Record<string, unknown>;
  channelNames?: readonly string[];
  axes?: readonly AxisSpec[];
}

function pyTuple(shape: readonly number[]): string {
  return shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(", ")})`;
}

/** Base class of every node of an OME-Zarr hierarchy. */
export abstract class NgffNode {
  /** Store, path, format, version and mode of this node. @internal */
  readonly ctx: NodeContext;
  /** All attributes of the group, as last read or written. @internal */
  protected _attributes: Record<string, unknown>;
  /** @internal */
  protected _channelNames: string[];
  /** @internal */
  protected _axes: AxisSpec[];
  #closed = false;
  /** Serialises this node's metadata writes (first come, first served). */
  readonly #metaWrites = new Semaphore(1);

  /** @internal */
  protected constructor(ctx: NodeContext, init?: NodeInit);
  /** Nodes are made by the library (`openOmeZarr`, the `get…` and `create…` methods), not by `new`. */
  protected constructor(...args: never);
  protected constructor(ctx: NodeContext, init: NodeInit = {}) {
    this.ctx = ctx;
    this._attributes = init.attributes ?? {};
    this._channelNames = [...(init.channelNames ?? [])];
    this._axes = (init.axes ?? DEFAULT_AXES).map(cloneAxis);
  }

  /** Channel names (from `omero` when read, or as given at creation). */
  get channelNames(): readonly string[] {
    return [...this._channelNames];
  }
  /** Axes of the images in this node (iohub's defaults T, C, Z, Y, X unless set). */
  get axes(): readonly AxisSpec[] {
    return this._axes.map(cloneAxis);
  }
  /** NGFF version: "0.4" (Zarr v2) or "0.5" (Zarr v3). */
  get version(): NgffVersion {
    return this.ctx.version;
  }
  /** The mode the store was opened with. */
  get mode(): OpenMode {
    return this.ctx.mode;
  }
  /** Path of this group in the store (`""` for the root). */
  get path(): string {
    return this.ctx.path;
  }
  /** Last path segment (`""` for the root). */
  get name(): string {
    return this.ctx.path.slice(this.ctx.path.lastIndexOf("/") + 1);
  }
  /** A copy of all attributes of the group (`.zattrs`, or `zarr.json` attributes), as last read or written. */
  get attrs(): Record<string, unknown> {
    return structuredClone(this._attributes);
  }
  /**
   * Merge `attrs` into the group's attribute document (`.zattrs` on 0.4, `attributes` of
   * `zarr.json` on 0.5), like iohub's `zattrs[key] = value` for several keys at once: one
   * atomic metadata write, every other attribute kept; under the group's store lock when the
   * store has cross-process locks (merging onto what is on disk then). Keys the NGFF model
   * owns (`multiscales`, `omero`, `labels`, `image-label`, `plate`, `well`,
   * `bioformats2raw.layout`, `series`, `ome`, `version`) are refused: their own API writes
   * them. Values must be plain JSON. Nothing is written when anything is refused.
   * @throws {ReadOnlyError} when opened with mode `"r"` or closed.
   * @throws {UnsupportedError} for a key the NGFF model owns (the message names its API).
   * @throws {InvalidOptionsError} for `attrs` that is not a plain object, or a value that is
   *   not JSON (function, bigint, undefined, symbol, NaN, Infinity,
   *   class instance, cycle).
   * @throws {NotFoundError} when the group is no longer in the store.
   */
  async setAttrs(attrs: Record<string, unknown>): Promise<void> {
    this.assertWritable();
    const bad = (option: string, found: unknown, expected: string): InvalidOptionsError =>
      new InvalidOptionsError(option, found, expected);
    if (
      typeof attrs !== "object" ||
      attrs === null ||
      Array.isArray(attrs) ||
      (Object.getPrototypeOf(attrs) !== Object.prototype && Object.getPrototypeOf(attrs) !== null)
    ) {
      throw bad("attrs", attrs, "a plain object of attribute keys and JSON values");
    }
    for (const key of Object.keys(attrs)) {
      const api = OWNED_KEYS[key];
      if (api !== undefined) {
        throw new UnsupportedError(
          `setAttrs key ${JSON.stringify(key)}`,
          `attribute ${JSON.stringify(key)} belongs to the OME-NGFF metadata and cannot be set with setAttrs; it is written by ${api}`,
        );
      }
    }
    const why = nonJson(attrs, "attrs", new Set());
    if (why !== undefined) {
      throw new InvalidOptionsError(
        why.slice(0, why.indexOf(" is ")),
        why.slice(why.indexOf(" is ") + 4),
        "a JSON value (plain objects, arrays, strings, finite numbers, booleans, null)",
        { hint: "Convert it first (e.g. a bigint to a string)." },
      );
    }
    const patch = structuredClone(attrs);
    const { store, path, format } = this.ctx;
    // Lock first, then this node's metadata queue (the order plate and well updates take).
    await withStoreLock(store, path, async () => {
      const run = async (): Promise<void> => {
        this.assertWritable();
        const read = await readGroupOmeAttrs(store, path, format);
        if (read === undefined) {
          throw new NotFoundError(
            path,
            `cannot set attributes: the group ${JSON.stringify(path || "/")} is no longer in the store`,
          );
        }
        const next = { ...read.attributes, ...patch };
        await writeAttributes(store, path, format, next);
        this._attributes = next;
      };
      await this.#metaWrites.run(run);
    });
  }

  /** Whether {@link close} was called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Sorted names of the child groups. */
  async groupKeys(): Promise<string[]> {
    return (await listChildren(this.ctx.store, this.ctx.path)).groups;
  }
  /** Sorted names of the child arrays. */
  async arrayKeys(): Promise<string[]> {
    return (await listChildren(this.ctx.store, this.ctx.path)).arrays;
  }
  /** True for the root group of the store. */
  isRoot(): boolean {
    return this.ctx.path === "";
  }
  /** True when there is no child group (a position, for HCS). */
  async isLeaf(): Promise<boolean> {
    return (await this.groupKeys()).length === 0;
  }

  /**
   * The hierarchy under this node as text, like zarr-python's `tree()`: groups first, then
   * arrays as `name (shape) dtype`, each level sorted.
   * @param opts.level - how many levels below this node to show (default: all).
   */
  async printTree(opts: { level?: number } = {}): Promise<string> {
    const lines = [this.isRoot() ? "/" : this.name];
    const { store } = this.ctx;
    const walk = async (path: string, prefix: string, depth: number): Promise<void> => {
      if (opts.level !== undefined && depth >= opts.level) return;
      const { groups, arrays } = await listChildren(store, path);
      const entries = [
        ...groups.map((n) => ({ n, g: true })),
        ...arrays.map((n) => ({ n, g: false })),
      ];
      for (const [i, { n, g }] of entries.entries()) {
        const last = i === entries.length - 1;
        const child = joinPath(path, n);
        if (g) {
          lines.push(`${prefix}${last ? "└── " : "├── "}${n}`);
          await walk(child, prefix + (last ? "    " : "│   "), depth + 1);
        } else {
          const a = await openArray(store, child);
          lines.push(`${prefix}${last ? "└── " : "├── "}${n} ${pyTuple(a.shape)} ${a.dtype}`);
        }
      }
    };
    await walk(this.ctx.path, "", 0);
    return lines.join("\n");
  }

  /**
   * Index of a channel by name.
   * @throws {NotFoundError} when there is no such channel.
   */
  getChannelIndex(name: string): number {
    const i = this._channelNames.indexOf(name);
    if (i < 0) {
      throw new NotFoundError(
        name,
        `channel ${JSON.stringify(name)} is not one of the channels ${JSON.stringify(this._channelNames)}`,
      );
    }
    return i;
  }

  /** The OME metadata this node writes, or undefined when it has none (a plate row). */
  protected abstract omeMetadata(): Record<string, unknown> | undefined;

  /**
   * Write this node's OME metadata to its group (atomically; non-OME attributes are kept).
   * @throws {ReadOnlyError} when opened with mode `"r"` or closed.
   */
  async dumpMeta(): Promise<void> {
    this.assertWritable();
    // Metadata writes of one node are serialized; each writes the state current when it runs,
    // so concurrent calls (e.g. several createImage at once) cannot land out of order.
    const run = async (): Promise<void> => {
      const ome = this.omeMetadata();
      if (ome === undefined) return;
      this._attributes = await writeOmeAttrs(this.ctx, ome, this._attributes);
    };
    return this.#metaWrites.run(run);
  }

  /**
   * Close the node: later writes through it reject with ReadOnlyError. Idempotent. Closing the
   * root of a store that `openOmeZarr` opened from a path or URL also closes the store (an S3
   * store gives up its writer lease and sockets).
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.ctx.ownsStore === true && this.ctx.path === "") await this.ctx.store.close?.();
  }

  /** `await using node = await openOmeZarr(…)` closes the node at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  /**
   * Throw unless writes are allowed.
   * @throws {ReadOnlyError} when the node was opened with mode `"r"` or is closed.
   */
  protected assertWritable(): void {
    if (this.#closed) {
      throw new ReadOnlyError(
        this.ctx.path,
        `node ${JSON.stringify(this.ctx.path || "/")} is closed; reopen the store to modify it`,
      );
    }
    assertWritable(this.ctx);
  }
}
