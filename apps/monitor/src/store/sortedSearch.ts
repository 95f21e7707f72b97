/** First index in sorted `x` (within [from, to)) whose value is >= `value`. */
export function lowerBound(x: ArrayLike<number>, value: number, from = 0, to = x.length): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First index in sorted `x` (within [from, to)) whose value is > `value`. */
export function upperBound(x: ArrayLike<number>, value: number, from = 0, to = x.length): number {
  let lo = from;
  let hi = to;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (x[mid] <= value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
