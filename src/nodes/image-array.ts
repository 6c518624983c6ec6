/**
 * ImageArray: one image array (up to 5-D, TCZYX) of a Position, over a store `ZarrArray`.
 * Reads return ndarrays; writes take ndarrays, `{ data, shape }`, raw C-order typed arrays or a
 * scalar. Selections: see `selection.ts`.
 */
import {
  InvalidOptionsError,
  NotFoundError,
  ReadOnlyError,
  ShapeMismatchError,
  UnsupportedError,
} from "../errors.js";
import {
  type AnyTypedArray,
  type DataType,
  openArray,
  type Region,
  type ZarrArray,
} from "../store/index.js";
import { recordShape, shapeEntry } from "./array-shapes.js";
import { appendImage, resizeImage } from "./grow.js";
import { checkWorkers, type WorkerOptions, writeRegionAuto } from "./image-write.js";
import type { MultiscalesNode } from "./multiscales-node.js";
import { isNdArray, type NdArray, type PixelInput, toDense, toNdArray } from "./pixel-data.js";
import {
  type AxisSelection,
  resolveSelection,
  type Selection,
  squeezedEqual,
} from "./selection.js";

/** One chunk yielded by {@link ImageArray.chunks}. */
export interface ChunkData<T extends AnyTypedArray = AnyTypedArray> {
  /** Chunk grid coordinates. */
  coords: number[];
  /** The chunk's box in array coordinates (clipped at the array's edge). */
  region: [number, number][];
  data: NdArray<T>;
}

/** Values {@link ImageArray.write} accepts. */
export type WriteValue = PixelInput | AnyTypedArray | number | bigint | boolean;

function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

function isTyped(x: unknown): x is AnyTypedArray {
  return ArrayBuffer.isView(x) && !(x instanceof DataView);
}

function dtypeFits(array: DataType, data: DataType): boolean {
  if (array === data) return true;
  // bool is stored one byte per element: uint8 data of 0/1 fits, and bool data fits uint8
  return (array === "bool" && data === "uint8") || (array === "uint8" && data === "bool");
}

/** The channels of the node an array belongs to, for {@link ImageArray.getChannel}. */
export interface ChannelInfo {
  /** Channel names of the node, in order. */
  names: readonly string[];
  /** Index of the channel axis among the node's axes, or undefined when it has none. */
  axis: number | undefined;
  /** Number of axes of the node (the array's rank when it follows the node's axes). */
  ndim: number;
}

/** How a node wraps one of its arrays. */
export interface ImageArrayOptions {
  /** False (a node opened with mode `"r"`) makes every write reject with ReadOnlyError. */
  writable: boolean;
  /** Runs before every write (the owning node refuses writes once closed). */
  guard?: () => void;
  /** The owning node's channels, as they are now (read at each {@link ImageArray.getChannel}). */
  channels?: () => ChannelInfo;
  /** The node whose `multiscales` may list the array (its pyramid follows a resize). */
  owner?: MultiscalesNode;
}

/** A wrapper of one Zarr array with NumPy-like reads and writes. */
export class ImageArray {
  #array: ZarrArray;
  readonly #writable: boolean;
  readonly #guard: (() => void) | undefined;
  readonly #channels: (() => ChannelInfo) | undefined;
  readonly #owner: MultiscalesNode | undefined;
  /** Generation of the shape registry (`array-shapes.ts`) that `#array` was opened at. */
  #generation: number;

  /**
   * Wrap a store array. `writable: false` (a node opened with mode `"r"`) makes every write
   * reject with ReadOnlyError; `guard` runs before every write (the owning node uses it to
   * refuse writes once closed); `channels` gives the owning node's channel names and axis.
   * @internal
   */
  protected constructor(array: ZarrArray, opts: ImageArrayOptions);
  /** An image array comes from its node (`get`, `data`, `createImage`, …), not from `new`. */
  protected constructor(...args: never);
  protected constructor(array: ZarrArray, opts: ImageArrayOptions) {
    this.#array = array;
    this.#writable = opts.writable;
    this.#guard = opts.guard;
    this.#channels = opts.channels;
    this.#owner = opts.owner;
    this.#generation = shapeEntry(array)?.generation ?? 0;
  }
  /** Wrap a store array (the node's `wrapArray`; TiledImageArray overrides). @internal */
  static _wrap(array: ZarrArray, opts: ImageArrayOptions): ImageArray {
    return new ImageArray(array, opts);
  }

  /** The underlying store array. */
  get zarrArray(): ZarrArray {
    return this.#array;
  }
  /** Path of the array in its store. */
  get path(): string {
    return this.#array.path;
  }
  /** The array's name (last path segment). */
  get name(): string {
    const p = this.#array.path;
    return p.slice(p.lastIndexOf("/") + 1);
  }
  /** The shape; an array resized in this process through another wrapper shows its new shape. */
  get shape(): readonly number[] {
    const e = shapeEntry(this.#array);
    return e !== undefined && e.generation > this.#generation ? e.shape : this.#array.shape;
  }
  get ndim(): number {
    return this.#array.shape.length;
  }
  get dtype(): DataType {
    return this.#array.dtype;
  }
  /** Chunk shape (inner chunks when sharded). */
  get chunks(): readonly number[] {
    return this.#array.chunks;
  }
  /** Shard shape, or undefined when not sharded. */
  get shards(): readonly number[] | undefined {
    return this.#array.shards;
  }
  /** Whether writes are allowed (false for a node opened with mode `"r"`). */
  get writable(): boolean {
    return this.#writable;
  }

  /** Shape padded with leading 1s to 5-D (iohub's TCZYX view). */
  protected padded(n = 5): number[] {
    const s = [...this.shape];
    while (s.length < n) s.unshift(1);
    return s;
  }
  /** Size of the T axis of the 5-D view. */
  get frames(): number {
    return this.padded()[0] as number;
  }
  /** Size of the C axis of the 5-D view. */
  get channels(): number {
    return this.padded()[1] as number;
  }
  /** Size of the Z axis of the 5-D view. */
  get slices(): number {
    return this.padded()[2] as number;
  }
  /** Size of the Y axis of the 5-D view. */
  get height(): number {
    return this.padded()[3] as number;
  }
  /** Size of the X axis of the 5-D view. */
  get width(): number {
    return this.padded()[4] as number;
  }

  /**
   * Read a selection into a new C-order ndarray (fill value where nothing was written).
   * Integer-indexed axes are dropped from the result.
   * @throws {ShapeMismatchError} for an invalid selection.
   */
  async read(selection: Selection = []): Promise<NdArray> {
    await this.#refresh();
    const sel = resolveSelection(this.shape, selection);
    if (sel.regionShape.includes(0)) {
      return toNdArray(new (this.#emptyCtor())(0), sel.resultShape);
    }
    const data = await this.#array.readRegion(sel.region);
    return toNdArray(data, sel.resultShape);
  }

  /**
   * The data of one channel, by index or by name (a name of the owning position's
   * `channelNames`). iohub's `ImageArray` has no such method; here the channel axis is KEPT,
   * with size 1, so the result has the array's rank (`read` with the slice `[i, i + 1]` on the
   * channel axis): a `(T, C, Z, Y, X)` array gives `(T, 1, Z, Y, X)`. For `(T, Z, Y, X)` data
   * use `read` with the integer index on the channel axis, which drops it.
   * @throws {NotFoundError} for a name that is not a channel, or an index out of range.
   * @throws {InvalidOptionsError} for a negative or non-integer index, or a value that is
   *   neither a number nor a string.
   * @throws {UnsupportedError} when the array has no channel axis (e.g. an old-layout label).
   */
  async getChannel(indexOrName: number | string): Promise<NdArray> {
    const info = this.#channels?.();
    const axis = info !== undefined && info.ndim === this.ndim ? info.axis : undefined;
    if (info === undefined || axis === undefined) {
      throw new UnsupportedError(
        "getChannel without a channel axis",
        `array ${JSON.stringify(this.path)} has no channel axis (its node's axes have no axis of type "channel" matching the array's ${this.ndim} dimensions); select with read() instead`,
      );
    }
    const size = this.shape[axis] as number;
    let index: number;
    if (typeof indexOrName === "string") {
      index = info.names.indexOf(indexOrName);
      if (index < 0) {
        throw new NotFoundError(
          indexOrName,
          `channel ${JSON.stringify(indexOrName)} is not one of the channels ${JSON.stringify(info.names)}; pass one of them or an index 0..${size - 1}`,
        );
      }
    } else if (typeof indexOrName === "number") {
      if (!Number.isInteger(indexOrName) || indexOrName < 0) {
        throw new InvalidOptionsError("channel", indexOrName, "an integer >= 0 or a channel name");
      }
      index = indexOrName;
    } else {
      throw new InvalidOptionsError("channel", indexOrName, "an integer >= 0 or a channel name");
    }
    if (index >= size) {
      throw new NotFoundError(
        String(index),
        `channel index ${index} is out of range for ${JSON.stringify(this.path)}: valid indexes are 0..${size - 1}${size === 0 ? " (none)" : ""}`,
      );
    }
    const sel: AxisSelection[] = this.shape.map(() => null);
    sel[axis] = [index, index + 1];
    return this.read(sel);
  }

  /** The whole array as an ndarray (`read([])`). */
  toArray(): Promise<NdArray> {
    return this.read([]);
  }

  /**
   * Write `value` into a selection. `value` is a scalar (fills the selection), a C-order typed
   * array of exactly the selection's element count, or an ndarray / `{ data, shape }` whose
   * shape equals the selection's shape once axes of length 1 are ignored (so a `(Z, Y, X)`
   * stack fits the selection `[t, c]`). Non-contiguous ndarray views are copied to C order.
   * The data type must match the array's (bool arrays take uint8 0/1 data). Big writes on a
   * local store (>= 16 MiB, or >= 2 MiB while the shared pool runs) are encoded and written by
   * a worker pool: `opts.pool`, else the shared pool of `opts.workers` threads; `workers: 0`
   * keeps them on this thread.
   * @throws {ReadOnlyError} when the node was opened with mode `"r"`.
   * @throws {ShapeMismatchError} for a bad selection, shape or data type.
   * @throws {RangeError} for a `workers` that is not an integer >= 0.
   */
  async write(selection: Selection, value: WriteValue, opts: WorkerOptions = {}): Promise<void> {
    this.#assertWritable();
    checkWorkers(opts.workers);
    await this.#refresh();
    const sel = resolveSelection(this.shape, selection);
    const n = sizeOf(sel.regionShape);
    if (typeof value === "number" || typeof value === "bigint" || typeof value === "boolean") {
      const scalar = this.#scalar(value);
      if (n > 0) await this.#array.writeRegion(sel.region, scalar);
      return;
    }
    let data: AnyTypedArray;
    if (isTyped(value) && !isNdArray(value)) {
      this.#checkDtype(value);
      if (value.length !== n) {
        throw new ShapeMismatchError(
          sel.regionShape,
          [value.length],
          `typed array has ${value.length} elements but the selection ${JSON.stringify(sel.regionShape)} has ${n}; pass an ndarray or { data, shape } for shaped data`,
        );
      }
      data = value;
    } else {
      const dense = toDense(value as PixelInput);
      if (!dtypeFits(this.dtype, dense.dtype)) this.#dtypeError(dense.dtype);
      if (!squeezedEqual(dense.shape, sel.regionShape)) {
        throw new ShapeMismatchError(
          sel.resultShape,
          dense.shape,
          `data of shape ${JSON.stringify(dense.shape)} does not fit the selection of shape ${JSON.stringify(sel.resultShape)} in ${JSON.stringify(this.path)}`,
        );
      }
      data = dense.data;
    }
    if (n > 0) await writeRegionAuto(this.#array, sel.region, data, opts);
  }

  /**
   * Iterate over the chunks (inner chunks when sharded) in C order, reading one at a time:
   * `for await (const { coords, region, data } of arr.iterChunks())`. (`chunks` is the chunk
   * shape, as in zarr/iohub, so the iterator has its own name; the array itself is also
   * async-iterable over its chunks.)
   */
  async *iterChunks(): AsyncGenerator<ChunkData> {
    await this.#refresh();
    const shape = this.shape;
    const chunks = this.#array.chunks;
    const grid = shape.map((s, i) => Math.ceil(s / (chunks[i] as number)));
    if (grid.some((g) => g === 0)) return;
    const coords = new Array<number>(grid.length).fill(0);
    for (;;) {
      const region = coords.map((c, i): [number, number] => {
        const ch = chunks[i] as number;
        return [c * ch, Math.min((c + 1) * ch, shape[i] as number)];
      });
      const data = await this.#array.readRegion(region as Region);
      yield {
        coords: [...coords],
        region,
        data: toNdArray(
          data,
          region.map(([a, b]) => b - a),
        ),
      };
      let ax = grid.length - 1;
      for (; ax >= 0; ax--) {
        const next = (coords[ax] as number) + 1;
        if (next < (grid[ax] as number)) {
          coords[ax] = next;
          break;
        }
        coords[ax] = 0;
      }
      if (ax < 0) return;
    }
  }

  /** Same as {@link iterChunks}: `for await (const chunk of arr)`. */
  [Symbol.asyncIterator](): AsyncGenerator<ChunkData> {
    return this.iterChunks();
  }

  /**
   * Grow the array to `newShape` (iohub's `resize`); the new elements hold the fill value. When
   * the array is level 0 of a pyramid, every level follows (shape ⌈previous / factor⌉ along the
   * downsampled axes) and the blocks along the old edge are recomputed with the pyramid's method
   * (blocks wholly in the grown part hold the fill value). Shrinking is refused, and so is growing
   * the channel axis (use `position.appendChannel`). Other wrappers of the same arrays in this
   * process see the new shape at their next read or write. Crash-safe: data first, then metadata
   * in an order that keeps the store valid; an interrupted call is completed by the same call,
   * or, once level 0 shows the new shape, by any later resize or append (`resize(shape)` with
   * the current shape completes it and does nothing else; see `src/nodes/grow.ts`).
   * @throws {ReadOnlyError} when the node was opened with mode `"r"`.
   * @throws {InvalidOptionsError} for a shape of the wrong rank, non-integers, or a shrink.
   * @throws {UnsupportedError} for a pyramid level other than 0, a grown channel axis, an image
   *   with label images, or a label image.
   * @throws {PyramidStateError} while another interrupted resize/append of the image is pending.
   */
  async resize(newShape: readonly number[], opts: { signal?: AbortSignal } = {}): Promise<void> {
    await this.#refresh();
    await resizeImage(this.#growTarget(), newShape, opts);
    await this.#refresh();
  }

  /**
   * Write `data` after the current end along `axis` (a name or an index) and grow the array by
   * its extent (iohub's `append(data, axis)`); the pyramid follows as for {@link resize}, its
   * affected blocks recomputed, so the result equals the image written whole and pyramided.
   * `data` (an ndarray or `{ data, shape }`) has the array's rank and dtype and its size along
   * every other axis. Running the same append again after a crash completes it without
   * appending twice; any other resize or append of the image is refused until then.
   * @throws {ReadOnlyError} when the node was opened with mode `"r"`.
   * @throws {InvalidOptionsError} for an unknown axis.
   * @throws {ShapeMismatchError} for data of another rank, shape or dtype.
   * @throws {UnsupportedError} for a pyramid level other than 0, the channel axis, an image with
   *   label images, or a label image.
   * @throws {PyramidStateError} while another interrupted resize/append of the image is pending.
   */
  async append(
    data: PixelInput,
    axis: string | number,
    opts: { signal?: AbortSignal } = {},
  ): Promise<void> {
    await this.#refresh();
    await appendImage(this.#growTarget(), data, axis, opts);
    await this.#refresh();
  }

  #growTarget() {
    return {
      array: this.#array,
      owner: this.#owner,
      assertWritable: () => this.#assertWritable(),
    };
  }

  /** Reopen the store array when it was resized in this process since it was opened. */
  async #refresh(): Promise<void> {
    const e = shapeEntry(this.#array);
    if (e === undefined || e.generation <= this.#generation) return;
    this.#array = await openArray(this.#array.store, this.#array.path);
    this.#generation = e.generation;
  }

  /**
   * Replace the wrapped array after a resize (appendChannel), and record the new shape so that
   * every other wrapper of the array reopens it (none is left stale). @internal
   */
  _replace(array: ZarrArray): void {
    recordShape(array, array.shape);
    this.#array = array;
    this.#generation = shapeEntry(array)?.generation ?? this.#generation;
  }

  #emptyCtor(): new (n: number) => AnyTypedArray {
    switch (this.dtype) {
      case "int8":
        return Int8Array;
      case "int16":
        return Int16Array;
      case "uint16":
        return Uint16Array;
      case "int32":
        return Int32Array;
      case "uint32":
        return Uint32Array;
      case "int64":
        return BigInt64Array;
      case "uint64":
        return BigUint64Array;
      case "float32":
        return Float32Array;
      case "float64":
        return Float64Array;
      default:
        return Uint8Array;
    }
  }

  #assertWritable(): void {
    this.#guard?.();
    if (!this.#writable) {
      throw new ReadOnlyError(
        this.path,
        `cannot write to array ${JSON.stringify(this.path)}: the store was opened with mode "r"; reopen it with mode "r+" or "a"`,
      );
    }
  }

  #dtypeError(found: DataType): never {
    throw new ShapeMismatchError(
      this.dtype,
      found,
      `data of type ${found} cannot be written to ${JSON.stringify(this.path)} of type ${this.dtype}; convert it first (e.g. ${this.dtype === "float32" ? "Float32Array.from(data)" : `a ${this.#emptyCtor().name}`})`,
    );
  }

  #checkDtype(a: AnyTypedArray): void {
    const ctor = this.#emptyCtor();
    if (!(a instanceof ctor)) {
      const found = (a.constructor as { name: string }).name;
      throw new ShapeMismatchError(
        this.dtype,
        found,
        `a ${found} cannot be written to ${JSON.stringify(this.path)} of type ${this.dtype}; pass a ${ctor.name}`,
      );
    }
  }

  #scalar(v: number | bigint | boolean): number | bigint | boolean {
    const d = this.dtype;
    if (d === "bool") return typeof v === "boolean" ? v : Number(v) !== 0;
    if (d === "int64" || d === "uint64") {
      if (typeof v === "bigint") return v;
      if (typeof v === "number" && Number.isInteger(v)) return BigInt(v);
      throw new ShapeMismatchError(
        d,
        typeof v,
        `scalar ${String(v)} is not an integer for ${d} array ${JSON.stringify(this.path)}`,
      );
    }
    if (typeof v === "boolean") return v ? 1 : 0;
    return Number(v);
  }
}
