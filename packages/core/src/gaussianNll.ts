import { LossRangeError, LossShapeError } from './errors.js';
import { booleanOption, floatArg, fmt, numberOption, optionsArg } from './internal/args.js';
import { gradOutputArg } from './internal/marginRegressionArgs.js';
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

/** Options of {@link gaussianNll}, as PyTorch's `F.gaussian_nll_loss`. */
export interface GaussianNllOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /** Add the constant ½·log(2π) to every element (default `false`). */
  full?: boolean;
  /** Variances below eps are clamped up to eps, as PyTorch (default 1e−6, ≥ 0). */
  eps?: number;
}

interface Prepared {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  v: ArrayLike<number>;
  n: number;
  rows: number;
  /** Consecutive elements sharing one variance: 1, or the input's last dimension. */
  group: number;
  full: boolean;
  eps: number;
}

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return false;
  return true;
}

function prepare(
  fn: string,
  input: unknown,
  target: unknown,
  variance: unknown,
  o: Partial<Omit<GaussianNllOptions, 'reduction' | 'out'>>,
): Prepared {
  const full = booleanOption(fn, 'full', o.full, false);
  const eps = numberOption(
    fn,
    'eps',
    o.eps,
    1e-6,
    (e) => e >= 0 && e < Infinity,
    'a finite number ≥ 0',
  );
  const xv = floatArg(fn, 'input', input);
  const y = floatArg(fn, 'target', target).data;
  const vv = floatArg(fn, 'var', variance);
  const n = xv.data.length;
  if (y.length !== n) {
    throw new LossShapeError(fn, 'target', `target has ${y.length} elements but input has ${n}`);
  }
  let group = 1;
  if (vv.data.length !== n) {
    // PyTorch's homoscedastic shapes: var is input.shape[:-1], or that plus a trailing 1; one
    // variance then serves every element of the input's last dimension.
    const xs = xv.shape;
    const vs = vv.shape;
    const lead = xs.slice(0, -1);
    const ok =
      xs.length >= 1 &&
      (sameDims(vs, lead) ||
        (vs.length === xs.length && vs[vs.length - 1] === 1 && sameDims(vs.slice(0, -1), lead)));
    if (!ok) {
      throw new LossShapeError(
        fn,
        'var',
        `var has shape [${vs.join(', ')}] but input has shape [${xs.join(', ')}]; expected the input's shape, [${lead.join(', ')}] or [${[...lead, 1].join(', ')}]`,
      );
    }
    group = xs[xs.length - 1];
  }
  return {
    x: xv.data,
    y,
    v: vv.data,
    n,
    rows: xv.shape.length > 0 ? xv.shape[0] : 1,
    group,
    full,
    eps,
  };
}

function negativeVar(fn: string, k: number, v: number): LossRangeError {
  return new LossRangeError(fn, 'var', `var[${k}] = ${fmt(v)} is negative`);
}

/**
 * Gaussian negative log-likelihood, PyTorch's `gaussian_nll_loss`: `input` is the predicted
 * mean μ, `target` the observation y, `var` the predicted variance σ² ≥ 0 (clamped up to
 * `eps`): ℓᵢ = ½·(log σ²ᵢ + (μᵢ − yᵢ)²/σ²ᵢ) (+ ½·log 2π with `full`). `var` has the input's
 * shape, or (homoscedastic) the input's shape without its last dimension, optionally with a
 * trailing 1. Element-wise; `mean` divides by the input's element count. A negative variance is
 * a {@link LossRangeError}, as in PyTorch.
 *
 * @example
 * ```ts
 * import { gaussianNll } from '@losskit/core';
 * gaussianNll([1], [3], [4]).value; // ½·(ln 4 + 2²/4)
 * ```
 */
export function gaussianNll<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: FloatTensorLike,
  variance: FloatTensorLike,
  options?: GaussianNllOptions<R>,
): LossResult<R> {
  const fn = 'gaussianNll';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const { x, y, v, n, rows, group, full, eps } = prepare(fn, input, target, variance, o);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, n) : null;
  const nv = v.length;
  let s = 0;
  let c = 0;
  let i = 0;
  for (let k = 0; k < nv; k++) {
    const raw = v[k];
    if (raw < 0) throw negativeVar(fn, k, raw);
    const vk = Math.max(raw, eps); // NaN stays NaN
    const logV = Math.log(vk);
    for (let j = 0; j < group; j++, i++) {
      const d = x[i] - y[i];
      let val = 0.5 * (logV + (d * d) / vk);
      if (full) val += HALF_LOG_2PI;
      if (out !== null) out[i] = val;
      const u = s + val;
      c += Math.abs(s) >= Math.abs(val) ? s - u + val : val - u + s;
      s = u;
    }
  }
  const sum = Number.isFinite(s) ? s + c : s;
  return finish(reduction, out, sum, n, rows, n, 0);
}

/**
 * Gradients of {@link gaussianNll}, with σ′² = max(σ², eps):
 * ∂ℓᵢ/∂μᵢ = (μᵢ − yᵢ)/σ′²ᵢ and ∂ℓᵢ/∂σ²ᵢ = ½·(1/σ′²ᵢ − (μᵢ − yᵢ)²/σ′⁴ᵢ), scaled by the
 * reduction; a shared (homoscedastic) variance sums its elements' terms. As in PyTorch the
 * clamp itself is not differentiated: a variance below eps still gets the gradient at eps.
 * Returns `{ input, var }`.
 */
export function gaussianNllGrad(
  input: FloatTensorLike,
  target: FloatTensorLike,
  variance: FloatTensorLike,
  options?: Omit<GaussianNllOptions, 'reduction' | 'out'> & GradOptions,
): Gradients {
  const fn = 'gaussianNllGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const { x, y, v, n, group, eps } = prepare(fn, input, target, variance, o);
  const [scale, per] = gradScale(fn, reduction, n, n, gradOutputArg(fn, o.gradOutput), n);
  const nv = v.length;
  const gx = gradBuffer(fn, o.out, 'input', n);
  const gv = gradBuffer(fn, o.out, 'var', nv);
  let i = 0;
  for (let k = 0; k < nv; k++) {
    const raw = v[k];
    if (raw < 0) throw negativeVar(fn, k, raw);
    const vk = Math.max(raw, eps);
    const inv = 1 / vk;
    let acc = 0;
    for (let j = 0; j < group; j++, i++) {
      const kk = per === null ? scale : scale * per[i];
      const r = (x[i] - y[i]) * inv;
      gx[i] = kk * r;
      acc += kk * 0.5 * (inv - r * r);
    }
    gv[k] = acc;
  }
  return { input: gx, var: gv };
}

/** {@link gaussianNll} for generic callers (inputs `input`, `target`, `var`). */
export const gaussianNllInfo: KernelInfo = {
  name: 'gaussianNll',
  inputs: [
    { name: 'input', kind: 'float', rank: 'any', differentiable: true },
    { name: 'target', kind: 'float', rank: 'any', differentiable: false },
    { name: 'var', kind: 'float', rank: 'any', differentiable: true },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) =>
    gaussianNll(
      i.input as FloatTensorLike,
      i.target as FloatTensorLike,
      i.var as FloatTensorLike,
      o,
    ),
  gradient: (i, o) =>
    gaussianNllGrad(
      i.input as FloatTensorLike,
      i.target as FloatTensorLike,
      i.var as FloatTensorLike,
      o,
    ),
};
