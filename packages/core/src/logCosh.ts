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

/** Options of {@link logCosh}. */
export type LogCoshOptions<R extends Reduction = Reduction> = LossOptions<R>;

const LN2 = Math.LN2;

/**
 * Log-cosh loss: with eᵢ = xᵢ − yᵢ, ℓᵢ = log(cosh(eᵢ)). Element-wise over inputs of any shape;
 * `mean` divides by the element count. ≈ e²/2 for small e, ≈ |e| − ln 2 for large e; smooth
 * (twice differentiable) everywhere. Stable: finite at e = ±1000, where cosh overflows.
 *
 * @example
 * ```ts
 * import { logCosh } from '@losskit/core';
 * logCosh([1000], [0]).value; // 1000 − ln 2
 * ```
 */
export function logCosh<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: LogCoshOptions<R>,
): LossResult<R> {
  const fn = 'logCosh';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const { x, y, n, rows } = readPair(fn, input, target);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, n) : null;
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const e = x[i] - y[i];
    const a = Math.abs(e);
    let v: number;
    if (a < 1) {
      // Small |e|: cosh e = 1 + 2·sinh²(e/2), so log cosh e = log1p(2·sinh²(e/2)). No
      // cancellation: the argument of log1p is computed to full relative accuracy, so
      // ℓ ≈ e²/2 keeps its relative accuracy down to e ~ 1e−154 (the square underflows below).
      const h = Math.sinh(0.5 * e);
      v = Math.log1p(2 * h * h);
    } else {
      // Large |e| (and NaN, ±∞): cosh e = (e^|e| + e^−|e|)/2 = e^|e|·(1 + e^(−2|e|))/2, so
      // log cosh e = |e| + log1p(e^(−2|e|)) − ln 2. The exponent is ≤ −2, nothing overflows
      // (e = ±1000 gives 1000 − ln 2, where cosh itself is ∞), and for |e| ≥ 1 the result
      // (≥ 0.43) is not a small difference of the terms.
      v = a + Math.log1p(Math.exp(-2 * a)) - LN2;
    }
    if (out !== null) out[i] = v;
    const u = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - u + v : v - u + s;
    s = u;
  }
  const sum = Number.isFinite(s) ? s + c : s;
  return finish(reduction, out, sum, n, rows, n, 0);
}

/**
 * Gradient of {@link logCosh}: ∂ℓᵢ/∂xᵢ = tanh(eᵢ) (Math.tanh saturates to ±1, never overflows),
 * scaled by the reduction.
 */
export function logCoshGrad(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: GradOptions,
): Gradients {
  const fn = 'logCoshGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const { x, y, n } = readPair(fn, input, target);
  const [scale, per] = gradScale(fn, reduction, n, n, gradOutputArg(fn, o.gradOutput), n);
  const gx = gradBuffer(fn, o.out, 'input', n);
  if (per === null) for (let i = 0; i < n; i++) gx[i] = scale * Math.tanh(x[i] - y[i]);
  else for (let i = 0; i < n; i++) gx[i] = scale * per[i] * Math.tanh(x[i] - y[i]);
  return { input: gx };
}

/** {@link logCosh} for generic callers. */
export const logCoshInfo: KernelInfo = {
  name: 'logCosh',
  inputs: [
    { name: 'input', kind: 'float', rank: 'any', differentiable: true },
    { name: 'target', kind: 'float', rank: 'any', differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) => logCosh(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
  gradient: (i, o) => logCoshGrad(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
};
