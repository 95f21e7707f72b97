import { floatArg, numberOption, optionsArg } from './internal/args.js';
import { floatPair } from './internal/classification.js';
import { finish, gradBuffer, gradScale, outputBuffer, reductionOption } from './internal/reduce.js';
import { sigmoidTail, softplusTail } from './internal/softplusTail.js';
import { exactRangeSum } from './internal/sum.js';
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
  const sum =
    x instanceof Float32Array && y instanceof Float32Array
      ? sumF32(x, y, n, out, alpha, gamma)
      : x instanceof Float64Array && y instanceof Float64Array
        ? sumF64(x, y, n, out, alpha, gamma)
        : sumAny(x, y, n, out, alpha, gamma);
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
  if (per !== null) gradPer(x, y, n, scale, per, gx, alpha, gamma);
  else if (x instanceof Float32Array && y instanceof Float32Array)
    gradF32(x, y, n, scale, gx, alpha, gamma);
  else if (x instanceof Float64Array && y instanceof Float64Array)
    gradF64(x, y, n, scale, gx, alpha, gamma);
  else gradAny(x, y, n, scale, gx, alpha, gamma);
  return { input: gx };
}

// The hot loops. Three identical copies for Float32Array, Float64Array and anything else
// (number[], mixed types), so each sees one array type: a shared body makes V8's element access
// polymorphic. Keep them identical. The element's value comes from `term` (inlined by V8).
// (One call of `term` per loop: a heavy term inlined at several call sites overruns V8's
// inlining budget, and the calls left over cost more than the arithmetic.)
// Sums: plain float64 over blocks of 1024 elements, then Neumaier over the block sums. A
// block's rounding is ≤ 1023u·Σ|vᵢ| over its terms (u = 2⁻⁵³; Higham §4.2), and the whole is
// ≤ (1023 + 2)u·Σ|vᵢ| ≈ 1.2e−13·Σ|vᵢ| (per-element Neumaier: ~2u·|S|, at about twice the time).
// Every term is ≥ 0, so that is a relative error ≤ 1.2e−13.
// A block whose sum is not finite (an ∞ or NaN term, or a case `term` leaves to it) is recomputed
// by `exactBlock`, the reference loop, which also rewrites its 'none' outputs.
const BLOCK = 1024;

function sumF32(
  x: Float32Array,
  y: Float32Array,
  n: number,
  out: Float64Array | null,
  alpha: number,
  gamma: number,
): number {
  let s = 0;
  let c = 0;
  for (let b = 0; b < n; b += BLOCK) {
    const e = Math.min(n, b + BLOCK);
    let v0 = 0;
    for (let i = b; i < e; i++) {
      const t = term(x[i], y[i], alpha, gamma);
      if (out !== null) out[i] = t;
      v0 += t;
    }
    let v = v0;
    if (!Number.isFinite(v)) v = exactBlock(x, y, b, e, out, alpha, gamma);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

function sumF64(
  x: Float64Array,
  y: Float64Array,
  n: number,
  out: Float64Array | null,
  alpha: number,
  gamma: number,
): number {
  let s = 0;
  let c = 0;
  for (let b = 0; b < n; b += BLOCK) {
    const e = Math.min(n, b + BLOCK);
    let v0 = 0;
    for (let i = b; i < e; i++) {
      const t = term(x[i], y[i], alpha, gamma);
      if (out !== null) out[i] = t;
      v0 += t;
    }
    let v = v0;
    if (!Number.isFinite(v)) v = exactBlock(x, y, b, e, out, alpha, gamma);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

function sumAny(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  n: number,
  out: Float64Array | null,
  alpha: number,
  gamma: number,
): number {
  let s = 0;
  let c = 0;
  for (let b = 0; b < n; b += BLOCK) {
    const e = Math.min(n, b + BLOCK);
    let v0 = 0;
    for (let i = b; i < e; i++) {
      const t = term(x[i], y[i], alpha, gamma);
      if (out !== null) out[i] = t;
      v0 += t;
    }
    let v = v0;
    if (!Number.isFinite(v)) v = exactBlock(x, y, b, e, out, alpha, gamma);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

/**
 * ℓ for one element: the formulas of `exactBlock` without its branches (on random labels and
 * signs they mispredict half the time, which costs more than the arithmetic). log1p(e^−|x|) by
 * softplusTail (≤ 3u) and σ(−|x|) by sigmoidTail (≤ 4u; σ(|x|) = 1 − σ(−|x|) ≥ ½ without
 * cancellation), so ℓ is within ~20 ulp; max(±x, 0) =
 * (|x| ± x)/2, exact for finite |x| < 2¹⁰²³; both BCE terms are formed and multiplied by their
 * coefficients; σ(±x) are picked from σ(|x|) and σ(−|x|) by h = [x ≥ 0] ∈ {0, 1} as
 * h·a + (1 − h)·b, exact since both are finite. They differ from the branches only where a zero
 * coefficient meets x = ±∞ (0·∞ = NaN) or |x| ≥ 2¹⁰²³ (|x| ± x overflows): the block's sum is
 * then NaN or ∞, and it is recomputed by `exactBlock`.
 */
function term(xi: number, yi: number, alpha: number, gamma: number): number {
  const a = Math.abs(xi);
  const l = softplusTail(a);
  const neg = 1 - yi;
  const ce = yi * (0.5 * (a - xi) + l) + neg * (0.5 * (a + xi) + l);
  const small = sigmoidTail(a);
  const big = 1 - small;
  const h = Number(xi >= 0);
  const u = (h * big + (1 - h) * small) * neg + (h * small + (1 - h) * big) * yi;
  let v = ce * (gamma === 2 ? u * u : u ** gamma);
  if (alpha >= 0) v *= alpha * yi + (1 - alpha) * neg;
  return v;
}

/** The reference loop over [i0, i1): exact branches, Math.exp/log1p; writes `out` if given. */
function exactBlock(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  i0: number,
  i1: number,
  out: Float64Array | null,
  alpha: number,
  gamma: number,
): number {
  return exactRangeSum(i0, i1, out, (i) => {
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
    return v;
  });
}

// ---- The gradient's loops ---------------------------------------------------------------------
//
// Per element `gradTerm` (the formula of `exactGrad` without its branches, as `term` is to
// `exactBlock`), times the reduction's factor. Where it is not finite (x = ±∞ makes 0·∞ = NaN,
// |x| ≥ 2¹⁰²³ overflows |x| ± x, or a NaN input) the element is recomputed by `exactGrad`, the
// reference with branches and Math.exp/log1p; that test is a branch that is never taken on
// finite data. Same per-type copies as the sums (keep them identical).

function gradF32(
  x: Float32Array,
  y: Float32Array,
  n: number,
  k: number,
  gx: Float64Array,
  alpha: number,
  gamma: number,
): void {
  for (let i = 0; i < n; i++) {
    let d = gradTerm(x[i], y[i], alpha, gamma);
    if (!Number.isFinite(d)) d = exactGrad(x[i], y[i], alpha, gamma);
    gx[i] = k * d;
  }
}

function gradF64(
  x: Float64Array,
  y: Float64Array,
  n: number,
  k: number,
  gx: Float64Array,
  alpha: number,
  gamma: number,
): void {
  for (let i = 0; i < n; i++) {
    let d = gradTerm(x[i], y[i], alpha, gamma);
    if (!Number.isFinite(d)) d = exactGrad(x[i], y[i], alpha, gamma);
    gx[i] = k * d;
  }
}

function gradAny(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  n: number,
  k: number,
  gx: Float64Array,
  alpha: number,
  gamma: number,
): void {
  for (let i = 0; i < n; i++) {
    let d = gradTerm(x[i], y[i], alpha, gamma);
    if (!Number.isFinite(d)) d = exactGrad(x[i], y[i], alpha, gamma);
    gx[i] = k * d;
  }
}

/** With a per-element `gradOutput` (any array types). */
function gradPer(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  n: number,
  scale: number,
  per: ArrayLike<number>,
  gx: Float64Array,
  alpha: number,
  gamma: number,
): void {
  for (let i = 0; i < n; i++) {
    let d = gradTerm(x[i], y[i], alpha, gamma);
    if (!Number.isFinite(d)) d = exactGrad(x[i], y[i], alpha, gamma);
    gx[i] = scale * per[i] * d;
  }
}

/**
 * ∂ℓ/∂x for one element (before the reduction's factor), branch-free as `term`: BCE from
 * softplusTail, σ(±x) from sigmoidTail (σ(|x|) = 1 − σ(−|x|) ≥ ½, no cancellation), picked by
 * h = [x ≥ 0]. The one data-dependent test, u > 0, is false only where u underflows (a hard label
 * at a saturated logit), so it is predicted. Error, in units of 2⁻⁵³: ce is within 3.5, σ(±x)
 * within 4.5, and (1 − pₜ)^γ multiplies σ's error by γ; in all the result is within ~30 units of
 * αₜ·(1 − pₜ)^γ·(|(1 − y)·σ(x)| + |y·σ(−x)| + γ·|ce·ratio|), the size of its parts (soft labels can
 * cancel in σ(x) − y, for the reference as well). A sweep of 10⁶ random logits and labels against
 * `exactGrad`'s formula found ≤ 23 units; the test holds it to 90.
 */
function gradTerm(xi: number, yi: number, alpha: number, gamma: number): number {
  const a = Math.abs(xi);
  const l = softplusTail(a);
  const neg = 1 - yi;
  const ce = yi * (0.5 * (a - xi) + l) + neg * (0.5 * (a + xi) + l);
  const small = sigmoidTail(a);
  const big = 1 - small;
  const h = Number(xi >= 0);
  const sp = h * big + (1 - h) * small;
  const sn = h * small + (1 - h) * big;
  const u = sp * neg + sn * yi;
  let d = neg * sp - yi * sn;
  if (gamma !== 0) {
    const ratio = u > 0 ? ((1 - 2 * yi) * sp * sn) / u : yi >= 0.5 ? -sp : sn;
    d += gamma * (ce * ratio);
  }
  d *= gamma === 2 ? u * u : u ** gamma;
  if (alpha >= 0) d *= alpha * yi + (1 - alpha) * neg;
  return d;
}

/** ∂ℓ/∂x for one element with exact branches and Math.exp/log1p (the reference). */
function exactGrad(xi: number, yi: number, alpha: number, gamma: number): number {
  // Same log-sigmoid forms as the loss (see exactBlock).
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
  return d;
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
