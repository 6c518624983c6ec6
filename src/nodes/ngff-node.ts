/**
 * NgffNode: what every node (Position, Plate, Row, Well, label image) has in common —
 * its context, channel names, axes, attributes, children, tree printing and metadata dump.
 */
import { NotFoundError, ReadOnlyError } from "../errors.js";
import { listChildren, openArray } from "../store/index.js";
import { type AxisSpec, cloneAxis, DEFAULT_AXES } from "./axes.js";
import {
  assertWritable,
  joinPath,
  type NgffVersion,
  type NodeContext,
  type OpenMode,
} from "./context.js";
import { writeOmeAttrs } from "./ome-attrs.js";

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
  /** Store, path, format, version and mode of this node. */
  readonly ctx: NodeContext;
  /** All attributes of the group, as last read or written. */
  protected _attributes: Record<string, unknown>;
  protected _channelNames: string[];
  protected _axes: AxisSpec[];
  #closed = false;
  #metaWrites: Promise<void> = Promise.resolve();

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
    const p = this.#metaWrites.then(run, run);
    this.#metaWrites = p.catch(() => undefined);
    return p;
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
