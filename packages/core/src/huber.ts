import { numberOption, optionsArg } from './internal/args.js';
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

/** Options of {@link huber}. */
export interface HuberOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /** δ > 0: where the quadratic part ends (default 1). */
  delta?: number;
}

function readDelta(fn: string, v: unknown): number {
  return numberOption(fn, 'delta', v, 1, (d) => d > 0 && d < Infinity, 'a finite number > 0');
}

/**
 * Huber loss, PyTorch's `huber_loss`: with eᵢ = xᵢ − yᵢ, ℓᵢ = ½eᵢ² where |eᵢ| < δ, else
 * δ·(|eᵢ| − ½δ). Element-wise over inputs of any shape; `mean` divides by the element count.
 * huber(δ) = δ·smoothL1(β = δ).
 *
 * @example
 * ```ts
 * import { huber } from '@losskit/core';
 * huber([0.5, 3], [0, 0], { reduction: 'sum', delta: 2 }).value; // ½·0.25 + 2·(3 − 1)
 * ```
 */
export function huber<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: HuberOptions<R>,
): LossResult<R> {
  const fn = 'huber';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const delta = readDelta(fn, o.delta);
  const halfDelta = 0.5 * delta;
  const { x, y, n, rows } = readPair(fn, input, target);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, n) : null;
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const e = x[i] - y[i];
    const a = Math.abs(e);
    const v = a < delta ? 0.5 * e * e : delta * (a - halfDelta);
    if (out !== null) out[i] = v;
    const u = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - u + v : v - u + s;
    s = u;
  }
  const sum = Number.isFinite(s) ? s + c : s;
  return finish(reduction, out, sum, n, rows, n, 0);
}

/**
 * Gradient of {@link huber}: ∂ℓᵢ/∂xᵢ = clamp(eᵢ, −δ, δ), scaled by the reduction.
 */
export function huberGrad(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: Omit<HuberOptions, 'reduction' | 'out'> & GradOptions,
): Gradients {
  const fn = 'huberGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const delta = readDelta(fn, o.delta);
  const { x, y, n } = readPair(fn, input, target);
  const [scale, per] = gradScale(fn, reduction, n, n, gradOutputArg(fn, o.gradOutput), n);
  const gx = gradBuffer(fn, o.out, 'input', n);
  for (let i = 0; i < n; i++) {
    const e = x[i] - y[i];
    const k = per === null ? scale : scale * per[i];
    // Math.min/max propagate NaN.
    gx[i] = k * Math.max(-delta, Math.min(delta, e));
  }
  return { input: gx };
}

/** {@link huber} for generic callers. */
export const huberInfo: KernelInfo = {
  name: 'huber',
  inputs: [
    { name: 'input', kind: 'float', rank: 'any', differentiable: true },
    { name: 'target', kind: 'float', rank: 'any', differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) => huber(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
  gradient: (i, o) => huberGrad(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
};
