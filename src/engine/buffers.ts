/** Reusable scratch buffers of a worker thread's tasks (no allocation per task once grown). */

import type { AnyTypedArray, DataType } from "../store/types.js";
import { dtypeByteSize, product, typedArrayView } from "../store/types.js";

/** A growable buffer that hands out typed views of its start (valid until the next `view`). */
export class Reusable {
  #buf = new ArrayBuffer(0);

  /** A `dtype` view of `shape`'s element count over the start of the buffer (grown if needed). */
  view(dtype: DataType, shape: readonly number[]): AnyTypedArray {
    const bytes = product(shape) * dtypeByteSize(dtype);
    if (this.#buf.byteLength < bytes) this.#buf = new ArrayBuffer(bytes);
    return typedArrayView(dtype, new Uint8Array(this.#buf, 0, bytes));
  }
}

/**
 * A free list of scratch sets, one set per task in flight on this thread: `take` one at the
 * start of a task, `give` it back at the end (a task that fails simply drops it).
 */
export class ScratchPool<T> {
  readonly #free: T[] = [];
  readonly #make: () => T;
  constructor(make: () => T) {
    this.#make = make;
  }
  take(): T {
    return this.#free.pop() ?? this.#make();
  }
  give(item: T): void {
    this.#free.push(item);
  }
}
