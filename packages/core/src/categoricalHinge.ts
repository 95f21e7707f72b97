import { numberOption, optionsArg } from './internal/args.js';
import { gradOutputArg, readClassRows } from './internal/marginRegressionArgs.js';
import { finish, gradBuffer, gradScale, outputBuffer, reductionOption } from './internal/reduce.js';
import type { KernelInfo } from './KernelInfo.js';
import type {
  FloatTensorLike,
  Gradients,
  GradOptions,
  IndexTensorLike,
  LossOptions,
  LossResult,
  Reduction,
} from './types.js';

/** Options of {@link categoricalHinge}. */
export interface CategoricalHingeOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /** The margin m (default 1). Any finite number. */
  margin?: number;
}

/**
 * The column of the largest score of row `base` other than column `t` (the first on ties; the
 * first NaN once one is seen, so NaN propagates), or −1 when the row has no other column.
 */
function rivalOf(x: ArrayLike<number>, base: number, cols: number, t: number): number {
  let at = -1;
  let m = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < cols; j++) {
    if (j === t) continue;
    const v = x[base + j];
    if (at === -1 || v > m || (Number.isNaN(v) && !Number.isNaN(m))) {
      at = j;
      m = v;
    }
  }
  return at;
}

/**
 * Crammer–Singer multi-class hinge loss on scores `input` `[N, C]` and class indices `target`
 * `[N]`: ℓₙ = max(0, m + max_{i≠yₙ} xₙ,ᵢ − xₙ,yₙ) — only the strongest rival class counts
 * (compare {@link multiMargin}, which sums over all rivals). `mean` divides Σℓ by N. With C = 1
 * there is no rival and ℓ = 0.
 *
 * @example
 * ```ts
 * import { categoricalHinge } from '@losskit/core';
 * const scores = { data: [0.1, 0.2, 0.4], shape: [1, 3] };
 * categoricalHinge(scores, [1]).value; // 1 + 0.4 − 0.2
 * ```
 */
export function categoricalHinge<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: IndexTensorLike,
  options?: CategoricalHingeOptions<R>,
): LossResult<R> {
  const fn = 'categoricalHinge';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const margin = numberOption(fn, 'margin', o.margin, 1);
  const { x, rows, cols, y } = readClassRows(fn, input, target);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, rows) : null;
  let s = 0;
  let c = 0;
  for (let n = 0; n < rows; n++) {
    const base = n * cols;
    const t = y[n];
    const at = rivalOf(x, base, cols, t);
    // No rival (C = 1): ℓ = 0. Math.max propagates NaN.
    const v = at < 0 ? 0 : Math.max(0, margin + x[base + at] - x[base + t]);
    if (out !== null) out[n] = v;
    const u = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - u + v : v - u + s;
    s = u;
  }
  const sum = Number.isFinite(s) ? s + c : s;
  return finish(reduction, out, sum, rows, rows, rows, 0);
}

/**
 * Gradient of {@link categoricalHinge} with respect to the scores: where the hinge is active,
 * +1 at the strongest rival (the first, on ties) and −1 at the target class; 0 elsewhere and at
 * the kink. Scaled by the reduction.
 */
export function categoricalHingeGrad(
  input: FloatTensorLike,
  target: IndexTensorLike,
  options?: Omit<CategoricalHingeOptions, 'reduction' | 'out'> & GradOptions,
): Gradients {
  const fn = 'categoricalHingeGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const margin = numberOption(fn, 'margin', o.margin, 1);
  const { x, rows, cols, y } = readClassRows(fn, input, target);
  const [scale, per] = gradScale(fn, reduction, rows, rows, gradOutputArg(fn, o.gradOutput), rows);
  const gx = gradBuffer(fn, o.out, 'input', rows * cols);
  for (let n = 0; n < rows; n++) {
    const base = n * cols;
    const t = y[n];
    for (let j = 0; j < cols; j++) gx[base + j] = 0;
    const at = rivalOf(x, base, cols, t);
    if (at >= 0 && margin + x[base + at] - x[base + t] > 0) {
      const k = per === null ? scale : scale * per[n];
      gx[base + at] = k;
      gx[base + t] = -k;
    }
  }
  return { input: gx };
}

/** {@link categoricalHinge} for generic callers. */
export const categoricalHingeInfo: KernelInfo = {
  name: 'categoricalHinge',
  inputs: [
    { name: 'input', kind: 'float', rank: 2, differentiable: true },
    { name: 'target', kind: 'index', rank: 1, differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) => categoricalHinge(i.input as FloatTensorLike, i.target as IndexTensorLike, o),
  gradient: (i, o) =>
    categoricalHingeGrad(i.input as FloatTensorLike, i.target as IndexTensorLike, o),
};
