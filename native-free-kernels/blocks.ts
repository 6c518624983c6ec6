/**
 * Recognizes the specialized block shapes in a collapsed geometry and lists the output boxes
 * of their partial (edge) blocks, which the general kernels handle.
 */
import type { OutputBox } from "./block-iterator.js";
import type { Geometry } from "./normalize.js";

/** A full-block 2×2 kernel over `planes` stacked ny × nx planes. */
export type Kernel2x2<A> = (src: A, out: A, planes: number, ny: number, nx: number) => void;
/** A full-block 2×2×2 kernel over `planes` stacked nz × ny × nx volumes. */
export type Kernel2x2x2<A> = (
  src: A,
  out: A,
  planes: number,
  nz: number,
  ny: number,
  nx: number,
) => void;

/** A geometry the 2×2 or 2×2×2 kernels cover: `planes` stacked blocks of dims (z,) y, x. */
export interface FastShape {
  readonly kind: "2x2" | "2x2x2";
  readonly planes: number;
  /** Sizes of the downsampled axes: [ny, nx] or [nz, ny, nx]. */
  readonly dims: readonly number[];
}

/**
 * Matches [(p,) y, x] with factors [(1,) 2, 2] and [(p,) z, y, x] with [(1,) 2, 2, 2]. After
 * normalizeGeometry, any leading factor-1 axes have been merged into one, so this covers e.g.
 * TCZYX with factors [1, 1, 1, 2, 2] and [1, 1, 2, 2, 2].
 */
export function matchFastShape(g: Geometry): FastShape | undefined {
  const { shape, factors } = g;
  const d = shape.length;
  const k = factors.findLastIndex((f) => f !== 2) + 1;
  const twos = d - k;
  if (k > 1 || (k === 1 && factors[0] !== 1)) return undefined;
  const planes = k === 1 ? shape[0]! : 1;
  const dims = shape.slice(k);
  if (twos === 2) return { kind: "2x2", planes, dims };
  if (twos === 3) return { kind: "2x2x2", planes, dims };
  return undefined;
}

/**
 * Output boxes (in the geometry's own axes) of the blocks that are partial because a
 * downsampled axis has odd length; together with the full-block interior they tile the output
 * exactly once.
 */
export function edgeBoxes(fast: FastShape, geometryRank: number): OutputBox[] {
  const { dims, planes } = fast;
  const lead = geometryRank - dims.length;
  const full = dims.map((n) => n >> 1);
  const outer = dims.map((n) => (n + 1) >> 1);
  const boxes: OutputBox[] = [];
  for (let a = 0; a < dims.length; a++) {
    if (dims[a]! % 2 === 0) continue;
    // Axes before `a` span only their full blocks (earlier boxes took their edges), axis `a`
    // is its last (partial) block, axes after `a` span everything.
    const lo: number[] = [];
    const hi: number[] = [];
    if (lead === 1) {
      lo.push(0);
      hi.push(planes);
    }
    for (let b = 0; b < dims.length; b++) {
      lo.push(b === a ? full[b]! : 0);
      hi.push(b < a ? full[b]! : outer[b]!);
    }
    boxes.push({ lo, hi });
  }
  return boxes;
}
