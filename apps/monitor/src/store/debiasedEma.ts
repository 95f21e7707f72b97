/**
 * The debiased exponential moving average TensorBoard draws as its "smoothed" line
 * (tensorboard#610, #639):
 *
 *   last_n = w·last_{n−1} + (1 − w)·y_n,  last_0 = 0
 *   smoothed_n = last_n / (1 − w^n)
 *
 * Dividing by 1 − w^n removes the bias towards the zero start: with a constant input c,
 * last_n = c·(1 − w^n), so smoothed_n = c exactly from the first point on (a plain EMA started
 * at 0 would crawl up from 0; one started at y_1 overweights the first value). n counts only the
 * finite values; a NaN or ±Infinity is passed through as its own smoothed value and does not
 * poison the values after it.
 *
 * The smoothed value at a point depends only on the points before it at full resolution, so a
 * chart that downsamples afterwards shows the same smoothed value at every point it keeps,
 * whatever the zoom (tensorboard#1518, #6829), and a new point never rewrites history (#3493).
 */
export class DebiasedEma {
  readonly weight: number;
  private last = 0;
  private weightPow = 1;
  private finiteCount = 0;

  /** `weight` in [0, 1): 0 is no smoothing; TensorBoard's slider stops at 0.999. */
  constructor(weight: number) {
    if (!(weight >= 0 && weight < 1)) {
      throw new RangeError(`DebiasedEma: weight = ${weight} is outside [0, 1)`);
    }
    this.weight = weight;
  }

  /** Feeds the next value at full resolution and returns its smoothed value. */
  next(value: number): number {
    if (!Number.isFinite(value)) return value;
    const w = this.weight;
    this.last = this.last * w + (1 - w) * value;
    this.finiteCount += 1;
    this.weightPow *= w;
    return this.last / (1 - this.weightPow);
  }

  /** The smoothed value after the last finite input (NaN before any). */
  get value(): number {
    return this.finiteCount === 0 ? Number.NaN : this.last / (1 - this.weightPow);
  }

  get count(): number {
    return this.finiteCount;
  }
}

/** Clamps a user-supplied smoothing weight into [0, 0.999]; non-numbers become 0. */
export function clampSmoothing(weight: number): number {
  if (!Number.isFinite(weight) || weight <= 0) return 0;
  return Math.min(weight, 0.999);
}

/** The debiased EMA of every value of `values` (see {@link DebiasedEma}). */
export function debiasedEma(
  values: ArrayLike<number>,
  weight: number,
  out: Float64Array = new Float64Array(values.length),
): Float64Array {
  const ema = new DebiasedEma(weight);
  for (let i = 0; i < values.length; i++) out[i] = ema.next(values[i]);
  return out;
}
