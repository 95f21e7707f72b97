import { numberOption, optionsArg } from './internal/args.js';
import { gradOutputArg, notSignError, readPair } from './internal/marginRegressionArgs.js';
import { finish, gradBuffer, gradScale, outputBuffer, reductionOption } from './internal/reduce.js';
import type { KernelInfo } from './KernelInfo.js';
import type {
  FloatTensorLike,
  Gradients,
  GradOptions,
  LossOptions,
  LossResult,
  Reduction,
} from './types.js';

/** Options of {@link hinge}. */
export interface HingeOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /** The margin m in max(0, m − y·f) (default 1). Any finite number. */
  margin?: number;
}

/**
 * Binary hinge loss (the SVM loss) on scores `input` and labels `target` ∈ {−1, 1}:
 * ℓᵢ = max(0, m − yᵢ·fᵢ). Element-wise over inputs of any shape; `mean` divides by the element
 * count. Labels are taken as given — unlike TF.js's `hingeLoss`, {0, 1} labels are not remapped;
 * anything but −1 or 1 is a {@link LossRangeError} (NaN propagates).
 *
 * @example
 * ```ts
 * import { hinge } from '@losskit/core';
 * hinge([2, 0.5, -1], [1, 1, 1]).value; // (0 + 0.5 + 2) / 3
 * ```
 */
export function hinge<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: HingeOptions<R>,
): LossResult<R> {
  const fn = 'hinge';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const margin = numberOption(fn, 'margin', o.margin, 1);
  const { x, y, n, rows } = readPair(fn, input, target);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, n) : null;
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const t = y[i];
    // t·t = 1 only for t = ±1 in float64; unlike t !== 1 && t !== −1, this branch is
    // predictable on random labels (about 2× faster). NaN labels propagate.
    if (t * t !== 1 && !Number.isNaN(t)) throw notSignError(fn, i, t);
    // Math.max propagates NaN, as PyTorch's clamp does.
    const v = Math.max(0, margin - t * x[i]);
    if (out !== null) out[i] = v;
    const u = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - u + v : v - u + s;
    s = u;
  }
  const sum = Number.isFinite(s) ? s + c : s;
  return finish(reduction, out, sum, n, rows, n, 0);
}

/**
 * Gradient of {@link hinge}: ∂ℓᵢ/∂fᵢ = −yᵢ where m − yᵢ·fᵢ > 0, else 0 (0 at the kink),
 * scaled by the reduction.
 */
export function hingeGrad(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: Omit<HingeOptions, 'reduction' | 'out'> & GradOptions,
): Gradients {
  const fn = 'hingeGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const margin = numberOption(fn, 'margin', o.margin, 1);
  const { x, y, n } = readPair(fn, input, target);
  const [scale, per] = gradScale(fn, reduction, n, n, gradOutputArg(fn, o.gradOutput), n);
  const gx = gradBuffer(fn, o.out, 'input', n);
  for (let i = 0; i < n; i++) {
    const t = y[i];
    if (t * t !== 1 && !Number.isNaN(t)) throw notSignError(fn, i, t);
    const k = per === null ? scale : scale * per[i];
    gx[i] = margin - t * x[i] > 0 ? -t * k : 0;
  }
  return { input: gx };
}

/** {@link hinge} for generic callers. */
export const hingeInfo: KernelInfo = {
  name: 'hinge',
  inputs: [
    { name: 'input', kind: 'float', rank: 'any', differentiable: true },
    { name: 'target', kind: 'float', rank: 'any', differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) => hinge(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
  gradient: (i, o) => hingeGrad(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
};
