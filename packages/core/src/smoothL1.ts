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

/** Options of {@link smoothL1}. */
export interface SmoothL1Options<R extends Reduction = Reduction> extends LossOptions<R> {
  /** β ≥ 0: where the quadratic part ends (default 1). β = 0 is exactly {@link l1}. */
  beta?: number;
}

function readBeta(fn: string, v: unknown): number {
  return numberOption(fn, 'beta', v, 1, (b) => b >= 0 && b < Infinity, 'a finite number ≥ 0');
}

/**
 * Smooth L1 loss, PyTorch's `smooth_l1_loss`: with eᵢ = xᵢ − yᵢ,
 * ℓᵢ = ½eᵢ²/β where |eᵢ| < β, else |eᵢ| − ½β. Element-wise over inputs of any shape; `mean`
 * divides by the element count. Quadratic (L2-like) near zero, linear (L1-like) beyond β.
 *
 * @example
 * ```ts
 * import { smoothL1 } from '@losskit/core';
 * smoothL1([0.5, 3], [0, 0], { reduction: 'sum' }).value; // ½·0.25 + (3 − ½)
 * ```
 */
export function smoothL1<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: SmoothL1Options<R>,
): LossResult<R> {
  const fn = 'smoothL1';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const beta = readBeta(fn, o.beta);
  const halfBeta = 0.5 * beta;
  const { x, y, n, rows } = readPair(fn, input, target);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, n) : null;
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const e = x[i] - y[i];
    const a = Math.abs(e);
    // β = 0: a < 0 never holds, so ℓ = |e| and nothing divides by β.
    const v = a < beta ? (0.5 * e * e) / beta : a - halfBeta;
    if (out !== null) out[i] = v;
    const u = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - u + v : v - u + s;
    s = u;
  }
  const sum = Number.isFinite(s) ? s + c : s;
  return finish(reduction, out, sum, n, rows, n, 0);
}

/**
 * Gradient of {@link smoothL1}: ∂ℓᵢ/∂xᵢ = eᵢ/β where |eᵢ| < β, else sign(eᵢ), scaled by the
 * reduction. At β = 0 and eᵢ = 0 this gives 0, as {@link l1Grad} (PyTorch 1.13 gives −1 there).
 */
export function smoothL1Grad(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: Omit<SmoothL1Options, 'reduction' | 'out'> & GradOptions,
): Gradients {
  const fn = 'smoothL1Grad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const beta = readBeta(fn, o.beta);
  const { x, y, n } = readPair(fn, input, target);
  const [scale, per] = gradScale(fn, reduction, n, n, gradOutputArg(fn, o.gradOutput), n);
  const gx = gradBuffer(fn, o.out, 'input', n);
  for (let i = 0; i < n; i++) {
    const e = x[i] - y[i];
    const k = per === null ? scale : scale * per[i];
    gx[i] = k * (Math.abs(e) < beta ? e / beta : Math.sign(e));
  }
  return { input: gx };
}

/** {@link smoothL1} for generic callers. */
export const smoothL1Info: KernelInfo = {
  name: 'smoothL1',
  inputs: [
    { name: 'input', kind: 'float', rank: 'any', differentiable: true },
    { name: 'target', kind: 'float', rank: 'any', differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) => smoothL1(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
  gradient: (i, o) => smoothL1Grad(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
};
