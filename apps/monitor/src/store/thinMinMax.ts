/**
 * Which points of a step-sorted series to keep when it is thinned to bound memory: the step range
 * is cut into `buckets` equal slices, and each slice keeps its lowest and its highest finite value
 * (the first of equals) and its first non-finite one; the first and last points are always kept.
 * So a chart of the kept points shows the same envelope (every spike, every dip wider than a
 * slice, every NaN or ±Infinity) as the full series, at any zoom down to one slice. Returns the
 * kept indices in increasing order: at most 3·buckets + 2 of them.
 *
 * Equal-width slices of the step range (not of the point count) keep the density uniform over
 * the run when a series is thinned again and again as it grows: a count-based cut would halve the
 * already-thinned old part each time.
 */
export function thinMinMax(
  steps: ArrayLike<number>,
  values: ArrayLike<number>,
  n: number,
  buckets: number,
): number[] {
  if (n <= 2) return Array.from({ length: n }, (_, i) => i);
  const first = steps[0];
  const width = (steps[n - 1] - first) / buckets;
  const kept: number[] = [0];
  let bucket = -1;
  let lo = -1;
  let hi = -1;
  let bad = -1;
  const flush = () => {
    // the bucket's kept points (at most three, −1 for none) in index order, each once, without
    // allocating: a three-element sorting network, then skip −1 and repeats
    let p = Math.min(lo, hi);
    let q = Math.max(lo, hi);
    const r = Math.max(q, bad);
    q = Math.min(q, bad);
    const t = Math.max(p, q);
    p = Math.min(p, q);
    q = t;
    if (p > 0) kept.push(p);
    if (q > 0 && q !== p) kept.push(q);
    if (r > 0 && r !== q) kept.push(r);
  };
  for (let i = 1; i < n - 1; i++) {
    // width 0 (every step equal) or a non-finite range: one bucket
    const b =
      width > 0 && Number.isFinite(width)
        ? Math.min(buckets - 1, Math.floor((steps[i] - first) / width))
        : 0;
    if (b !== bucket) {
      flush();
      bucket = b;
      lo = -1;
      hi = -1;
      bad = -1;
    }
    const v = values[i];
    if (Number.isFinite(v)) {
      if (lo < 0 || v < values[lo]) lo = i;
      if (hi < 0 || v > values[hi]) hi = i;
    } else if (bad < 0) {
      bad = i;
    }
  }
  flush();
  kept.push(n - 1);
  return kept;
}
