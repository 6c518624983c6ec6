/**
 * Full-block 2×2 and 2×2×2 float means (float32 or float64): summed in float64 left to right
 * in C order within the block (the same order, hence the same bits, as the general kernel),
 * divided by the count, and stored (a Float32Array store rounds to float32).
 */

type FloatArray = Float32Array | Float64Array;

export function mean2x2Float(
  src: FloatArray,
  out: FloatArray,
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
        out[o] = (src[i]! + src[i + 1]! + src[j]! + src[j + 1]!) / 4;
        i += 2;
        j += 2;
      }
    }
  }
}

export function mean2x2x2Float(
  src: FloatArray,
  out: FloatArray,
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
          out[o] =
            (src[i]! +
              src[i + 1]! +
              src[j]! +
              src[j + 1]! +
              src[k]! +
              src[k + 1]! +
              src[l]! +
              src[l + 1]!) /
            8;
          i += 2;
          j += 2;
          k += 2;
          l += 2;
        }
      }
    }
  }
}
