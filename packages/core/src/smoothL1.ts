import { numberOption, optionsArg } from './internal/args.js';
import {
  HF_SIMD_MIN,
  HF_SMOOTH_MAX_BETA,
  HF_SMOOTH_MIN_BETA,
  hfSumSimd,
} from './internal/hfSums.js';
import { HG_SIMD_MIN, hgClampGradSimd } from './internal/hgClamp.js';
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

/** Options of {@link smoothL1}. */
export interface SmoothL1Options<R extends Reduction = Reduction> extends LossOptions<R> {
  /** β ≥ 0: where the quadratic part ends (default 1). β = 0 is exactly {@link l1}. */
  beta?: number;
}

function readBeta(fn: string, v: unknown): number {
  return numberOption(fn, 'beta', v, 1, (b) => b >= 0 && b < Infinity, 'a finite number ≥ 0');
}

/**
 * Smooth L1 loss, PyTorch's `smooth_l1_loss`: with eᵢ = xᵢ − yᵢ,
 * ℓᵢ = ½eᵢ²/β where |eᵢ| < β, else |eᵢ| − ½β. Element-wise over inputs of any shape; `mean`
 * divides by the element count. Quadratic (L2-like) near zero, linear (L1-like) beyond β.
 *
 * @example
 * ```ts
 * import { smoothL1 } from '@losskit/core';
 * smoothL1([0.5, 3], [0, 0], { reduction: 'sum' }).value; // ½·0.25 + (3 − ½)
 * ```
 */
export function smoothL1<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: SmoothL1Options<R>,
): LossResult<R> {
  const fn = 'smoothL1';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const beta = readBeta(fn, o.beta);
  const halfInvBeta = beta === 0 ? 0 : 0.5 / beta;
  const { x, y, n, rows } = readPair(fn, input, target);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, n) : null;
  // Float32 input and target, mean or sum, β > 0 (β = 0, L1, stays below): WebAssembly SIMD
  // block sums (internal/hfSums.ts), the same terms bit for bit and the same bound; blocks with
  // a non-finite sum are redone by `exactBlock`, so ±∞ and NaN give exactly the values of the
  // loops below. ~0.5× their time.
  const simd =
    out === null &&
    n >= HF_SIMD_MIN &&
    beta >= HF_SMOOTH_MIN_BETA &&
    beta <= HF_SMOOTH_MAX_BETA &&
    x instanceof Float32Array &&
    y instanceof Float32Array
      ? hfSumSimd(x, y, n, 0, beta, (i0, i1) => exactBlock(x, y, i0, i1, null, beta, halfInvBeta))
      : null;
  const sum =
    simd !== null
      ? simd
      : x instanceof Float32Array && y instanceof Float32Array
        ? sumF32(x, y, n, out, beta, halfInvBeta)
        : x instanceof Float64Array && y instanceof Float64Array
          ? sumF64(x, y, n, out, beta, halfInvBeta)
          : sumAny(x, y, n, out, beta, halfInvBeta);
  return finish(reduction, out, sum, n, rows, n, 0);
}

/**
 * Gradient of {@link smoothL1}: ∂ℓᵢ/∂xᵢ = eᵢ/β where |eᵢ| < β, else sign(eᵢ), scaled by the
 * reduction. At β = 0 and eᵢ = 0 this gives 0, as {@link l1Grad} (PyTorch 1.13 gives −1 there).
 */
export function smoothL1Grad(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: Omit<SmoothL1Options, 'reduction' | 'out'> & GradOptions,
): Gradients {
  const fn = 'smoothL1Grad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const beta = readBeta(fn, o.beta);
  const { x, y, n } = readPair(fn, input, target);
  const [scale, per] = gradScale(fn, reduction, n, n, gradOutputArg(fn, o.gradOutput), n);
  const gx = gradBuffer(fn, o.out, 'input', n);
  if (per !== null) {
    for (let i = 0; i < n; i++) {
      const e = x[i] - y[i];
      gx[i] = scale * per[i] * (Math.abs(e) < beta ? e / beta : Math.sign(e));
    }
  } else if (
    beta > 0 &&
    n >= HG_SIMD_MIN &&
    x instanceof Float32Array &&
    y instanceof Float32Array &&
    hgClampGradSimd(x, y, n, scale, 0, beta, gx)
  ) {
    // Float32 input and target, β > 0: WebAssembly SIMD (internal/hgClamp.ts), k·clamp(e/β, −1,
    // 1), the same values bit for bit, ±∞ and NaN included; ~0.75× the time of the loops below.
  } else {
    // The fast loops stop at an element they leave to the formula above (e = ±∞ or NaN) and
    // return its index; -1 when done. β = 0 divides by 1 there (see `slopeTerm`).
    const div = beta > 0 ? beta : 1;
    const f32 = x instanceof Float32Array && y instanceof Float32Array;
    const f64 = x instanceof Float64Array && y instanceof Float64Array;
    let stops = 0;
    for (let i = 0; i < n; i++) {
      i = f32
        ? gradF32(x, y as Float32Array, i, n, scale, beta, div, gx)
        : f64
          ? gradF64(x as Float64Array, y as Float64Array, i, n, scale, beta, div, gx)
          : gradAny(x, y, i, n, scale, beta, div, gx);
      if (i < 0) break;
      const e = x[i] - y[i];
      gx[i] = scale * (Math.abs(e) < beta ? e / beta : Math.sign(e));
      if (++stops === 64) {
        // Such elements are common in this input: finish with the direct formula (a return to
        // this loop per element would cost more).
        for (let j = i + 1; j < n; j++) {
          const ej = x[j] - y[j];
          gx[j] = scale * (Math.abs(ej) < beta ? ej / beta : Math.sign(ej));
        }
        break;
      }
    }
  }
  return { input: gx };
}

// The gradient's hot loops, one copy per array type as the sums below (keep them identical):
// k·(e/β or sign(e)) by `slopeTerm`, without the branch on |e| < β or Math.sign's (each
// mispredicts on random data). Elements with e = ±∞ or NaN go back to the caller (the test is
// predictable).
// Eight elements per step (four measured ~10% slower in the bench).
function gradF32(
  x: Float32Array,
  y: Float32Array,
  i0: number,
  n: number,
  k: number,
  beta: number,
  div: number,
  gx: Float64Array,
): number {
  let i = i0;
  for (; i + 7 < n; i += 8) {
    const e0 = x[i] - y[i];
    const e1 = x[i + 1] - y[i + 1];
    const e2 = x[i + 2] - y[i + 2];
    const e3 = x[i + 3] - y[i + 3];
    const e4 = x[i + 4] - y[i + 4];
    const e5 = x[i + 5] - y[i + 5];
    const e6 = x[i + 6] - y[i + 6];
    const e7 = x[i + 7] - y[i + 7];
    const a03 = Math.abs(e0) + Math.abs(e1) + (Math.abs(e2) + Math.abs(e3));
    const a47 = Math.abs(e4) + Math.abs(e5) + (Math.abs(e6) + Math.abs(e7));
    if (!(a03 + a47 < Infinity)) break;
    gx[i] = slopeTerm(e0, beta, div, k);
    gx[i + 1] = slopeTerm(e1, beta, div, k);
    gx[i + 2] = slopeTerm(e2, beta, div, k);
    gx[i + 3] = slopeTerm(e3, beta, div, k);
    gx[i + 4] = slopeTerm(e4, beta, div, k);
    gx[i + 5] = slopeTerm(e5, beta, div, k);
    gx[i + 6] = slopeTerm(e6, beta, div, k);
    gx[i + 7] = slopeTerm(e7, beta, div, k);
  }
  for (; i < n; i++) {
    const e = x[i] - y[i];
    if (!(Math.abs(e) < Infinity)) return i;
    gx[i] = slopeTerm(e, beta, div, k);
  }
  return -1;
}

function gradF64(
  x: Float64Array,
  y: Float64Array,
  i0: number,
  n: number,
  k: number,
  beta: number,
  div: number,
  gx: Float64Array,
): number {
  let i = i0;
  for (; i + 7 < n; i += 8) {
    const e0 = x[i] - y[i];
    const e1 = x[i + 1] - y[i + 1];
    const e2 = x[i + 2] - y[i + 2];
    const e3 = x[i + 3] - y[i + 3];
    const e4 = x[i + 4] - y[i + 4];
    const e5 = x[i + 5] - y[i + 5];
    const e6 = x[i + 6] - y[i + 6];
    const e7 = x[i + 7] - y[i + 7];
    const a03 = Math.abs(e0) + Math.abs(e1) + (Math.abs(e2) + Math.abs(e3));
    const a47 = Math.abs(e4) + Math.abs(e5) + (Math.abs(e6) + Math.abs(e7));
    if (!(a03 + a47 < Infinity)) break;
    gx[i] = slopeTerm(e0, beta, div, k);
    gx[i + 1] = slopeTerm(e1, beta, div, k);
    gx[i + 2] = slopeTerm(e2, beta, div, k);
    gx[i + 3] = slopeTerm(e3, beta, div, k);
    gx[i + 4] = slopeTerm(e4, beta, div, k);
    gx[i + 5] = slopeTerm(e5, beta, div, k);
    gx[i + 6] = slopeTerm(e6, beta, div, k);
    gx[i + 7] = slopeTerm(e7, beta, div, k);
  }
  for (; i < n; i++) {
    const e = x[i] - y[i];
    if (!(Math.abs(e) < Infinity)) return i;
    gx[i] = slopeTerm(e, beta, div, k);
  }
  return -1;
}

function gradAny(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  i0: number,
  n: number,
  k: number,
  beta: number,
  div: number,
  gx: Float64Array,
): number {
  let i = i0;
  for (; i + 7 < n; i += 8) {
    const e0 = x[i] - y[i];
    const e1 = x[i + 1] - y[i + 1];
    const e2 = x[i + 2] - y[i + 2];
    const e3 = x[i + 3] - y[i + 3];
    const e4 = x[i + 4] - y[i + 4];
    const e5 = x[i + 5] - y[i + 5];
    const e6 = x[i + 6] - y[i + 6];
    const e7 = x[i + 7] - y[i + 7];
    const a03 = Math.abs(e0) + Math.abs(e1) + (Math.abs(e2) + Math.abs(e3));
    const a47 = Math.abs(e4) + Math.abs(e5) + (Math.abs(e6) + Math.abs(e7));
    if (!(a03 + a47 < Infinity)) break;
    gx[i] = slopeTerm(e0, beta, div, k);
    gx[i + 1] = slopeTerm(e1, beta, div, k);
    gx[i + 2] = slopeTerm(e2, beta, div, k);
    gx[i + 3] = slopeTerm(e3, beta, div, k);
    gx[i + 4] = slopeTerm(e4, beta, div, k);
    gx[i + 5] = slopeTerm(e5, beta, div, k);
    gx[i + 6] = slopeTerm(e6, beta, div, k);
    gx[i + 7] = slopeTerm(e7, beta, div, k);
  }
  for (; i < n; i++) {
    const e = x[i] - y[i];
    if (!(Math.abs(e) < Infinity)) return i;
    gx[i] = slopeTerm(e, beta, div, k);
  }
  return -1;
}

/**
 * k·(|e| < β ? e/β : sign(e)) for finite e, branch-free: with h = [|e| < β] ∈ {0, 1} and
 * q = (1 − h)·(−sign(e)) (as the integer ([e < 0] − [e > 0]) & (h − 1): a mask, so no integer
 * product and no −0 check): k·((h·e)/β′) − k·q, where β′ = β, or 1 when β = 0
 * (then h = 0 always). h·e before the division keeps a tiny β from making e/β = ∞ (and 0·∞ NaN)
 * where the other piece is chosen. One of the two pieces is ±0 and the other is k·(e/β) or
 * k·sign(e), so this is exactly the formula, −0 included (−0 − 0 = −0; +0 − (−0) = +0).
 */
function slopeTerm(e: number, beta: number, div: number, k: number): number {
  const h = Number(Math.abs(e) < beta);
  const q = (Number(e < 0) - Number(e > 0)) & (h - 1);
  return k * ((h * e) / div) - k * q;
}

// The hot loops. Three identical copies for Float32Array, Float64Array and anything else
// (number[], mixed types), so each sees one array type: a shared body makes V8's element access
// polymorphic. Keep them identical. The element's value comes from `term` (inlined by V8).
// Sums: plain float64 in four accumulators over blocks of 1024 elements, then Neumaier over the
// block sums. Each accumulator adds ≤ 256 terms and three adds combine them, so a block's
// rounding is ≤ 258u·Σ|vᵢ| over its terms (u = 2⁻⁵³; Higham §4.2), and the whole is
// ≤ (258 + 2)u·Σ|vᵢ| ≈ 2.9e−14·Σ|vᵢ| (per-element Neumaier: ~2u·|S|, at about twice the time).
// Every term is ≥ 0, so that is a relative error ≤ 2.9e−14.
// A block whose sum is not finite (an ∞ or NaN term, or ½e²/β overflowing, which the blend below
// turns into 0·∞ = NaN) is recomputed by `exactBlock`, the reference loop, which also rewrites its
// 'none' outputs.
const BLOCK = 1024;

function sumF32(
  x: Float32Array,
  y: Float32Array,
  n: number,
  out: Float64Array | null,
  beta: number,
  halfInvBeta: number,
): number {
  let s = 0;
  let c = 0;
  for (let b = 0; b < n; b += BLOCK) {
    const e = Math.min(n, b + BLOCK);
    let v0 = 0;
    let v1 = 0;
    let v2 = 0;
    let v3 = 0;
    let i = b;
    if (out === null) {
      for (; i + 3 < e; i += 4) {
        v0 += term(x[i], y[i], beta, halfInvBeta);
        v1 += term(x[i + 1], y[i + 1], beta, halfInvBeta);
        v2 += term(x[i + 2], y[i + 2], beta, halfInvBeta);
        v3 += term(x[i + 3], y[i + 3], beta, halfInvBeta);
      }
    }
    for (; i < e; i++) {
      const t = term(x[i], y[i], beta, halfInvBeta);
      if (out !== null) out[i] = t;
      v0 += t;
    }
    let v = v0 + v1 + (v2 + v3);
    if (!Number.isFinite(v)) v = exactBlock(x, y, b, e, out, beta, halfInvBeta);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

function sumF64(
  x: Float64Array,
  y: Float64Array,
  n: number,
  out: Float64Array | null,
  beta: number,
  halfInvBeta: number,
): number {
  let s = 0;
  let c = 0;
  for (let b = 0; b < n; b += BLOCK) {
    const e = Math.min(n, b + BLOCK);
    let v0 = 0;
    let v1 = 0;
    let v2 = 0;
    let v3 = 0;
    let i = b;
    if (out === null) {
      for (; i + 3 < e; i += 4) {
        v0 += term(x[i], y[i], beta, halfInvBeta);
        v1 += term(x[i + 1], y[i + 1], beta, halfInvBeta);
        v2 += term(x[i + 2], y[i + 2], beta, halfInvBeta);
        v3 += term(x[i + 3], y[i + 3], beta, halfInvBeta);
      }
    }
    for (; i < e; i++) {
      const t = term(x[i], y[i], beta, halfInvBeta);
      if (out !== null) out[i] = t;
      v0 += t;
    }
    let v = v0 + v1 + (v2 + v3);
    if (!Number.isFinite(v)) v = exactBlock(x, y, b, e, out, beta, halfInvBeta);
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
  beta: number,
  halfInvBeta: number,
): number {
  let s = 0;
  let c = 0;
  for (let b = 0; b < n; b += BLOCK) {
    const e = Math.min(n, b + BLOCK);
    let v0 = 0;
    let v1 = 0;
    let v2 = 0;
    let v3 = 0;
    let i = b;
    if (out === null) {
      for (; i + 3 < e; i += 4) {
        v0 += term(x[i], y[i], beta, halfInvBeta);
        v1 += term(x[i + 1], y[i + 1], beta, halfInvBeta);
        v2 += term(x[i + 2], y[i + 2], beta, halfInvBeta);
        v3 += term(x[i + 3], y[i + 3], beta, halfInvBeta);
      }
    }
    for (; i < e; i++) {
      const t = term(x[i], y[i], beta, halfInvBeta);
      if (out !== null) out[i] = t;
      v0 += t;
    }
    let v = v0 + v1 + (v2 + v3);
    if (!Number.isFinite(v)) v = exactBlock(x, y, b, e, out, beta, halfInvBeta);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

/**
 * ½e²/β where |e| < β, else |e| − ½β, without a branch (on random data the branch mispredicts
 * about half the time, costing more than the arithmetic): both pieces are formed and blended by
 * h = [|e| < β] ∈ {0, 1} as h·q + (1 − h)·l, exactly the chosen piece when both are finite.
 * ½e²/β is e²·(½/β) (within 1.5 ulp of the quotient; no division per element); at β = 0 the
 * caller passes ½/β = 0, and h = 0 always, so ℓ = |e| as in {@link l1}.
 */
function term(xi: number, yi: number, beta: number, halfInvBeta: number): number {
  const e = xi - yi;
  const a = Math.abs(e);
  const h = Number(a < beta);
  return h * (e * e * halfInvBeta) + (1 - h) * (a - 0.5 * beta);
}

/** The reference loop over [i0, i1), per-element Neumaier; writes `out` if given. */
function exactBlock(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  i0: number,
  i1: number,
  out: Float64Array | null,
  beta: number,
  _halfInvBeta: number,
): number {
  const halfBeta = 0.5 * beta;
  return exactRangeSum(i0, i1, out, (i) => {
    const e = x[i] - y[i];
    const a = Math.abs(e);
    // β = 0: a < 0 never holds, so ℓ = |e| and nothing divides by β.
    return a < beta ? (0.5 * e * e) / beta : a - halfBeta;
  });
}

/** {@link smoothL1} for generic callers. */
export const smoothL1Info: KernelInfo = {
  name: 'smoothL1',
  inputs: [
    { name: 'input', kind: 'float', rank: 'any', differentiable: true },
    { name: 'target', kind: 'float', rank: 'any', differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) => smoothL1(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
  gradient: (i, o) => smoothL1Grad(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
};
