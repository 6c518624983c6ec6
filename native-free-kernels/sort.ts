/**
 * In-place ascending sorts of the first `n` keys of a scratch buffer, without allocation:
 * insertion sort for small blocks (the common 2×2…4×4×4 case), heapsort (O(n log n), no
 * recursion) for large ones. `Array.prototype.sort` or a `subarray().sort()` per block would
 * allocate per output element and is far slower on 4–64 elements.
 */

const INSERTION_MAX = 32;

/** Sorts keys[0..n) ascending. */
export function sortKeys(keys: Int32Array, n: number): void {
  if (n <= INSERTION_MAX) {
    for (let i = 1; i < n; i++) {
      const v = keys[i]!;
      let j = i - 1;
      while (j >= 0 && keys[j]! > v) {
        keys[j + 1] = keys[j]!;
        j--;
      }
      keys[j + 1] = v;
    }
    return;
  }
  for (let i = (n >> 1) - 1; i >= 0; i--) siftKeys(keys, i, n);
  for (let end = n - 1; end > 0; end--) {
    const t = keys[0]!;
    keys[0] = keys[end]!;
    keys[end] = t;
    siftKeys(keys, 0, end);
  }
}

function siftKeys(keys: Int32Array, root: number, n: number): void {
  const v = keys[root]!;
  let i = root;
  for (;;) {
    let c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && keys[c + 1]! > keys[c]!) c++;
    if (keys[c]! <= v) break;
    keys[i] = keys[c]!;
    i = c;
  }
  keys[i] = v;
}

/** Sorts the pairs (hi[i], lo[i]) for i in [0, n) ascending by hi, then lo (both signed). */
export function sortPairs(hi: Int32Array, lo: Int32Array, n: number): void {
  if (n <= INSERTION_MAX) {
    for (let i = 1; i < n; i++) {
      const vh = hi[i]!;
      const vl = lo[i]!;
      let j = i - 1;
      while (j >= 0 && (hi[j]! > vh || (hi[j] === vh && lo[j]! > vl))) {
        hi[j + 1] = hi[j]!;
        lo[j + 1] = lo[j]!;
        j--;
      }
      hi[j + 1] = vh;
      lo[j + 1] = vl;
    }
    return;
  }
  for (let i = (n >> 1) - 1; i >= 0; i--) siftPairs(hi, lo, i, n);
  for (let end = n - 1; end > 0; end--) {
    const th = hi[0]!;
    const tl = lo[0]!;
    hi[0] = hi[end]!;
    lo[0] = lo[end]!;
    hi[end] = th;
    lo[end] = tl;
    siftPairs(hi, lo, 0, end);
  }
}

function siftPairs(hi: Int32Array, lo: Int32Array, root: number, n: number): void {
  const vh = hi[root]!;
  const vl = lo[root]!;
  let i = root;
  for (;;) {
    let c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && (hi[c + 1]! > hi[c]! || (hi[c + 1] === hi[c] && lo[c + 1]! > lo[c]!))) c++;
    if (hi[c]! < vh || (hi[c] === vh && lo[c]! <= vl)) break;
    hi[i] = hi[c]!;
    lo[i] = lo[c]!;
    i = c;
  }
  hi[i] = vh;
  lo[i] = vl;
}
