import { optionsArg } from './internal/args.js';
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

/** Options of {@link exponential}. */
export type ExponentialOptions<R extends Reduction = Reduction> = LossOptions<R>;

/**
 * Exponential loss (AdaBoost's) on scores `input` and labels `target` ∈ {−1, 1}:
 * ℓᵢ = exp(−yᵢ·fᵢ). Element-wise over inputs of any shape; `mean` divides by the element count.
 * A label that is neither −1 nor 1 is a {@link LossRangeError} (NaN propagates). The value
 * overflows to +∞ once −y·f > ~709.78, which is the true value in float64.
 *
 * @example
 * ```ts
 * import { exponential } from '@losskit/core';
 * exponential([0, 2], [1, -1]).value; // (e⁰ + e²) / 2
 * ```
 */
export function exponential<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: ExponentialOptions<R>,
): LossResult<R> {
  const fn = 'exponential';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const { x, y, n, rows } = readPair(fn, input, target);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, n) : null;
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const t = y[i];
    // t·t = 1 only for t = ±1 in float64; unlike t !== 1 && t !== −1, this branch is
    // predictable on random labels (about 2× faster). NaN labels propagate.
    if (t * t !== 1 && !Number.isNaN(t)) throw notSignError(fn, i, t);
    const v = Math.exp(-t * x[i]);
    if (out !== null) out[i] = v;
    const u = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - u + v : v - u + s;
    s = u;
  }
  const sum = Number.isFinite(s) ? s + c : s;
  return finish(reduction, out, sum, n, rows, n, 0);
}

/** Gradient of {@link exponential}: ∂ℓᵢ/∂fᵢ = −yᵢ·exp(−yᵢ·fᵢ), scaled by the reduction. */
export function exponentialGrad(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: GradOptions,
): Gradients {
  const fn = 'exponentialGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const { x, y, n } = readPair(fn, input, target);
  const [scale, per] = gradScale(fn, reduction, n, n, gradOutputArg(fn, o.gradOutput), n);
  const gx = gradBuffer(fn, o.out, 'input', n);
  for (let i = 0; i < n; i++) {
    const t = y[i];
    if (t * t !== 1 && !Number.isNaN(t)) throw notSignError(fn, i, t);
    const k = per === null ? scale : scale * per[i];
    gx[i] = -t * k * Math.exp(-t * x[i]);
  }
  return { input: gx };
}

/** {@link exponential} for generic callers. */
export const exponentialInfo: KernelInfo = {
  name: 'exponential',
  inputs: [
    { name: 'input', kind: 'float', rank: 'any', differentiable: true },
    { name: 'target', kind: 'float', rank: 'any', differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) => exponential(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
  gradient: (i, o) => exponentialGrad(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
};
