import { optionsArg } from './internal/args.js';
import { HF_SIMD_MIN, hfSumSqAbsSimd } from './internal/hfSums.js';
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

/** Options of {@link l1}. */
export type L1Options<R extends Reduction = Reduction> = LossOptions<R>;

/**
 * Mean absolute error (L1 loss), PyTorch's `l1_loss`: ℓᵢ = |xᵢ − yᵢ|. Element-wise over inputs
 * of any shape; `mean` divides by the element count.
 *
 * @example
 * ```ts
 * import { l1 } from '@losskit/core';
 * l1([1, 2, 3], [1, 0, 6]).value; // (0 + 2 + 3) / 3
 * ```
 */
export function l1<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: L1Options<R>,
): LossResult<R> {
  const fn = 'l1';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const { x, y, n, rows } = readPair(fn, input, target);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, n) : null;
  // Long float32 inputs, no 'none' output: the same block sums in WebAssembly, read with one
  // copy a chunk (the same bits; internal/hfSums.ts says why).
  const simd =
    out === null && n >= HF_SIMD_MIN && x instanceof Float32Array && y instanceof Float32Array
      ? hfSumSqAbsSimd(x, y, n, 'abs', (i0, i1) => exactBlock(x, y, i0, i1, null))
      : null;
  const sum =
    simd ??
    (x instanceof Float32Array && y instanceof Float32Array
      ? sumF32(x, y, n, out)
      : x instanceof Float64Array && y instanceof Float64Array
        ? sumF64(x, y, n, out)
        : sumAny(x, y, n, out));
  return finish(reduction, out, sum, n, rows, n, 0);
}

/**
 * Gradient of {@link l1}: ∂ℓᵢ/∂xᵢ = sign(xᵢ − yᵢ) (0 where xᵢ = yᵢ, as PyTorch), scaled by the
 * reduction.
 */
export function l1Grad(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: GradOptions,
): Gradients {
  const fn = 'l1Grad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const { x, y, n } = readPair(fn, input, target);
  const [scale, per] = gradScale(fn, reduction, n, n, gradOutputArg(fn, o.gradOutput), n);
  const gx = gradBuffer(fn, o.out, 'input', n);
  if (per !== null) for (let i = 0; i < n; i++) gx[i] = scale * per[i] * Math.sign(x[i] - y[i]);
  else if (x instanceof Float32Array && y instanceof Float32Array) signF32(x, y, n, scale, gx);
  else if (x instanceof Float64Array && y instanceof Float64Array) signF64(x, y, n, scale, gx);
  else signAny(x, y, n, scale, gx);
  return { input: gx };
}

// The gradient's hot loops: k·sign(e) for e = xᵢ − yᵢ from [e > 0] − [e < 0], two comparisons
// and no branch (Math.sign is a branch per element, which mispredicts half the time on random
// data). That is Math.sign(e) exactly for every e except ±0 (Math.sign keeps −0) and NaN: a step
// of four with one of those (the test |e| > 0 is predictable) takes Math.sign for all four. One
// copy per array type, as the sums.
function signF32(x: Float32Array, y: Float32Array, n: number, k: number, gx: Float64Array): void {
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const e0 = x[i] - y[i];
    const e1 = x[i + 1] - y[i + 1];
    const e2 = x[i + 2] - y[i + 2];
    const e3 = x[i + 3] - y[i + 3];
    if (Math.abs(e0) > 0 && Math.abs(e1) > 0 && Math.abs(e2) > 0 && Math.abs(e3) > 0) {
      gx[i] = k * (Number(e0 > 0) - Number(e0 < 0));
      gx[i + 1] = k * (Number(e1 > 0) - Number(e1 < 0));
      gx[i + 2] = k * (Number(e2 > 0) - Number(e2 < 0));
      gx[i + 3] = k * (Number(e3 > 0) - Number(e3 < 0));
    } else {
      gx[i] = k * Math.sign(e0);
      gx[i + 1] = k * Math.sign(e1);
      gx[i + 2] = k * Math.sign(e2);
      gx[i + 3] = k * Math.sign(e3);
    }
  }
  for (; i < n; i++) gx[i] = k * Math.sign(x[i] - y[i]);
}

function signF64(x: Float64Array, y: Float64Array, n: number, k: number, gx: Float64Array): void {
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const e0 = x[i] - y[i];
    const e1 = x[i + 1] - y[i + 1];
    const e2 = x[i + 2] - y[i + 2];
    const e3 = x[i + 3] - y[i + 3];
    if (Math.abs(e0) > 0 && Math.abs(e1) > 0 && Math.abs(e2) > 0 && Math.abs(e3) > 0) {
      gx[i] = k * (Number(e0 > 0) - Number(e0 < 0));
      gx[i + 1] = k * (Number(e1 > 0) - Number(e1 < 0));
      gx[i + 2] = k * (Number(e2 > 0) - Number(e2 < 0));
      gx[i + 3] = k * (Number(e3 > 0) - Number(e3 < 0));
    } else {
      gx[i] = k * Math.sign(e0);
      gx[i + 1] = k * Math.sign(e1);
      gx[i + 2] = k * Math.sign(e2);
      gx[i + 3] = k * Math.sign(e3);
    }
  }
  for (; i < n; i++) gx[i] = k * Math.sign(x[i] - y[i]);
}

function signAny(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  n: number,
  k: number,
  gx: Float64Array,
): void {
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const e0 = x[i] - y[i];
    const e1 = x[i + 1] - y[i + 1];
    const e2 = x[i + 2] - y[i + 2];
    const e3 = x[i + 3] - y[i + 3];
    if (Math.abs(e0) > 0 && Math.abs(e1) > 0 && Math.abs(e2) > 0 && Math.abs(e3) > 0) {
      gx[i] = k * (Number(e0 > 0) - Number(e0 < 0));
      gx[i + 1] = k * (Number(e1 > 0) - Number(e1 < 0));
      gx[i + 2] = k * (Number(e2 > 0) - Number(e2 < 0));
      gx[i + 3] = k * (Number(e3 > 0) - Number(e3 < 0));
    } else {
      gx[i] = k * Math.sign(e0);
      gx[i + 1] = k * Math.sign(e1);
      gx[i + 2] = k * Math.sign(e2);
      gx[i + 3] = k * Math.sign(e3);
    }
  }
  for (; i < n; i++) gx[i] = k * Math.sign(x[i] - y[i]);
}

// The hot loops. Three identical copies for Float32Array, Float64Array and anything else
// (number[], mixed types), so each sees one array type: a shared body makes V8's element access
// polymorphic. Keep them identical. The element's value comes from `term` (inlined by V8).
// Sums: plain float64 in four accumulators over blocks of 1024 elements, then Neumaier over the
// block sums. Eight elements a step (fewer loop tests and bounds checks: 9.8 → 8.1 ms for 10M
// float32 pairs in a timing script, as mse.ts): each accumulator adds ≤ 128 pair sums
// |dᵢ| + |dᵢ₊₄| (one rounding each), v0 also the block's last ≤ 7 terms, and three adds combine
// them, so a block's rounding is ≤ (1 + 128 + 7 + 2)u·Σ|vᵢ| = 138u·Σ|vᵢ| over its terms
// (u = 2⁻⁵³; Higham §4.2), and the whole is ≤ (138 + 2)u·Σ|vᵢ| ≈ 1.6e−14·Σ|vᵢ| (per-element
// Neumaier: ~2u·|S|, at about twice the time). Every term is ≥ 0, so that is a relative error
// ≤ 1.6e−14. With 'none' every term of a block goes to v0 (its sumValue: ≤ 1026u relative).
// A block whose sum is not finite (an ∞ or NaN term, or a sum that overflows) is recomputed by
// `exactBlock`, the reference loop, which also rewrites its 'none' outputs.
const BLOCK = 1024;

function sumF32(x: Float32Array, y: Float32Array, n: number, out: Float64Array | null): number {
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
      for (; i + 7 < e; i += 8) {
        v0 += term(x[i], y[i]) + term(x[i + 4], y[i + 4]);
        v1 += term(x[i + 1], y[i + 1]) + term(x[i + 5], y[i + 5]);
        v2 += term(x[i + 2], y[i + 2]) + term(x[i + 6], y[i + 6]);
        v3 += term(x[i + 3], y[i + 3]) + term(x[i + 7], y[i + 7]);
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

function sumF64(x: Float64Array, y: Float64Array, n: number, out: Float64Array | null): number {
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
      for (; i + 7 < e; i += 8) {
        v0 += term(x[i], y[i]) + term(x[i + 4], y[i + 4]);
        v1 += term(x[i + 1], y[i + 1]) + term(x[i + 5], y[i + 5]);
        v2 += term(x[i + 2], y[i + 2]) + term(x[i + 6], y[i + 6]);
        v3 += term(x[i + 3], y[i + 3]) + term(x[i + 7], y[i + 7]);
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
  n: number,
  out: Float64Array | null,
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
      for (; i + 7 < e; i += 8) {
        v0 += term(x[i], y[i]) + term(x[i + 4], y[i + 4]);
        v1 += term(x[i + 1], y[i + 1]) + term(x[i + 5], y[i + 5]);
        v2 += term(x[i + 2], y[i + 2]) + term(x[i + 6], y[i + 6]);
        v3 += term(x[i + 3], y[i + 3]) + term(x[i + 7], y[i + 7]);
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

/** |x − y|. */
function term(xi: number, yi: number): number {
  return Math.abs(xi - yi);
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
    return Math.abs(x[i] - y[i]);
  });
}

/** {@link l1} for generic callers. */
export const l1Info: KernelInfo = {
  name: 'l1',
  inputs: [
    { name: 'input', kind: 'float', rank: 'any', differentiable: true },
    { name: 'target', kind: 'float', rank: 'any', differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) => l1(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
  gradient: (i, o) => l1Grad(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
};
