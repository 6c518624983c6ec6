/**
 * The live pyramid in memory: planes go in at some level; each is copied into its slab (the
 * planes of one leading block of that level, emitted whole to be encoded and written once) and
 * into its group (the planes one plane of the next level is computed from). A complete group is
 * downsampled with the engine's kernel over exactly the aligned box the cascade would use, so
 * its values equal the cascade's (each output element depends only on its own input block), and
 * the result goes in at the next level. Only incomplete slabs and groups are kept.
 *
 * Synchronous and I/O-free: the caller decides what to do with an emitted slab (a pool task).
 */

import type { DownsampleMethod } from "../../native-free-kernels/index.js";
import { downsample, type KernelArray, type KernelDType } from "../../native-free-kernels/index.js";
import { copyBox } from "../store/region.js";
import { type AnyTypedArray, dtypeByteSize, typedArrayView } from "../store/types.js";
import {
  boxPlanes,
  groupBox,
  keyOf,
  type LeadBox,
  planeIndexIn,
  planeSize,
  type StreamGeometry,
  slabBox,
} from "./geometry.js";

/**
 * Free buffers kept per size for reuse: as many as the slabs that can be in flight, so that a
 * steady stream allocates no new shared memory (a fresh buffer costs its page faults).
 */
const FREE_PER_SIZE = 8;

/** A slab handed to the sink: level, box along the leading axes, and its planes in C order. */
export interface EmittedSlab {
  level: number;
  box: LeadBox;
  /** `boxPlanes(box) × plane` elements over a shared buffer the sink gives back with `release`. */
  data: AnyTypedArray;
}

interface Pending {
  box: LeadBox;
  /** Planes not present hold garbage (buffers are reused unzeroed): see `#zeroMissing`. */
  data: AnyTypedArray;
  present: Uint8Array;
  count: number;
  total: number;
}

/** Options of {@link Fold}. */
export interface FoldOptions {
  method: DownsampleMethod;
  /** Called with every complete slab (and, from `finish`, the edge slabs). */
  emit: (slab: EmittedSlab) => void;
  /**
   * Compute a frame's planes of levels 1… off this thread: `planes[0]` holds the level-0 plane,
   * planes 1… are views into the slabs of the levels above, to be filled with each level's
   * downsampled plane; call `done` once they are (not after a failure: the caller keeps the
   * error, and the frame stays incomplete). Used when no leading axis is downsampled (a frame
   * alone then makes its plane at every level); otherwise the fold downsamples on this thread.
   * `single` (the slab boxes, by level) is given when every level's slab is this plane alone:
   * the slabs are complete once `done` runs, so the work may write them too.
   */
  chain?: (planes: AnyTypedArray[], done: () => void, single?: LeadBox[]) => void;
}

/** The in-memory fold of planes into every level (see the module comment). */
export class Fold {
  readonly #g: StreamGeometry;
  readonly #opts: FoldOptions;
  readonly #slabs: Map<string, Pending>[];
  readonly #groups: Map<string, Pending>[];
  /** Shared buffers given back by the sink, by byte length. */
  readonly #free = new Map<number, SharedArrayBuffer[]>();
  readonly #bpe: number;
  /** Frames go through `opts.chain` (see {@link FoldOptions.chain}). */
  readonly #chained: boolean;

  constructor(g: StreamGeometry, opts: FoldOptions) {
    this.#g = g;
    this.#opts = opts;
    this.#slabs = g.levels.map(() => new Map());
    this.#groups = g.levels.map(() => new Map());
    this.#bpe = dtypeByteSize(g.dtype);
    this.#chained =
      opts.chain !== undefined &&
      g.levels.length > 1 &&
      g.factors.slice(0, -2).every((f) => f === 1);
  }

  /** Planes held in incomplete slabs and groups (all levels), in bytes. */
  get bufferedBytes(): number {
    let n = 0;
    for (const m of [...this.#slabs, ...this.#groups])
      for (const p of m.values()) n += p.data.byteLength;
    return n;
  }

  /**
   * A typed array of `n` elements over shared memory, reused when one is free: its contents are
   * undefined (a slab's or group's planes are all written before it is read, and `#zeroMissing`
   * clears the others of an incomplete one), which spares zeroing megabytes per frame.
   */
  #alloc(n: number): AnyTypedArray {
    const bytes = n * this.#bpe;
    const buf = this.#free.get(bytes)?.pop();
    const u8 = new Uint8Array(buf ?? new SharedArrayBuffer(bytes), 0, bytes);
    return typedArrayView(this.#g.dtype, u8);
  }

  /** Give back the buffer of an emitted slab once nothing reads it any more. */
  release(data: AnyTypedArray): void {
    if (!(data.buffer instanceof SharedArrayBuffer)) return;
    const list = this.#free.get(data.buffer.byteLength) ?? [];
    if (list.length < FREE_PER_SIZE) list.push(data.buffer);
    this.#free.set(data.buffer.byteLength, list);
  }

  /** Zero the planes of `p` not present (they read as the fill value 0). */
  #zeroMissing(p: Pending): void {
    if (p.count === p.total) return;
    const len = p.data.length / p.total;
    for (let i = 0; i < p.total; i++) {
      if (p.present[i] === 0) p.data.fill(0 as never, i * len, (i + 1) * len);
    }
  }

  #pending(map: Map<string, Pending>, box: LeadBox, planeLen: number): Pending {
    const key = keyOf(box.map(([a]) => a));
    let p = map.get(key);
    if (p === undefined) {
      const total = boxPlanes(box);
      p = {
        box,
        data: this.#alloc(total * planeLen),
        present: new Uint8Array(total),
        count: 0,
        total,
      };
      map.set(key, p);
    }
    return p;
  }

  /**
   * Add the plane at level `k`, leading coordinates `p` (`plane`: y × x elements of the dtype,
   * C order). Emits the slabs it completes, at this level and (through complete groups) above.
   */
  add(k: number, p: readonly number[], plane: AnyTypedArray): void {
    if (this.#chained) {
      this.#addChained(p, plane);
      return;
    }
    const g = this.#g;
    const len = planeSize(g, k);
    const slab = this.#pending(this.#slabs[k]!, slabBox(g, k, p), len);
    const at = planeIndexIn(slab.box, p);
    (slab.data as Uint8Array).set(plane as Uint8Array, at * len);
    if (slab.present[at] === 0) {
      slab.present[at] = 1;
      slab.count++;
    }
    if (slab.count === slab.total) {
      this.#slabs[k]!.delete(keyOf(slab.box.map(([a]) => a)));
      this.#opts.emit({ level: k, box: slab.box, data: slab.data });
    }
    if (k + 1 >= g.levels.length) return;
    const box = groupBox(g, k, p);
    if (boxPlanes(box) === 1) {
      this.#next(k, box, plane);
      return;
    }
    const group = this.#pending(this.#groups[k]!, box, len);
    const i = planeIndexIn(box, p);
    (group.data as Uint8Array).set(plane as Uint8Array, i * len);
    if (group.present[i] === 0) {
      group.present[i] = 1;
      group.count++;
    }
    if (group.count === group.total) {
      this.#groups[k]!.delete(keyOf(box.map(([a]) => a)));
      this.#next(k, box, group.data);
      this.release(group.data);
    }
  }

  /**
   * Chained mode: copy the frame into its level-0 slab and let `opts.chain` fill its plane in the
   * slab of every level above; once done, the planes count as present and complete slabs are
   * emitted. The leading coordinates are the same at every level (no leading axis downsampled).
   */
  #addChained(p: readonly number[], plane: AnyTypedArray): void {
    const g = this.#g;
    const at: { slab: Pending; i: number; key: string }[] = [];
    const views: AnyTypedArray[] = [];
    for (let k = 0; k < g.levels.length; k++) {
      const len = planeSize(g, k);
      const slab = this.#pending(this.#slabs[k]!, slabBox(g, k, p), len);
      const i = planeIndexIn(slab.box, p);
      at.push({ slab, i, key: keyOf(slab.box.map(([a]) => a)) });
      views.push(slab.data.subarray(i * len, (i + 1) * len) as AnyTypedArray);
    }
    (views[0] as Uint8Array).set(plane as Uint8Array);
    const single = at.every((a) => a.slab.total === 1) ? at.map((a) => a.slab.box) : undefined;
    this.#opts.chain!(
      views,
      () => {
        for (const [k, { slab, i, key }] of at.entries()) {
          if (slab.present[i] === 0) {
            slab.present[i] = 1;
            slab.count++;
          }
          if (slab.count === slab.total && this.#slabs[k]!.get(key) === slab) {
            this.#slabs[k]!.delete(key);
            this.#opts.emit({ level: k, box: slab.box, data: slab.data });
          }
        }
      },
      single,
    );
  }

  /** Downsample a complete group of level `k` (planes of `box`) and add the result at k+1. */
  #next(k: number, box: LeadBox, data: AnyTypedArray): void {
    const g = this.#g;
    const l = g.levels[k]!;
    const shape = [...box.map(([a, b]) => b - a), ...l.plane];
    const out = downsample(
      this.#opts.method,
      g.dtype as KernelDType,
      data as KernelArray,
      shape,
      g.factors,
    ) as AnyTypedArray;
    const q = box.map(([a], i) => a / g.factors[i]!);
    this.add(k + 1, q, out);
  }

  /**
   * The edges: with the append axis ending at `extent`, complete every incomplete group and slab
   * (missing planes read as the fill value 0, as unwritten chunks do in the batch path), level
   * by level, clipping slabs to `extent` along the append axis. Afterwards nothing is held.
   */
  finish(extent: number): void {
    const g = this.#g;
    const a = g.appendAxis;
    for (let k = 0; k < g.levels.length; k++) {
      const groups = [...this.#groups[k]!.values()];
      this.#groups[k]!.clear();
      for (const grp of groups) {
        this.#zeroMissing(grp);
        this.#next(k, grp.box, grp.data);
        this.release(grp.data);
      }
      const slabs = [...this.#slabs[k]!.values()];
      this.#slabs[k]!.clear();
      for (const s of slabs) {
        this.#zeroMissing(s);
        const end = Math.min(s.box[a]![1], extent);
        if (end <= s.box[a]![0]) {
          this.release(s.data);
          continue;
        }
        if (end === s.box[a]![1]) {
          this.#opts.emit({ level: k, box: s.box, data: s.data });
          continue;
        }
        const clipped: LeadBox = s.box.map((r, i) => (i === a ? [r[0], end] : [r[0], r[1]]));
        const plane = g.levels[k]!.plane;
        const fromShape = [...s.box.map(([x, y]) => y - x), ...plane];
        const toShape = [...clipped.map(([x, y]) => y - x), ...plane];
        const out = this.#alloc(boxPlanes(clipped) * plane[0] * plane[1]);
        copyBox(
          s.data,
          fromShape,
          fromShape.map(() => 0),
          out,
          toShape,
          toShape.map(() => 0),
          toShape,
        );
        this.release(s.data);
        this.#opts.emit({ level: k, box: clipped, data: out });
      }
    }
  }

  /**
   * Copies of the incomplete slabs of level `k` (planes not received yet are 0), for a flush
   * that writes what it has.
   */
  snapshotSlabs(k: number): EmittedSlab[] {
    return [...this.#slabs[k]!.values()].map((s) => {
      this.#zeroMissing(s);
      const data = this.#alloc(s.data.length);
      (data as Uint8Array).set(s.data as Uint8Array);
      return { level: k, box: s.box, data };
    });
  }
}
