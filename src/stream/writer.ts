/**
 * The stream writer: frames in, a live pyramid out (DESIGN.md section 10; see README.md here).
 * Created by `position.createStream` / `position.openStream` (src/stream/create.ts).
 */
import type { Piscina } from "piscina";
import { InvalidOptionsError, ReadOnlyError, ShapeMismatchError } from "../errors.js";
import type { ImageArray } from "../nodes/image-array.js";
import { type AxisSelection, resolveSelection, type Selection } from "../nodes/selection.js";
import type { ZarrArray, ZarrStore } from "../store/index.js";
import { copyBox } from "../store/region.js";
import { type AnyTypedArray, isTypedArrayOf, product } from "../store/types.js";
import { type EmittedSlab, Fold } from "./fold.js";
import {
  frameCoords,
  frameNumber,
  framesPerStep,
  keyOf,
  planeSize,
  type StreamGeometry,
  slabsPerStep,
  stepOf,
} from "./geometry.js";
import type { StreamProgress } from "./options.js";
import { SlabSink } from "./slab-sink.js";
import { type StreamState, writeState } from "./state.js";

/** Where a writer writes and how (built by create.ts). @internal */
export interface WriterInit {
  store: ZarrStore;
  /** Array paths of levels 0..n (store keys). */
  levelPaths: string[];
  /** The level arrays as their metadata says now. */
  arrays: ZarrArray[];
  geometry: StreamGeometry;
  method: StreamState["method"];
  /** Store key of the state file. */
  stateKey: string;
  /** The state file's fixed part (options), rewritten with progress at each flush. */
  stateBase: Omit<StreamState, "doneSteps" | "doneExtra" | "partial">;
  pool: Piscina | undefined;
  signal: AbortSignal | undefined;
  onProgress: ((p: StreamProgress) => void) | undefined;
  maxQueued: number;
  metadataIntervalMs: number;
  /** The image as an ImageArray once closed. */
  openImage: () => Promise<ImageArray>;
  /** Releases the single-writer lock. */
  unlock: () => Promise<void>;
  /** Steps complete at every level already (a reopened stream), as a prefix and extras. */
  doneSteps?: number;
  doneExtra?: readonly number[];
}

/** The leading coordinates of a frame: a linear frame number, or one index per leading axis. */
export type FrameIndex = number | readonly number[];

interface StepInfo {
  /** Keys of the frames accepted in this step. */
  frames: Map<string, number[]>;
  /** Slabs of this step written (all levels). */
  written: number;
}

/**
 * Writes frames of one image and keeps its pyramid live. `write` accepts a frame (or a block)
 * into memory and resolves once the writes in flight are under the back-pressure limit; `flush`
 * makes everything accepted durable; `close` writes the edges and finishes the image.
 *
 * Every method rejects, once the writer failed, with the first failure (a `WorkerTaskError`
 * naming the level and region), and after `close` or abort with `ReadOnlyError` /
 * `signal.reason`.
 */
export class StreamWriter {
  readonly #i: WriterInit;
  readonly #g: StreamGeometry;
  readonly #fold: Fold;
  readonly #sink: SlabSink;
  readonly #steps = new Map<number, StepInfo>();
  readonly #slabsPerStep: number;
  readonly #assembling = new Map<string, { data: AnyTypedArray; mask: Uint8Array; left: number }>();
  #doneSteps: number;
  readonly #doneExtra = new Set<number>();
  #arrays: ZarrArray[];
  #advertised: number;
  #frames = 0;
  #bytes = 0;
  /** One past the largest append coordinate accepted. */
  #end = 0;
  #error: unknown;
  #closed = false;
  #meta: Promise<void> = Promise.resolve();
  #lastMeta = 0;

  /** @internal Use `position.createStream` / `position.openStream`. */
  constructor(init: WriterInit) {
    this.#i = init;
    this.#g = init.geometry;
    this.#arrays = [...init.arrays];
    this.#sink = new SlabSink(
      init.geometry,
      init.store,
      init.levelPaths,
      () => this.#arrays,
      init.pool,
    );
    this.#fold = new Fold(this.#g, {
      method: init.method,
      emit: (s) => this.#submit(s, true),
      chain: (planes, done, single) => this.#sink.chain(planes, init.method, done, single),
    });
    this.#slabsPerStep = this.#g.levels.reduce((n, _, k) => n + slabsPerStep(this.#g, k), 0);
    this.#doneSteps = init.doneSteps ?? 0;
    for (const s of init.doneExtra ?? []) if (s >= this.#doneSteps) this.#doneExtra.add(s);
    this.#advertised = Math.min(...this.#arrays.map((a) => a.shape[this.#g.appendAxis]!));
    this.#end = Math.max(this.#advertised, this.#completeExtent());
  }

  /** Level-0 shape with the append axis' maximum (`Infinity` when open-ended). */
  get shape(): number[] {
    return [...this.#g.levels[0]!.lead, ...this.#g.levels[0]!.plane];
  }

  /** The axis frames are appended along (index). */
  get appendAxis(): number {
    return this.#g.appendAxis;
  }

  /** Levels, level 0 included. */
  get levels(): number {
    return this.#g.levels.length;
  }

  /**
   * Extent of the append axis that is complete at every level and advertised in the metadata
   * (readers see exactly this much).
   */
  get completeExtent(): number {
    return this.#advertised;
  }

  /**
   * Bytes of planes held in memory in incomplete slabs and groups (all levels), not counting
   * slabs being written: what the stream keeps between frames.
   */
  get bufferedBytes(): number {
    return this.#fold.bufferedBytes;
  }

  /** Frames a reopened stream holds or this writer accepted (not necessarily written yet). */
  get frames(): number {
    return this.#frames;
  }

  /** True once the frame at `index` is held: complete on disk, or accepted by this writer. */
  hasFrame(index: FrameIndex): boolean {
    const p = this.#coords(index, false);
    const step = stepOf(this.#g, p);
    if (this.#isDone(step)) return true;
    return this.#steps.get(step)?.frames.has(keyOf(p)) ?? false;
  }

  /**
   * The first linear frame number not held (see {@link hasFrame}): where an in-order
   * acquisition continues after `openStream`.
   */
  nextFrame(): number {
    let i = frameNumber(
      this.#g,
      this.#g.levels[0]!.lead.map((_, ax) =>
        ax === this.#g.appendAxis ? Math.min(this.#doneSteps * this.#g.stepLength, this.#g.cap) : 0,
      ),
    );
    while (this.#inRange(i) && this.hasFrame(i)) i++;
    return i;
  }

  #inRange(i: number): boolean {
    const p = frameCoords(this.#g, i);
    return p[this.#g.appendAxis]! < this.#g.cap;
  }

  #isDone(step: number): boolean {
    return step < this.#doneSteps || this.#doneExtra.has(step);
  }

  #check(): void {
    if (this.#closed) {
      throw new ReadOnlyError(
        this.#i.levelPaths[0]!,
        `the stream of "${this.#i.levelPaths[0]}" is closed; reopen it with openStream to continue`,
      );
    }
    this.#i.signal?.throwIfAborted();
    const err = this.#error ?? this.#sink.error;
    if (err !== undefined) throw err;
  }

  /** Leading coordinates of `index`, checked. */
  #coords(index: FrameIndex, forWrite: boolean): number[] {
    const g = this.#g;
    const lead = g.levels[0]!.lead;
    let p: number[];
    if (typeof index === "number") {
      if (!(Number.isInteger(index) && index >= 0)) {
        throw new InvalidOptionsError("index", index, "an integer >= 0 (a frame number)");
      }
      if (g.appendAxis !== 0 && !Number.isFinite(g.cap)) {
        throw new InvalidOptionsError("index", index, "leading coordinates (an array)", {
          hint: "Frame numbers need a finite append axis unless it is the first axis.",
        });
      }
      p = frameCoords(g, index);
    } else if (Array.isArray(index) && index.length === lead.length) {
      p = [...index];
    } else {
      throw new InvalidOptionsError(
        "index",
        index,
        `a frame number or ${lead.length} leading coordinates`,
      );
    }
    p.forEach((c, i) => {
      if (!(Number.isInteger(c) && c >= 0 && c < lead[i]!)) {
        throw new InvalidOptionsError(
          "index",
          index,
          `coordinates inside the leading shape [${lead.join(", ")}]`,
          forWrite && i === g.appendAxis
            ? {
                hint: "The append axis is closed at that size: create the stream with a larger maximum or Infinity.",
              }
            : {},
        );
      }
    });
    return p;
  }

  /**
   * Write one frame: `index` is a linear frame number (C order over the leading axes) or the
   * leading coordinates; `data` the y × x plane in C order (a typed array of the stream's dtype,
   * or `{ data, shape }`). The data is copied before this resolves (reuse the buffer at once).
   * Resolves once the frame is in memory and the writes in flight are under the limit.
   * @throws {InvalidOptionsError} for an index outside the shape or a frame already written;
   * {@link ShapeMismatchError} for data of the wrong type or size (nothing is written);
   * {@link ReadOnlyError} after close.
   */
  async write(
    index: FrameIndex,
    data: AnyTypedArray | { data: AnyTypedArray; shape: readonly number[] },
  ): Promise<void> {
    this.#check();
    const p = this.#coords(index, true);
    const plane = this.#planeData(data);
    if (this.hasFrame(p) || this.#assembling.has(keyOf(p))) {
      throw new InvalidOptionsError("index", index, "a frame not written yet", {
        hint: "Each frame is written once; use hasFrame() to skip frames a reopened stream holds.",
      });
    }
    this.#accept(p, plane);
    await this.#backPressure();
  }

  /**
   * Write a block: `selection` (see `ImageArray.write`: per axis an integer, a `[start, stop)`
   * range or null) selects a box of level 0 within the leading shape; `data` fills it in C
   * order. Partial planes are assembled in memory and go in as frames once complete.
   * @throws the errors of {@link write}; {@link ShapeMismatchError} for a bad selection.
   */
  async writeBlock(selection: Selection, data: AnyTypedArray): Promise<void> {
    this.#check();
    const g = this.#g;
    const lead = g.levels[0]!.lead;
    const [py, px] = g.levels[0]!.plane;
    const finiteLead = lead.map((n, i) =>
      Number.isFinite(n) ? n : Math.max(this.#end, 1) + sizeHint(selection[i]),
    );
    const sel = resolveSelection([...finiteLead, py, px], selection as readonly AxisSelection[]);
    const box = sel.region;
    const n = product(sel.regionShape);
    if (!isTypedArrayOf(g.dtype, data) || data.length !== n) {
      throw new ShapeMismatchError(
        `${n} elements of ${g.dtype}`,
        `${data?.length} elements (${data?.constructor?.name})`,
        `data for the block [${sel.regionShape.join(", ")}] must be ${n} elements of ${g.dtype}`,
      );
    }
    const leadBox = box.slice(0, lead.length);
    const frames: number[][] = [];
    const walk = (i: number, cur: number[]) => {
      if (i === leadBox.length) frames.push([...cur]);
      else for (let c = leadBox[i]![0]; c < leadBox[i]![1]; c++) walk(i + 1, [...cur, c]);
    };
    walk(0, []);
    for (const p of frames) {
      this.#coords(p, true);
      if (this.hasFrame(p)) {
        throw new InvalidOptionsError("selection", selection, "frames not written yet");
      }
    }
    const planeBox: [number, number][] = box.slice(lead.length) as [number, number][];
    const size = [...leadBox.map(([a, b]) => b - a), ...planeBox.map(([a, b]) => b - a)];
    frames.forEach((p) => {
      const key = keyOf(p);
      let asm = this.#assembling.get(key);
      if (asm === undefined) {
        const data0 = new (data.constructor as new (n: number) => AnyTypedArray)(py * px);
        asm = { data: data0, mask: new Uint8Array(py * px), left: py * px };
        this.#assembling.set(key, asm);
      }
      const start = [...p.map((c, i) => c - leadBox[i]![0]), 0, 0];
      const one = [
        ...p.map(() => 1),
        planeBox[0]![1] - planeBox[0]![0],
        planeBox[1]![1] - planeBox[1]![0],
      ];
      copyBox(
        data,
        size,
        start,
        asm.data,
        [...p.map(() => 1), py, px],
        [...p.map(() => 0), planeBox[0]![0], planeBox[1]![0]],
        one,
      );
      for (let y = planeBox[0]![0]; y < planeBox[0]![1]; y++) {
        for (let x = planeBox[1]![0]; x < planeBox[1]![1]; x++) {
          if (asm.mask[y * px + x] === 0) {
            asm.mask[y * px + x] = 1;
            asm.left--;
          }
        }
      }
      if (asm.left === 0) {
        this.#assembling.delete(key);
        this.#accept(p, asm.data);
      }
    });
    await this.#backPressure();
  }

  #planeData(data: unknown): AnyTypedArray {
    const g = this.#g;
    const [py, px] = g.levels[0]!.plane;
    let arr = data as AnyTypedArray;
    let shape: readonly number[] | undefined;
    if (typeof data === "object" && data !== null && !ArrayBuffer.isView(data) && "data" in data) {
      arr = (data as { data: AnyTypedArray }).data;
      shape = (data as unknown as { shape: readonly number[] }).shape;
    }
    const okShape =
      shape === undefined ||
      (Array.isArray(shape) &&
        shape.length >= 2 &&
        shape.at(-2) === py &&
        shape.at(-1) === px &&
        shape.slice(0, -2).every((s) => s === 1));
    if (
      !ArrayBuffer.isView(arr) ||
      !isTypedArrayOf(g.dtype, arr) ||
      arr.length !== py * px ||
      !okShape
    ) {
      throw new ShapeMismatchError(
        `[${py}, ${px}] of ${g.dtype}`,
        shape === undefined
          ? `${(arr as { length?: number })?.length} elements (${(arr as object)?.constructor?.name})`
          : [...shape],
        `a frame is one y × x plane: ${py * px} elements of ${g.dtype} in C order; convert or reshape it first`,
      );
    }
    return arr;
  }

  #accept(p: number[], plane: AnyTypedArray): void {
    const step = stepOf(this.#g, p);
    let info = this.#steps.get(step);
    if (info === undefined) {
      info = { frames: new Map(), written: 0 };
      this.#steps.set(step, info);
    }
    info.frames.set(keyOf(p), p);
    this.#frames++;
    this.#end = Math.max(this.#end, p[this.#g.appendAxis]! + 1);
    this.#fold.add(0, p, plane);
  }

  async #backPressure(): Promise<void> {
    await this.#sink.below(this.#i.maxQueued);
    this.#check();
  }

  /** The array shape a slab of level `k` ending at `end` along the append axis is written at. */
  #shapeFor(k: number, end: number): number[] {
    const l = this.#g.levels[k]!;
    return [...l.lead.map((n, i) => (i === this.#g.appendAxis ? end : n)), ...l.plane];
  }

  /** Encode and write a slab; complete slabs (`counts`) count towards their step. */
  #submit(slab: EmittedSlab, counts: boolean): void {
    const g = this.#g;
    const a = g.appendAxis;
    const step = Math.floor(slab.box[a]![0] / g.stepLength);
    this.#sink.submit(slab, slab.box[a]![1], () => {
      this.#fold.release(slab.data);
      if (counts) this.#slabWritten(step);
      this.#i.onProgress?.({
        frames: this.#frames,
        completeExtent: this.#advertised,
        bytes: this.#sink.bytes,
      });
    });
  }

  #slabWritten(step: number): void {
    let info = this.#steps.get(step);
    if (info === undefined) {
      info = { frames: new Map(), written: 0 };
      this.#steps.set(step, info);
    }
    info.written++;
    if (info.written < this.#slabsPerStep) return;
    this.#steps.delete(step);
    this.#doneExtra.add(step);
    while (this.#doneExtra.has(this.#doneSteps)) {
      this.#doneExtra.delete(this.#doneSteps);
      this.#doneSteps++;
    }
    if (performance.now() - this.#lastMeta >= this.#i.metadataIntervalMs) {
      void this.#growMetadata(this.#completeExtent()).catch((err: unknown) => {
        this.#error ??= err;
      });
    }
  }

  /** Extent of the append axis complete at every level (the prefix of complete steps). */
  #completeExtent(): number {
    return Math.min(this.#g.cap, this.#doneSteps * this.#g.stepLength);
  }

  /** Rewrite every level's array metadata with `extent` along the append axis, level 0 first. */
  #growMetadata(extent: number): Promise<void> {
    this.#lastMeta = performance.now();
    const run = async () => {
      if (extent <= this.#advertised) return;
      for (let k = 0; k < this.#arrays.length; k++) {
        this.#arrays[k] = await this.#arrays[k]!.resize(this.#shapeFor(k, extent));
      }
      this.#advertised = extent;
    };
    const p = this.#meta.then(run);
    this.#meta = p.catch(() => undefined);
    return p;
  }

  async #drain(): Promise<void> {
    await this.#sink.drain();
    await this.#meta;
    if (this.#error !== undefined) throw this.#error;
  }

  /**
   * The durability point: wait for every accepted frame's writes, write level 0 of the frames
   * whose blocks are not complete yet (as whole blocks, missing planes as 0; rewritten whole
   * when complete), then the state file (atomically), then the metadata. After a kill, every
   * frame accepted before `flush()` resolved reads back at every level once `openStream`
   * continued; frames of complete steps read back at once.
   */
  async flush(): Promise<void> {
    this.#check();
    await this.#drain();
    for (const s of this.#fold.snapshotSlabs(0)) this.#submit(s, false);
    await this.#drain();
    await writeState(this.#i.store, this.#i.stateKey, {
      ...this.#i.stateBase,
      doneSteps: this.#doneSteps,
      doneExtra: [...this.#doneExtra].sort((x, y) => x - y),
      partial: [...this.#steps.entries()]
        .filter(([, s]) => s.frames.size > 0)
        .map(([step, s]) => ({ step, frames: [...s.frames.values()] })),
    });
    await this.#growMetadata(this.#completeExtent());
  }

  /**
   * Finish the image: complete the edges (the last step along the append axis ends at the
   * largest coordinate written; frames never written read as 0), write everything, grow the
   * metadata to the final extent, remove the state file and release the writer lock.
   * Resolves with the level-0 image.
   */
  async close(): Promise<ImageArray> {
    this.#check();
    await this.#drain();
    for (const [key, asm] of this.#assembling) {
      // Blocks of planes never completed: what was given, the rest as 0.
      this.#accept(key.split(",").map(Number), asm.data);
    }
    this.#assembling.clear();
    const extent = Math.min(this.#end, this.#g.cap);
    this.#fold.finish(extent);
    await this.#drain();
    const finalSteps = Math.ceil(extent / this.#g.stepLength);
    for (let s = 0; s < finalSteps; s++) this.#doneExtra.add(s);
    this.#doneSteps = finalSteps;
    this.#doneExtra.clear();
    this.#lastMeta = 0;
    await this.#growMetadata(extent);
    await this.#i.store.delete(this.#i.stateKey);
    this.#closed = true;
    await this.#i.unlock();
    return this.#i.openImage();
  }

  /**
   * Give up without finishing: waits for the writes in flight, then releases the lock. What was
   * flushed stays durable; `openStream` continues from there. Idempotent.
   */
  async abandon(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#sink.drain().catch(() => undefined);
    await this.#meta;
    await this.#i.unlock();
  }

  /** Reopened streams: put back frames read from level 0 (not counted as new writes). @internal */
  _resume(p: number[], plane: AnyTypedArray): void {
    this.#accept(p, plane);
  }

  /** Frames per full step (tests, examples). */
  get framesPerStep(): number {
    return framesPerStep(this.#g);
  }

  /** Elements of one frame. */
  get frameSize(): number {
    return planeSize(this.#g, 0);
  }
}

function sizeHint(s: AxisSelection | undefined): number {
  if (typeof s === "number") return s + 1;
  if (Array.isArray(s)) return (s as readonly number[])[1]!;
  return 0;
}
