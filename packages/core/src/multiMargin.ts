import { numberOption, optionsArg, vectorOption } from './internal/args.js';
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

/** Options of {@link multiMargin}, as PyTorch's `F.multi_margin_loss`. */
export interface MultiMarginOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /** The exponent p ∈ {1, 2} (default 1). */
  p?: 1 | 2;
  /** The margin m (default 1). Any finite number. */
  margin?: number;
  /** Per-class weights `[C]`; row n is scaled by w[yₙ], its target's weight. */
  weight?: FloatTensorLike;
}

interface Parsed {
  p: number;
  margin: number;
}

function parse(fn: string, o: Partial<Omit<MultiMarginOptions, 'reduction' | 'out'>>): Parsed {
  return {
    p: numberOption(fn, 'p', o.p, 1, (v) => v === 1 || v === 2, '1 or 2'),
    margin: numberOption(fn, 'margin', o.margin, 1),
  };
}

/**
 * Weston–Watkins multi-class hinge loss, PyTorch's `multi_margin_loss`, on scores `input`
 * `[N, C]` and class indices `target` `[N]`:
 * ℓₙ = (w[yₙ]/C)·Σ_{i≠yₙ} max(0, m − xₙ,yₙ + xₙ,ᵢ)ᵖ — each row's sum divided by C, the class
 * count. `mean` divides Σℓ by N. Like PyTorch, a term whose hinge is NaN is skipped (PyTorch's
 * kernel tests `z > 0`), so NaN scores do not propagate.
 *
 * @example
 * ```ts
 * import { multiMargin } from '@losskit/core';
 * const scores = { data: [0.1, 0.2, 0.4], shape: [1, 3] };
 * multiMargin(scores, [1]).value; // ((1 − 0.2 + 0.1) + (1 − 0.2 + 0.4)) / 3
 * ```
 */
export function multiMargin<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: IndexTensorLike,
  options?: MultiMarginOptions<R>,
): LossResult<R> {
  const fn = 'multiMargin';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const { p, margin } = parse(fn, o);
  const { x, rows, cols, y } = readClassRows(fn, input, target);
  const w = vectorOption(fn, 'weight', o.weight, cols, 'the class count C');
  const out = reduction === 'none' ? outputBuffer(fn, o.out, rows) : null;
  let s = 0;
  let c = 0;
  for (let n = 0; n < rows; n++) {
    const base = n * cols;
    const t = y[n];
    const a = margin - x[base + t];
    let h = 0;
    for (let j = 0; j < cols; j++) {
      if (j === t) continue;
      const z = a + x[base + j];
      if (z > 0) h += p === 1 ? z : z * z;
    }
    const v = ((w === undefined ? 1 : w[t]) * h) / cols;
    if (out !== null) out[n] = v;
    const u = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - u + v : v - u + s;
    s = u;
  }
  const sum = Number.isFinite(s) ? s + c : s;
  return finish(reduction, out, sum, rows, rows, rows, 0);
}

/**
 * Gradient of {@link multiMargin} with respect to the scores: for each i ≠ y with
 * z = m − x_y + xᵢ > 0, ∂ℓ/∂xᵢ = (w[y]/C)·p·zᵖ⁻¹ and ∂ℓ/∂x_y is minus their sum; scaled by the
 * reduction.
 */
export function multiMarginGrad(
  input: FloatTensorLike,
  target: IndexTensorLike,
  options?: Omit<MultiMarginOptions, 'reduction' | 'out'> & GradOptions,
): Gradients {
  const fn = 'multiMarginGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const { p, margin } = parse(fn, o);
  const { x, rows, cols, y } = readClassRows(fn, input, target);
  const w = vectorOption(fn, 'weight', o.weight, cols, 'the class count C');
  const [scale, per] = gradScale(fn, reduction, rows, rows, gradOutputArg(fn, o.gradOutput), rows);
  const gx = gradBuffer(fn, o.out, 'input', rows * cols);
  for (let n = 0; n < rows; n++) {
    const base = n * cols;
    const t = y[n];
    const k = ((per === null ? scale : scale * per[n]) * (w === undefined ? 1 : w[t])) / cols;
    const a = margin - x[base + t];
    let gy = 0;
    for (let j = 0; j < cols; j++) {
      if (j === t) continue;
      const z = a + x[base + j];
      const g = z > 0 ? (p === 1 ? k : 2 * k * z) : 0;
      gx[base + j] = g;
      gy -= g;
    }
    gx[base + t] = gy;
  }
  return { input: gx };
}

/** {@link multiMargin} for generic callers. */
export const multiMarginInfo: KernelInfo = {
  name: 'multiMargin',
  inputs: [
    { name: 'input', kind: 'float', rank: 2, differentiable: true },
    { name: 'target', kind: 'index', rank: 1, differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) => multiMargin(i.input as FloatTensorLike, i.target as IndexTensorLike, o),
  gradient: (i, o) => multiMarginGrad(i.input as FloatTensorLike, i.target as IndexTensorLike, o),
};
