/** Options of {@link downsampleMinMax}. */
export interface DownsampleOptions {
  /** The x range shown: points with x outside [xMin, xMax] are left out. */
  xMin: number;
  xMax: number;
  /** Pixel columns of the chart: one bucket per column. */
  width: number;
  /** Index range to scan (defaults: the whole array); lets a caller skip what a binary search excluded. */
  start?: number;
  end?: number;
}

/**
 * Per-pixel min/max downsampling ("M4"): splits [xMin, xMax] into `width` equal columns and keeps,
 * of the points falling in each column, the first, the last, the one with the lowest and the
 * one with the highest finite y, and the first non-finite one (drawn as a gap). A line through
 * the kept points covers exactly the pixels the full line would, so a one-point loss spike
 * always survives (LTTB and random sampling drop them: wandb#5694, clearml#997), and the first
 * and last points of the range are always kept. At most 5 points per column whatever the input
 * size; zooming in is calling it again with the narrower range.
 *
 * Returns the kept indices into `x`/`y`, sorted by x then index, so any other per-point array
 * (wall time, smoothed value) can be picked at the same points. `x` need not be sorted.
 */
export function downsampleMinMax(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  options: DownsampleOptions,
): number[] {
  const { xMin, xMax } = options;
  const width = Math.max(1, Math.min(100_000, Math.floor(options.width) || 1));
  const start = Math.max(0, options.start ?? 0);
  const end = Math.min(x.length, options.end ?? x.length);
  if (!(xMax >= xMin)) return [];
  const span = xMax - xMin;
  const first = new Int32Array(width).fill(-1);
  const last = new Int32Array(width);
  const lo = new Int32Array(width).fill(-1);
  const hi = new Int32Array(width).fill(-1);
  const bad = new Int32Array(width).fill(-1);
  for (let i = start; i < end; i++) {
    const xi = x[i];
    if (!(xi >= xMin && xi <= xMax)) continue;
    let b = span > 0 ? Math.floor(((xi - xMin) / span) * width) : 0;
    if (b >= width) b = width - 1;
    if (first[b] < 0) first[b] = i;
    last[b] = i;
    const yi = y[i];
    if (Number.isFinite(yi)) {
      if (lo[b] < 0 || yi < y[lo[b]]) lo[b] = i;
      if (hi[b] < 0 || yi > y[hi[b]]) hi[b] = i;
    } else if (bad[b] < 0) {
      bad[b] = i;
    }
  }
  const kept: number[] = [];
  let sorted = true;
  for (let b = 0; b < width; b++) {
    if (first[b] < 0) continue;
    const cand = [first[b], lo[b], hi[b], bad[b], last[b]].filter((i) => i >= 0);
    cand.sort((a, c) => a - c);
    for (let k = 0; k < cand.length; k++) {
      const i = cand[k];
      if (k > 0 && cand[k - 1] === i) continue;
      if (kept.length > 0 && x[kept[kept.length - 1]] > x[i]) sorted = false;
      kept.push(i);
    }
  }
  if (!sorted) kept.sort((a, c) => x[a] - x[c] || a - c);
  return kept;
}
