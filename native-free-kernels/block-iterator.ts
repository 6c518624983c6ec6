/**
 * Walks the output elements of a box of the output array in C order and lists, for each, the
 * element offsets of its in-bounds source block in C order. The general (any shape, any factors)
 * kernels are built on it; the specialized kernels use it only for the partial blocks at edges.
 */
import type { Geometry } from "./normalize.js";

/** Output index range [lo, hi) per axis; omitted means the whole output. */
export interface OutputBox {
  readonly lo: readonly number[];
  readonly hi: readonly number[];
}

/** Iterator state; `offsets[0..count)` describe the current block after `next()` returned true. */
export class BlockIterator {
  /** Source element offsets of the current block, C order. */
  readonly offsets: Float64Array;
  /** Number of in-bounds elements in the current block. */
  count = 0;
  /** C-order index of the current output element. */
  outIndex = -1;

  private readonly d: number;
  private readonly shape: readonly number[];
  private readonly factors: readonly number[];
  private readonly srcStrides: number[];
  private readonly outStrides: number[];
  private readonly lo: readonly number[];
  private readonly hi: readonly number[];
  /** Current output position per axis. */
  private readonly pos: number[];
  /** Scratch odometer over the block (outer axes only). */
  private readonly blk: number[];
  private readonly ext: number[];
  private started = false;
  private done = false;

  constructor(geometry: Geometry, box?: OutputBox) {
    const { shape, factors } = geometry;
    const d = shape.length;
    this.d = d;
    this.shape = shape;
    this.factors = factors;
    this.srcStrides = new Array<number>(d);
    this.outStrides = new Array<number>(d);
    let ss = 1;
    let os = 1;
    let capacity = 1;
    const outShape: number[] = new Array<number>(d);
    for (let a = d - 1; a >= 0; a--) {
      const n = shape[a]!;
      const f = factors[a]!;
      outShape[a] = Math.ceil(n / f);
      this.srcStrides[a] = ss;
      this.outStrides[a] = os;
      ss *= n;
      os *= outShape[a]!;
      capacity *= Math.min(f, n);
    }
    this.lo = box ? box.lo : new Array<number>(d).fill(0);
    this.hi = box ? box.hi : outShape;
    this.offsets = new Float64Array(capacity);
    this.pos = this.lo.slice();
    this.blk = new Array<number>(d).fill(0);
    this.ext = new Array<number>(d).fill(0);
    for (let a = 0; a < d; a++) if (this.lo[a]! >= this.hi[a]!) this.done = true;
  }

  /** Advances to the next output element; false when the box is exhausted. */
  next(): boolean {
    if (this.done) return false;
    const { d, pos, lo, hi } = this;
    if (this.started) {
      let a = d - 1;
      while (a >= 0) {
        pos[a] = pos[a]! + 1;
        if (pos[a]! < hi[a]!) break;
        pos[a] = lo[a]!;
        a--;
      }
      if (a < 0) {
        this.done = true;
        return false;
      }
      if (a === d - 1 && this.shiftAlongLastAxis()) return true;
    }
    this.started = true;
    this.fill();
    return true;
  }

  /**
   * The common step: the next block along the last axis, with the same last-axis extent, is
   * the previous one moved by the factor; shift the offsets instead of recomputing them.
   */
  private shiftAlongLastAxis(): boolean {
    const { d, pos, shape, factors, offsets, ext } = this;
    const f = factors[d - 1]!;
    if (Math.min(f, shape[d - 1]! - pos[d - 1]! * f) !== ext[d - 1]) return false;
    const n = this.count;
    for (let i = 0; i < n; i++) offsets[i] = offsets[i]! + f;
    this.outIndex += 1;
    return true;
  }

  private fill(): void {
    const { d, pos, shape, factors, srcStrides, outStrides, blk, ext, offsets } = this;
    let base = 0;
    let outIndex = 0;
    for (let a = 0; a < d; a++) {
      const f = factors[a]!;
      const start = pos[a]! * f;
      base += start * srcStrides[a]!;
      outIndex += pos[a]! * outStrides[a]!;
      ext[a] = Math.min(f, shape[a]! - start);
      blk[a] = 0;
    }
    this.outIndex = outIndex;
    const run = ext[d - 1]!;
    let n = 0;
    let off = base;
    for (;;) {
      for (let j = 0; j < run; j++) offsets[n++] = off + j;
      let a = d - 2;
      while (a >= 0) {
        blk[a] = blk[a]! + 1;
        off += srcStrides[a]!;
        if (blk[a]! < ext[a]!) break;
        off -= blk[a]! * srcStrides[a]!;
        blk[a] = 0;
        a--;
      }
      if (a < 0) break;
    }
    this.count = n;
  }
}
