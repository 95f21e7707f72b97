import { booleanOption, numberOption, optionsArg } from './internal/args.js';
import { expTable } from './internal/expTable.js';
import { EX_SIMD_MIN, pnGradSimd, pnSumSimd } from './internal/exSimd.js';
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
  let sum: number;
  if (!logInput || full) sum = exactBlock(x, y, 0, n, out, logInput, full, eps);
  else if (x instanceof Float32Array && y instanceof Float32Array) {
    // The WebAssembly SIMD sum (exSimd.ts: ≤ 73u·Σ(e^x + |y·x|)); the blocks it hands back
    // (|x| > 700, ±∞, NaN, a non-finite sum) take this file's loop, as does 'none'.
    const simd =
      out === null && n >= EX_SIMD_MIN
        ? pnSumSimd(x, y, n, (a, b) => sumF32(x, y, a, b, null))
        : null;
    sum = simd ?? sumF32(x, y, 0, n, out);
  } else if (x instanceof Float64Array && y instanceof Float64Array) sum = sumF64(x, y, 0, n, out);
  else sum = sumAny(x, y, 0, n, out);
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
  if (!logInput || per !== null) gradGeneral(x, y, n, scale, per, logInput, eps, gx);
  else if (x instanceof Float32Array && y instanceof Float32Array) {
    // The WebAssembly SIMD kernel (exSimd.ts: ≤ 3.4u·|k|·e^x + 2u·|g|); the chunks it hands back
    // (|x| > 700, ±∞, NaN) take gradF32.
    const simd =
      n >= EX_SIMD_MIN && pnGradSimd(x, y, n, scale, gx, (a, b) => gradF32(x, y, a, b, scale, gx));
    if (!simd) gradF32(x, y, 0, n, scale, gx);
  } else if (x instanceof Float64Array && y instanceof Float64Array) gradF64(x, y, 0, n, scale, gx);
  else gradAny(x, y, 0, n, scale, gx);
  return { input: gx };
}

// ---- The hot loops ----------------------------------------------------------------------------
//
// The common case, log input without `full`: ℓ = e^x − y·x with e^x from expTable (≤ 4.5u,
// u = 2⁻⁵³, for |x| ≤ 32; fastExp's 3.2 ulp beyond; ∞ past 709.78 as Math.exp) instead of a call
// of Math.exp. The terms have either sign and may cancel (x = 1, y = e), so the bound is absolute:
// |ℓ̂ − ℓ| ≤ 4.5u·e^x + u·|y·x| + u·|ℓ| (the product and the difference round once each), next to
// Math.exp's ≤ 1u·e^x + u·|y·x| + u·|ℓ|.
// Sums: plain float64 in four accumulators over blocks of 256 elements (short, since the terms
// have mixed signs), then Neumaier over the block sums. Each accumulator adds ≤ 64 terms and
// three adds combine them, so a block's rounding is ≤ 66u·Σ|vᵢ| over its terms (Higham §4.2), and
// the whole is ≤ (66 + 2)u·Σ|vᵢ| ≈ 7.5e−15·Σ|vᵢ|, the same kind of bound the terms themselves
// carry. A block whose sum is not finite (an ∞ or NaN term, or ∞ − ∞ where e^x and y·x both
// overflow) is recomputed by `exactBlock`, the reference loop, which also rewrites its 'none'
// outputs and resolves ∞ − ∞ in log space.
// Three identical copies for Float32Array, Float64Array and anything else, so each sees one array
// type (a shared body makes V8's element access polymorphic). Keep them identical. They start at
// i0: the WebAssembly path (exSimd.ts, same blocks) hands them the single blocks it does not sum
// itself, and the gradient's chunks it hands back.
const BLOCK = 256;

function sumF32(
  x: Float32Array,
  y: Float32Array,
  i0: number,
  n: number,
  out: Float64Array | null,
): number {
  let s = 0;
  let c = 0;
  for (let b = i0; b < n; b += BLOCK) {
    const e = Math.min(n, b + BLOCK);
    let v0 = 0;
    let v1 = 0;
    let v2 = 0;
    let v3 = 0;
    let i = b;
    if (out === null) {
      for (; i + 3 < e; i += 4) {
        v0 += expTable(x[i]) - y[i] * x[i];
        v1 += expTable(x[i + 1]) - y[i + 1] * x[i + 1];
        v2 += expTable(x[i + 2]) - y[i + 2] * x[i + 2];
        v3 += expTable(x[i + 3]) - y[i + 3] * x[i + 3];
      }
    }
    for (; i < e; i++) {
      const t = expTable(x[i]) - y[i] * x[i];
      if (out !== null) out[i] = t;
      v0 += t;
    }
    let v = v0 + v1 + (v2 + v3);
    if (!Number.isFinite(v)) v = exactBlock(x, y, b, e, out, true, false, 0);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

function sumF64(
  x: Float64Array,
  y: Float64Array,
  i0: number,
  n: number,
  out: Float64Array | null,
): number {
  let s = 0;
  let c = 0;
  for (let b = i0; b < n; b += BLOCK) {
    const e = Math.min(n, b + BLOCK);
    let v0 = 0;
    let v1 = 0;
    let v2 = 0;
    let v3 = 0;
    let i = b;
    if (out === null) {
      for (; i + 3 < e; i += 4) {
        v0 += expTable(x[i]) - y[i] * x[i];
        v1 += expTable(x[i + 1]) - y[i + 1] * x[i + 1];
        v2 += expTable(x[i + 2]) - y[i + 2] * x[i + 2];
        v3 += expTable(x[i + 3]) - y[i + 3] * x[i + 3];
      }
    }
    for (; i < e; i++) {
      const t = expTable(x[i]) - y[i] * x[i];
      if (out !== null) out[i] = t;
      v0 += t;
    }
    let v = v0 + v1 + (v2 + v3);
    if (!Number.isFinite(v)) v = exactBlock(x, y, b, e, out, true, false, 0);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

function sumAny(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  i0: number,
  n: number,
  out: Float64Array | null,
): number {
  let s = 0;
  let c = 0;
  for (let b = i0; b < n; b += BLOCK) {
    const e = Math.min(n, b + BLOCK);
    let v0 = 0;
    let v1 = 0;
    let v2 = 0;
    let v3 = 0;
    let i = b;
    if (out === null) {
      for (; i + 3 < e; i += 4) {
        v0 += expTable(x[i]) - y[i] * x[i];
        v1 += expTable(x[i + 1]) - y[i + 1] * x[i + 1];
        v2 += expTable(x[i + 2]) - y[i + 2] * x[i + 2];
        v3 += expTable(x[i + 3]) - y[i + 3] * x[i + 3];
      }
    }
    for (; i < e; i++) {
      const t = expTable(x[i]) - y[i] * x[i];
      if (out !== null) out[i] = t;
      v0 += t;
    }
    let v = v0 + v1 + (v2 + v3);
    if (!Number.isFinite(v)) v = exactBlock(x, y, b, e, out, true, false, 0);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

/**
 * The reference loop over [i0, i1) for any options, per-element Neumaier; writes `out` if given.
 * e^x by the same expTable as the fast loops, so that a recomputed block's 'none' outputs equal
 * the others' and `full` adds exactly Stirling's term to the plain loss (expTable is finite
 * exactly where Math.exp is).
 */
function exactBlock(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  i0: number,
  i1: number,
  out: Float64Array | null,
  logInput: boolean,
  full: boolean,
  eps: number,
): number {
  let s = 0;
  let c = 0;
  for (let i = i0; i < i1; i++) {
    const xi = x[i];
    const yi = y[i];
    let v: number;
    if (logInput) {
      v = expTable(xi) - yi * xi;
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
    // PyTorch adds the Stirling term masked to 0 where target ≤ 1 (NaN targets keep it, and so
    // propagate). The 0 is added too, as there: it turns a loss of −0 into +0.
    if (full) v += yi <= 1 ? 0 : yi * Math.log(yi) - yi + 0.5 * Math.log(TWO_PI * yi);
    if (out !== null) out[i] = v;
    const u = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - u + v : v - u + s;
    s = u;
  }
  return Number.isFinite(s) ? s + c : s;
}

// The gradient with log input and no per-element gradOutput: k·(e^x − y), e^x by expTable as
// above (absolute error ≤ 4.5u·e^x + u·|e^x − y|, then one rounding of the product). ±∞ and NaN
// give what Math.exp gives (expTable falls back to it). Four elements per iteration: they share
// the loop's checks of the arrays and of k, which V8 does not hoist out of the loop.
function gradF32(
  x: Float32Array,
  y: Float32Array,
  i0: number,
  n: number,
  k: number,
  gx: Float64Array,
): void {
  let i = i0;
  for (; i + 3 < n; i += 4) {
    const e0 = expTable(x[i]);
    const e1 = expTable(x[i + 1]);
    const e2 = expTable(x[i + 2]);
    const e3 = expTable(x[i + 3]);
    gx[i] = k * (e0 - y[i]);
    gx[i + 1] = k * (e1 - y[i + 1]);
    gx[i + 2] = k * (e2 - y[i + 2]);
    gx[i + 3] = k * (e3 - y[i + 3]);
  }
  for (; i < n; i++) gx[i] = k * (expTable(x[i]) - y[i]);
}

function gradF64(
  x: Float64Array,
  y: Float64Array,
  i0: number,
  n: number,
  k: number,
  gx: Float64Array,
): void {
  let i = i0;
  for (; i + 3 < n; i += 4) {
    const e0 = expTable(x[i]);
    const e1 = expTable(x[i + 1]);
    const e2 = expTable(x[i + 2]);
    const e3 = expTable(x[i + 3]);
    gx[i] = k * (e0 - y[i]);
    gx[i + 1] = k * (e1 - y[i + 1]);
    gx[i + 2] = k * (e2 - y[i + 2]);
    gx[i + 3] = k * (e3 - y[i + 3]);
  }
  for (; i < n; i++) gx[i] = k * (expTable(x[i]) - y[i]);
}

function gradAny(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  i0: number,
  n: number,
  k: number,
  gx: Float64Array,
): void {
  let i = i0;
  for (; i + 3 < n; i += 4) {
    const e0 = expTable(x[i]);
    const e1 = expTable(x[i + 1]);
    const e2 = expTable(x[i + 2]);
    const e3 = expTable(x[i + 3]);
    gx[i] = k * (e0 - y[i]);
    gx[i + 1] = k * (e1 - y[i + 1]);
    gx[i + 2] = k * (e2 - y[i + 2]);
    gx[i + 3] = k * (e3 - y[i + 3]);
  }
  for (; i < n; i++) gx[i] = k * (expTable(x[i]) - y[i]);
}

/** Rate input and/or a per-element `gradOutput` (any array types); e^x by expTable as above. */
function gradGeneral(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  n: number,
  scale: number,
  per: ArrayLike<number> | null,
  logInput: boolean,
  eps: number,
  gx: Float64Array,
): void {
  for (let i = 0; i < n; i++) {
    const k = per === null ? scale : scale * per[i];
    const xi = x[i];
    const yi = y[i];
    // y = 0: the rate gradient is exactly 1 (no 0/0 at λ + eps = 0).
    gx[i] = k * (logInput ? expTable(xi) - yi : yi === 0 ? 1 : 1 - yi / (xi + eps));
  }
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
