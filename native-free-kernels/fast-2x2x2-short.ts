/**
 * 2×2×2 kernels for 2-byte integers (int16, uint16; fast-2x2x2-byte.ts is the same code for
 * 1-byte types, see there) over
 * `planes` stacked volumes of nz × ny × nx: full blocks only (the caller runs the general
 * kernel on partial blocks at odd edges). Block elements in C order: (z, y, x) = 000, 001, 010,
 * 011, 100, … Output volume ⌈nz/2⌉ × ⌈ny/2⌉ × ⌈nx/2⌉, C order.
 */

import type { Kernel2x2x2 } from "./blocks.js";
import { maxSmall, minSmall } from "./branch-free.js";
import type { ShortArray } from "./types.js";

/**
 * Mean of 8 rounded to nearest, ties to even: (s + 3 + bit 3 of s) >> 3. |s| <= 8 · 65535 < 2^20,
 * so int32 arithmetic is exact; `>>` floors, which keeps the formula right for negative sums.
 */
export const mean2x2x2Short: Kernel2x2x2<ShortArray> = (src, out, planes, nz, ny, nx) => {
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
          const s =
            src[i]! +
            src[i + 1]! +
            src[j]! +
            src[j + 1]! +
            src[k]! +
            src[k + 1]! +
            src[l]! +
            src[l + 1]!;
          out[o] = (s + 3 + ((s >> 3) & 1)) >> 3;
          i += 2;
          j += 2;
          k += 2;
          l += 2;
        }
      }
    }
  }
};

export const min2x2x2Short: Kernel2x2x2<ShortArray> = (src, out, planes, nz, ny, nx) => {
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
          const x0 = src[i]!;
          const x1 = src[i + 1]!;
          const x2 = src[j]!;
          const x3 = src[j + 1]!;
          const x4 = src[k]!;
          const x5 = src[k + 1]!;
          const x6 = src[l]!;
          const x7 = src[l + 1]!;
          out[o] = minSmall(
            minSmall(minSmall(x0, x1), minSmall(x2, x3)),
            minSmall(minSmall(x4, x5), minSmall(x6, x7)),
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

export const max2x2x2Short: Kernel2x2x2<ShortArray> = (src, out, planes, nz, ny, nx) => {
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
          const x0 = src[i]!;
          const x1 = src[i + 1]!;
          const x2 = src[j]!;
          const x3 = src[j + 1]!;
          const x4 = src[k]!;
          const x5 = src[k + 1]!;
          const x6 = src[l]!;
          const x7 = src[l + 1]!;
          out[o] = maxSmall(
            maxSmall(maxSmall(x0, x1), maxSmall(x2, x3)),
            maxSmall(maxSmall(x4, x5), maxSmall(x6, x7)),
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
export const median2x2x2Short: Kernel2x2x2<ShortArray> = (src, out, planes, nz, ny, nx) => {
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
          const x0 = src[i]!;
          const x1 = src[i + 1]!;
          const x2 = src[j]!;
          const x3 = src[j + 1]!;
          const x4 = src[k]!;
          const x5 = src[k + 1]!;
          const x6 = src[l]!;
          const x7 = src[l + 1]!;
          const a0 = minSmall(x0, x1);
          const a1 = x0 + x1 - a0;
          const a2 = minSmall(x2, x3);
          const a3 = x2 + x3 - a2;
          const aA = minSmall(a0, a2);
          const ac = a0 + a2 - aA;
          const aD = maxSmall(a1, a3);
          const ab = a1 + a3 - aD;
          const aB = minSmall(ab, ac);
          const aC = ab + ac - aB;
          const b0 = minSmall(x4, x5);
          const b1 = x4 + x5 - b0;
          const b2 = minSmall(x6, x7);
          const b3 = x6 + x7 - b2;
          const bA = minSmall(b0, b2);
          const bc = b0 + b2 - bA;
          const bD = maxSmall(b1, b3);
          const bb = b1 + b3 - bD;
          const bB = minSmall(bb, bc);
          const bC = bb + bc - bB;
          const m = minSmall(
            minSmall(aD, bD),
            minSmall(maxSmall(aC, bA), minSmall(maxSmall(aB, bB), maxSmall(aA, bC))),
          );
          out[o] = m;
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
export const mode2x2x2Short: Kernel2x2x2<ShortArray> = (src, out, planes, nz, ny, nx) => {
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
          let x0 = src[i]!;
          let x1 = src[i + 1]!;
          let x2 = src[j]!;
          let x3 = src[j + 1]!;
          let x4 = src[k]!;
          let x5 = src[k + 1]!;
          let x6 = src[l]!;
          let x7 = src[l + 1]!;
          let t = 0;
          t = minSmall(x0, x2);
          x2 = x0 + x2 - t;
          x0 = t;
          t = minSmall(x1, x3);
          x3 = x1 + x3 - t;
          x1 = t;
          t = minSmall(x4, x6);
          x6 = x4 + x6 - t;
          x4 = t;
          t = minSmall(x5, x7);
          x7 = x5 + x7 - t;
          x5 = t;
          t = minSmall(x0, x4);
          x4 = x0 + x4 - t;
          x0 = t;
          t = minSmall(x1, x5);
          x5 = x1 + x5 - t;
          x1 = t;
          t = minSmall(x2, x6);
          x6 = x2 + x6 - t;
          x2 = t;
          t = minSmall(x3, x7);
          x7 = x3 + x7 - t;
          x3 = t;
          t = minSmall(x0, x1);
          x1 = x0 + x1 - t;
          x0 = t;
          t = minSmall(x2, x3);
          x3 = x2 + x3 - t;
          x2 = t;
          t = minSmall(x4, x5);
          x5 = x4 + x5 - t;
          x4 = t;
          t = minSmall(x6, x7);
          x7 = x6 + x7 - t;
          x6 = t;
          t = minSmall(x2, x4);
          x4 = x2 + x4 - t;
          x2 = t;
          t = minSmall(x3, x5);
          x5 = x3 + x5 - t;
          x3 = t;
          t = minSmall(x1, x4);
          x4 = x1 + x4 - t;
          x1 = t;
          t = minSmall(x3, x6);
          x6 = x3 + x6 - t;
          x3 = t;
          t = minSmall(x1, x2);
          x2 = x1 + x2 - t;
          x1 = t;
          t = minSmall(x3, x4);
          x4 = x3 + x4 - t;
          x3 = t;
          t = minSmall(x5, x6);
          x6 = x5 + x6 - t;
          x5 = t;
          let run = 1;
          let bestRun = 1;
          let best = x0;
          let g = 0;
          run = (run & ~((x0 - x1) >> 31)) + 1;
          g = (bestRun - run) >> 31;
          best ^= (best ^ x1) & g;
          bestRun ^= (bestRun ^ run) & g;
          run = (run & ~((x1 - x2) >> 31)) + 1;
          g = (bestRun - run) >> 31;
          best ^= (best ^ x2) & g;
          bestRun ^= (bestRun ^ run) & g;
          run = (run & ~((x2 - x3) >> 31)) + 1;
          g = (bestRun - run) >> 31;
          best ^= (best ^ x3) & g;
          bestRun ^= (bestRun ^ run) & g;
          run = (run & ~((x3 - x4) >> 31)) + 1;
          g = (bestRun - run) >> 31;
          best ^= (best ^ x4) & g;
          bestRun ^= (bestRun ^ run) & g;
          run = (run & ~((x4 - x5) >> 31)) + 1;
          g = (bestRun - run) >> 31;
          best ^= (best ^ x5) & g;
          bestRun ^= (bestRun ^ run) & g;
          run = (run & ~((x5 - x6) >> 31)) + 1;
          g = (bestRun - run) >> 31;
          best ^= (best ^ x6) & g;
          bestRun ^= (bestRun ^ run) & g;
          run = (run & ~((x6 - x7) >> 31)) + 1;
          g = (bestRun - run) >> 31;
          best ^= (best ^ x7) & g;
          out[o] = best;
          i += 2;
          j += 2;
          k += 2;
          l += 2;
        }
      }
    }
  }
};
