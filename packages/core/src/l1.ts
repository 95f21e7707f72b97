import { optionsArg } from './internal/args.js';
import { gradOutputArg, readPair } from './internal/marginRegressionArgs.js';
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

/** Options of {@link l1}. */
export type L1Options<R extends Reduction = Reduction> = LossOptions<R>;

/**
 * Mean absolute error (L1 loss), PyTorch's `l1_loss`: ℓᵢ = |xᵢ − yᵢ|. Element-wise over inputs
 * of any shape; `mean` divides by the element count.
 *
 * @example
 * ```ts
 * import { l1 } from '@losskit/core';
 * l1([1, 2, 3], [1, 0, 6]).value; // (0 + 2 + 3) / 3
 * ```
 */
export function l1<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: L1Options<R>,
): LossResult<R> {
  const fn = 'l1';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const { x, y, n, rows } = readPair(fn, input, target);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, n) : null;
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const v = Math.abs(x[i] - y[i]);
    if (out !== null) out[i] = v;
    const u = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - u + v : v - u + s;
    s = u;
  }
  const sum = Number.isFinite(s) ? s + c : s;
  return finish(reduction, out, sum, n, rows, n, 0);
}

/**
 * Gradient of {@link l1}: ∂ℓᵢ/∂xᵢ = sign(xᵢ − yᵢ) (0 where xᵢ = yᵢ, as PyTorch), scaled by the
 * reduction.
 */
export function l1Grad(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: GradOptions,
): Gradients {
  const fn = 'l1Grad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const { x, y, n } = readPair(fn, input, target);
  const [scale, per] = gradScale(fn, reduction, n, n, gradOutputArg(fn, o.gradOutput), n);
  const gx = gradBuffer(fn, o.out, 'input', n);
  if (per === null) for (let i = 0; i < n; i++) gx[i] = scale * Math.sign(x[i] - y[i]);
  else for (let i = 0; i < n; i++) gx[i] = scale * per[i] * Math.sign(x[i] - y[i]);
  return { input: gx };
}

/** {@link l1} for generic callers. */
export const l1Info: KernelInfo = {
  name: 'l1',
  inputs: [
    { name: 'input', kind: 'float', rank: 'any', differentiable: true },
    { name: 'target', kind: 'float', rank: 'any', differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) => l1(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
  gradient: (i, o) => l1Grad(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
};
