import type { SchedulerLike } from 'rxjs';

/** What to do with a row whose used float columns hold NaN. */
export type NanPolicy = 'propagate' | 'skip' | 'error';

/** Windows kept alongside the running totals. Each is bounded by its own size. */
export interface WindowSpec {
  /** The last N rows (exact: a batch straddling the edge is cut at the row). */
  rows?: number;
  /** The last K batches. */
  batches?: number;
  /**
   * A time span of `ms` milliseconds ending at the latest batch's time. A batch's time is the
   * largest value of `column` in it (numbers, or Arrow Timestamp/Date as milliseconds), or its
   * arrival time on the scheduler when no column is given. Batch granularity.
   */
  time?: { ms: number; column?: string };
}

/**
 * One running loss: the kernel, which column feeds each input, the loss's options, and the
 * stream's policies.
 */
export interface LossSpec {
  /** A kernel of `@losskit/core` by name (`kernels[loss]`), e.g. `'crossEntropy'`. */
  loss: string;
  /**
   * Input name → column name, e.g. `{ input: 'logits', target: 'label' }`. Per-element options
   * (the kernel's `rowOptions`, e.g. BCE's `weight`) may also map to a column.
   */
  columns: Readonly<Record<string, string>>;
  /**
   * The loss's options (`weight`, `ignoreIndex`, `labelSmoothing`, …). `reduction` chooses what
   * the running `value` is: `mean` (default) Σvalue/Σdenominator, `sum`, `batchmean` (klDiv)
   * Σvalue/rows, or `none` (the update also carries each batch's per-element `values`; the
   * running value is the mean).
   */
  options?: Readonly<Record<string, unknown>>;
  window?: WindowSpec;
  /** TensorBoard's debiased EMA weight in [0, 1), applied to the batch values (default none). */
  smoothing?: number;
  /** NaN in a used float column: `propagate` (default, as PyTorch), `skip` the row and count it, or `error`. */
  nan?: NanPolicy;
  /**
   * What a reduced value shows while its divisor is 0 (no rows yet, or every row ignored).
   * Default `NaN` (PyTorch's 0/0); `null` or `0` are common choices for a display.
   */
  empty?: number | null;
  /** A column whose values key per-group statistics (class, split, worker), kept alongside the total. */
  groupBy?: string;
  /** Clock for arrival times (time windows without a column). Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
}
