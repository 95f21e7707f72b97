import { LossOptionError } from './errors.js';
import { integerOption, optionsArg } from './internal/args.js';
import { indexedRows } from './internal/classification.js';
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
  const { x, rows, cols, y } = indexedRows(fn, input, target, ignoreIndex);
  if (k < 1 || k > cols) {
    throw new LossOptionError(
      fn,
      'k',
      `option k = ${k} is invalid; expected an integer in [1, ${cols}] (the class count C)`,
    );
  }
  const out = reduction === 'none' ? outputBuffer(fn, o.out, rows) : null;
  let correct = 0;
  let counted = 0;
  let ignored = 0;
  for (let n = 0; n < rows; n++) {
    const c = y[n];
    if (c === ignoreIndex) {
      ignored++;
      if (out !== null) out[n] = 0;
      continue;
    }
    const base = n * cols;
    const xc = x[base + c];
    // The target's rank: how many classes score strictly higher than it.
    let above = 0;
    let nan = Number.isNaN(xc);
    for (let j = 0; j < cols; j++) {
      const v = x[base + j];
      if (v > xc) above++;
      else if (Number.isNaN(v)) nan = true;
    }
    const v = nan ? Number.NaN : above < k ? 1 : 0;
    counted++;
    correct += v;
    if (out !== null) out[n] = v;
  }
  // Counts of 0/1 are exact in float64 up to 2^53: no compensation needed.
  return finish(reduction, out, correct, counted, rows, rows, ignored);
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
