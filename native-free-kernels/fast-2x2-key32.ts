/**
 * 2×2 order statistics for 4-byte types (int32, uint32, float32) read as int32 through views
 * and compared as order keys (keys.ts): full blocks only, as in fast-2x2-small.ts. Keys span
 * all of int32, so min / max go through float64 (`minKey`, exact) instead of the int32 trick.
 */
import { eqInt, maxKey, minKey } from "./branch-free.js";
import { fromKey32, type Key32Params, toKey32 } from "./keys.js";

/** Signature shared by the 4-byte full-block 2×2 kernels. */
export type Key2x2 = (
  src: Int32Array,
  out: Int32Array,
  params: Key32Params,
  planes: number,
  ny: number,
  nx: number,
) => void;

export const min2x2Key: Key2x2 = (src, out, params, planes, ny, nx) => {
  const { a: ka, c: kc, n: kn } = params;
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
        const a = toKey32(src[i]!, ka, kc, kn);
        const b = toKey32(src[i + 1]!, ka, kc, kn);
        const c = toKey32(src[j]!, ka, kc, kn);
        const d = toKey32(src[j + 1]!, ka, kc, kn);
        out[o] = fromKey32(minKey(minKey(a, b), minKey(c, d)), ka, kc);
        i += 2;
        j += 2;
      }
    }
  }
};

export const max2x2Key: Key2x2 = (src, out, params, planes, ny, nx) => {
  const { a: ka, c: kc, n: kn } = params;
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
        const a = toKey32(src[i]!, ka, kc, kn);
        const b = toKey32(src[i + 1]!, ka, kc, kn);
        const c = toKey32(src[j]!, ka, kc, kn);
        const d = toKey32(src[j + 1]!, ka, kc, kn);
        out[o] = fromKey32(maxKey(maxKey(a, b), maxKey(c, d)), ka, kc);
        i += 2;
        j += 2;
      }
    }
  }
};

/** Lower median of 4 = min(max(lo1, lo2), min(hi1, hi2)). */
export const median2x2Key: Key2x2 = (src, out, params, planes, ny, nx) => {
  const { a: ka, c: kc, n: kn } = params;
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
        const a = toKey32(src[i]!, ka, kc, kn);
        const b = toKey32(src[i + 1]!, ka, kc, kn);
        const c = toKey32(src[j]!, ka, kc, kn);
        const d = toKey32(src[j + 1]!, ka, kc, kn);
        const lo1 = minKey(a, b);
        const lo2 = minKey(c, d);
        const m = minKey(maxKey(lo1, lo2), minKey(a + b - lo1, c + d - lo2));
        out[o] = fromKey32(m, ka, kc);
        i += 2;
        j += 2;
      }
    }
  }
};

/** Mode of 4, ties to the smallest; see mode2x2Small. */
export const mode2x2Key: Key2x2 = (src, out, params, planes, ny, nx) => {
  const { a: ka, c: kc, n: kn } = params;
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
        const a = toKey32(src[i]!, ka, kc, kn);
        const b = toKey32(src[i + 1]!, ka, kc, kn);
        const c = toKey32(src[j]!, ka, kc, kn);
        const d = toKey32(src[j + 1]!, ka, kc, kn);
        const a1 = minKey(a, b);
        const b1 = a + b - a1;
        const c1 = minKey(c, d);
        const d1 = c + d - c1;
        const s0 = minKey(a1, c1);
        const c2 = a1 + c1 - s0;
        const s3 = maxKey(b1, d1);
        const b2 = b1 + d1 - s3;
        const s1 = minKey(b2, c2);
        const s2 = b2 + c2 - s1;
        const r = s0 + eqInt(s2, s3) * (s2 - s0);
        out[o] = fromKey32(r + (eqInt(s0, s1) | eqInt(s1, s2)) * (s1 - r), ka, kc);
        i += 2;
        j += 2;
      }
    }
  }
};
