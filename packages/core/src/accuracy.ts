import { LossOptionError } from './errors.js';
import { integerOption, optionsArg } from './internal/args.js';
import { cwRows, cwTargetError } from './internal/cwRows.js';
import { finish, outputBuffer, reductionOption } from './internal/reduce.js';
import type { KernelInfo } from './KernelInfo.js';
import type {
  FloatTensorLike,
  IndexTensorLike,
  LossOptions,
  LossResult,
  Reduction,
} from './types.js';

/** Options of {@link accuracy}. */
export interface AccuracyOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /** Top-k: a row is correct when its target is among its k largest scores (default 1). */
  k?: number;
  /** Rows whose target equals this index are not counted (default −100). */
  ignoreIndex?: number;
}

/**
 * Top-k accuracy of scores `input` `[N, C]` (logits or probabilities) at class indices
 * `target` `[N]`, a metric with the losses' interface (no gradient). Row n scores 1 when fewer
 * than k classes score strictly higher than its target, else 0 — so a tie with the target
 * counts in its favour. `mean` is the fraction of non-ignored rows that score 1
 * (`sumValue` = correct rows, `sumDenominator` = counted rows; all ignored: 0/0 = NaN);
 * ignored rows give 0 under `'none'`. A NaN score in a row makes that row NaN.
 *
 * @example
 * ```ts
 * import { accuracy } from '@losskit/core';
 * const scores = { data: [0.1, 0.9, 0.8, 0.2, 0.3, 0.7], shape: [3, 2] };
 * accuracy(scores, [1, 1, 0]).value; // only row 0 is right: 1/3
 * ```
 */
export function accuracy<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: IndexTensorLike,
  options?: AccuracyOptions<R>,
): LossResult<R> {
  const fn = 'accuracy';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const ignoreIndex = integerOption(fn, 'ignoreIndex', o.ignoreIndex, -100);
  const k = integerOption(fn, 'k', o.k, 1);
  // Types and shapes only: the row loops check each index against [0, C) themselves.
  const { x, rows, cols, y } = cwRows(fn, input, target);
  if (k < 1 || k > cols) {
    throw new LossOptionError(
      fn,
      'k',
      `option k = ${k} is invalid; expected an integer in [1, ${cols}] (the class count C)`,
    );
  }
  const out = reduction === 'none' ? outputBuffer(fn, o.out, rows) : null;
  const correct =
    x instanceof Float32Array
      ? rowsF32(fn, x, y, rows, cols, k, ignoreIndex, out)
      : x instanceof Float64Array
        ? rowsF64(fn, x, y, rows, cols, k, ignoreIndex, out)
        : rowsAny(fn, x, y, rows, cols, k, ignoreIndex, out);
  const ignored = rowsIgnored;
  // Counts of 0/1 are exact in float64 up to 2^53: no compensation needed.
  return finish(reduction, out, correct, rows - ignored, rows, rows, ignored);
}

// The row loops: three identical copies for Float32Array, Float64Array and other scores, so each
// sees one array type (a shared body makes V8's element access polymorphic); keep them
// identical. A row's rank is counted without a branch per score (`above += [v > x_y]`: on random
// scores that comparison is a coin flip, and a branch on it mispredicts half the time), and
// `notAbove` counts v ≤ x_y, so that a NaN score (x_y included) shows as a missing count and
// makes the row NaN. Each also counts the
// ignored rows (left in `rowsIgnored`) and throws for an index outside [0, C).
/** Ignored rows counted by the last rows* call. */
let rowsIgnored = 0;

function rowsF32(
  fn: string,
  x: Float32Array,
  y: ArrayLike<number>,
  rows: number,
  cols: number,
  k: number,
  ignoreIndex: number,
  out: Float64Array | null,
): number {
  let correct = 0;
  let ignored = 0;
  for (let n = 0; n < rows; n++) {
    const c = y[n];
    if (c === ignoreIndex) {
      ignored++;
      if (out !== null) out[n] = 0;
      continue;
    }
    if (!(c >= 0 && c < cols)) throw cwTargetError(fn, n, c, cols);
    const base = n * cols;
    const xc = x[base + c];
    let above = 0;
    let notAbove = 0;
    for (let j = base; j < base + cols; j++) {
      const v = x[j];
      above += Number(v > xc);
      notAbove += Number(v <= xc);
    }
    // Without NaN exactly one of v > x_y, v ≤ x_y holds per score; a NaN (x_y's too) fails both.
    const v = above + notAbove !== cols ? Number.NaN : Number(above < k);
    correct += v;
    if (out !== null) out[n] = v;
  }
  rowsIgnored = ignored;
  return correct;
}

function rowsF64(
  fn: string,
  x: Float64Array,
  y: ArrayLike<number>,
  rows: number,
  cols: number,
  k: number,
  ignoreIndex: number,
  out: Float64Array | null,
): number {
  let correct = 0;
  let ignored = 0;
  for (let n = 0; n < rows; n++) {
    const c = y[n];
    if (c === ignoreIndex) {
      ignored++;
      if (out !== null) out[n] = 0;
      continue;
    }
    if (!(c >= 0 && c < cols)) throw cwTargetError(fn, n, c, cols);
    const base = n * cols;
    const xc = x[base + c];
    let above = 0;
    let notAbove = 0;
    for (let j = base; j < base + cols; j++) {
      const v = x[j];
      above += Number(v > xc);
      notAbove += Number(v <= xc);
    }
    // Without NaN exactly one of v > x_y, v ≤ x_y holds per score; a NaN (x_y's too) fails both.
    const v = above + notAbove !== cols ? Number.NaN : Number(above < k);
    correct += v;
    if (out !== null) out[n] = v;
  }
  rowsIgnored = ignored;
  return correct;
}

function rowsAny(
  fn: string,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  rows: number,
  cols: number,
  k: number,
  ignoreIndex: number,
  out: Float64Array | null,
): number {
  let correct = 0;
  let ignored = 0;
  for (let n = 0; n < rows; n++) {
    const c = y[n];
    if (c === ignoreIndex) {
      ignored++;
      if (out !== null) out[n] = 0;
      continue;
    }
    if (!(c >= 0 && c < cols)) throw cwTargetError(fn, n, c, cols);
    const base = n * cols;
    const xc = x[base + c];
    let above = 0;
    let notAbove = 0;
    for (let j = base; j < base + cols; j++) {
      const v = x[j];
      above += Number(v > xc);
      notAbove += Number(v <= xc);
    }
    // Without NaN exactly one of v > x_y, v ≤ x_y holds per score; a NaN (x_y's too) fails both.
    const v = above + notAbove !== cols ? Number.NaN : Number(above < k);
    correct += v;
    if (out !== null) out[n] = v;
  }
  rowsIgnored = ignored;
  return correct;
}

/** {@link accuracy} for generic callers (a metric: no gradient). */
export const accuracyInfo: KernelInfo = {
  name: 'accuracy',
  inputs: [
    { name: 'input', kind: 'float', rank: 2, differentiable: false },
    { name: 'target', kind: 'index', rank: 1, differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) => accuracy(i.input as FloatTensorLike, i.target as IndexTensorLike, o),
};
