import { optionsArg } from './internal/args.js';
import { expTable } from './internal/expTable.js';
import { EX_SIMD_MIN, exGradSimd, exSumSimd } from './internal/exSimd.js';
import { gradOutputArg, notSignError, readPair } from './internal/marginRegressionArgs.js';
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

/** Options of {@link exponential}. */
export type ExponentialOptions<R extends Reduction = Reduction> = LossOptions<R>;

/**
 * Exponential loss (AdaBoost's) on scores `input` and labels `target` ∈ {−1, 1}:
 * ℓᵢ = exp(−yᵢ·fᵢ). Element-wise over inputs of any shape; `mean` divides by the element count.
 * A label that is neither −1 nor 1 is a {@link LossRangeError} (NaN propagates). The value
 * overflows to +∞ once −y·f > ~709.78, which is the true value in float64.
 *
 * @example
 * ```ts
 * import { exponential } from '@losskit/core';
 * exponential([0, 2], [1, -1]).value; // (e⁰ + e²) / 2
 * ```
 */
export function exponential<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: ExponentialOptions<R>,
): LossResult<R> {
  const fn = 'exponential';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const { x, y, n, rows } = readPair(fn, input, target);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, n) : null;
  let sum: number | null = null;
  if (x instanceof Float32Array && y instanceof Float32Array) {
    // The WebAssembly SIMD sum (exSimd.ts: ≤ 264u·S); the blocks it hands back (a label other
    // than ±1, |f| > 700, ±∞, NaN) take this file's loop, as does 'none'.
    if (out === null && n >= EX_SIMD_MIN)
      sum = exSumSimd(x, y, n, (a, b) => sumF32(x, y, a, b, null));
    if (sum === null) sum = sumF32(x, y, 0, n, out);
  } else if (x instanceof Float64Array && y instanceof Float64Array) sum = sumF64(x, y, 0, n, out);
  else sum = sumAny(x, y, 0, n, out);
  return finish(reduction, out, sum, n, rows, n, 0);
}

/** Gradient of {@link exponential}: ∂ℓᵢ/∂fᵢ = −yᵢ·exp(−yᵢ·fᵢ), scaled by the reduction. */
export function exponentialGrad(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: GradOptions,
): Gradients {
  const fn = 'exponentialGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const { x, y, n } = readPair(fn, input, target);
  const [scale, per] = gradScale(fn, reduction, n, n, gradOutputArg(fn, o.gradOutput), n);
  const gx = gradBuffer(fn, o.out, 'input', n);
  // e^v (v = −y·f) by the table method of expTable, inlined in the fast loops below (≤ 5.5u for
  // |v| ≤ 32) and expTable elsewhere (≤ 4.5u; fastExp's 3.2 ulp past 32, +∞ past 709.78 as
  // Math.exp), so the gradient is within 6.5u ≈ 7.2e−16 of −y·k·e^v (u = 2⁻⁵³).
  if (per !== null) {
    for (let i = 0; i < n; i++) {
      const t = y[i];
      if (t * t !== 1 && !Number.isNaN(t)) throw notSignError(fn, i, t);
      gx[i] = -t * (scale * per[i]) * expTable(-t * x[i]);
    }
  } else {
    // Float32 inputs take the WebAssembly SIMD kernel (exSimd.ts: ≤ 4.4u); the chunks it hands
    // back (a label other than ±1, |f| > 700, ±∞, NaN), and every other input, the loops below.
    const simd =
      n >= EX_SIMD_MIN &&
      x instanceof Float32Array &&
      y instanceof Float32Array &&
      exGradSimd(x, y, n, scale, gx, (a, b) => fastGrad(x, y, a, b, scale, gx));
    if (!simd) fastGrad(x, y, 0, n, scale, gx);
  }
  return { input: gx };
}

/**
 * gx[i] = −y[i]·k·e^(−y[i]·x[i]) for i0 ≤ i < i1 (no per-element gradOutput) by the fast loops
 * below; a label other than ±1 throws at its index.
 */
function fastGrad(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  i0: number,
  i1: number,
  scale: number,
  gx: Float64Array,
): void {
  const fn = 'exponentialGrad';
  // The fast loops stop at a label other than ±1 (NaN propagates, anything else is an error)
  // or an exponent outside [−32, 32] (or NaN), and return its index; -1 when done.
  const f32 = x instanceof Float32Array && y instanceof Float32Array;
  const f64 = x instanceof Float64Array && y instanceof Float64Array;
  let stops = 0;
  for (let i = i0; i < i1; i++) {
    i = f32
      ? gradF32(x, y as Float32Array, i, i1, scale, gx)
      : f64
        ? gradF64(x as Float64Array, y as Float64Array, i, i1, scale, gx)
        : gradAny(x, y, i, i1, scale, gx);
    if (i < 0) break;
    const t = y[i];
    if (t * t !== 1 && !Number.isNaN(t)) throw notSignError(fn, i, t);
    gx[i] = -t * scale * expTable(-t * x[i]);
    if (++stops === 64) {
      // Such elements are common in this input: finish with the direct formula (a return to
      // this loop per element would cost more).
      for (let j = i + 1; j < i1; j++) {
        const tj = y[j];
        if (tj * tj !== 1 && !Number.isNaN(tj)) throw notSignError(fn, j, tj);
        gx[j] = -tj * scale * expTable(-tj * x[j]);
      }
      break;
    }
  }
}

// The gradient's hot loops, one copy per array type as the sums below (keep them identical),
// free of the gradOutput test and of Math.exp's call into C++. One test per element, for a label
// other than ±1 or |v| > 32, is a branch that random ±1 labels and moderate scores never take.
// e^v is expTable's method inlined, with its polynomial in Estrin's form (shorter dependency
// chains: ~15% faster here): j = round(32v), d = v − (j − 1024)/32 (exact, |d| ≤ 1/64; see
// expTable.ts), e^v = E[j]·p(d) with
//   p(d) = (1 + d) + d²·((1/2 + d/6) + d²·((1/24 + d/120) + d²/720)),
// Taylor's polynomial of degree 6: remainder ≤ |d|⁷/7!·e^|d| < 0.42u of e^d (u = 2⁻⁵³). Rounding:
// 1 + d rounds once (≤ u·|1 + d| ≤ 1.02u·p), the last addition once (≤ 1u·p); the d² part is
// < 1.3e−4·p and carries < 5u of itself (d², the constants, three products and sums): < 0.001u.
// So p is within 2.45u of e^d; E[j] = Math.exp(j/32) is within 2u (1 ulp) and the product rounds
// once (1u): |ê^v − e^v| ≤ 5.5u·e^v for |v| ≤ 32.
function gradF32(
  x: Float32Array,
  y: Float32Array,
  i0: number,
  n: number,
  k: number,
  gx: Float64Array,
): number {
  const T = E;
  for (let i = i0; i < n; i++) {
    const t = y[i];
    const v = -t * x[i];
    if (!(t * t === 1 && Math.abs(v) <= 32)) return i;
    const j = (v * 32 + 1024.5) | 0;
    const d = v - (j - 1024) * (1 / 32);
    const d2 = d * d;
    const p = 1 + d + d2 * (1 / 2 + d * (1 / 6) + d2 * (1 / 24 + d * (1 / 120) + d2 * (1 / 720)));
    gx[i] = -t * k * (T[j] * p);
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
  const T = E;
  for (let i = i0; i < n; i++) {
    const t = y[i];
    const v = -t * x[i];
    if (!(t * t === 1 && Math.abs(v) <= 32)) return i;
    const j = (v * 32 + 1024.5) | 0;
    const d = v - (j - 1024) * (1 / 32);
    const d2 = d * d;
    const p = 1 + d + d2 * (1 / 2 + d * (1 / 6) + d2 * (1 / 24 + d * (1 / 120) + d2 * (1 / 720)));
    gx[i] = -t * k * (T[j] * p);
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
  const T = E;
  for (let i = i0; i < n; i++) {
    const t = y[i];
    const v = -t * x[i];
    if (!(t * t === 1 && Math.abs(v) <= 32)) return i;
    const j = (v * 32 + 1024.5) | 0;
    const d = v - (j - 1024) * (1 / 32);
    const d2 = d * d;
    const p = 1 + d + d2 * (1 / 2 + d * (1 / 6) + d2 * (1 / 24 + d * (1 / 120) + d2 * (1 / 720)));
    gx[i] = -t * k * (T[j] * p);
  }
  return -1;
}

/** E[j] = e^((j − 1024)/32), j = 0…2048: expTable's table (which it keeps private). */
const E = new Float64Array(2049);
for (let j = 0; j <= 2048; j++) E[j] = Math.exp((j - 1024) / 32);

// The hot loops. Three identical copies for Float32Array, Float64Array and anything else
// (number[], mixed types), so each sees one array type: a shared body makes V8's element access
// polymorphic. Keep them identical. The element's value comes from `term` (inlined by V8).
// Sums: plain float64 in four accumulators over blocks of 1024 elements, then Neumaier over the
// block sums. Each accumulator adds ≤ 256 terms and three adds combine them, so a block's
// rounding is ≤ 258u·Σ|vᵢ| over its terms (u = 2⁻⁵³; Higham §4.2), and the whole is
// ≤ (258 + 2)u·Σ|vᵢ| ≈ 2.9e−14·Σ|vᵢ| (per-element Neumaier: ~2u·|S|, at about twice the time).
// Every term is ≥ 0, so that is a relative error ≤ 2.9e−14.
// A block whose sum is not finite (an ∞ or NaN term, a label other than ±1, for which `term` gives
// NaN so that `exactBlock` throws at its index) is recomputed by `exactBlock`, the reference loop,
// which also rewrites its 'none' outputs.
// The loops sum the blocks from i0 on: the WebAssembly path (exSimd.ts, same blocks) hands them
// the single blocks it does not sum itself.
const BLOCK = 1024;

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
        v0 += term(x[i], y[i]);
        v1 += term(x[i + 1], y[i + 1]);
        v2 += term(x[i + 2], y[i + 2]);
        v3 += term(x[i + 3], y[i + 3]);
      }
    }
    for (; i < e; i++) {
      const t = term(x[i], y[i]);
      if (out !== null) out[i] = t;
      v0 += t;
    }
    let v = v0 + v1 + (v2 + v3);
    if (!Number.isFinite(v)) v = exactBlock(x, y, b, e, out);
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
        v0 += term(x[i], y[i]);
        v1 += term(x[i + 1], y[i + 1]);
        v2 += term(x[i + 2], y[i + 2]);
        v3 += term(x[i + 3], y[i + 3]);
      }
    }
    for (; i < e; i++) {
      const t = term(x[i], y[i]);
      if (out !== null) out[i] = t;
      v0 += t;
    }
    let v = v0 + v1 + (v2 + v3);
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
        v0 += term(x[i], y[i]);
        v1 += term(x[i + 1], y[i + 1]);
        v2 += term(x[i + 2], y[i + 2]);
        v3 += term(x[i + 3], y[i + 3]);
      }
    }
    for (; i < e; i++) {
      const t = term(x[i], y[i]);
      if (out !== null) out[i] = t;
      v0 += t;
    }
    let v = v0 + v1 + (v2 + v3);
    if (!Number.isFinite(v)) v = exactBlock(x, y, b, e, out);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

/**
 * exp(−t·f) by expTable (≤ 4.5u for |t·f| ≤ 32, fastExp's 3.2 ulp beyond; +∞ past 709.78 as
 * Math.exp). A label other than ±1 gives NaN (see above).
 */
function term(xi: number, ti: number): number {
  if (ti * ti !== 1) return Number.NaN;
  return expTable(-ti * xi);
}

/** The reference loop over [i0, i1), per-element Neumaier; writes `out` if given. */
function exactBlock(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  i0: number,
  i1: number,
  out: Float64Array | null,
): number {
  return exactRangeSum(i0, i1, out, (i) => {
    const t = y[i];
    // t·t = 1 only for t = ±1 in float64; unlike t !== 1 && t !== −1, this branch is
    // predictable on random labels. NaN labels propagate.
    if (t * t !== 1 && !Number.isNaN(t)) throw notSignError('exponential', i, t);
    return Math.exp(-t * x[i]);
  });
}

/** {@link exponential} for generic callers. */
export const exponentialInfo: KernelInfo = {
  name: 'exponential',
  inputs: [
    { name: 'input', kind: 'float', rank: 'any', differentiable: true },
    { name: 'target', kind: 'float', rank: 'any', differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) => exponential(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
  gradient: (i, o) => exponentialGrad(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
};
