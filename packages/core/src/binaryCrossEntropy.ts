import { LossRangeError } from './errors.js';
import { elementOption, floatArg, fmt, optionsArg } from './internal/args.js';
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

/** Options of {@link binaryCrossEntropy}, as PyTorch's `F.binary_cross_entropy`. */
export interface BinaryCrossEntropyOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /**
   * Per-element weights, one per input element (split with the rows by a stream). They
   * multiply each element's loss; `mean` still divides by the element count, as PyTorch.
   */
  weight?: FloatTensorLike;
}

/** Options of {@link binaryCrossEntropyGrad}. */
export type BinaryCrossEntropyGradOptions = Omit<BinaryCrossEntropyOptions, 'reduction' | 'out'> &
  GradOptions;

/** PyTorch clamps each log at −100, so a saturated wrong prediction costs exactly 100. */
const LOG_FLOOR = -100;
/** PyTorch's backward divides by max(p(1 − p), 1e-12). */
const GRAD_EPS = 1e-12;

function read(
  fn: string,
  input: unknown,
  target: unknown,
  o: Partial<Omit<BinaryCrossEntropyOptions, 'out' | 'reduction'>>,
) {
  const p = floatPair(fn, 'input', input, 'target', target);
  const w = elementOption(fn, 'weight', o.weight, p.n, "the input's element count");
  const x = p.a;
  for (let i = 0; i < p.n; i++) {
    const v = x[i];
    // NaN passes (it propagates into the loss); anything else outside [0, 1] is an error.
    if (v < 0 || v > 1) {
      throw new LossRangeError(fn, 'input', `input[${i}] = ${fmt(v)} is outside [0, 1]`);
    }
  }
  return { ...p, w };
}

/**
 * Binary cross-entropy between probabilities `input` and targets `target` (same shape, any
 * rank), PyTorch's `binary_cross_entropy`:
 * ℓᵢ = −wᵢ·(yᵢ·max(log pᵢ, −100) + (1 − yᵢ)·max(log(1 − pᵢ), −100)).
 * Probabilities outside [0, 1] throw a `LossRangeError`; NaN propagates. On logits prefer
 * `binaryCrossEntropyWithLogits`, which does not saturate.
 *
 * @example
 * ```ts
 * import { binaryCrossEntropy } from '@losskit/core';
 * binaryCrossEntropy([0.9, 0.2], [1, 0]).value; // −(log 0.9 + log 0.8) / 2
 * ```
 */
export function binaryCrossEntropy<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: BinaryCrossEntropyOptions<R>,
): LossResult<R> {
  const fn = 'binaryCrossEntropy';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const { a: x, b: y, n, rows, w } = read(fn, input, target, o);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, n) : null;
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const p = x[i];
    const yi = y[i];
    // log(1 − p) as log1p(−p): exact for small p, where 1 − p would round away p's low bits.
    // max(·, −100) also maps log 0 = −∞ to −100, so 0·log 0 never forms 0·∞ = NaN. A term
    // whose coefficient is 0 is skipped (one log instead of two for hard labels); both terms
    // read p, so a NaN p still propagates through the other.
    let v = 0;
    if (yi !== 0) v -= yi * Math.max(Math.log(p), LOG_FLOOR);
    if (yi !== 1) v -= (1 - yi) * Math.max(Math.log1p(-p), LOG_FLOOR);
    if (w !== undefined) v *= w[i];
    if (out !== null) out[i] = v;
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  const sum = Number.isFinite(s) ? s + c : s;
  return finish(reduction, out, sum, n, rows, n, 0);
}

/**
 * Gradient of {@link binaryCrossEntropy} with respect to `input`, PyTorch's:
 * ∂ℓᵢ/∂pᵢ = wᵢ·(pᵢ − yᵢ) / max(pᵢ(1 − pᵢ), 1e-12) — finite at p = 0 and p = 1 (±1e12 there).
 */
export function binaryCrossEntropyGrad(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: BinaryCrossEntropyGradOptions,
): Gradients {
  const fn = 'binaryCrossEntropyGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const { a: x, b: y, n, rows, w } = read(fn, input, target, o);
  const g = o.gradOutput === undefined ? undefined : floatArg(fn, 'gradOutput', o.gradOutput).data;
  const [scale, per] = gradScale(fn, reduction, n, rows, g, n);
  const gx = gradBuffer(fn, o.out, 'input', n);
  for (let i = 0; i < n; i++) {
    const p = x[i];
    let d = (p - y[i]) / Math.max(p * (1 - p), GRAD_EPS);
    if (w !== undefined) d *= w[i];
    gx[i] = per === null ? scale * d : scale * per[i] * d;
  }
  return { input: gx };
}

/** {@link binaryCrossEntropy} for generic callers. */
export const binaryCrossEntropyInfo: KernelInfo = {
  name: 'binaryCrossEntropy',
  inputs: [
    { name: 'input', kind: 'float', rank: 'any', differentiable: true },
    { name: 'target', kind: 'float', rank: 'any', differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: ['weight'],
  rowCoupled: false,
  compute: (i, o) => binaryCrossEntropy(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
  gradient: (i, o) =>
    binaryCrossEntropyGrad(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
};
