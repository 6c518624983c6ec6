/**
 * Full-block 2×2 and 2×2×2 means for int32 and uint32. The sum of 4 or 8 such values is an
 * exact float64 integer (|s| < 2^35); q = ⌊s / 2^k⌋ is exact too (division by a power of two),
 * and with r = s − q·2^k in [0, 2^k) the ties-to-even increment is
 * (r + (q & 1) + 2^(k−1) − 1) >> k. `q & 1` is the parity of q also beyond int32 (ToInt32
 * keeps the low bit).
 */

type Int32Like = Int32Array | Uint32Array;

export function mean2x2Int32(
  src: Int32Like,
  out: Int32Like,
  planes: number,
  ny: number,
  nx: number,
): void {
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
        const q = Math.floor(s * 0.25);
        out[o] = q + ((s - 4 * q + (q & 1) + 1) >> 2);
        i += 2;
        j += 2;
      }
    }
  }
}

export function mean2x2x2Int32(
  src: Int32Like,
  out: Int32Like,
  planes: number,
  nz: number,
  ny: number,
  nx: number,
): void {
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
          const q = Math.floor(s * 0.125);
          out[o] = q + ((s - 8 * q + (q & 1) + 3) >> 3);
          i += 2;
          j += 2;
          k += 2;
          l += 2;
        }
      }
    }
  }
}
