import { floatArg, optionsArg, sameLength } from './internal/args.js';
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

/** Options of {@link mse}. */
export type MseOptions<R extends Reduction = Reduction> = LossOptions<R>;

/**
 * Mean squared error (L2 loss), PyTorch's `mse_loss`: ℓᵢ = (xᵢ − yᵢ)².
 * Element-wise over inputs of any shape; `mean` divides by the element count.
 *
 * @example
 * ```ts
 * import { mse } from '@losskit/core';
 * mse([1, 2, 3], [1, 2, 5]).value; // (0 + 0 + 4) / 3
 * ```
 */
export function mse<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: MseOptions<R>,
): LossResult<R> {
  const fn = 'mse';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const xv = floatArg(fn, 'input', input);
  const x = xv.data;
  const y = floatArg(fn, 'target', target).data;
  const n = x.length;
  sameLength(fn, 'input', n, 'target', y.length);
  const rows = xv.shape.length > 0 ? xv.shape[0] : 1;
  const out = reduction === 'none' ? outputBuffer(fn, o.out, n) : null;
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const d = x[i] - y[i];
    const v = d * d;
    if (out !== null) out[i] = v;
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  const sum = Number.isFinite(s) ? s + c : s;
  return finish(reduction, out, sum, n, rows, n, 0);
}

/** Gradient of {@link mse}: ∂ℓᵢ/∂xᵢ = 2(xᵢ − yᵢ), scaled by the reduction. */
export function mseGrad(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: GradOptions,
): Gradients {
  const fn = 'mseGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const x = floatArg(fn, 'input', input).data;
  const y = floatArg(fn, 'target', target).data;
  const n = x.length;
  sameLength(fn, 'input', n, 'target', y.length);
  const g = o.gradOutput === undefined ? undefined : floatArg(fn, 'gradOutput', o.gradOutput).data;
  const [scale, per] = gradScale(fn, reduction, n, n, g, n);
  const gx = gradBuffer(fn, o.out, 'input', n);
  const k = 2 * scale;
  if (per === null) for (let i = 0; i < n; i++) gx[i] = k * (x[i] - y[i]);
  else for (let i = 0; i < n; i++) gx[i] = k * per[i] * (x[i] - y[i]);
  return { input: gx };
}

/** {@link mse} for generic callers. */
export const mseInfo: KernelInfo = {
  name: 'mse',
  inputs: [
    { name: 'input', kind: 'float', rank: 'any', differentiable: true },
    { name: 'target', kind: 'float', rank: 'any', differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) => mse(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
  gradient: (i, o) => mseGrad(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
};
