/**
 * `stride` for every dtype: output p takes input p·f, so only the element width matters. The
 * caller passes same-width unsigned views (Uint8Array, Uint16Array, Int32Array; 8-byte
 * types as an Int32Array with `wordsPerElement` 2), which copies bits exactly, NaN payloads
 * and -0 included.
 */
import type { Geometry } from "./normalize.js";

/** Word arrays `strideCopy` moves bits between. */
export type WordArray = Uint8Array | Uint16Array | Int32Array;

/** Copies the first element of every block of `src` into `out` (C order, n-d). */
export function strideCopy(
  src: WordArray,
  out: WordArray,
  geometry: Geometry,
  wordsPerElement: 1 | 2,
): void {
  const shape = geometry.shape.slice();
  const factors = geometry.factors.slice();
  if (wordsPerElement === 2) {
    shape.push(2);
    factors.push(1);
  }
  const d = shape.length;
  const outShape = shape.map((n, a) => Math.ceil(n / factors[a]!));
  // Source step per output step on each axis: factor × the axis' source stride.
  const step = new Array<number>(d);
  let stride = 1;
  for (let a = d - 1; a >= 0; a--) {
    step[a] = factors[a]! * stride;
    stride *= shape[a]!;
  }
  const rowLength = outShape[d - 1]!;
  const innerStep = step[d - 1]!;
  const pos = new Array<number>(d).fill(0);
  let base = 0;
  let o = 0;
  const total = out.length;
  while (o < total) {
    let i = base;
    for (let x = 0; x < rowLength; x++) {
      out[o++] = src[i]!;
      i += innerStep;
    }
    // Advance the odometer over the output axes before the last one.
    let a = d - 2;
    while (a >= 0) {
      pos[a] = pos[a]! + 1;
      base += step[a]!;
      if (pos[a]! < outShape[a]!) break;
      base -= pos[a]! * step[a]!;
      pos[a] = 0;
      a--;
    }
    if (a < 0) break;
  }
}
