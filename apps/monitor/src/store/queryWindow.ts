import { downsampleMinMax } from './downsampleMinMax.js';
import type { Series } from './Series.js';
import { lowerBound, upperBound } from './sortedSearch.js';

/** The x axis a chart uses. `relative` is seconds since the run's first point. */
export type XAxis = 'step' | 'relative' | 'wall';

export interface WindowQuery {
  axis: XAxis;
  /** Visible x range in the axis' units; omitted ends mean the series' own first / last x. */
  from?: number;
  to?: number;
  /** Chart width in pixels (one downsampling bucket per pixel). */
  width: number;
  /** Display smoothing weight in [0, 1); 0 or absent: no smoothed line. */
  smoothing?: number;
}

/** A downsampled window of one series of one run, ready to plot. */
export interface SeriesWindow {
  x: number[];
  /** Raw values; non-finite ones are null (a gap). */
  y: (number | null)[];
  /** Smoothed (debiased EMA on full-resolution data) at the same points, when smoothing > 0. */
  s: (number | null)[] | null;
  /** Points of the series (as kept: see Series) in the x range, before downsampling. */
  inRange: number;
}

/**
 * Downsamples one series for a chart: the points with x in [from, to] (plus the nearest point
 * outside each end, so the line runs to the chart's edges), reduced per pixel with
 * {@link downsampleMinMax}; the smoothed line is the full-resolution EMA read at the kept points.
 */
export function queryWindow(series: Series, q: WindowQuery): SeriesWindow {
  const n = series.length;
  const empty: SeriesWindow = { x: [], y: [], s: null, inRange: 0 };
  if (n === 0) return empty;
  let xs: ArrayLike<number>;
  let sorted: boolean;
  if (q.axis === 'step') {
    xs = series.steps;
    sorted = true;
  } else {
    const w = series.wallTimes;
    if (q.axis === 'relative') {
      const t0 = series.firstWallTime;
      const rel = new Float64Array(n);
      for (let i = 0; i < n; i++) rel[i] = w[i] - t0;
      xs = rel;
    } else {
      xs = w;
    }
    sorted = series.wallTimeSorted;
  }
  let xMin = q.from ?? Number.NEGATIVE_INFINITY;
  let xMax = q.to ?? Number.POSITIVE_INFINITY;
  let start = 0;
  let end = n;
  if (sorted) {
    start = lowerBound(xs, xMin);
    end = upperBound(xs, xMax);
    if (!Number.isFinite(xMin)) xMin = xs[0];
    if (!Number.isFinite(xMax)) xMax = xs[n - 1];
  } else {
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (let i = 0; i < n; i++) {
      if (xs[i] < lo) lo = xs[i];
      if (xs[i] > hi) hi = xs[i];
    }
    if (!Number.isFinite(xMin)) xMin = lo;
    if (!Number.isFinite(xMax)) xMax = hi;
  }
  const values = series.values;
  const kept = downsampleMinMax(xs, values, { xMin, xMax, width: q.width, start, end });
  let inRange = end - start;
  if (!sorted) {
    inRange = 0;
    for (let i = 0; i < n; i++) if (xs[i] >= xMin && xs[i] <= xMax) inRange += 1;
  }
  if (sorted) {
    // The neighbours just outside the range carry the line to the edges of a zoomed chart.
    if (start > 0) kept.unshift(start - 1);
    if (end < n) kept.push(end);
  }
  const smoothing = q.smoothing ?? 0;
  const sm = smoothing > 0 ? series.smoothed(smoothing) : null;
  const out: SeriesWindow = {
    x: new Array(kept.length),
    y: new Array(kept.length),
    s: sm ? new Array(kept.length) : null,
    inRange,
  };
  for (let k = 0; k < kept.length; k++) {
    const i = kept[k];
    out.x[k] = xs[i];
    out.y[k] = finiteOrNull(values[i]);
    if (sm && out.s) out.s[k] = finiteOrNull(sm[i]);
  }
  return out;
}

function finiteOrNull(v: number): number | null {
  return Number.isFinite(v) ? v : null;
}
