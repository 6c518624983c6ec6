/**
 * 2×2×2 order statistics for 4-byte types (int32, uint32, float32) read as int32 views and
 * compared as order keys (keys.ts); full blocks only, as in fast-2x2x2-short.ts.
 * The key transform (toKey32), min / max (minKey, maxKey) and the inverse transform are written
 * out inline: as calls, the 20–40 of them per block exceed V8's inlining budget, which halved the
 * speed of median and mode.
 */
import type { Key32Params } from "./keys.js";

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
          const v0 = src[i]!;
          const n0 = (kn - (v0 & 0x7fffffff)) >> 31;
          const x0 = ((v0 ^ (((v0 >> 31) & ka) ^ kc)) & ~n0) | (n0 & 0x7fffffff);
          const v1 = src[i + 1]!;
          const n1 = (kn - (v1 & 0x7fffffff)) >> 31;
          const x1 = ((v1 ^ (((v1 >> 31) & ka) ^ kc)) & ~n1) | (n1 & 0x7fffffff);
          const v2 = src[j]!;
          const n2 = (kn - (v2 & 0x7fffffff)) >> 31;
          const x2 = ((v2 ^ (((v2 >> 31) & ka) ^ kc)) & ~n2) | (n2 & 0x7fffffff);
          const v3 = src[j + 1]!;
          const n3 = (kn - (v3 & 0x7fffffff)) >> 31;
          const x3 = ((v3 ^ (((v3 >> 31) & ka) ^ kc)) & ~n3) | (n3 & 0x7fffffff);
          const v4 = src[k]!;
          const n4 = (kn - (v4 & 0x7fffffff)) >> 31;
          const x4 = ((v4 ^ (((v4 >> 31) & ka) ^ kc)) & ~n4) | (n4 & 0x7fffffff);
          const v5 = src[k + 1]!;
          const n5 = (kn - (v5 & 0x7fffffff)) >> 31;
          const x5 = ((v5 ^ (((v5 >> 31) & ka) ^ kc)) & ~n5) | (n5 & 0x7fffffff);
          const v6 = src[l]!;
          const n6 = (kn - (v6 & 0x7fffffff)) >> 31;
          const x6 = ((v6 ^ (((v6 >> 31) & ka) ^ kc)) & ~n6) | (n6 & 0x7fffffff);
          const v7 = src[l + 1]!;
          const n7 = (kn - (v7 & 0x7fffffff)) >> 31;
          const x7 = ((v7 ^ (((v7 >> 31) & ka) ^ kc)) & ~n7) | (n7 & 0x7fffffff);
          const r01 = (x0 + x1 - Math.abs(x0 - x1)) * 0.5;
          const r23 = (x2 + x3 - Math.abs(x2 - x3)) * 0.5;
          const r45 = (x4 + x5 - Math.abs(x4 - x5)) * 0.5;
          const r67 = (x6 + x7 - Math.abs(x6 - x7)) * 0.5;
          const r03 = (r01 + r23 - Math.abs(r01 - r23)) * 0.5;
          const r47 = (r45 + r67 - Math.abs(r45 - r67)) * 0.5;
          const r = (r03 + r47 - Math.abs(r03 - r47)) * 0.5;
          out[o] = r ^ (((r >> 31) & ka) ^ kc);
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
          const v0 = src[i]!;
          const n0 = (kn - (v0 & 0x7fffffff)) >> 31;
          const x0 = ((v0 ^ (((v0 >> 31) & ka) ^ kc)) & ~n0) | (n0 & 0x7fffffff);
          const v1 = src[i + 1]!;
          const n1 = (kn - (v1 & 0x7fffffff)) >> 31;
          const x1 = ((v1 ^ (((v1 >> 31) & ka) ^ kc)) & ~n1) | (n1 & 0x7fffffff);
          const v2 = src[j]!;
          const n2 = (kn - (v2 & 0x7fffffff)) >> 31;
          const x2 = ((v2 ^ (((v2 >> 31) & ka) ^ kc)) & ~n2) | (n2 & 0x7fffffff);
          const v3 = src[j + 1]!;
          const n3 = (kn - (v3 & 0x7fffffff)) >> 31;
          const x3 = ((v3 ^ (((v3 >> 31) & ka) ^ kc)) & ~n3) | (n3 & 0x7fffffff);
          const v4 = src[k]!;
          const n4 = (kn - (v4 & 0x7fffffff)) >> 31;
          const x4 = ((v4 ^ (((v4 >> 31) & ka) ^ kc)) & ~n4) | (n4 & 0x7fffffff);
          const v5 = src[k + 1]!;
          const n5 = (kn - (v5 & 0x7fffffff)) >> 31;
          const x5 = ((v5 ^ (((v5 >> 31) & ka) ^ kc)) & ~n5) | (n5 & 0x7fffffff);
          const v6 = src[l]!;
          const n6 = (kn - (v6 & 0x7fffffff)) >> 31;
          const x6 = ((v6 ^ (((v6 >> 31) & ka) ^ kc)) & ~n6) | (n6 & 0x7fffffff);
          const v7 = src[l + 1]!;
          const n7 = (kn - (v7 & 0x7fffffff)) >> 31;
          const x7 = ((v7 ^ (((v7 >> 31) & ka) ^ kc)) & ~n7) | (n7 & 0x7fffffff);
          const r01 = (x0 + x1 + Math.abs(x0 - x1)) * 0.5;
          const r23 = (x2 + x3 + Math.abs(x2 - x3)) * 0.5;
          const r45 = (x4 + x5 + Math.abs(x4 - x5)) * 0.5;
          const r67 = (x6 + x7 + Math.abs(x6 - x7)) * 0.5;
          const r03 = (r01 + r23 + Math.abs(r01 - r23)) * 0.5;
          const r47 = (r45 + r67 + Math.abs(r45 - r67)) * 0.5;
          const r = (r03 + r47 + Math.abs(r03 - r47)) * 0.5;
          out[o] = r ^ (((r >> 31) & ka) ^ kc);
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
          const v0 = src[i]!;
          const n0 = (kn - (v0 & 0x7fffffff)) >> 31;
          const x0 = ((v0 ^ (((v0 >> 31) & ka) ^ kc)) & ~n0) | (n0 & 0x7fffffff);
          const v1 = src[i + 1]!;
          const n1 = (kn - (v1 & 0x7fffffff)) >> 31;
          const x1 = ((v1 ^ (((v1 >> 31) & ka) ^ kc)) & ~n1) | (n1 & 0x7fffffff);
          const v2 = src[j]!;
          const n2 = (kn - (v2 & 0x7fffffff)) >> 31;
          const x2 = ((v2 ^ (((v2 >> 31) & ka) ^ kc)) & ~n2) | (n2 & 0x7fffffff);
          const v3 = src[j + 1]!;
          const n3 = (kn - (v3 & 0x7fffffff)) >> 31;
          const x3 = ((v3 ^ (((v3 >> 31) & ka) ^ kc)) & ~n3) | (n3 & 0x7fffffff);
          const v4 = src[k]!;
          const n4 = (kn - (v4 & 0x7fffffff)) >> 31;
          const x4 = ((v4 ^ (((v4 >> 31) & ka) ^ kc)) & ~n4) | (n4 & 0x7fffffff);
          const v5 = src[k + 1]!;
          const n5 = (kn - (v5 & 0x7fffffff)) >> 31;
          const x5 = ((v5 ^ (((v5 >> 31) & ka) ^ kc)) & ~n5) | (n5 & 0x7fffffff);
          const v6 = src[l]!;
          const n6 = (kn - (v6 & 0x7fffffff)) >> 31;
          const x6 = ((v6 ^ (((v6 >> 31) & ka) ^ kc)) & ~n6) | (n6 & 0x7fffffff);
          const v7 = src[l + 1]!;
          const n7 = (kn - (v7 & 0x7fffffff)) >> 31;
          const x7 = ((v7 ^ (((v7 >> 31) & ka) ^ kc)) & ~n7) | (n7 & 0x7fffffff);
          const a0 = (x0 + x1 - Math.abs(x0 - x1)) * 0.5;
          const a1 = x0 + x1 - a0;
          const a2 = (x2 + x3 - Math.abs(x2 - x3)) * 0.5;
          const a3 = x2 + x3 - a2;
          const aA = (a0 + a2 - Math.abs(a0 - a2)) * 0.5;
          const ac = a0 + a2 - aA;
          const aD = (a1 + a3 + Math.abs(a1 - a3)) * 0.5;
          const ab = a1 + a3 - aD;
          const aB = (ab + ac - Math.abs(ab - ac)) * 0.5;
          const aC = ab + ac - aB;
          const b0 = (x4 + x5 - Math.abs(x4 - x5)) * 0.5;
          const b1 = x4 + x5 - b0;
          const b2 = (x6 + x7 - Math.abs(x6 - x7)) * 0.5;
          const b3 = x6 + x7 - b2;
          const bA = (b0 + b2 - Math.abs(b0 - b2)) * 0.5;
          const bc = b0 + b2 - bA;
          const bD = (b1 + b3 + Math.abs(b1 - b3)) * 0.5;
          const bb = b1 + b3 - bD;
          const bB = (bb + bc - Math.abs(bb - bc)) * 0.5;
          const bC = bb + bc - bB;
          const q1 = (aC + bA + Math.abs(aC - bA)) * 0.5;
          const q2 = (aB + bB + Math.abs(aB - bB)) * 0.5;
          const q3 = (aA + bC + Math.abs(aA - bC)) * 0.5;
          const r1 = (q2 + q3 - Math.abs(q2 - q3)) * 0.5;
          const r2 = (q1 + r1 - Math.abs(q1 - r1)) * 0.5;
          const r3 = (aD + bD - Math.abs(aD - bD)) * 0.5;
          const m = (r2 + r3 - Math.abs(r2 - r3)) * 0.5;
          out[o] = m ^ (((m >> 31) & ka) ^ kc);
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
          const v0 = src[i]!;
          const n0 = (kn - (v0 & 0x7fffffff)) >> 31;
          let x0 = ((v0 ^ (((v0 >> 31) & ka) ^ kc)) & ~n0) | (n0 & 0x7fffffff);
          const v1 = src[i + 1]!;
          const n1 = (kn - (v1 & 0x7fffffff)) >> 31;
          let x1 = ((v1 ^ (((v1 >> 31) & ka) ^ kc)) & ~n1) | (n1 & 0x7fffffff);
          const v2 = src[j]!;
          const n2 = (kn - (v2 & 0x7fffffff)) >> 31;
          let x2 = ((v2 ^ (((v2 >> 31) & ka) ^ kc)) & ~n2) | (n2 & 0x7fffffff);
          const v3 = src[j + 1]!;
          const n3 = (kn - (v3 & 0x7fffffff)) >> 31;
          let x3 = ((v3 ^ (((v3 >> 31) & ka) ^ kc)) & ~n3) | (n3 & 0x7fffffff);
          const v4 = src[k]!;
          const n4 = (kn - (v4 & 0x7fffffff)) >> 31;
          let x4 = ((v4 ^ (((v4 >> 31) & ka) ^ kc)) & ~n4) | (n4 & 0x7fffffff);
          const v5 = src[k + 1]!;
          const n5 = (kn - (v5 & 0x7fffffff)) >> 31;
          let x5 = ((v5 ^ (((v5 >> 31) & ka) ^ kc)) & ~n5) | (n5 & 0x7fffffff);
          const v6 = src[l]!;
          const n6 = (kn - (v6 & 0x7fffffff)) >> 31;
          let x6 = ((v6 ^ (((v6 >> 31) & ka) ^ kc)) & ~n6) | (n6 & 0x7fffffff);
          const v7 = src[l + 1]!;
          const n7 = (kn - (v7 & 0x7fffffff)) >> 31;
          let x7 = ((v7 ^ (((v7 >> 31) & ka) ^ kc)) & ~n7) | (n7 & 0x7fffffff);
          let t = 0;
          t = (x0 + x2 - Math.abs(x0 - x2)) * 0.5;
          x2 = x0 + x2 - t;
          x0 = t;
          t = (x1 + x3 - Math.abs(x1 - x3)) * 0.5;
          x3 = x1 + x3 - t;
          x1 = t;
          t = (x4 + x6 - Math.abs(x4 - x6)) * 0.5;
          x6 = x4 + x6 - t;
          x4 = t;
          t = (x5 + x7 - Math.abs(x5 - x7)) * 0.5;
          x7 = x5 + x7 - t;
          x5 = t;
          t = (x0 + x4 - Math.abs(x0 - x4)) * 0.5;
          x4 = x0 + x4 - t;
          x0 = t;
          t = (x1 + x5 - Math.abs(x1 - x5)) * 0.5;
          x5 = x1 + x5 - t;
          x1 = t;
          t = (x2 + x6 - Math.abs(x2 - x6)) * 0.5;
          x6 = x2 + x6 - t;
          x2 = t;
          t = (x3 + x7 - Math.abs(x3 - x7)) * 0.5;
          x7 = x3 + x7 - t;
          x3 = t;
          t = (x0 + x1 - Math.abs(x0 - x1)) * 0.5;
          x1 = x0 + x1 - t;
          x0 = t;
          t = (x2 + x3 - Math.abs(x2 - x3)) * 0.5;
          x3 = x2 + x3 - t;
          x2 = t;
          t = (x4 + x5 - Math.abs(x4 - x5)) * 0.5;
          x5 = x4 + x5 - t;
          x4 = t;
          t = (x6 + x7 - Math.abs(x6 - x7)) * 0.5;
          x7 = x6 + x7 - t;
          x6 = t;
          t = (x2 + x4 - Math.abs(x2 - x4)) * 0.5;
          x4 = x2 + x4 - t;
          x2 = t;
          t = (x3 + x5 - Math.abs(x3 - x5)) * 0.5;
          x5 = x3 + x5 - t;
          x3 = t;
          t = (x1 + x4 - Math.abs(x1 - x4)) * 0.5;
          x4 = x1 + x4 - t;
          x1 = t;
          t = (x3 + x6 - Math.abs(x3 - x6)) * 0.5;
          x6 = x3 + x6 - t;
          x3 = t;
          t = (x1 + x2 - Math.abs(x1 - x2)) * 0.5;
          x2 = x1 + x2 - t;
          x1 = t;
          t = (x3 + x4 - Math.abs(x3 - x4)) * 0.5;
          x4 = x3 + x4 - t;
          x3 = t;
          t = (x5 + x6 - Math.abs(x5 - x6)) * 0.5;
          x6 = x5 + x6 - t;
          x5 = t;
          let run = 1;
          let bestRun = 1;
          let best = x0;
          let d = 0;
          let g = 0;
          d = (x1 - x0) | 0;
          run = (((d | -d) >>> 31) ^ 1) * run + 1;
          g = (bestRun - run) >>> 31;
          best += g * (x1 - best);
          bestRun += g * (run - bestRun);
          d = (x2 - x1) | 0;
          run = (((d | -d) >>> 31) ^ 1) * run + 1;
          g = (bestRun - run) >>> 31;
          best += g * (x2 - best);
          bestRun += g * (run - bestRun);
          d = (x3 - x2) | 0;
          run = (((d | -d) >>> 31) ^ 1) * run + 1;
          g = (bestRun - run) >>> 31;
          best += g * (x3 - best);
          bestRun += g * (run - bestRun);
          d = (x4 - x3) | 0;
          run = (((d | -d) >>> 31) ^ 1) * run + 1;
          g = (bestRun - run) >>> 31;
          best += g * (x4 - best);
          bestRun += g * (run - bestRun);
          d = (x5 - x4) | 0;
          run = (((d | -d) >>> 31) ^ 1) * run + 1;
          g = (bestRun - run) >>> 31;
          best += g * (x5 - best);
          bestRun += g * (run - bestRun);
          d = (x6 - x5) | 0;
          run = (((d | -d) >>> 31) ^ 1) * run + 1;
          g = (bestRun - run) >>> 31;
          best += g * (x6 - best);
          bestRun += g * (run - bestRun);
          d = (x7 - x6) | 0;
          run = (((d | -d) >>> 31) ^ 1) * run + 1;
          g = (bestRun - run) >>> 31;
          best += g * (x7 - best);
          out[o] = best ^ (((best >> 31) & ka) ^ kc);
          i += 2;
          j += 2;
          k += 2;
          l += 2;
        }
      }
    }
  }
};
