import {
  floatArg,
  integerOption,
  numberOption,
  optionsArg,
  vectorOption,
} from './internal/args.js';
import { indexedRows, rowLse } from './internal/classification.js';
import { finish, gradBuffer, gradScale, outputBuffer, reductionOption } from './internal/reduce.js';
import type { KernelInfo } from './KernelInfo.js';
import type {
  FloatTensorLike,
  Gradients,
  GradOptions,
  IndexTensorLike,
  LossOptions,
  LossResult,
  Reduction,
} from './types.js';

/** Options of {@link softmaxFocal}. */
export interface SoftmaxFocalOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /** Per-class weights α `[C]` (default: 1 for every class). They do not enter `mean`'s divisor. */
  alpha?: FloatTensorLike;
  /** Focusing exponent γ ≥ 0: easy examples lose weight as γ grows (default 2; 0 is cross-entropy). */
  gamma?: number;
  /** Rows whose target equals this index contribute nothing (default −100). */
  ignoreIndex?: number;
}

/** Options of {@link softmaxFocalGrad}. */
export type SoftmaxFocalGradOptions = Omit<SoftmaxFocalOptions, 'reduction' | 'out'> & GradOptions;

function read(
  fn: string,
  input: unknown,
  target: unknown,
  o: Partial<Omit<SoftmaxFocalOptions, 'out' | 'reduction'>>,
) {
  const ignoreIndex = integerOption(fn, 'ignoreIndex', o.ignoreIndex, -100);
  const r = indexedRows(fn, input, target, ignoreIndex);
  const alpha = vectorOption(fn, 'alpha', o.alpha, r.cols, 'the class count C');
  const gamma = numberOption(
    fn,
    'gamma',
    o.gamma,
    2,
    (g) => g >= 0 && Number.isFinite(g),
    'a finite number ≥ 0',
  );
  return { ...r, alpha, gamma, ignoreIndex };
}

/**
 * Softmax focal loss on logits `input` `[N, C]` at class indices `target` `[N]` (Lin et al.
 * 2017, multi-class): ℓₙ = −α[yₙ]·(1 − pₙ)^γ·log pₙ with pₙ = softmax(xₙ)[yₙ]; ignored rows
 * give 0 and `mean` divides by the number of non-ignored rows. log p comes from log-softmax
 * and 1 − p = −expm1(log p), never log(clip(p)). With γ = 0 and no α it is `crossEntropy`.
 *
 * @example
 * ```ts
 * import { softmaxFocal } from '@losskit/core';
 * // two equal logits: p = ½, so ℓ = −(½)²·log ½
 * softmaxFocal({ data: [0, 0], shape: [1, 2] }, [0]).value; // 0.25 · log 2
 * ```
 */
export function softmaxFocal<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: IndexTensorLike,
  options?: SoftmaxFocalOptions<R>,
): LossResult<R> {
  const fn = 'softmaxFocal';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const { x, rows, cols, y, alpha, gamma, ignoreIndex } = read(fn, input, target, o);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, rows) : null;
  let s = 0;
  let c = 0;
  let ignored = 0;
  for (let n = 0; n < rows; n++) {
    const k = y[n];
    if (k === ignoreIndex) {
      ignored++;
      if (out !== null) out[n] = 0;
      continue;
    }
    const base = n * cols;
    // −log p = lse − x_y (log-softmax, ≥ 0); 1 − p = 1 − e^(log p) = −expm1(log p), exact
    // when p → 1, where 1 − p would cancel to 0 and lose the focal factor's digits.
    const nlp = rowLse(x, base, cols) - x[base + k];
    const q = -Math.expm1(-nlp);
    let v = nlp * (gamma === 2 ? q * q : q ** gamma);
    if (alpha !== undefined) v *= alpha[k];
    if (out !== null) out[n] = v;
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  const sum = Number.isFinite(s) ? s + c : s;
  return finish(reduction, out, sum, rows - ignored, rows, rows, ignored);
}

/**
 * Gradient of {@link softmaxFocal} with respect to `input`. With q = 1 − p, log p = xᵧ − lse and
 * ∂log p/∂xⱼ = δⱼᵧ − pⱼ, ∂q/∂xⱼ = −p·(δⱼᵧ − pⱼ):
 * ∂ℓ/∂xⱼ = −α[y]·(δⱼᵧ − pⱼ)·F, F = q^γ − γ·p·q^(γ−1)·log p = q^γ·(1 − γ·p·(log p)/q).
 * (log p)/q → −1 as q → 0, so where q = 0 it is taken as −1 and q^(γ−1) is never formed.
 */
export function softmaxFocalGrad(
  input: FloatTensorLike,
  target: IndexTensorLike,
  options?: SoftmaxFocalGradOptions,
): Gradients {
  const fn = 'softmaxFocalGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const { x, rows, cols, y, alpha, gamma, ignoreIndex } = read(fn, input, target, o);
  let kept = 0;
  for (let n = 0; n < rows; n++) if (y[n] !== ignoreIndex) kept++;
  const g = o.gradOutput === undefined ? undefined : floatArg(fn, 'gradOutput', o.gradOutput).data;
  const [scale, per] = gradScale(fn, reduction, kept, rows, g, rows);
  const gx = gradBuffer(fn, o.out, 'input', rows * cols);
  for (let n = 0; n < rows; n++) {
    const base = n * cols;
    const k = y[n];
    if (k === ignoreIndex) {
      for (let j = 0; j < cols; j++) gx[base + j] = 0;
      continue;
    }
    const lse = rowLse(x, base, cols);
    const lp = x[base + k] - lse;
    const q = -Math.expm1(lp);
    const p = Math.exp(lp);
    let f = 1;
    if (gamma !== 0) {
      const ratio = q === 0 ? -1 : lp / q;
      // p·(log p)/q with p = 0 is 0 (lp may even be −∞ when xᵧ − lse overflows: no 0·∞).
      const pr = p === 0 ? 0 : p * ratio;
      f = (gamma === 2 ? q * q : q ** gamma) * (1 - gamma * pr);
    }
    const a = (alpha === undefined ? 1 : alpha[k]) * f * (per === null ? scale : scale * per[n]);
    for (let j = 0; j < cols; j++) gx[base + j] = a * Math.exp(x[base + j] - lse);
    // p_y − 1 = −q, taken from expm1 rather than formed by cancellation.
    gx[base + k] = -a * q;
  }
  return { input: gx };
}

/** {@link softmaxFocal} for generic callers. */
export const softmaxFocalInfo: KernelInfo = {
  name: 'softmaxFocal',
  inputs: [
    { name: 'input', kind: 'float', rank: 2, differentiable: true },
    { name: 'target', kind: 'index', rank: 1, differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) => softmaxFocal(i.input as FloatTensorLike, i.target as IndexTensorLike, o),
  gradient: (i, o) => softmaxFocalGrad(i.input as FloatTensorLike, i.target as IndexTensorLike, o),
};
