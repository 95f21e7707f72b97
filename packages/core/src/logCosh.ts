import { optionsArg } from './internal/args.js';
import { TANH_J, TANH_RANGE, tanhTable } from './internal/ewTanh.js';
import { logCoshAbs } from './internal/logCoshAbs.js';
import { gradOutputArg, readPair } from './internal/marginRegressionArgs.js';
import { finish, gradBuffer, gradScale, outputBuffer, reductionOption } from './internal/reduce.js';
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
  const sum =
    x instanceof Float32Array && y instanceof Float32Array
      ? sumF32(x, y, n, out)
      : x instanceof Float64Array && y instanceof Float64Array
        ? sumF64(x, y, n, out)
        : sumAny(x, y, n, out);
  return finish(reduction, out, sum, n, rows, n, 0);
}

/**
 * Gradient of {@link logCosh}: ∂ℓᵢ/∂xᵢ = tanh(eᵢ) (saturates to ±1, never overflows), scaled by
 * the reduction; within 9.7u ≈ 1.1e−15 relative of the exact value (tanh from a table).
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
  // tanh by tanhTable (internal/ewTanh.ts: ≤ 8.7u for |e| ≤ 20) and Math.tanh beyond, where it
  // is ±1 (and for ±∞, NaN): the gradient is within 9.7u ≈ 1.1e−15 of k·tanh e.
  // Imported bindings are read into locals outside the loops: where a module is loaded through
  // CommonJS (tsx's require path) an import is a getter, and reading TANH_RANGE per element
  // measured 3.5× slower there (under ESM, as the bench loads core: ~5%).
  const range = TANH_RANGE;
  const tanh = tanhTable;
  if (per !== null) {
    for (let i = 0; i < n; i++) {
      const e = x[i] - y[i];
      gx[i] = scale * per[i] * (Math.abs(e) <= range ? tanh(e) : Math.tanh(e));
    }
  } else {
    // The fast loops stop at an element with |e| > 20 or NaN and return its index; -1 when done.
    // After 64 such elements the rest goes to a loop that takes them inline (residuals beyond
    // ±20 are then common, and a return per element would cost more than Math.tanh).
    const f32 = x instanceof Float32Array && y instanceof Float32Array;
    const f64 = x instanceof Float64Array && y instanceof Float64Array;
    let stops = 0;
    for (let i = 0; i < n; i++) {
      i = f32
        ? gradF32(x, y as Float32Array, i, n, scale, gx)
        : f64
          ? gradF64(x as Float64Array, y as Float64Array, i, n, scale, gx)
          : gradAny(x, y, i, n, scale, gx);
      if (i < 0) break;
      gx[i] = scale * Math.tanh(x[i] - y[i]);
      if (++stops === 64) {
        for (let j = i + 1; j < n; j++) {
          const e = x[j] - y[j];
          gx[j] = scale * (Math.abs(e) <= range ? tanh(e) : Math.tanh(e));
        }
        break;
      }
    }
  }
  return { input: gx };
}

// The gradient's hot loops, one copy per array type as the sums below (keep them identical),
// free of the gradOutput test and of Math.tanh's call into C++. The range test is a branch that
// moderate residuals never take. tanh e is tanhTable's arithmetic (internal/ewTanh.ts, STEP = 32,
// MID = 640; same steps, same bound ≤ 8.7u) written out here: as an imported call the loop
// measured 84 ms on 10M elements under ESM (the bench), inline 57; the test pins the two equal.
function gradF32(
  x: Float32Array,
  y: Float32Array,
  i0: number,
  n: number,
  k: number,
  gx: Float64Array,
): number {
  const range = TANH_RANGE;
  const T = TANH_J;
  for (let i = i0; i < n; i++) {
    const e = x[i] - y[i];
    if (!(Math.abs(e) <= range)) return i;
    const j = (e * 32 + 640.5) | 0;
    const d = e - (j - 640) * (1 / 32);
    const d2 = d * d;
    const t = d * (1 + d2 * (-1 / 3 + d2 * (2 / 15 + d2 * (-17 / 315 + d2 * (62 / 2835)))));
    const tau = T[j];
    gx[i] = k * ((tau + t) / (1 + tau * t));
  }
  return -1;
}

function gradF64(
  x: Float64Array,
  y: Float64Array,
  i0: number,
  n: number,
  k: number,
  gx: Float64Array,
): number {
  const range = TANH_RANGE;
  const T = TANH_J;
  for (let i = i0; i < n; i++) {
    const e = x[i] - y[i];
    if (!(Math.abs(e) <= range)) return i;
    const j = (e * 32 + 640.5) | 0;
    const d = e - (j - 640) * (1 / 32);
    const d2 = d * d;
    const t = d * (1 + d2 * (-1 / 3 + d2 * (2 / 15 + d2 * (-17 / 315 + d2 * (62 / 2835)))));
    const tau = T[j];
    gx[i] = k * ((tau + t) / (1 + tau * t));
  }
  return -1;
}

function gradAny(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  i0: number,
  n: number,
  k: number,
  gx: Float64Array,
): number {
  const range = TANH_RANGE;
  const T = TANH_J;
  for (let i = i0; i < n; i++) {
    const e = x[i] - y[i];
    if (!(Math.abs(e) <= range)) return i;
    const j = (e * 32 + 640.5) | 0;
    const d = e - (j - 640) * (1 / 32);
    const d2 = d * d;
    const t = d * (1 + d2 * (-1 / 3 + d2 * (2 / 15 + d2 * (-17 / 315 + d2 * (62 / 2835)))));
    const tau = T[j];
    gx[i] = k * ((tau + t) / (1 + tau * t));
  }
  return -1;
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

function sumF32(x: Float32Array, y: Float32Array, n: number, out: Float64Array | null): number {
  let s = 0;
  let c = 0;
  for (let b = 0; b < n; b += BLOCK) {
    const e = Math.min(n, b + BLOCK);
    let v0 = 0;
    for (let i = b; i < e; i++) {
      const t = term(x[i], y[i]);
      if (out !== null) out[i] = t;
      v0 += t;
    }
    let v = v0;
    if (!Number.isFinite(v)) v = exactBlock(x, y, b, e, out);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

function sumF64(x: Float64Array, y: Float64Array, n: number, out: Float64Array | null): number {
  let s = 0;
  let c = 0;
  for (let b = 0; b < n; b += BLOCK) {
    const e = Math.min(n, b + BLOCK);
    let v0 = 0;
    for (let i = b; i < e; i++) {
      const t = term(x[i], y[i]);
      if (out !== null) out[i] = t;
      v0 += t;
    }
    let v = v0;
    if (!Number.isFinite(v)) v = exactBlock(x, y, b, e, out);
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
): number {
  let s = 0;
  let c = 0;
  for (let b = 0; b < n; b += BLOCK) {
    const e = Math.min(n, b + BLOCK);
    let v0 = 0;
    for (let i = b; i < e; i++) {
      const t = term(x[i], y[i]);
      if (out !== null) out[i] = t;
      v0 += t;
    }
    let v = v0;
    if (!Number.isFinite(v)) v = exactBlock(x, y, b, e, out);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

/**
 * log cosh e by logCoshAbs (internal/logCoshAbs.ts): one table-driven polynomial in |e|, within
 * 24u of log cosh e at every |e| (small ones included), with no branch on |e| < 1 (on random data
 * that branch mispredicts about half the time). e = ±∞ or NaN: the block's sum is not finite and
 * `exactBlock` recomputes it.
 */
function term(xi: number, yi: number): number {
  return logCoshAbs(Math.abs(xi - yi));
}

/** The reference loop over [i0, i1): Math.sinh/exp/log1p; writes `out` if given. */
function exactBlock(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  i0: number,
  i1: number,
  out: Float64Array | null,
): number {
  return exactRangeSum(i0, i1, out, (i) => {
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
    return v;
  });
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
