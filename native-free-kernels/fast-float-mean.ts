/**
 * Full-block 2×2 and 2×2×2 float means, by TensorStore's rule (sources in general-mean.ts):
 * the accumulator starts at +0 and adds the block's elements one at a time in C order of the
 * block, in the element type, then divides once by the count in that type.
 * - float32: `Math.fround` after every addition. The double sum of two float32 values rounded
 *   to float32 is the correctly rounded float32 sum (53 >= 2·24 + 2 bits, so rounding twice is
 *   harmless), i.e. C++ `float += float`. The quotient is stored into a Float32Array, which
 *   rounds it the same way: float32 `sum / 4.0f`.
 *   Float32 kernels compute two outputs per step (two independent chains), each still in
 *   exactly this order.
 * - float64: plain double additions, left to right, then `/ 4` or `/ 8`.
 * The leading `0 +` is TensorStore's zero-initialized accumulator: it turns a block of only
 * -0 into +0 (every other sum is unchanged). Same additions in the same order as
 * `generalMeanFloat32` / `generalMeanFloat64`, so the full blocks here and the partial blocks
 * there agree bit for bit with one sequential rule.
 */

export function mean2x2Float32(
  src: Float32Array,
  out: Float32Array,
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
      // Two outputs per step: two independent rounding chains overlap their latency.
      const pairs = o + (fx & ~1);
      for (; o < pairs; o += 2) {
        let s = 0 + src[i]!;
        let t = 0 + src[i + 2]!;
        s = Math.fround(s + src[i + 1]!);
        t = Math.fround(t + src[i + 3]!);
        s = Math.fround(s + src[j]!);
        t = Math.fround(t + src[j + 2]!);
        s = Math.fround(s + src[j + 1]!);
        t = Math.fround(t + src[j + 3]!);
        out[o] = s / 4;
        out[o + 1] = t / 4;
        i += 4;
        j += 4;
      }
      if (o < end) {
        let s = 0 + src[i]!;
        s = Math.fround(s + src[i + 1]!);
        s = Math.fround(s + src[j]!);
        s = Math.fround(s + src[j + 1]!);
        out[o] = s / 4;
      }
    }
  }
}

export function mean2x2Float64(
  src: Float64Array,
  out: Float64Array,
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
        out[o] = (0 + src[i]! + src[i + 1]! + src[j]! + src[j + 1]!) / 4;
        i += 2;
        j += 2;
      }
    }
  }
}

export function mean2x2x2Float32(
  src: Float32Array,
  out: Float32Array,
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
        // Two outputs per step: two independent rounding chains overlap their latency.
        const pairs = o + (fx & ~1);
        for (; o < pairs; o += 2) {
          let s = 0 + src[i]!;
          let t = 0 + src[i + 2]!;
          s = Math.fround(s + src[i + 1]!);
          t = Math.fround(t + src[i + 3]!);
          s = Math.fround(s + src[j]!);
          t = Math.fround(t + src[j + 2]!);
          s = Math.fround(s + src[j + 1]!);
          t = Math.fround(t + src[j + 3]!);
          s = Math.fround(s + src[k]!);
          t = Math.fround(t + src[k + 2]!);
          s = Math.fround(s + src[k + 1]!);
          t = Math.fround(t + src[k + 3]!);
          s = Math.fround(s + src[l]!);
          t = Math.fround(t + src[l + 2]!);
          s = Math.fround(s + src[l + 1]!);
          t = Math.fround(t + src[l + 3]!);
          out[o] = s / 8;
          out[o + 1] = t / 8;
          i += 4;
          j += 4;
          k += 4;
          l += 4;
        }
        if (o < end) {
          let s = 0 + src[i]!;
          s = Math.fround(s + src[i + 1]!);
          s = Math.fround(s + src[j]!);
          s = Math.fround(s + src[j + 1]!);
          s = Math.fround(s + src[k]!);
          s = Math.fround(s + src[k + 1]!);
          s = Math.fround(s + src[l]!);
          s = Math.fround(s + src[l + 1]!);
          out[o] = s / 8;
        }
      }
    }
  }
}

export function mean2x2x2Float64(
  src: Float64Array,
  out: Float64Array,
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
            (0 +
              src[i]! +
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
