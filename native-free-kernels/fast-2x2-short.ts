/**
 * 2×2 kernels for 2-byte integers (int16, uint16; fast-2x2-byte.ts is the same code for
 * 1-byte types, see there) over
 * `planes` stacked planes of ny × nx: only the full blocks (y < ⌊ny/2⌋·2, x < ⌊nx/2⌋·2); the
 * caller runs the general kernel on the partial blocks at odd edges. Output plane is
 * ⌈ny/2⌉ × ⌈nx/2⌉, C order. Plain indexed loops, arithmetic instead of branches.
 */

import type { Kernel2x2 } from "./blocks.js";
import { maxSmall, minSmall } from "./branch-free.js";
import type { ShortArray } from "./types.js";

/** Mean rounded to nearest, ties to even: (s + 1 + bit 2 of s) >> 2 for s = sum of 4. */
export const mean2x2Short: Kernel2x2<ShortArray> = (src, out, planes, ny, nx) => {
  const fy = ny >> 1;
  const fx = nx >> 1;
  const oy = (ny + 1) >> 1;
  const ox = (nx + 1) >> 1;
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < fy; y++) {
      let i = (p * ny + 2 * y) * nx;
      let j = i + nx;
      let o = (p * oy + y) * ox;
      const end = o + fx;
      for (; o < end; o++) {
        const s = src[i]! + src[i + 1]! + src[j]! + src[j + 1]!;
        out[o] = (s + 1 + ((s >> 2) & 1)) >> 2;
        i += 2;
        j += 2;
      }
    }
  }
};

export const min2x2Short: Kernel2x2<ShortArray> = (src, out, planes, ny, nx) => {
  const fy = ny >> 1;
  const fx = nx >> 1;
  const oy = (ny + 1) >> 1;
  const ox = (nx + 1) >> 1;
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < fy; y++) {
      let i = (p * ny + 2 * y) * nx;
      let j = i + nx;
      let o = (p * oy + y) * ox;
      const end = o + fx;
      for (; o < end; o++) {
        out[o] = minSmall(minSmall(src[i]!, src[i + 1]!), minSmall(src[j]!, src[j + 1]!));
        i += 2;
        j += 2;
      }
    }
  }
};

export const max2x2Short: Kernel2x2<ShortArray> = (src, out, planes, ny, nx) => {
  const fy = ny >> 1;
  const fx = nx >> 1;
  const oy = (ny + 1) >> 1;
  const ox = (nx + 1) >> 1;
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < fy; y++) {
      let i = (p * ny + 2 * y) * nx;
      let j = i + nx;
      let o = (p * oy + y) * ox;
      const end = o + fx;
      for (; o < end; o++) {
        out[o] = maxSmall(maxSmall(src[i]!, src[i + 1]!), maxSmall(src[j]!, src[j + 1]!));
        i += 2;
        j += 2;
      }
    }
  }
};

/** Lower median of 4 = second smallest = min(max(lo1, lo2), min(hi1, hi2)). */
export const median2x2Short: Kernel2x2<ShortArray> = (src, out, planes, ny, nx) => {
  const fy = ny >> 1;
  const fx = nx >> 1;
  const oy = (ny + 1) >> 1;
  const ox = (nx + 1) >> 1;
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < fy; y++) {
      let i = (p * ny + 2 * y) * nx;
      let j = i + nx;
      let o = (p * oy + y) * ox;
      const end = o + fx;
      for (; o < end; o++) {
        const a = src[i]!;
        const b = src[i + 1]!;
        const c = src[j]!;
        const d = src[j + 1]!;
        const lo1 = minSmall(a, b);
        const lo2 = minSmall(c, d);
        out[o] = minSmall(maxSmall(lo1, lo2), minSmall(a + b - lo1, c + d - lo2));
        i += 2;
        j += 2;
      }
    }
  }
};

/**
 * Mode of 4, ties to the smallest: sort with a 5-comparator network, then on sorted s0..s3 the
 * answer is s1 if s0 = s1 or s1 = s2, else s2 if s2 = s3, else s0 (all distinct).
 */
export const mode2x2Short: Kernel2x2<ShortArray> = (src, out, planes, ny, nx) => {
  const fy = ny >> 1;
  const fx = nx >> 1;
  const oy = (ny + 1) >> 1;
  const ox = (nx + 1) >> 1;
  for (let p = 0; p < planes; p++) {
    for (let y = 0; y < fy; y++) {
      let i = (p * ny + 2 * y) * nx;
      let j = i + nx;
      let o = (p * oy + y) * ox;
      const end = o + fx;
      for (; o < end; o++) {
        const a = src[i]!;
        const b = src[i + 1]!;
        const c = src[j]!;
        const d = src[j + 1]!;
        const a1 = minSmall(a, b);
        const b1 = a + b - a1;
        const c1 = minSmall(c, d);
        const d1 = c + d - c1;
        const s0 = minSmall(a1, c1);
        const c2 = a1 + c1 - s0;
        const s3 = maxSmall(b1, d1);
        const b2 = b1 + d1 - s3;
        const s1 = minSmall(b2, c2);
        const s2 = b2 + c2 - s1;
        // On sorted values, (x − y) >> 31 is all ones exactly when x < y (x ≠ y).
        const r = s0 ^ ((s0 ^ s2) & ~((s2 - s3) >> 31));
        out[o] = r ^ ((r ^ s1) & (~((s0 - s1) & (s1 - s2)) >> 31));
        i += 2;
        j += 2;
      }
    }
  }
};
