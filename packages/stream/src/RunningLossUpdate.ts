import type { LossState, RunningReduction } from './LossState.js';

/** A reduced value with the statistics behind it. */
export interface RunningValue {
  /** The value by the spec's reduction, or the spec's `empty` when its divisor is 0. */
  value: number | null;
  /** Σ value. */
  sum: number;
  /** Σ denominator. */
  denominator: number;
  rows: number;
  elements: number;
  /** Rows skipped: NaN (policy `skip`), Arrow null, and ignored by the kernel (`ignoreIndex`). */
  skipped: { nan: number; null: number; ignored: number };
}

/** One batch's value, plus its per-element values when the reduction is `none`. */
export interface BatchValue extends RunningValue {
  /** Per-element values of the kept rows (reduction `none` only). */
  values?: Float64Array;
}

/** What `runningLoss` emits per batch. */
export interface RunningLossUpdate extends RunningValue {
  /** The kernel's name. */
  loss: string;
  /** How `value` reduces the totals. */
  reduction: RunningReduction;
  /** 0-based index of the batch. */
  index: number;
  /** The batch's time: the time column's largest value, or its arrival time (ms). */
  time: number;
  /** The running mean Σvalue/Σdenominator, whatever the reduction (`empty` before any denominator). */
  mean: number | null;
  /** This batch alone. */
  batch: BatchValue;
  /** The configured windows. */
  window: { rows?: RunningValue; batches?: RunningValue; time?: RunningValue };
  /** TensorBoard's debiased EMA of the finite batch values; null before one, or when not configured. */
  smoothed: number | null;
  /** Per group (with `groupBy`): the running value of each group seen so far. */
  groups?: Record<string, RunningValue>;
  /** A snapshot of the mergeable state after this batch. */
  state: LossState;
}
