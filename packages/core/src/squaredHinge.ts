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

/** Options of {@link squaredHinge}. */
export type SquaredHingeOptions<R extends Reduction = Reduction> = LossOptions<R>;

/**
 * Squared hinge loss on scores `input` and labels `target` ∈ {−1, 1}:
 * ℓᵢ = max(0, 1 − yᵢ·fᵢ)². Element-wise over inputs of any shape; `mean` divides by the element
 * count. A label that is neither −1 nor 1 is a {@link LossRangeError} (NaN propagates).
 *
 * @example
 * ```ts
 * import { squaredHinge } from '@losskit/core';
 * squaredHinge([2, 0.5, -1], [1, 1, 1]).value; // (0 + 0.25 + 4) / 3
 * ```
 */
export function squaredHinge<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: SquaredHingeOptions<R>,
): LossResult<R> {
  const fn = 'squaredHinge';
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
    const h = Math.max(0, 1 - t * x[i]);
    const v = h * h;
    if (out !== null) out[i] = v;
    const u = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - u + v : v - u + s;
    s = u;
  }
  const sum = Number.isFinite(s) ? s + c : s;
  return finish(reduction, out, sum, n, rows, n, 0);
}

/**
 * Gradient of {@link squaredHinge}: ∂ℓᵢ/∂fᵢ = −2yᵢ·max(0, 1 − yᵢ·fᵢ), scaled by the reduction.
 */
export function squaredHingeGrad(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: GradOptions,
): Gradients {
  const fn = 'squaredHingeGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const { x, y, n } = readPair(fn, input, target);
  const [scale, per] = gradScale(fn, reduction, n, n, gradOutputArg(fn, o.gradOutput), n);
  const gx = gradBuffer(fn, o.out, 'input', n);
  for (let i = 0; i < n; i++) {
    const t = y[i];
    if (t * t !== 1 && !Number.isNaN(t)) throw notSignError(fn, i, t);
    const k = per === null ? scale : scale * per[i];
    gx[i] = -2 * t * k * Math.max(0, 1 - t * x[i]);
  }
  return { input: gx };
}

/** {@link squaredHinge} for generic callers. */
export const squaredHingeInfo: KernelInfo = {
  name: 'squaredHinge',
  inputs: [
    { name: 'input', kind: 'float', rank: 'any', differentiable: true },
    { name: 'target', kind: 'float', rank: 'any', differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) => squaredHinge(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
  gradient: (i, o) => squaredHingeGrad(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
};
