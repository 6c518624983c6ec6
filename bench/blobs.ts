/** Test images for the pyramid benches: the same seeded pixels in every bench. */

/** Smooth Gaussian blobs (separable, so cheap) plus uniform noise, from a seed. */
export function fillPlane(out: Uint16Array, h: number, w: number, seed: number): void {
  let s = seed >>> 0;
  const rand = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
  const blobs = Array.from({ length: 8 }, () => {
    const cy = rand() * h;
    const cx = rand() * w;
    const sigma = (0.03 + rand() * 0.1) * Math.min(h, w);
    const amp = 4000 + rand() * 20000;
    const gy = Float64Array.from(
      { length: h },
      (_, y) => amp * Math.exp(-(((y - cy) / sigma) ** 2)),
    );
    const gx = Float64Array.from({ length: w }, (_, x) => Math.exp(-(((x - cx) / sigma) ** 2)));
    return { gy, gx };
  });
  for (let y = 0; y < h; y++) {
    const row = y * w;
    for (let x = 0; x < w; x++) {
      let v = 100;
      for (const b of blobs) v += b.gy[y]! * b.gx[x]!;
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      out[row + x] = Math.min(65535, v + (s >>> 26));
    }
  }
}
