import { LossShapeError } from './errors.js';
import { elementOption, floatArg, optionsArg, unwrap } from './internal/args.js';
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

/** Options of {@link binaryCrossEntropyWithLogits}, as PyTorch's `F.binary_cross_entropy_with_logits`. */
export interface BinaryCrossEntropyWithLogitsOptions<R extends Reduction = Reduction>
  extends LossOptions<R> {
  /**
   * Per-element weights, one per input element (split with the rows by a stream). They
   * multiply each element's loss; `mean` still divides by the element count, as PyTorch.
   */
  weight?: FloatTensorLike;
  /**
   * Per-column weights of the positive term `[C]` (C = the last dimension; a single entry
   * applies to every column). `posWeight > 1` raises recall, `< 1` precision. Default 1.
   */
  posWeight?: FloatTensorLike;
}

/** Options of {@link binaryCrossEntropyWithLogitsGrad}. */
export type BinaryCrossEntropyWithLogitsGradOptions = Omit<
  BinaryCrossEntropyWithLogitsOptions,
  'reduction' | 'out'
> &
  GradOptions;

function read(
  fn: string,
  input: unknown,
  target: unknown,
  o: Partial<Omit<BinaryCrossEntropyWithLogitsOptions, 'out' | 'reduction'>>,
) {
  const p = floatPair(fn, 'input', input, 'target', target);
  const w = elementOption(fn, 'weight', o.weight, p.n, "the input's element count");
  let pw: ArrayLike<number> | undefined;
  let cols = 1;
  if (o.posWeight !== undefined && o.posWeight !== null) {
    pw = floatArg(fn, 'posWeight', o.posWeight).data;
    // C is the last dimension of a shaped input; a bare input array has no columns of its
    // own, so a posWeight whose length divides the element count defines them.
    const shaped = unwrap(fn, 'input', input).shape !== null || p.shape.length !== 1;
    const last = p.shape.length > 0 ? p.shape[p.shape.length - 1] : 1;
    cols = shaped ? last : pw.length > 0 && p.n % pw.length === 0 ? pw.length : last;
    if (pw.length !== cols && pw.length !== 1) {
      throw new LossShapeError(
        fn,
        'posWeight',
        `option posWeight has ${pw.length} entries but the input's last dimension C is ${cols} (shape [${p.shape.join(', ')}])`,
      );
    }
    if (pw.length === 1) cols = 1;
  }
  return { ...p, w, pw, cols };
}

/**
 * Binary cross-entropy on logits `input` against targets `target` in [0, 1] (same shape),
 * PyTorch's `binary_cross_entropy_with_logits`, with per-element `weight` and per-column
 * `posWeight`:
 * ℓᵢ = wᵢ·(pwᵢ·yᵢ·softplus(−xᵢ) + (1 − yᵢ)·softplus(xᵢ)) = −wᵢ·(pwᵢ·yᵢ·log σ(xᵢ) + (1 − yᵢ)·log(1 − σ(xᵢ))).
 * Stable for any finite logit (±1e4 included); `mean` divides by the element count.
 *
 * @example
 * ```ts
 * import { binaryCrossEntropyWithLogits } from '@losskit/core';
 * binaryCrossEntropyWithLogits([0, 0], [1, 0]).value; // log 2
 * ```
 */
export function binaryCrossEntropyWithLogits<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: BinaryCrossEntropyWithLogitsOptions<R>,
): LossResult<R> {
  const fn = 'binaryCrossEntropyWithLogits';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const { a: x, b: y, n, rows, w, pw, cols } = read(fn, input, target, o);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, n) : null;
  let s = 0;
  let c = 0;
  let col = 0; // i mod cols, the posWeight column, without a division per element
  for (let i = 0; i < n; i++) {
    const xi = x[i];
    const yi = y[i];
    // softplus(z) = log(1 + eᶻ) = max(z, 0) + log1p(e^−|z|): the exponent is ≤ 0, so e^−|z|
    // never overflows, and log1p keeps its small values exact. With e = log1p(e^−|x|),
    // softplus(x) = max(x, 0) + e and softplus(−x) = max(−x, 0) + e share one exp and one log.
    // −log σ(x) = softplus(−x), −log(1 − σ(x)) = softplus(x), so with L = pw·y:
    //   ℓ = L·softplus(−x) + (1 − y)·softplus(x)
    // (= max(x,0) − x·y + log1p(e^−|x|) when pw = 1, scaled log-sigmoid term 1 + (pw−1)·y).
    // Both terms are ≥ 0: nothing cancels. A term whose coefficient is 0 is skipped, so an
    // infinite logit gives 0 or ∞, never 0·∞ = NaN.
    const e = Math.log1p(Math.exp(-Math.abs(xi)));
    const neg = 1 - yi;
    const pos = pw === undefined ? yi : pw[col] * yi;
    if (++col === cols) col = 0;
    let v = 0;
    if (pos !== 0) v += pos * (Math.max(-xi, 0) + e);
    if (neg !== 0) v += neg * (Math.max(xi, 0) + e);
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
 * Gradient of {@link binaryCrossEntropyWithLogits} with respect to `input`:
 * ∂ℓᵢ/∂xᵢ = wᵢ·((1 − yᵢ)·σ(xᵢ) − pwᵢ·yᵢ·σ(−xᵢ)) (= wᵢ·(σ(xᵢ) − yᵢ) when pw = 1).
 */
export function binaryCrossEntropyWithLogitsGrad(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: BinaryCrossEntropyWithLogitsGradOptions,
): Gradients {
  const fn = 'binaryCrossEntropyWithLogitsGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const { a: x, b: y, n, rows, w, pw, cols } = read(fn, input, target, o);
  const g = o.gradOutput === undefined ? undefined : floatArg(fn, 'gradOutput', o.gradOutput).data;
  const [scale, per] = gradScale(fn, reduction, n, rows, g, n);
  const gx = gradBuffer(fn, o.out, 'input', n);
  let col = 0; // i mod cols
  for (let i = 0; i < n; i++) {
    const xi = x[i];
    const yi = y[i];
    // σ(x) and σ(−x) from one exp of −|x| ≤ 0: for x ≥ 0, σ(x) = 1/(1 + e), σ(−x) = e/(1 + e)
    // with e = e^−x, and mirrored for x < 0. Computing σ(−x) directly (not 1 − σ(x)) keeps it
    // exact when it is tiny, e.g. σ(−200) ≈ 1.4e-87.
    const e = Math.exp(-Math.abs(xi));
    const big = 1 / (1 + e);
    const small = e / (1 + e);
    const sp = xi >= 0 ? big : small;
    const sn = xi >= 0 ? small : big;
    const pos = pw === undefined ? yi : pw[col] * yi;
    if (++col === cols) col = 0;
    let d = (1 - yi) * sp - pos * sn;
    if (w !== undefined) d *= w[i];
    gx[i] = per === null ? scale * d : scale * per[i] * d;
  }
  return { input: gx };
}

/** {@link binaryCrossEntropyWithLogits} for generic callers. */
export const binaryCrossEntropyWithLogitsInfo: KernelInfo = {
  name: 'binaryCrossEntropyWithLogits',
  inputs: [
    { name: 'input', kind: 'float', rank: 'any', differentiable: true },
    { name: 'target', kind: 'float', rank: 'any', differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: ['weight'],
  rowCoupled: false,
  compute: (i, o) =>
    binaryCrossEntropyWithLogits(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
  gradient: (i, o) =>
    binaryCrossEntropyWithLogitsGrad(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
};
