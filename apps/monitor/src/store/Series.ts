import type { LogFormat, Point } from '../events.js';
import { DebiasedEma } from './debiasedEma.js';
import { lowerBound, upperBound } from './sortedSearch.js';
import { thinMinMax } from './thinMinMax.js';

/** Smoothing weight of the trend line the divergence check watches (not the display smoothing). */
const TREND_WEIGHT = 0.9;
/** Finite points a loss needs before it can be called diverging. */
const DIVERGENCE_MIN_POINTS = 20;
/** Window of logged wall time over which the rate is measured, in seconds. */
const RATE_WINDOW_SECONDS = 30;
/** Least logged time a rate is measured over, in seconds. */
const MIN_RATE_SPAN_SECONDS = 1;
/** Points a series keeps by default before it is thinned (see {@link Series.maxPoints}). */
export const DEFAULT_MAX_POINTS = 100_000;
/** `maxPoints` checked: 0, or an integer ≥ 16 (a RangeError naming `where` otherwise). */
export function maxPointsArg(where: string, maxPoints: number): number {
  if (maxPoints === 0 || (Number.isInteger(maxPoints) && maxPoints >= 16)) return maxPoints;
  throw new RangeError(`${where}: maxPoints must be 0 or an integer ≥ 16, got ${maxPoints}`);
}
/** The smoothing weight whose EMA is kept through thinning when no view has asked for one. */
const DEFAULT_SMOOTHING = 0.6;

/** A rate of progress: steps per second, or rows per second for Arrow losses. */
export interface Rate {
  perSecond: number;
  unit: 'steps' | 'rows';
}

/** Warnings a view shows next to a series. */
export interface SeriesAlerts {
  /** NaN / ±Infinity values seen, and the step of the first. */
  nonFinite: number;
  firstNonFiniteStep: number | null;
  /** A loss whose trend rose well above its best (see {@link Series.diverging}). */
  diverging: boolean;
}

/**
 * One series of one run: its points sorted by step (a point that arrives out of order is
 * inserted in place), with running statistics that never rescan the data.
 *
 * Memory is bounded by `maxPoints`: when a series grows past it, it is thinned to at most half
 * of it by {@link thinMinMax} (per slice of the step range its lowest, highest and first
 * non-finite point), so a long run keeps its whole envelope at a uniform density and the newest
 * points at full resolution until the next thinning. The statistics (count, min, max, mean,
 * non-finite count, divergence trend) stay exact: they are kept on arrival. The smoothed line
 * stays the EMA of every point for the weight last asked for (0.6 if none was): its values at the
 * kept points are kept. A different weight asked for later, or a point that arrives out of order
 * before the last thinned one, recomputes the EMA over the kept points only.
 */
export class Series {
  readonly path: string;
  readonly format: LogFormat;
  readonly name: string;
  /** Bumped on every change; views compare it to know what to redraw. */
  version = 0;
  length = 0;
  private stepArr = new Float64Array(64);
  private valueArr = new Float64Array(64);
  private wallArr = new Float64Array(64);
  /** Cumulative rows (Arrow losses); null until a point carries `rows`. */
  private rowsArr: Float64Array | null = null;
  private wallSorted = true;

  /**
   * Points kept at most before the series is thinned to half of it; 0 keeps every point. At
   * least 16 otherwise.
   */
  readonly maxPoints: number;
  /** Points dropped by thinning so far (count − thinned = points kept). */
  thinned = 0;
  /** Values logged, including non-finite ones. */
  count = 0;
  nonFinite = 0;
  firstNonFiniteStep: number | null = null;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  private sum = 0;
  private sumComp = 0;
  private finite = 0;
  private runningMeanFromSource: number | null = null;
  private totalRows = 0;

  private trend = new DebiasedEma(TREND_WEIGHT);
  private trendFirst = Number.NaN;
  private trendMin = Number.POSITIVE_INFINITY;

  private emaWeight = -1;
  private emaArr = new Float64Array(0);
  private emaValid = 0;
  private emaState: DebiasedEma | null = null;

  constructor(path: string, format: LogFormat, name: string, maxPoints = DEFAULT_MAX_POINTS) {
    this.path = path;
    this.format = format;
    this.name = name;
    this.maxPoints = maxPointsArg('Series', maxPoints);
  }

  get steps(): Float64Array {
    return this.stepArr.subarray(0, this.length);
  }
  get values(): Float64Array {
    return this.valueArr.subarray(0, this.length);
  }
  get wallTimes(): Float64Array {
    return this.wallArr.subarray(0, this.length);
  }
  /** True while wall time never decreases with step (time axes can then binary-search). */
  get wallTimeSorted(): boolean {
    return this.wallSorted;
  }
  /** Whether the points carry batch rows (Arrow model outputs with `--loss`). */
  get hasRows(): boolean {
    return this.rowsArr !== null;
  }

  get firstWallTime(): number {
    let t = Number.POSITIVE_INFINITY;
    if (this.wallSorted) return this.length > 0 ? this.wallArr[0] : Number.NaN;
    for (let i = 0; i < this.length; i++) if (this.wallArr[i] < t) t = this.wallArr[i];
    return t;
  }

  /** The value at the highest step. */
  get last(): number {
    return this.length > 0 ? this.valueArr[this.length - 1] : Number.NaN;
  }
  get lastStep(): number {
    return this.length > 0 ? this.stepArr[this.length - 1] : Number.NaN;
  }
  get lastWallTime(): number {
    return this.length > 0 ? this.wallArr[this.length - 1] : Number.NaN;
  }

  /**
   * The running mean: for Arrow losses the source's exact mean over all rows (`runningMean`),
   * otherwise the mean of the finite values (compensated sum).
   */
  get mean(): number {
    if (this.runningMeanFromSource !== null) return this.runningMeanFromSource;
    return this.finite > 0 ? (this.sum + this.sumComp) / this.finite : Number.NaN;
  }

  push(point: Point): void {
    const { step, value, wallTime } = point;
    this.ensureCapacity(this.length + 1);
    let at = this.length;
    if (this.length > 0 && step < this.stepArr[this.length - 1]) {
      at = upperBound(this.stepArr, step, 0, this.length);
      this.stepArr.copyWithin(at + 1, at, this.length);
      this.valueArr.copyWithin(at + 1, at, this.length);
      this.wallArr.copyWithin(at + 1, at, this.length);
      if (this.rowsArr) this.rowsArr.copyWithin(at + 1, at, this.length);
    }
    this.stepArr[at] = step;
    this.valueArr[at] = value;
    this.wallArr[at] = wallTime;
    if (point.rows !== undefined && this.rowsArr === null) {
      this.rowsArr = new Float64Array(this.stepArr.length);
    }
    if (this.rowsArr) {
      this.totalRows += point.rows ?? 0;
      this.rowsArr[at] = this.totalRows;
      if (at < this.length) this.recumulateRows(at, point.rows ?? 0);
    }
    this.length += 1;
    if (
      (at > 0 && this.wallArr[at - 1] > wallTime) ||
      (at < this.length - 1 && this.wallArr[at + 1] < wallTime)
    ) {
      this.wallSorted = false;
    }
    if (at < this.emaValid) this.emaValid = 0;

    this.count += 1;
    if (Number.isFinite(value)) {
      this.finite += 1;
      // Neumaier's compensated sum.
      const t = this.sum + value;
      this.sumComp +=
        Math.abs(this.sum) >= Math.abs(value) ? this.sum - t + value : value - t + this.sum;
      this.sum = t;
      if (value < this.min) this.min = value;
      if (value > this.max) this.max = value;
      const tr = this.trend.next(value);
      if (Number.isNaN(this.trendFirst)) this.trendFirst = tr;
      if (tr < this.trendMin) this.trendMin = tr;
    } else {
      this.nonFinite += 1;
      if (this.firstNonFiniteStep === null || step < this.firstNonFiniteStep) {
        this.firstNonFiniteStep = step;
      }
    }
    if (point.runningMean !== undefined) this.runningMeanFromSource = point.runningMean;
    if (this.maxPoints > 0 && this.length > this.maxPoints) this.thin();
    this.version += 1;
  }

  /**
   * Thins the points to at most maxPoints/2 (see the class comment): ⌊maxPoints/6⌋ − 1 slices of
   * ≤ 3 points each plus the first and the last. O(length), once per maxPoints/2 new points.
   */
  private thin(): void {
    // the EMA at every point before any is dropped, so the kept ones keep their full-data values
    this.smoothed(this.emaWeight >= 0 ? this.emaWeight : DEFAULT_SMOOTHING);
    const n = this.length;
    const kept = thinMinMax(this.stepArr, this.valueArr, n, Math.floor(this.maxPoints / 6) - 1);
    const arrays: Float64Array[] = [this.stepArr, this.valueArr, this.wallArr, this.emaArr];
    if (this.rowsArr) arrays.push(this.rowsArr);
    for (const a of arrays) for (let k = 0; k < kept.length; k++) a[k] = a[kept[k]];
    this.length = kept.length;
    this.emaValid = kept.length;
    this.thinned += n - kept.length;
  }

  /**
   * Divergence heuristic, for losses only (a name containing "loss", or an Arrow loss): at least
   * 20 finite values, and the trend (debiased EMA, weight 0.9) now above its first value or above
   * 4× its lowest value so far (when that is positive). A loss climbing back over where it started,
   * or to several times its best, is what a blown-up learning rate looks like.
   */
  get diverging(): boolean {
    if (!(this.hasRows || /loss/i.test(this.name))) return false;
    if (this.trend.count < DIVERGENCE_MIN_POINTS) return false;
    const now = this.trend.value;
    const limit =
      this.trendMin > 0 ? Math.min(this.trendFirst, 4 * this.trendMin) : this.trendFirst;
    return now > limit && now > this.trendMin;
  }

  get alerts(): SeriesAlerts {
    return {
      nonFinite: this.nonFinite,
      firstNonFiniteStep: this.firstNonFiniteStep,
      diverging: this.diverging,
    };
  }

  /**
   * Progress over the last 30 s of logged wall time: rows per second when the points carry rows,
   * otherwise steps per second. Null when the points span less than a second.
   */
  rate(): Rate | null {
    const n = this.length;
    if (n < 2 || !this.wallSorted) return null;
    const tEnd = this.wallArr[n - 1];
    let i = lowerBound(this.wallArr, tEnd - RATE_WINDOW_SECONDS, 0, n);
    if (i >= n - 1) i = n - 2;
    const dt = tEnd - this.wallArr[i];
    // Under a second of logged time says nothing about speed (a whole file read at once gets
    // arrival times a few microseconds apart).
    if (!(dt >= MIN_RATE_SPAN_SECONDS)) return null;
    if (this.rowsArr) {
      return { perSecond: (this.rowsArr[n - 1] - this.rowsArr[i]) / dt, unit: 'rows' };
    }
    return { perSecond: (this.stepArr[n - 1] - this.stepArr[i]) / dt, unit: 'steps' };
  }

  /**
   * The debiased EMA of every value at full resolution, in step order, for `weight`. Cached:
   * appending points extends it; an out-of-order insert (rare) recomputes it from the start.
   */
  smoothed(weight: number): Float64Array {
    if (weight !== this.emaWeight) {
      this.emaWeight = weight;
      this.emaValid = 0;
    }
    if (this.emaArr.length < this.length) {
      const grown = new Float64Array(this.stepArr.length);
      grown.set(this.emaArr.subarray(0, this.emaValid));
      this.emaArr = grown;
    }
    if (this.emaValid === 0 || this.emaState === null) {
      this.emaState = new DebiasedEma(weight);
      this.emaValid = 0;
    }
    for (let i = this.emaValid; i < this.length; i++) {
      this.emaArr[i] = this.emaState.next(this.valueArr[i]);
    }
    this.emaValid = this.length;
    return this.emaArr.subarray(0, this.length);
  }

  /** Index range of the points whose step lies in [from, to]. */
  stepRange(from: number, to: number): [number, number] {
    return [
      lowerBound(this.stepArr, from, 0, this.length),
      upperBound(this.stepArr, to, 0, this.length),
    ];
  }

  private recumulateRows(from: number, added: number): void {
    const rows = this.rowsArr!;
    // Rows after the inserted point move up by its row count.
    for (let i = from + 1; i <= this.length; i++) rows[i] += added;
    rows[from] = (from > 0 ? rows[from - 1] : 0) + added;
  }

  private ensureCapacity(n: number): void {
    if (n <= this.stepArr.length) return;
    const cap = Math.max(n, this.stepArr.length * 2);
    const grow = (a: Float64Array) => {
      const b = new Float64Array(cap);
      b.set(a);
      return b;
    };
    this.stepArr = grow(this.stepArr);
    this.valueArr = grow(this.valueArr);
    this.wallArr = grow(this.wallArr);
    if (this.rowsArr) this.rowsArr = grow(this.rowsArr);
  }
}
