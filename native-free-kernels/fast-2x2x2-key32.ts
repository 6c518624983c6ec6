/**
 * 2×2×2 order statistics for 4-byte types (int32, uint32, float32) read as int32 views and
 * compared as order keys (keys.ts); full blocks only, as in fast-2x2x2-short.ts.
 */
import { eqInt, maxKey, minKey } from "./branch-free.js";
import { fromKey32, type Key32Params, toKey32 } from "./keys.js";

/** Signature shared by the 4-byte full-block 2×2×2 kernels. */
export type Key2x2x2 = (
  src: Int32Array,
  out: Int32Array,
  params: Key32Params,
  planes: number,
  nz: number,
  ny: number,
  nx: number,
) => void;

export const min2x2x2Key: Key2x2x2 = (src, out, params, planes, nz, ny, nx) => {
  const { a: ka, c: kc, n: kn } = params;
  const fz = nz >> 1;
  const fy = ny >> 1;
  const fx = nx >> 1;
  const oz = (nz + 1) >> 1;
  const oy = (ny + 1) >> 1;
  const ox = (nx + 1) >> 1;
  const plane = ny * nx;
  for (let p = 0; p < planes; p++) {
    for (let z = 0; z < fz; z++) {
      for (let y = 0; y < fy; y++) {
        let i = ((p * nz + 2 * z) * ny + 2 * y) * nx;
        let j = i + nx;
        let k = i + plane;
        let l = k + nx;
        let o = ((p * oz + z) * oy + y) * ox;
        const end = o + fx;
        for (; o < end; o++) {
          const x0 = toKey32(src[i]!, ka, kc, kn);
          const x1 = toKey32(src[i + 1]!, ka, kc, kn);
          const x2 = toKey32(src[j]!, ka, kc, kn);
          const x3 = toKey32(src[j + 1]!, ka, kc, kn);
          const x4 = toKey32(src[k]!, ka, kc, kn);
          const x5 = toKey32(src[k + 1]!, ka, kc, kn);
          const x6 = toKey32(src[l]!, ka, kc, kn);
          const x7 = toKey32(src[l + 1]!, ka, kc, kn);
          out[o] = fromKey32(
            minKey(minKey(minKey(x0, x1), minKey(x2, x3)), minKey(minKey(x4, x5), minKey(x6, x7))),
            ka,
            kc,
          );
          i += 2;
          j += 2;
          k += 2;
          l += 2;
        }
      }
    }
  }
};

export const max2x2x2Key: Key2x2x2 = (src, out, params, planes, nz, ny, nx) => {
  const { a: ka, c: kc, n: kn } = params;
  const fz = nz >> 1;
  const fy = ny >> 1;
  const fx = nx >> 1;
  const oz = (nz + 1) >> 1;
  const oy = (ny + 1) >> 1;
  const ox = (nx + 1) >> 1;
  const plane = ny * nx;
  for (let p = 0; p < planes; p++) {
    for (let z = 0; z < fz; z++) {
      for (let y = 0; y < fy; y++) {
        let i = ((p * nz + 2 * z) * ny + 2 * y) * nx;
        let j = i + nx;
        let k = i + plane;
        let l = k + nx;
        let o = ((p * oz + z) * oy + y) * ox;
        const end = o + fx;
        for (; o < end; o++) {
          const x0 = toKey32(src[i]!, ka, kc, kn);
          const x1 = toKey32(src[i + 1]!, ka, kc, kn);
          const x2 = toKey32(src[j]!, ka, kc, kn);
          const x3 = toKey32(src[j + 1]!, ka, kc, kn);
          const x4 = toKey32(src[k]!, ka, kc, kn);
          const x5 = toKey32(src[k + 1]!, ka, kc, kn);
          const x6 = toKey32(src[l]!, ka, kc, kn);
          const x7 = toKey32(src[l + 1]!, ka, kc, kn);
          out[o] = fromKey32(
            maxKey(maxKey(maxKey(x0, x1), maxKey(x2, x3)), maxKey(maxKey(x4, x5), maxKey(x6, x7))),
            ka,
            kc,
          );
          i += 2;
          j += 2;
          k += 2;
          l += 2;
        }
      }
    }
  }
};

/**
 * Lower median of 8 (4th smallest): sort the two 2×2 planes (A, B) with 5 comparators each;
 * the 4th smallest of their union is min(A4, B4, max(A3, B1), max(A2, B2), max(A1, B3)).
 */
export const median2x2x2Key: Key2x2x2 = (src, out, params, planes, nz, ny, nx) => {
  const { a: ka, c: kc, n: kn } = params;
  const fz = nz >> 1;
  const fy = ny >> 1;
  const fx = nx >> 1;
  const oz = (nz + 1) >> 1;
  const oy = (ny + 1) >> 1;
  const ox = (nx + 1) >> 1;
  const plane = ny * nx;
  for (let p = 0; p < planes; p++) {
    for (let z = 0; z < fz; z++) {
      for (let y = 0; y < fy; y++) {
        let i = ((p * nz + 2 * z) * ny + 2 * y) * nx;
        let j = i + nx;
        let k = i + plane;
        let l = k + nx;
        let o = ((p * oz + z) * oy + y) * ox;
        const end = o + fx;
        for (; o < end; o++) {
          const x0 = toKey32(src[i]!, ka, kc, kn);
          const x1 = toKey32(src[i + 1]!, ka, kc, kn);
          const x2 = toKey32(src[j]!, ka, kc, kn);
          const x3 = toKey32(src[j + 1]!, ka, kc, kn);
          const x4 = toKey32(src[k]!, ka, kc, kn);
          const x5 = toKey32(src[k + 1]!, ka, kc, kn);
          const x6 = toKey32(src[l]!, ka, kc, kn);
          const x7 = toKey32(src[l + 1]!, ka, kc, kn);
          const a0 = minKey(x0, x1);
          const a1 = x0 + x1 - a0;
          const a2 = minKey(x2, x3);
          const a3 = x2 + x3 - a2;
          const aA = minKey(a0, a2);
          const ac = a0 + a2 - aA;
          const aD = maxKey(a1, a3);
          const ab = a1 + a3 - aD;
          const aB = minKey(ab, ac);
          const aC = ab + ac - aB;
          const b0 = minKey(x4, x5);
          const b1 = x4 + x5 - b0;
          const b2 = minKey(x6, x7);
          const b3 = x6 + x7 - b2;
          const bA = minKey(b0, b2);
          const bc = b0 + b2 - bA;
          const bD = maxKey(b1, b3);
          const bb = b1 + b3 - bD;
          const bB = minKey(bb, bc);
          const bC = bb + bc - bB;
          const m = minKey(
            minKey(aD, bD),
            minKey(maxKey(aC, bA), minKey(maxKey(aB, bB), maxKey(aA, bC))),
          );
          out[o] = fromKey32(m, ka, kc);
          i += 2;
          j += 2;
          k += 2;
          l += 2;
        }
      }
    }
  }
};

/**
 * Mode of 8, ties to the smallest: sort with Knuth's 19-comparator network, then scan the runs
 * keeping the first longest one, all in arithmetic.
 */
export const mode2x2x2Key: Key2x2x2 = (src, out, params, planes, nz, ny, nx) => {
  const { a: ka, c: kc, n: kn } = params;
  const fz = nz >> 1;
  const fy = ny >> 1;
  const fx = nx >> 1;
  const oz = (nz + 1) >> 1;
  const oy = (ny + 1) >> 1;
  const ox = (nx + 1) >> 1;
  const plane = ny * nx;
  for (let p = 0; p < planes; p++) {
    for (let z = 0; z < fz; z++) {
      for (let y = 0; y < fy; y++) {
        let i = ((p * nz + 2 * z) * ny + 2 * y) * nx;
        let j = i + nx;
        let k = i + plane;
        let l = k + nx;
        let o = ((p * oz + z) * oy + y) * ox;
        const end = o + fx;
        for (; o < end; o++) {
          let x0 = toKey32(src[i]!, ka, kc, kn);
          let x1 = toKey32(src[i + 1]!, ka, kc, kn);
          let x2 = toKey32(src[j]!, ka, kc, kn);
          let x3 = toKey32(src[j + 1]!, ka, kc, kn);
          let x4 = toKey32(src[k]!, ka, kc, kn);
          let x5 = toKey32(src[k + 1]!, ka, kc, kn);
          let x6 = toKey32(src[l]!, ka, kc, kn);
          let x7 = toKey32(src[l + 1]!, ka, kc, kn);
          let t = 0;
          t = minKey(x0, x2);
          x2 = x0 + x2 - t;
          x0 = t;
          t = minKey(x1, x3);
          x3 = x1 + x3 - t;
          x1 = t;
          t = minKey(x4, x6);
          x6 = x4 + x6 - t;
          x4 = t;
          t = minKey(x5, x7);
          x7 = x5 + x7 - t;
          x5 = t;
          t = minKey(x0, x4);
          x4 = x0 + x4 - t;
          x0 = t;
          t = minKey(x1, x5);
          x5 = x1 + x5 - t;
          x1 = t;
          t = minKey(x2, x6);
          x6 = x2 + x6 - t;
          x2 = t;
          t = minKey(x3, x7);
          x7 = x3 + x7 - t;
          x3 = t;
          t = minKey(x0, x1);
          x1 = x0 + x1 - t;
          x0 = t;
          t = minKey(x2, x3);
          x3 = x2 + x3 - t;
          x2 = t;
          t = minKey(x4, x5);
          x5 = x4 + x5 - t;
          x4 = t;
          t = minKey(x6, x7);
          x7 = x6 + x7 - t;
          x6 = t;
          t = minKey(x2, x4);
          x4 = x2 + x4 - t;
          x2 = t;
          t = minKey(x3, x5);
          x5 = x3 + x5 - t;
          x3 = t;
          t = minKey(x1, x4);
          x4 = x1 + x4 - t;
          x1 = t;
          t = minKey(x3, x6);
          x6 = x3 + x6 - t;
          x3 = t;
          t = minKey(x1, x2);
          x2 = x1 + x2 - t;
          x1 = t;
          t = minKey(x3, x4);
          x4 = x3 + x4 - t;
          x3 = t;
          t = minKey(x5, x6);
          x6 = x5 + x6 - t;
          x5 = t;
          let run = 1;
          let bestRun = 1;
          let best = x0;
          let g = 0;
          run = eqInt(x1, x0) * run + 1;
          g = (bestRun - run) >>> 31;
          best += g * (x1 - best);
          bestRun += g * (run - bestRun);
          run = eqInt(x2, x1) * run + 1;
          g = (bestRun - run) >>> 31;
          best += g * (x2 - best);
          bestRun += g * (run - bestRun);
          run = eqInt(x3, x2) * run + 1;
          g = (bestRun - run) >>> 31;
          best += g * (x3 - best);
          bestRun += g * (run - bestRun);
          run = eqInt(x4, x3) * run + 1;
          g = (bestRun - run) >>> 31;
          best += g * (x4 - best);
          bestRun += g * (run - bestRun);
          run = eqInt(x5, x4) * run + 1;
          g = (bestRun - run) >>> 31;
          best += g * (x5 - best);
          bestRun += g * (run - bestRun);
          run = eqInt(x6, x5) * run + 1;
          g = (bestRun - run) >>> 31;
          best += g * (x6 - best);
          bestRun += g * (run - bestRun);
          run = eqInt(x7, x6) * run + 1;
          g = (bestRun - run) >>> 31;
          best += g * (x7 - best);
          bestRun += g * (run - bestRun);
          out[o] = fromKey32(best, ka, kc);
          i += 2;
          j += 2;
          k += 2;
          l += 2;
        }
      }
    }
  }
};
