import { floatArg, numberOption, optionsArg } from './internal/args.js';
import { floatPair } from './internal/classification.js';
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

/** Options of {@link sigmoidFocal}, as torchvision's `sigmoid_focal_loss`. */
export interface SigmoidFocalOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /**
   * Weight of the positive class, α ∈ [0, 1]; negatives get 1 − α. A negative α disables the
   * weighting (default 0.25).
   */
  alpha?: number;
  /** Focusing exponent γ ≥ 0: easy examples lose weight as γ grows (default 2). */
  gamma?: number;
}

/** Options of {@link sigmoidFocalGrad}. */
export type SigmoidFocalGradOptions = Omit<SigmoidFocalOptions, 'reduction' | 'out'> & GradOptions;

function read(
  fn: string,
  input: unknown,
  target: unknown,
  o: Partial<Omit<SigmoidFocalOptions, 'out' | 'reduction'>>,
) {
  const p = floatPair(fn, 'input', input, 'target', target);
  const alpha = numberOption(fn, 'alpha', o.alpha, 0.25);
  const gamma = numberOption(
    fn,
    'gamma',
    o.gamma,
    2,
    (g) => g >= 0 && Number.isFinite(g),
    'a finite number ≥ 0',
  );
  return { ...p, alpha, gamma };
}

/**
 * Sigmoid focal loss on logits `input` against targets `target` in [0, 1] (same shape),
 * torchvision's `sigmoid_focal_loss` (Lin et al. 2017), element-wise:
 * ℓᵢ = αₜ·(1 − pₜ)^γ·BCE(xᵢ, yᵢ), with p = σ(x), pₜ = p·y + (1 − p)·(1 − y),
 * αₜ = α·y + (1 − α)·(1 − y) (αₜ = 1 when α < 0) and BCE the binary cross-entropy on logits.
 * Computed from log-sigmoid, never log(clip(p)): finite at any finite logit.
 * With γ = 0 and α < 0 it is `binaryCrossEntropyWithLogits`.
 *
 * @example
 * ```ts
 * import { sigmoidFocal } from '@losskit/core';
 * // x = 0: p = ½, so (1 − pₜ)² = ¼ and BCE = log 2; αₜ = 0.25 for a positive
 * sigmoidFocal([0], [1]).value; // 0.25 · 0.25 · log 2
 * ```
 */
export function sigmoidFocal<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: SigmoidFocalOptions<R>,
): LossResult<R> {
  const fn = 'sigmoidFocal';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const { a: x, b: y, n, rows, alpha, gamma } = read(fn, input, target, o);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, n) : null;
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i];
    const yi = y[i];
    // softplus(±x) = max(±x, 0) + log1p(e^−|x|) (exponent ≤ 0: no overflow), and
    // −log σ(x) = softplus(−x), −log(1 − σ(x)) = softplus(x), so BCE = y·sp(−x) + (1 − y)·sp(x)
    // with two non-negative terms (a zero coefficient skips its term, so x = ±∞ is no 0·∞).
    // σ(x) and σ(−x) come from the same e^−|x| ≤ 1: for x ≥ 0, σ(x) = 1/(1 + e^−x) and
    // σ(−x) = e^−x/(1 + e^−x), mirrored for x < 0; the small one is exact, never 1 − the big
    // one, so 1 − pₜ = σ(x)·(1 − y) + σ(−x)·y keeps its digits where σ(x) rounds to 1.
    const ex = Math.exp(-Math.abs(xi));
    const e = Math.log1p(ex);
    const neg = 1 - yi;
    let ce = 0;
    if (yi !== 0) ce += yi * (Math.max(-xi, 0) + e);
    if (neg !== 0) ce += neg * (Math.max(xi, 0) + e);
    const big = 1 / (1 + ex);
    const small = ex / (1 + ex);
    const u = (xi >= 0 ? big : small) * neg + (xi >= 0 ? small : big) * yi;
    let v = ce * (gamma === 2 ? u * u : u ** gamma);
    if (alpha >= 0) v *= alpha * yi + (1 - alpha) * neg;
    if (out !== null) out[i] = v;
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  const sum = Number.isFinite(s) ? s + c : s;
  return finish(reduction, out, sum, n, rows, n, 0);
}

/**
 * Gradient of {@link sigmoidFocal} with respect to `input`. With u = 1 − pₜ and
 * BCE′ = σ(x) − y = (1 − y)·σ(x) − y·σ(−x):
 * ∂ℓ/∂x = αₜ·u^γ·(BCE′ + γ·BCE·u′/u), u′/u = (1 − 2y)·σ(x)·σ(−x)/u.
 * u′/u stays bounded (|u′/u| ≤ 2), and where u underflows to 0 (a hard label at a saturated
 * logit) it is taken at its limit (−σ(x) for y = 1, σ(−x) for y = 0), so u^(γ−1) is never formed.
 */
export function sigmoidFocalGrad(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: SigmoidFocalGradOptions,
): Gradients {
  const fn = 'sigmoidFocalGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const { a: x, b: y, n, rows, alpha, gamma } = read(fn, input, target, o);
  const g = o.gradOutput === undefined ? undefined : floatArg(fn, 'gradOutput', o.gradOutput).data;
  const [scale, per] = gradScale(fn, reduction, n, rows, g, n);
  const gx = gradBuffer(fn, o.out, 'input', n);
  for (let i = 0; i < n; i++) {
    const xi = x[i];
    const yi = y[i];
    // Same log-sigmoid forms as the loss (see there).
    const ex = Math.exp(-Math.abs(xi));
    const e = Math.log1p(ex);
    const neg = 1 - yi;
    let ce = 0;
    if (yi !== 0) ce += yi * (Math.max(-xi, 0) + e);
    if (neg !== 0) ce += neg * (Math.max(xi, 0) + e);
    // σ(x), σ(−x) from e^−|x| ≤ 1 (no overflow; the small one is exact, not 1 − the big one).
    const big = 1 / (1 + ex);
    const small = ex / (1 + ex);
    const sp = xi >= 0 ? big : small;
    const sn = xi >= 0 ? small : big;
    const u = sp * neg + sn * yi;
    const dce = neg * sp - yi * sn;
    let d = dce;
    if (gamma !== 0) {
      const ratio = u > 0 ? ((1 - 2 * yi) * sp * sn) / u : yi >= 0.5 ? -sp : sn;
      // ce·ratio first: ce ~ |x| is huge only where ratio ~ e^−|x| is tiny, so their product is
      // small, while γ·ce alone could overflow to ∞ and make ∞·0 = NaN.
      d = dce + gamma * (ce * ratio);
    }
    d *= gamma === 2 ? u * u : u ** gamma;
    if (alpha >= 0) d *= alpha * yi + (1 - alpha) * neg;
    gx[i] = per === null ? scale * d : scale * per[i] * d;
  }
  return { input: gx };
}

/** {@link sigmoidFocal} for generic callers. */
export const sigmoidFocalInfo: KernelInfo = {
  name: 'sigmoidFocal',
  inputs: [
    { name: 'input', kind: 'float', rank: 'any', differentiable: true },
    { name: 'target', kind: 'float', rank: 'any', differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) => sigmoidFocal(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
  gradient: (i, o) => sigmoidFocalGrad(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
};
