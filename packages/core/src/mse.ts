import { floatArg, optionsArg, sameLength } from './internal/args.js';
import { HF_SIMD_MIN, hfSumSqAbsSimd } from './internal/hfSums.js';
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

/** Options of {@link mse}. */
export type MseOptions<R extends Reduction = Reduction> = LossOptions<R>;

/**
 * Mean squared error (L2 loss), PyTorch's `mse_loss`: ℓᵢ = (xᵢ − yᵢ)².
 * Element-wise over inputs of any shape; `mean` divides by the element count.
 *
 * @example
 * ```ts
 * import { mse } from '@losskit/core';
 * mse([1, 2, 3], [1, 2, 5]).value; // (0 + 0 + 4) / 3
 * ```
 */
export function mse<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: MseOptions<R>,
): LossResult<R> {
  const fn = 'mse';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const xv = floatArg(fn, 'input', input);
  const x = xv.data;
  const y = floatArg(fn, 'target', target).data;
  const n = x.length;
  sameLength(fn, 'input', n, 'target', y.length);
  const rows = xv.shape.length > 0 ? xv.shape[0] : 1;
  const out = reduction === 'none' ? outputBuffer(fn, o.out, n) : null;
  let sum: number;
  if (out !== null) {
    let s = 0;
    let c = 0;
    for (let i = 0; i < n; i++) {
      const d = x[i] - y[i];
      const v = d * d;
      out[i] = v;
      const t = s + v;
      c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
      s = t;
    }
    sum = Number.isFinite(s) ? s + c : s;
  } else if (x instanceof Float32Array && y instanceof Float32Array) {
    // Long inputs: the same block sums in WebAssembly, read with one copy a chunk (the same bits;
    // internal/hfSums.ts says why). A block sum that is not finite stays what it is, as here.
    const simd =
      n >= HF_SIMD_MIN
        ? hfSumSqAbsSimd(x, y, n, 'sq', (i0, i1) =>
            sumSqF32(x.subarray(i0, i1), y.subarray(i0, i1), i1 - i0),
          )
        : null;
    sum = simd ?? sumSqF32(x, y, n);
  } else if (x instanceof Float64Array && y instanceof Float64Array) sum = sumSqF64(x, y, n);
  else sum = sumSqAny(x, y, n);
  return finish(reduction, out, sum, n, rows, n, 0);
}

/** Gradient of {@link mse}: ∂ℓᵢ/∂xᵢ = 2(xᵢ − yᵢ), scaled by the reduction. */
export function mseGrad(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: GradOptions,
): Gradients {
  const fn = 'mseGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const x = floatArg(fn, 'input', input).data;
  const y = floatArg(fn, 'target', target).data;
  const n = x.length;
  sameLength(fn, 'input', n, 'target', y.length);
  const g = o.gradOutput === undefined ? undefined : floatArg(fn, 'gradOutput', o.gradOutput).data;
  const [scale, per] = gradScale(fn, reduction, n, n, g, n);
  const gx = gradBuffer(fn, o.out, 'input', n);
  const k = 2 * scale;
  if (per !== null) for (let i = 0; i < n; i++) gx[i] = k * per[i] * (x[i] - y[i]);
  else if (x instanceof Float32Array && y instanceof Float32Array) gradF32(x, y, n, k, gx);
  else if (x instanceof Float64Array && y instanceof Float64Array) gradF64(x, y, n, k, gx);
  else gradAny(x, y, n, k, gx);
  return { input: gx };
}

// The hot loops, specialised by array type: one body that sees Float32Array, Float64Array and
// number[] makes V8's element access polymorphic, so each type gets its own (identical) copy.
//
// Σ(xᵢ − yᵢ)² in blocks of 1024 elements: within a block, four plain float64 accumulators (eight
// elements per step, two per accumulator); across blocks, Neumaier compensation of the block sums.
// Error bound (Higham, §4.2–4.3): inside a block every term passes through at most 129 additions
// in its accumulator (128 steps + the pair add) and 2 more to combine the four, so a block sum
// carries ≤ γ₁₃₁·Σ|vᵢ| over its terms (γₖ = ku/(1 − ku), u = 2⁻⁵³); compensated summation of the
// blocks adds ≤ 2u·|S| + O(Bu²)·Σ|blocks|. In all |Ŝ − S| ≤ 133u·Σ|vᵢ| ≈ 1.5e−14·Σ|vᵢ|, independent
// of n; for mse every vᵢ ≥ 0, so that is a relative error ≤ 1.5e−14 (plain summation of 10M terms:
// up to 1.1e−9). Per-element compensation would cost ~2× the time for no useful gain.
const BLOCK = 1024;

function sumSqF32(x: Float32Array, y: Float32Array, n: number): number {
  let s = 0;
  let c = 0;
  for (let b = 0; b < n; b += BLOCK) {
    const e = Math.min(n, b + BLOCK);
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let i = b;
    for (; i + 7 < e; i += 8) {
      const d0 = x[i] - y[i];
      const d1 = x[i + 1] - y[i + 1];
      const d2 = x[i + 2] - y[i + 2];
      const d3 = x[i + 3] - y[i + 3];
      const d4 = x[i + 4] - y[i + 4];
      const d5 = x[i + 5] - y[i + 5];
      const d6 = x[i + 6] - y[i + 6];
      const d7 = x[i + 7] - y[i + 7];
      s0 += d0 * d0 + d4 * d4;
      s1 += d1 * d1 + d5 * d5;
      s2 += d2 * d2 + d6 * d6;
      s3 += d3 * d3 + d7 * d7;
    }
    for (; i < e; i++) {
      const d = x[i] - y[i];
      s0 += d * d;
    }
    const v = s0 + s1 + (s2 + s3);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

function sumSqF64(x: Float64Array, y: Float64Array, n: number): number {
  let s = 0;
  let c = 0;
  for (let b = 0; b < n; b += BLOCK) {
    const e = Math.min(n, b + BLOCK);
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let i = b;
    for (; i + 7 < e; i += 8) {
      const d0 = x[i] - y[i];
      const d1 = x[i + 1] - y[i + 1];
      const d2 = x[i + 2] - y[i + 2];
      const d3 = x[i + 3] - y[i + 3];
      const d4 = x[i + 4] - y[i + 4];
      const d5 = x[i + 5] - y[i + 5];
      const d6 = x[i + 6] - y[i + 6];
      const d7 = x[i + 7] - y[i + 7];
      s0 += d0 * d0 + d4 * d4;
      s1 += d1 * d1 + d5 * d5;
      s2 += d2 * d2 + d6 * d6;
      s3 += d3 * d3 + d7 * d7;
    }
    for (; i < e; i++) {
      const d = x[i] - y[i];
      s0 += d * d;
    }
    const v = s0 + s1 + (s2 + s3);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

function sumSqAny(x: ArrayLike<number>, y: ArrayLike<number>, n: number): number {
  let s = 0;
  let c = 0;
  for (let b = 0; b < n; b += BLOCK) {
    const e = Math.min(n, b + BLOCK);
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let i = b;
    for (; i + 7 < e; i += 8) {
      const d0 = x[i] - y[i];
      const d1 = x[i + 1] - y[i + 1];
      const d2 = x[i + 2] - y[i + 2];
      const d3 = x[i + 3] - y[i + 3];
      const d4 = x[i + 4] - y[i + 4];
      const d5 = x[i + 5] - y[i + 5];
      const d6 = x[i + 6] - y[i + 6];
      const d7 = x[i + 7] - y[i + 7];
      s0 += d0 * d0 + d4 * d4;
      s1 += d1 * d1 + d5 * d5;
      s2 += d2 * d2 + d6 * d6;
      s3 += d3 * d3 + d7 * d7;
    }
    for (; i < e; i++) {
      const d = x[i] - y[i];
      s0 += d * d;
    }
    const v = s0 + s1 + (s2 + s3);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

// mseGrad's loops (gradF32/F64/Any, identical): two streams GRAD_APART elements apart, four
// elements of each a step, while two such runs fit; then eight per step. Eight per step rather
// than one: fewer loop tests and bounds checks (four: ~1.4× on 10M elements over one; eight:
// another ~1.2× over four). Two streams: the loop waits on memory, and two streams keep more of
// it in flight (10M float32, plain node, medians of 15: eight per step 17.3–18.3 ms, two streams
// 14.7–16.2 ms). Each gx[i] is the same expression either way.
/** Elements between mseGrad's two streams (a multiple of 4). */
const GRAD_APART = 16384;

function gradF32(x: Float32Array, y: Float32Array, n: number, k: number, gx: Float64Array): void {
  let i = 0;
  for (; i + 2 * GRAD_APART <= n; i += 2 * GRAD_APART) {
    const e = i + GRAD_APART;
    for (let j = i; j < e; j += 4) {
      gx[j] = k * (x[j] - y[j]);
      gx[j + 1] = k * (x[j + 1] - y[j + 1]);
      gx[j + 2] = k * (x[j + 2] - y[j + 2]);
      gx[j + 3] = k * (x[j + 3] - y[j + 3]);
      const m = j + GRAD_APART;
      gx[m] = k * (x[m] - y[m]);
      gx[m + 1] = k * (x[m + 1] - y[m + 1]);
      gx[m + 2] = k * (x[m + 2] - y[m + 2]);
      gx[m + 3] = k * (x[m + 3] - y[m + 3]);
    }
  }
  for (; i + 7 < n; i += 8) {
    gx[i] = k * (x[i] - y[i]);
    gx[i + 1] = k * (x[i + 1] - y[i + 1]);
    gx[i + 2] = k * (x[i + 2] - y[i + 2]);
    gx[i + 3] = k * (x[i + 3] - y[i + 3]);
    gx[i + 4] = k * (x[i + 4] - y[i + 4]);
    gx[i + 5] = k * (x[i + 5] - y[i + 5]);
    gx[i + 6] = k * (x[i + 6] - y[i + 6]);
    gx[i + 7] = k * (x[i + 7] - y[i + 7]);
  }
  for (; i < n; i++) gx[i] = k * (x[i] - y[i]);
}

function gradF64(x: Float64Array, y: Float64Array, n: number, k: number, gx: Float64Array): void {
  let i = 0;
  for (; i + 2 * GRAD_APART <= n; i += 2 * GRAD_APART) {
    const e = i + GRAD_APART;
    for (let j = i; j < e; j += 4) {
      gx[j] = k * (x[j] - y[j]);
      gx[j + 1] = k * (x[j + 1] - y[j + 1]);
      gx[j + 2] = k * (x[j + 2] - y[j + 2]);
      gx[j + 3] = k * (x[j + 3] - y[j + 3]);
      const m = j + GRAD_APART;
      gx[m] = k * (x[m] - y[m]);
      gx[m + 1] = k * (x[m + 1] - y[m + 1]);
      gx[m + 2] = k * (x[m + 2] - y[m + 2]);
      gx[m + 3] = k * (x[m + 3] - y[m + 3]);
    }
  }
  for (; i + 7 < n; i += 8) {
    gx[i] = k * (x[i] - y[i]);
    gx[i + 1] = k * (x[i + 1] - y[i + 1]);
    gx[i + 2] = k * (x[i + 2] - y[i + 2]);
    gx[i + 3] = k * (x[i + 3] - y[i + 3]);
    gx[i + 4] = k * (x[i + 4] - y[i + 4]);
    gx[i + 5] = k * (x[i + 5] - y[i + 5]);
    gx[i + 6] = k * (x[i + 6] - y[i + 6]);
    gx[i + 7] = k * (x[i + 7] - y[i + 7]);
  }
  for (; i < n; i++) gx[i] = k * (x[i] - y[i]);
}

function gradAny(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  n: number,
  k: number,
  gx: Float64Array,
): void {
  let i = 0;
  for (; i + 2 * GRAD_APART <= n; i += 2 * GRAD_APART) {
    const e = i + GRAD_APART;
    for (let j = i; j < e; j += 4) {
      gx[j] = k * (x[j] - y[j]);
      gx[j + 1] = k * (x[j + 1] - y[j + 1]);
      gx[j + 2] = k * (x[j + 2] - y[j + 2]);
      gx[j + 3] = k * (x[j + 3] - y[j + 3]);
      const m = j + GRAD_APART;
      gx[m] = k * (x[m] - y[m]);
      gx[m + 1] = k * (x[m + 1] - y[m + 1]);
      gx[m + 2] = k * (x[m + 2] - y[m + 2]);
      gx[m + 3] = k * (x[m + 3] - y[m + 3]);
    }
  }
  for (; i + 7 < n; i += 8) {
    gx[i] = k * (x[i] - y[i]);
    gx[i + 1] = k * (x[i + 1] - y[i + 1]);
    gx[i + 2] = k * (x[i + 2] - y[i + 2]);
    gx[i + 3] = k * (x[i + 3] - y[i + 3]);
    gx[i + 4] = k * (x[i + 4] - y[i + 4]);
    gx[i + 5] = k * (x[i + 5] - y[i + 5]);
    gx[i + 6] = k * (x[i + 6] - y[i + 6]);
    gx[i + 7] = k * (x[i + 7] - y[i + 7]);
  }
  for (; i < n; i++) gx[i] = k * (x[i] - y[i]);
}

/** {@link mse} for generic callers. */
export const mseInfo: KernelInfo = {
  name: 'mse',
  inputs: [
    { name: 'input', kind: 'float', rank: 'any', differentiable: true },
    { name: 'target', kind: 'float', rank: 'any', differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) => mse(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
  gradient: (i, o) => mseGrad(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
};
