import { booleanOption, numberOption, optionsArg } from './internal/args.js';
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

/** Options of {@link poissonNll}, as PyTorch's `F.poisson_nll_loss`. */
export interface PoissonNllOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /** `input` is the log-rate log λ (default `true`); `false`: `input` is the rate λ itself. */
  logInput?: boolean;
  /** Add Stirling's approximation of log(y!) for targets y > 1 (default `false`). */
  full?: boolean;
  /** With `logInput: false`, added to λ inside the log: log(λ + eps) (default 1e−8, ≥ 0). */
  eps?: number;
}

interface Parsed {
  logInput: boolean;
  full: boolean;
  eps: number;
}

function parse(fn: string, o: Partial<Omit<PoissonNllOptions, 'reduction' | 'out'>>): Parsed {
  return {
    logInput: booleanOption(fn, 'logInput', o.logInput, true),
    full: booleanOption(fn, 'full', o.full, false),
    eps: numberOption(fn, 'eps', o.eps, 1e-8, (e) => e >= 0 && e < Infinity, 'a finite number ≥ 0'),
  };
}

const TWO_PI = 2 * Math.PI;

/**
 * Poisson negative log-likelihood, PyTorch's `poisson_nll_loss`, of counts `target` under rates
 * given by `input`: ℓᵢ = exp(xᵢ) − yᵢ·xᵢ with `logInput` (x = log λ), or
 * ℓᵢ = xᵢ − yᵢ·log(xᵢ + eps) without (x = λ). With `full`, Stirling's term
 * yᵢ·log yᵢ − yᵢ + ½·log(2π·yᵢ) is added where yᵢ > 1 (the constant log(y!) the plain loss
 * omits). Element-wise over inputs of any shape; `mean` divides by the element count.
 * Where PyTorch returns NaN for finite input we return the limit: 0·log 0 = 0 for a zero count at
 * a zero rate, and ±∞ when e^x and y·x both overflow.
 *
 * @example
 * ```ts
 * import { poissonNll } from '@losskit/core';
 * poissonNll([0, Math.log(2)], [1, 2], { reduction: 'sum' }).value; // (1 − 0) + (2 − 2·ln 2)
 * ```
 */
export function poissonNll<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: PoissonNllOptions<R>,
): LossResult<R> {
  const fn = 'poissonNll';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const { logInput, full, eps } = parse(fn, o);
  const { x, y, n, rows } = readPair(fn, input, target);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, n) : null;
  let s = 0;
  let c = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[i];
    const yi = y[i];
    let v: number;
    if (logInput) {
      v = Math.exp(xi) - yi * xi;
      // ∞ − ∞: for finite x and y this happens only when both e^x and y·x overflow (x > 709,
      // y > 0). Then the sign of e^x − y·x is that of x − log x − log y, compared in log space
      // (PyTorch gives NaN here).
      if (Number.isNaN(v) && Number.isFinite(xi) && Number.isFinite(yi))
        v = xi - Math.log(xi) > Math.log(yi) ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
    } else {
      // y = 0 contributes 0·log(λ + eps) = 0 even at λ + eps = 0 (the xlogy convention; PyTorch
      // computes 0·(−∞) = NaN there).
      v = yi === 0 ? xi : xi - yi * Math.log(xi + eps);
    }
    // PyTorch masks the Stirling term where target ≤ 1 (NaN targets keep it, and so propagate).
    if (full && !(yi <= 1)) v += yi * Math.log(yi) - yi + 0.5 * Math.log(TWO_PI * yi);
    if (out !== null) out[i] = v;
    const u = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - u + v : v - u + s;
    s = u;
  }
  const sum = Number.isFinite(s) ? s + c : s;
  return finish(reduction, out, sum, n, rows, n, 0);
}

/**
 * Gradient of {@link poissonNll} with respect to `input`: exp(xᵢ) − yᵢ with `logInput`, else
 * 1 − yᵢ/(xᵢ + eps) (exactly 1 where yᵢ = 0), scaled by the reduction (Stirling's term does
 * not depend on the input).
 */
export function poissonNllGrad(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: Omit<PoissonNllOptions, 'reduction' | 'out'> & GradOptions,
): Gradients {
  const fn = 'poissonNllGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const { logInput, eps } = parse(fn, o);
  const { x, y, n } = readPair(fn, input, target);
  const [scale, per] = gradScale(fn, reduction, n, n, gradOutputArg(fn, o.gradOutput), n);
  const gx = gradBuffer(fn, o.out, 'input', n);
  for (let i = 0; i < n; i++) {
    const k = per === null ? scale : scale * per[i];
    const xi = x[i];
    const yi = y[i];
    // y = 0: the rate gradient is exactly 1 (no 0/0 at λ + eps = 0).
    gx[i] = k * (logInput ? Math.exp(xi) - yi : yi === 0 ? 1 : 1 - yi / (xi + eps));
  }
  return { input: gx };
}

/** {@link poissonNll} for generic callers. */
export const poissonNllInfo: KernelInfo = {
  name: 'poissonNll',
  inputs: [
    { name: 'input', kind: 'float', rank: 'any', differentiable: true },
    { name: 'target', kind: 'float', rank: 'any', differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) => poissonNll(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
  gradient: (i, o) => poissonNllGrad(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
};
