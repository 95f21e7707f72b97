import { booleanOption, floatArg, optionsArg } from './internal/args.js';
import { floatPair } from './internal/classification.js';
import { expTable } from './internal/expTable.js';
import { F32_INF_BITS, F32_NORMAL_MIN_BITS, logF32Bits } from './internal/logF32Bits.js';
import {
  F64_INF_HI,
  F64_NORMAL_MIN_HI,
  LITTLE_ENDIAN,
  logF64Words,
} from './internal/logF64Words.js';
import { finish, gradBuffer, gradScale, outputBuffer, reductionOption } from './internal/reduce.js';
import type { KernelInfo } from './KernelInfo.js';
import type { FloatTensorLike, Gradients, GradOptions, LossOptions, LossResult } from './types.js';

/** `klDiv`'s reductions: PyTorch's plus `'batchmean'` (Σ / rows, the true KL per sample). */
export type KlDivReduction = 'none' | 'mean' | 'sum' | 'batchmean';

const REDUCTIONS: readonly KlDivReduction[] = ['mean', 'sum', 'none', 'batchmean'];

/** Options of {@link klDiv}, as PyTorch's `F.kl_div`. */
export interface KlDivOptions<R extends KlDivReduction = KlDivReduction> extends LossOptions<R> {
  /** `target` holds log-probabilities instead of probabilities (default false). */
  logTarget?: boolean;
}

/** Options of {@link klDivGrad}. */
export type KlDivGradOptions = Omit<KlDivOptions, 'reduction' | 'out'> &
  GradOptions<KlDivReduction>;

/**
 * Kullback–Leibler divergence, PyTorch's `kl_div`: `input` holds log-probabilities log qᵢ (of
 * the model), `target` probabilities pᵢ (log-probabilities with `logTarget`), same shape;
 * element-wise ℓᵢ = pᵢ·(log pᵢ − log qᵢ) with 0·log 0 = 0 (xlogy). `'batchmean'` divides Σℓ by
 * the rows N — the KL divergence per sample — while `'mean'` divides by every element (N·C),
 * as PyTorch.
 *
 * @example
 * ```ts
 * import { klDiv } from '@losskit/core';
 * const logq = { data: [Math.log(0.5), Math.log(0.5)], shape: [1, 2] };
 * klDiv(logq, [1, 0], { reduction: 'batchmean' }).value; // 1·(log 1 − log ½) + 0 = log 2
 * ```
 */
export function klDiv<R extends KlDivReduction = 'mean'>(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: KlDivOptions<R>,
): LossResult<R> {
  const fn = 'klDiv';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<KlDivReduction>(fn, o.reduction, REDUCTIONS) as R;
  const logTarget = booleanOption(fn, 'logTarget', o.logTarget, false);
  const { a: x, b: y, n, rows } = floatPair(fn, 'input', input, 'target', target);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, n) : null;
  let sum: number;
  if (!logTarget && x instanceof Float32Array && y instanceof Float32Array)
    sum = sumF32(x, y, n, out);
  else if (!logTarget && x instanceof Float64Array && y instanceof Float32Array)
    sum = sumF64F32(x, y, n, out);
  else if (!logTarget && LITTLE_ENDIAN && x instanceof Float64Array && y instanceof Float64Array)
    sum = sumF64(x, y, n, out);
  else if (logTarget && x instanceof Float32Array && y instanceof Float32Array)
    sum = sumLogTargetF32(x, y, n, out);
  else if (logTarget && x instanceof Float64Array && y instanceof Float64Array)
    sum = sumLogTargetF64(x, y, n, out);
  else sum = sumBlocks(x, y, logTarget, n, out);
  return finish(reduction, out, sum, n, rows, n, 0);
}

/**
 * Gradient of {@link klDiv} with respect to `input`: ∂ℓᵢ/∂xᵢ = −pᵢ (−e^tᵢ with `logTarget`),
 * scaled by the reduction (`mean`: 1/(N·C), `batchmean`: 1/N).
 */
export function klDivGrad(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: KlDivGradOptions,
): Gradients {
  const fn = 'klDivGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<KlDivReduction>(fn, o.reduction, REDUCTIONS);
  const logTarget = booleanOption(fn, 'logTarget', o.logTarget, false);
  const { b: y, n, rows } = floatPair(fn, 'input', input, 'target', target);
  const g = o.gradOutput === undefined ? undefined : floatArg(fn, 'gradOutput', o.gradOutput).data;
  const [scale, per] = gradScale(fn, reduction, n, rows, g, n);
  const gx = gradBuffer(fn, o.out, 'input', n);
  // p = e^t by expTable with logTarget (≤ 4.5u for |t| ≤ 32, fastExp's 3.2 ulp beyond; −∞ → 0).
  const k = -scale;
  if (per !== null) {
    for (let i = 0; i < n; i++) gx[i] = k * per[i] * (logTarget ? expTable(y[i]) : y[i]);
  } else if (logTarget) {
    if (y instanceof Float32Array) expF32(y, n, k, gx);
    else if (y instanceof Float64Array) expF64(y, n, k, gx);
    else for (let i = 0; i < n; i++) gx[i] = k * expTable(y[i]);
  } else {
    for (let i = 0; i < n; i++) gx[i] = k * y[i];
  }
  return { input: gx };
}

// ---- The hot loops ----------------------------------------------------------------------------
//
// ℓ = t·(log t − x) per element, with two changes that keep the value within a few ulp:
//  • Float32Array targets: log t by logF32Bits from the target's bit pattern (an Int32Array view
//    over its buffer), ≤ 3u relative for every positive normal float32, instead of Math.log;
//    Float64Array targets (with Float64Array inputs, little-endian platforms) likewise by
//    logF64Words from the two words of each target (≤ 3u). t = 0, subnormal, negative, ∞ or NaN
//    take the reference formula (Math.log, xlogy). With logTarget, p = e^t by expTable (≤ 4.5u
//    for |t| ≤ 32, fastExp's 3.2 ulp beyond) instead of Math.exp; t = −∞ and NaN take the
//    reference formula.
//  • Sums: plain float64 over blocks of 64, then Neumaier over the block sums. Terms of either
//    sign (KL's element terms are), so the bound is relative to Σ|ℓ|, not to the sum: a block's
//    rounding is ≤ 63u·Σ|ℓ| over it, the whole ≤ 65u·Σ|ℓ| ≈ 7.2e−15·Σ|ℓ| — the same order as
//    the few-ulp error each term already carries from its log (≥ 3u·|ℓᵢ|), and far below it in
//    practice (random rounding grows as √64). Blocks are kept this short because KL near
//    convergence (student ≈ teacher) is a small sum of large terms of both signs; 1024-element
//    blocks measured no faster. A block whose sum is not finite
//    (an infinite or NaN term) is recomputed by exactBlock, the reference loop, which gives the
//    same ∞ or NaN and rewrites its 'none' outputs.
const BLOCK = 64;

/** The reference ℓ for one element (Math.log / Math.exp, xlogy). */
function exactTerm(xi: number, ti: number, logTarget: boolean): number {
  if (logTarget) {
    // p = e^t, ℓ = e^t·(t − x). A zero probability (t = −∞) contributes 0 (its limit),
    // not e^−∞·(−∞ − x) = 0·(−∞) = NaN as in PyTorch; NaN in x still propagates.
    return ti === Number.NEGATIVE_INFINITY ? (Number.isNaN(xi) ? xi : 0) : Math.exp(ti) * (ti - xi);
  }
  // xlogy: 0·log 0 = 0. A zero probability contributes 0 even where log q = −∞ (a masked
  // class), instead of PyTorch's 0·(−∞) = NaN; NaN in x still propagates. Negative p gives
  // NaN (log of a negative), as PyTorch.
  return ti === 0 ? (Number.isNaN(xi) ? xi : 0) : ti * (Math.log(ti) - xi);
}

/** The reference loop over [i0, i1) with per-element Neumaier; writes `out` if given. */
function exactBlock(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  logTarget: boolean,
  i0: number,
  i1: number,
  out: Float64Array | null,
): number {
  let s = 0;
  let c = 0;
  for (let i = i0; i < i1; i++) {
    const v = exactTerm(x[i], y[i], logTarget);
    if (out !== null) out[i] = v;
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

/** Any array types, either target kind: the reference terms, blocked sums. */
function sumBlocks(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  logTarget: boolean,
  n: number,
  out: Float64Array | null,
): number {
  let s = 0;
  let c = 0;
  for (let b = 0; b < n; b += BLOCK) {
    const e = Math.min(n, b + BLOCK);
    let v = 0;
    for (let i = b; i < e; i++) {
      const t = exactTerm(x[i], y[i], logTarget);
      if (out !== null) out[i] = t;
      v += t;
    }
    if (!Number.isFinite(v)) v = exactBlock(x, y, logTarget, b, e, out);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

// Two identical copies for Float32Array and Float64Array inputs (Float32Array targets), so that
// each sees one array type (a shared body makes V8's element access polymorphic). Keep them
// identical.
function sumF32(x: Float32Array, y: Float32Array, n: number, out: Float64Array | null): number {
  const bits = new Int32Array(y.buffer, y.byteOffset, n);
  let s = 0;
  let c = 0;
  for (let b = 0; b < n; b += BLOCK) {
    const e = Math.min(n, b + BLOCK);
    let v = 0;
    for (let i = b; i < e; i++) {
      const yb = bits[i];
      const t =
        yb >= F32_NORMAL_MIN_BITS && yb < F32_INF_BITS
          ? y[i] * (logF32Bits(yb) - x[i])
          : exactTerm(x[i], y[i], false);
      if (out !== null) out[i] = t;
      v += t;
    }
    if (!Number.isFinite(v)) v = exactBlock(x, y, false, b, e, out);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

function sumF64F32(x: Float64Array, y: Float32Array, n: number, out: Float64Array | null): number {
  const bits = new Int32Array(y.buffer, y.byteOffset, n);
  let s = 0;
  let c = 0;
  for (let b = 0; b < n; b += BLOCK) {
    const e = Math.min(n, b + BLOCK);
    let v = 0;
    for (let i = b; i < e; i++) {
      const yb = bits[i];
      const t =
        yb >= F32_NORMAL_MIN_BITS && yb < F32_INF_BITS
          ? y[i] * (logF32Bits(yb) - x[i])
          : exactTerm(x[i], y[i], false);
      if (out !== null) out[i] = t;
      v += t;
    }
    if (!Number.isFinite(v)) v = exactBlock(x, y, false, b, e, out);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

function sumF64(x: Float64Array, y: Float64Array, n: number, out: Float64Array | null): number {
  const words = new Int32Array(y.buffer, y.byteOffset, 2 * n);
  let s = 0;
  let c = 0;
  for (let b = 0; b < n; b += BLOCK) {
    const e = Math.min(n, b + BLOCK);
    let v = 0;
    for (let i = b; i < e; i++) {
      const hi = words[2 * i + 1];
      const t =
        hi >= F64_NORMAL_MIN_HI && hi < F64_INF_HI
          ? y[i] * (logF64Words(hi, words[2 * i]) - x[i])
          : exactTerm(x[i], y[i], false);
      if (out !== null) out[i] = t;
      v += t;
    }
    if (!Number.isFinite(v)) v = exactBlock(x, y, false, b, e, out);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

// logTarget: ℓ = e^t·(t − x), two identical copies (see above). Keep them identical.
function sumLogTargetF32(
  x: Float32Array,
  y: Float32Array,
  n: number,
  out: Float64Array | null,
): number {
  let s = 0;
  let c = 0;
  for (let b = 0; b < n; b += BLOCK) {
    const e = Math.min(n, b + BLOCK);
    let v = 0;
    for (let i = b; i < e; i++) {
      const ti = y[i];
      const t =
        ti > Number.NEGATIVE_INFINITY ? expTable(ti) * (ti - x[i]) : exactTerm(x[i], ti, true);
      if (out !== null) out[i] = t;
      v += t;
    }
    if (!Number.isFinite(v)) v = exactBlock(x, y, true, b, e, out);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

function sumLogTargetF64(
  x: Float64Array,
  y: Float64Array,
  n: number,
  out: Float64Array | null,
): number {
  let s = 0;
  let c = 0;
  for (let b = 0; b < n; b += BLOCK) {
    const e = Math.min(n, b + BLOCK);
    let v = 0;
    for (let i = b; i < e; i++) {
      const ti = y[i];
      const t =
        ti > Number.NEGATIVE_INFINITY ? expTable(ti) * (ti - x[i]) : exactTerm(x[i], ti, true);
      if (out !== null) out[i] = t;
      v += t;
    }
    if (!Number.isFinite(v)) v = exactBlock(x, y, true, b, e, out);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

/** gx = k·e^y, one copy per array type (monomorphic element access). Keep them identical. */
function expF32(y: Float32Array, n: number, k: number, gx: Float64Array): void {
  for (let i = 0; i < n; i++) gx[i] = k * expTable(y[i]);
}

function expF64(y: Float64Array, n: number, k: number, gx: Float64Array): void {
  for (let i = 0; i < n; i++) gx[i] = k * expTable(y[i]);
}

/** {@link klDiv} for generic callers. */
export const klDivInfo: KernelInfo = {
  name: 'klDiv',
  inputs: [
    { name: 'input', kind: 'float', rank: 'any', differentiable: true },
    { name: 'target', kind: 'float', rank: 'any', differentiable: false },
  ],
  reductions: REDUCTIONS,
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) => klDiv(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
  gradient: (i, o) => klDivGrad(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
};
