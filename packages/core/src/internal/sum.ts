// Compensated (Neumaier) summation. Kernels inline the same three lines in their hot loops;
// this module is for everything else, and documents the step:
//   t = s + v;  c += |s| ≥ |v| ? (s − t) + v : (v − t) + s;  s = t
// (s − t) + v recovers exactly the low-order bits of v lost in s + v (Neumaier 1974); the
// error of the final s + c is O(ε) independent of n, where plain summation's is O(nε).

/** A running compensated sum `{ s, c }`; its value is `s + c` (see {@link neumaierValue}). */
export interface Neumaier {
  s: number;
  c: number;
}

/** Adds `v` into `acc` in place. */
export function neumaierAdd(acc: Neumaier, v: number): void {
  const s = acc.s;
  const t = s + v;
  acc.c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
  acc.s = t;
}

/** The value of a compensated sum. Infinities and NaN in `s` win (the compensation is NaN then). */
export function neumaierValue(acc: Neumaier): number {
  return Number.isFinite(acc.s) ? acc.s + acc.c : acc.s;
}

/** Σ of an array with Neumaier compensation. */
export function neumaierSum(values: ArrayLike<number>): number {
  let s = 0;
  let c = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

/**
 * Σ term(i) over i0 ≤ i < i1 with per-element compensation, each term also written to out[i]
 * when `out` is given: the kernels' reference loop, which their blocked sums fall back to for a
 * block that came out non-finite and for short tails. `term` may throw (an invalid label).
 */
export function exactRangeSum(
  i0: number,
  i1: number,
  out: Float64Array | null,
  term: (i: number) => number,
): number {
  let s = 0;
  let c = 0;
  for (let i = i0; i < i1; i++) {
    const v = term(i);
    if (out !== null) out[i] = v;
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}
