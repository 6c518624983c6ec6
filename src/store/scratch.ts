/** Growable byte buffers that one writer at a time reuses (no allocation per chunk). */

/**
 * A byte buffer that grows on demand and is reused: what `get(n)` returns is valid until the
 * next `get` (the owner decides when that is, e.g. one concurrency lane of a region write).
 */
export class ByteScratch {
  #buf = new Uint8Array(0);

  /** At least `n` bytes (a view of the same memory as the previous call when it was big enough). */
  get(n: number): Uint8Array {
    if (this.#buf.length < n)
      this.#buf = new Uint8Array(Math.max(n, Math.ceil(this.#buf.length * 1.25)));
    return this.#buf;
  }
}

/** Copy `src` into `scratch`; returns the copy (a view of the scratch). */
export function copyInto(src: Uint8Array, scratch: ByteScratch): Uint8Array {
  const out = scratch.get(src.length).subarray(0, src.length);
  out.set(src);
  return out;
}
