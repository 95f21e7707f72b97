import { booleanOption, floatArg, optionsArg } from './internal/args.js';
import { floatPair } from './internal/classification.js';
import { finish, gradBuffer, gradScale, outputBuffer, reductionOption } from './internal/reduce.js';
import type { KernelInfo } from './KernelInfo.js';
import type { FloatTensorLike, Gradients, GradOptions, LossOptions, LossResult } from './types.js';

/** `klDiv`'s reductions: PyTorch's plus `'batchmean'` (Σ / rows, the true KL per sample). */
export type KlDivReduction = 'none' | 'mean' | 'sum' | 'batchmean';

const REDUCTIONS: readonly KlDivReduction[] = ['mean', 'sum', 'none', 'batchmean'];

/** Options of {@link klDiv}, as PyTorch's `F.kl_div`. */
export interface KlDivOptions<R extends KlDivReduction = KlDivReduction> extends LossOptions<R> {
  /** `target` holds log-probabilities instead of probabilities (default false). */
  logTarget?: boolean;
}

/** Options of {@link klDivGrad}. */
export type KlDivGradOptions = Omit<KlDivOptions, 'reduction' | 'out'> &
  GradOptions<KlDivReduction>;

/**
 * Kullback–Leibler divergence, PyTorch's `kl_div`: `input` holds log-probabilities log qᵢ (of
 * the model), `target` probabilities pᵢ (log-probabilities with `logTarget`), same shape;
 * element-wise ℓᵢ = pᵢ·(log pᵢ − log qᵢ) with 0·log 0 = 0 (xlogy). `'batchmean'` divides Σℓ by
 * the rows N — the KL divergence per sample — while `'mean'` divides by every element (N·C),
 * as PyTorch.
 *
 * @example
 * ```ts
 * import { klDiv } from '@losskit/core';
 * const logq = { data: [Math.log(0.5), Math.log(0.5)], shape: [1, 2] };
 * klDiv(logq, [1, 0], { reduction: 'batchmean' }).value; // 1·(log 1 − log ½) + 0 = log 2
 * ```
 */
export function klDiv<R extends KlDivReduction = 'mean'>(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: KlDivOptions<R>,
): LossResult<R> {
  const fn = 'klDiv';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<KlDivReduction>(fn, o.reduction, REDUCTIONS) as R;
  const logTarget = booleanOption(fn, 'logTarget', o.logTarget, false);
  const { a: x, b: y, n, rows } = floatPair(fn, 'input', input, 'target', target);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, n) : null;
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i];
    const ti = y[i];
    let v: number;
    if (logTarget) {
      // p = e^t, ℓ = e^t·(t − x). A zero probability (t = −∞) contributes 0 (its limit),
      // not e^−∞·(−∞ − x) = 0·(−∞) = NaN as in PyTorch; NaN in x still propagates.
      v = ti === Number.NEGATIVE_INFINITY ? (Number.isNaN(xi) ? xi : 0) : Math.exp(ti) * (ti - xi);
    } else {
      // xlogy: 0·log 0 = 0. A zero probability contributes 0 even where log q = −∞ (a masked
      // class), instead of PyTorch's 0·(−∞) = NaN; NaN in x still propagates. Negative p gives
      // NaN (log of a negative), as PyTorch.
      v = ti === 0 ? (Number.isNaN(xi) ? xi : 0) : ti * (Math.log(ti) - xi);
    }
    if (out !== null) out[i] = v;
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  const sum = Number.isFinite(s) ? s + c : s;
  return finish(reduction, out, sum, n, rows, n, 0);
}

/**
 * Gradient of {@link klDiv} with respect to `input`: ∂ℓᵢ/∂xᵢ = −pᵢ (−e^tᵢ with `logTarget`),
 * scaled by the reduction (`mean`: 1/(N·C), `batchmean`: 1/N).
 */
export function klDivGrad(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: KlDivGradOptions,
): Gradients {
  const fn = 'klDivGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<KlDivReduction>(fn, o.reduction, REDUCTIONS);
  const logTarget = booleanOption(fn, 'logTarget', o.logTarget, false);
  const { b: y, n, rows } = floatPair(fn, 'input', input, 'target', target);
  const g = o.gradOutput === undefined ? undefined : floatArg(fn, 'gradOutput', o.gradOutput).data;
  const [scale, per] = gradScale(fn, reduction, n, rows, g, n);
  const gx = gradBuffer(fn, o.out, 'input', n);
  for (let i = 0; i < n; i++) {
    const p = logTarget ? Math.exp(y[i]) : y[i];
    gx[i] = per === null ? -scale * p : -scale * per[i] * p;
  }
  return { input: gx };
}

/** {@link klDiv} for generic callers. */
export const klDivInfo: KernelInfo = {
  name: 'klDiv',
  inputs: [
    { name: 'input', kind: 'float', rank: 'any', differentiable: true },
    { name: 'target', kind: 'float', rank: 'any', differentiable: false },
  ],
  reductions: REDUCTIONS,
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) => klDiv(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
  gradient: (i, o) => klDivGrad(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
};
