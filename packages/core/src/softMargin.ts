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

/** Options of {@link softMargin}. */
export type SoftMarginOptions<R extends Reduction = Reduction> = LossOptions<R>;

/**
 * Soft-margin (logistic) loss, PyTorch's `soft_margin_loss`, on scores `input` and labels
 * `target` (meant to be −1 or 1; as in PyTorch any real label is accepted):
 * ℓᵢ = log(1 + exp(−yᵢ·fᵢ)). Element-wise over inputs of any shape; `mean` divides by the element
 * count. Computed as a softplus, so it stays finite where PyTorch's direct form overflows
 * (y·f = −800 gives 800, not ∞).
 *
 * @example
 * ```ts
 * import { softMargin } from '@losskit/core';
 * softMargin([0, -800], [1, 1], { reduction: 'none' }).value; // [ln 2, 800]
 * ```
 */
export function softMargin<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: SoftMarginOptions<R>,
): LossResult<R> {
  const fn = 'softMargin';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const { x, y, n, rows } = readPair(fn, input, target);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, n) : null;
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const z = -y[i] * x[i];
    // softplus(z) = log(1 + eᶻ) = max(z, 0) + log(e^(−max(z,0)) + e^(z−max(z,0)))
    //             = max(z, 0) + log1p(e^(−|z|)).
    // The exponent is ≤ 0, so nothing overflows; log1p keeps the tail e^(−|z|) exact when it is
    // tiny (z = 800: 800 + log1p(e⁻⁸⁰⁰) = 800; z = −800: 0 + log1p(e⁻⁸⁰⁰) = e⁻⁸⁰⁰ → 0).
    const v = Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
    if (out !== null) out[i] = v;
    const u = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - u + v : v - u + s;
    s = u;
  }
  const sum = Number.isFinite(s) ? s + c : s;
  return finish(reduction, out, sum, n, rows, n, 0);
}

/**
 * Gradient of {@link softMargin}: ∂ℓᵢ/∂fᵢ = −yᵢ·σ(−yᵢ·fᵢ), with σ the logistic sigmoid,
 * scaled by the reduction.
 */
export function softMarginGrad(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: GradOptions,
): Gradients {
  const fn = 'softMarginGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const { x, y, n } = readPair(fn, input, target);
  const [scale, per] = gradScale(fn, reduction, n, n, gradOutputArg(fn, o.gradOutput), n);
  const gx = gradBuffer(fn, o.out, 'input', n);
  for (let i = 0; i < n; i++) {
    const t = y[i];
    const z = -t * x[i];
    // σ(z) with e = e^(−|z|) ∈ (0, 1]: z ≥ 0 → 1/(1 + e); z < 0 → e/(1 + e) (= eᶻ/(1 + eᶻ)).
    // Neither form overflows, and the small side keeps its relative accuracy.
    const e = Math.exp(-Math.abs(z));
    const sig = z >= 0 ? 1 / (1 + e) : e / (1 + e);
    const k = per === null ? scale : scale * per[i];
    gx[i] = -t * k * sig;
  }
  return { input: gx };
}

/** {@link softMargin} for generic callers. */
export const softMarginInfo: KernelInfo = {
  name: 'softMargin',
  inputs: [
    { name: 'input', kind: 'float', rank: 'any', differentiable: true },
    { name: 'target', kind: 'float', rank: 'any', differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) => softMargin(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
  gradient: (i, o) => softMarginGrad(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
};
