import { numberOption, optionsArg } from './internal/args.js';
import { HF_HUBER_MAX_DELTA, HF_SIMD_MIN, hfSumSimd } from './internal/hfSums.js';
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

/** Options of {@link huber}. */
export interface HuberOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /** δ > 0: where the quadratic part ends (default 1). */
  delta?: number;
}

function readDelta(fn: string, v: unknown): number {
  return numberOption(fn, 'delta', v, 1, (d) => d > 0 && d < Infinity, 'a finite number > 0');
}

/**
 * Huber loss, PyTorch's `huber_loss`: with eᵢ = xᵢ − yᵢ, ℓᵢ = ½eᵢ² where |eᵢ| < δ, else
 * δ·(|eᵢ| − ½δ). Element-wise over inputs of any shape; `mean` divides by the element count.
 * huber(δ) = δ·smoothL1(β = δ).
 *
 * @example
 * ```ts
 * import { huber } from '@losskit/core';
 * huber([0.5, 3], [0, 0], { reduction: 'sum', delta: 2 }).value; // ½·0.25 + 2·(3 − 1)
 * ```
 */
export function huber<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: HuberOptions<R>,
): LossResult<R> {
  const fn = 'huber';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const delta = readDelta(fn, o.delta);
  const halfDelta = 0.5 * delta;
  const { x, y, n, rows } = readPair(fn, input, target);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, n) : null;
  // Float32 input and target, mean or sum: WebAssembly SIMD block sums (internal/hfSums.ts), the
  // same terms bit for bit and the same bound; blocks with a non-finite sum are redone by
  // `exactBlock`, so ±∞ and NaN give exactly the values of the loops below. ~0.4× their time.
  const simd =
    out === null &&
    n >= HF_SIMD_MIN &&
    delta <= HF_HUBER_MAX_DELTA &&
    x instanceof Float32Array &&
    y instanceof Float32Array
      ? hfSumSimd(x, y, n, delta, 0, (i0, i1) => exactBlock(x, y, i0, i1, null, delta, halfDelta))
      : null;
  const sum =
    simd !== null
      ? simd
      : x instanceof Float32Array && y instanceof Float32Array
        ? sumF32(x, y, n, out, delta, halfDelta)
        : x instanceof Float64Array && y instanceof Float64Array
          ? sumF64(x, y, n, out, delta, halfDelta)
          : sumAny(x, y, n, out, delta, halfDelta);
  return finish(reduction, out, sum, n, rows, n, 0);
}

/**
 * Gradient of {@link huber}: ∂ℓᵢ/∂xᵢ = clamp(eᵢ, −δ, δ), scaled by the reduction.
 */
export function huberGrad(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: Omit<HuberOptions, 'reduction' | 'out'> & GradOptions,
): Gradients {
  const fn = 'huberGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const delta = readDelta(fn, o.delta);
  const { x, y, n } = readPair(fn, input, target);
  const [scale, per] = gradScale(fn, reduction, n, n, gradOutputArg(fn, o.gradOutput), n);
  const gx = gradBuffer(fn, o.out, 'input', n);
  // Math.min/max propagate NaN.
  if (per !== null) {
    for (let i = 0; i < n; i++)
      gx[i] = scale * per[i] * Math.max(-delta, Math.min(delta, x[i] - y[i]));
  } else if (
    n >= HG_SIMD_MIN &&
    x instanceof Float32Array &&
    y instanceof Float32Array &&
    hgClampGradSimd(x, y, n, scale, delta, 0, gx)
  ) {
    // Float32 input and target: WebAssembly SIMD (internal/hgClamp.ts), the same values bit for
    // bit, ±∞ and NaN included; 0.7× the time of the loops below.
  } else {
    // The fast loops stop at an element they leave to Math.min/max (e = ±∞ or NaN) and return
    // its index; -1 when done.
    const f32 = x instanceof Float32Array && y instanceof Float32Array;
    const f64 = x instanceof Float64Array && y instanceof Float64Array;
    let stops = 0;
    for (let i = 0; i < n; i++) {
      i = f32
        ? gradF32(x, y as Float32Array, i, n, scale, delta, gx)
        : f64
          ? gradF64(x as Float64Array, y as Float64Array, i, n, scale, delta, gx)
          : gradAny(x, y, i, n, scale, delta, gx);
      if (i < 0) break;
      gx[i] = scale * Math.max(-delta, Math.min(delta, x[i] - y[i]));
      if (++stops === 64) {
        // Such elements are common in this input: finish with the direct formula (a return to
        // this loop per element would cost more).
        for (let j = i + 1; j < n; j++) {
          gx[j] = scale * Math.max(-delta, Math.min(delta, x[j] - y[j]));
        }
        break;
      }
    }
  }
  return { input: gx };
}

// The gradient's hot loops, one copy per array type as the sums below (keep them identical):
// k·clamp(e, −δ, δ) by `clampTerm`, without Math.min/max (each a branch that mispredicts on
// random data). Elements with e = ±∞ or NaN go back to the caller (the test is predictable).
// Eight elements per step (four measured ~10% slower in the bench).
function gradF32(
  x: Float32Array,
  y: Float32Array,
  i0: number,
  n: number,
  k: number,
  delta: number,
  gx: Float64Array,
): number {
  const kd = k * delta;
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
    gx[i] = clampTerm(e0, delta, k, kd);
    gx[i + 1] = clampTerm(e1, delta, k, kd);
    gx[i + 2] = clampTerm(e2, delta, k, kd);
    gx[i + 3] = clampTerm(e3, delta, k, kd);
    gx[i + 4] = clampTerm(e4, delta, k, kd);
    gx[i + 5] = clampTerm(e5, delta, k, kd);
    gx[i + 6] = clampTerm(e6, delta, k, kd);
    gx[i + 7] = clampTerm(e7, delta, k, kd);
  }
  for (; i < n; i++) {
    const e = x[i] - y[i];
    if (!(Math.abs(e) < Infinity)) return i;
    gx[i] = clampTerm(e, delta, k, kd);
  }
  return -1;
}

function gradF64(
  x: Float64Array,
  y: Float64Array,
  i0: number,
  n: number,
  k: number,
  delta: number,
  gx: Float64Array,
): number {
  const kd = k * delta;
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
    gx[i] = clampTerm(e0, delta, k, kd);
    gx[i + 1] = clampTerm(e1, delta, k, kd);
    gx[i + 2] = clampTerm(e2, delta, k, kd);
    gx[i + 3] = clampTerm(e3, delta, k, kd);
    gx[i + 4] = clampTerm(e4, delta, k, kd);
    gx[i + 5] = clampTerm(e5, delta, k, kd);
    gx[i + 6] = clampTerm(e6, delta, k, kd);
    gx[i + 7] = clampTerm(e7, delta, k, kd);
  }
  for (; i < n; i++) {
    const e = x[i] - y[i];
    if (!(Math.abs(e) < Infinity)) return i;
    gx[i] = clampTerm(e, delta, k, kd);
  }
  return -1;
}

function gradAny(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  i0: number,
  n: number,
  k: number,
  delta: number,
  gx: Float64Array,
): number {
  const kd = k * delta;
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
    gx[i] = clampTerm(e0, delta, k, kd);
    gx[i + 1] = clampTerm(e1, delta, k, kd);
    gx[i + 2] = clampTerm(e2, delta, k, kd);
    gx[i + 3] = clampTerm(e3, delta, k, kd);
    gx[i + 4] = clampTerm(e4, delta, k, kd);
    gx[i + 5] = clampTerm(e5, delta, k, kd);
    gx[i + 6] = clampTerm(e6, delta, k, kd);
    gx[i + 7] = clampTerm(e7, delta, k, kd);
  }
  for (; i < n; i++) {
    const e = x[i] - y[i];
    if (!(Math.abs(e) < Infinity)) return i;
    gx[i] = clampTerm(e, delta, k, kd);
  }
  return -1;
}

/**
 * k·clamp(e, −δ, δ) for finite e, branch-free: with h = [|e| < δ] ∈ {0, 1},
 * q = (1 − h)·(−sign(e)) (as the integer ([e < 0] − [e > 0]) & (h − 1): a mask, so no integer
 * product and no −0 check) and kδ = k·δ: h·(k·e) − kδ·q. One of the two products is ±0 (+0 for
 * kδ·0) and the other is k·e or ±k·δ (k·(±δ), rounded alike), so this is exactly
 * k·clamp(e, −δ, δ), −0 included (−0 − 0 = −0, and +0 − (−0) = +0 when k·e underflows).
 * (Comparing e with δ and −δ instead of |e| with δ measured ~3× slower in V8: there δ, a small
 * integer, made V8 multiply in int32 with a −0 check, a branch.)
 */
function clampTerm(e: number, delta: number, k: number, kDelta: number): number {
  const h = Number(Math.abs(e) < delta);
  const q = (Number(e < 0) - Number(e > 0)) & (h - 1);
  return h * (k * e) - kDelta * q;
}

// The hot loops. Three identical copies for Float32Array, Float64Array and anything else
// (number[], mixed types), so each sees one array type: a shared body makes V8's element access
// polymorphic. Keep them identical. The element's value comes from `term` (inlined by V8).
// Sums: plain float64 in four accumulators over blocks of 1024 elements, then Neumaier over the
// block sums. Each accumulator adds ≤ 256 terms and three adds combine them, so a block's
// rounding is ≤ 258u·Σ|vᵢ| over its terms (u = 2⁻⁵³; Higham §4.2), and the whole is
// ≤ (258 + 2)u·Σ|vᵢ| ≈ 2.9e−14·Σ|vᵢ| (per-element Neumaier: ~2u·|S|, at about twice the time).
// Every term is ≥ 0, so that is a relative error ≤ 2.9e−14.
// A block whose sum is not finite (an ∞ or NaN term, or ½e² overflowing, which the blend below
// turns into 0·∞ = NaN) is recomputed by `exactBlock`, the reference loop, which also rewrites its
// 'none' outputs.
const BLOCK = 1024;

function sumF32(
  x: Float32Array,
  y: Float32Array,
  n: number,
  out: Float64Array | null,
  delta: number,
  halfDelta: number,
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
        v0 += term(x[i], y[i], delta, halfDelta);
        v1 += term(x[i + 1], y[i + 1], delta, halfDelta);
        v2 += term(x[i + 2], y[i + 2], delta, halfDelta);
        v3 += term(x[i + 3], y[i + 3], delta, halfDelta);
      }
    }
    for (; i < e; i++) {
      const t = term(x[i], y[i], delta, halfDelta);
      if (out !== null) out[i] = t;
      v0 += t;
    }
    let v = v0 + v1 + (v2 + v3);
    if (!Number.isFinite(v)) v = exactBlock(x, y, b, e, out, delta, halfDelta);
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
  delta: number,
  halfDelta: number,
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
        v0 += term(x[i], y[i], delta, halfDelta);
        v1 += term(x[i + 1], y[i + 1], delta, halfDelta);
        v2 += term(x[i + 2], y[i + 2], delta, halfDelta);
        v3 += term(x[i + 3], y[i + 3], delta, halfDelta);
      }
    }
    for (; i < e; i++) {
      const t = term(x[i], y[i], delta, halfDelta);
      if (out !== null) out[i] = t;
      v0 += t;
    }
    let v = v0 + v1 + (v2 + v3);
    if (!Number.isFinite(v)) v = exactBlock(x, y, b, e, out, delta, halfDelta);
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
  delta: number,
  halfDelta: number,
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
        v0 += term(x[i], y[i], delta, halfDelta);
        v1 += term(x[i + 1], y[i + 1], delta, halfDelta);
        v2 += term(x[i + 2], y[i + 2], delta, halfDelta);
        v3 += term(x[i + 3], y[i + 3], delta, halfDelta);
      }
    }
    for (; i < e; i++) {
      const t = term(x[i], y[i], delta, halfDelta);
      if (out !== null) out[i] = t;
      v0 += t;
    }
    let v = v0 + v1 + (v2 + v3);
    if (!Number.isFinite(v)) v = exactBlock(x, y, b, e, out, delta, halfDelta);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

/**
 * ½e² where |e| < δ, else δ·(|e| − ½δ), without a branch (on random data the branch mispredicts
 * about half the time, costing more than the arithmetic): both pieces are formed and blended by
 * h = [|e| < δ] ∈ {0, 1} as h·q + (1 − h)·l, which is exactly the chosen piece when both are
 * finite.
 */
function term(xi: number, yi: number, delta: number, halfDelta: number): number {
  const e = xi - yi;
  const a = Math.abs(e);
  const h = Number(a < delta);
  return h * (0.5 * e * e) + (1 - h) * (delta * (a - halfDelta));
}

/** The reference loop over [i0, i1), per-element Neumaier; writes `out` if given. */
function exactBlock(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  i0: number,
  i1: number,
  out: Float64Array | null,
  delta: number,
  halfDelta: number,
): number {
  return exactRangeSum(i0, i1, out, (i) => {
    const e = x[i] - y[i];
    const a = Math.abs(e);
    return a < delta ? 0.5 * e * e : delta * (a - halfDelta);
  });
}

/** {@link huber} for generic callers. */
export const huberInfo: KernelInfo = {
  name: 'huber',
  inputs: [
    { name: 'input', kind: 'float', rank: 'any', differentiable: true },
    { name: 'target', kind: 'float', rank: 'any', differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) => huber(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
  gradient: (i, o) => huberGrad(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
};
