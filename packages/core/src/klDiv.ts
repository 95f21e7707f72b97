import { booleanOption, floatArg, optionsArg } from './internal/args.js';
import { floatPair } from './internal/classification.js';
import { expTable } from './internal/expTable.js';
import {
  F32_INF_BITS,
  F32_MAX_BITS,
  F32_NORMAL_MIN_BITS,
  LN2_HI,
  LN2_LO,
  logF32Bits,
  logF32Table,
} from './internal/logF32Bits.js';
import {
  F64_INF_HI,
  F64_NORMAL_MIN_HI,
  LITTLE_ENDIAN,
  logF64Words,
} from './internal/logF64Words.js';
import { finish, gradBuffer, gradScale, outputBuffer, reductionOption } from './internal/reduce.js';
import { exactRangeSum } from './internal/sum.js';
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
  return exactRangeSum(i0, i1, out, (i) => {
    return exactTerm(x[i], y[i], logTarget);
  });
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

// Float32Array inputs and targets (a float32 model's log-probabilities and a teacher's
// probabilities): logF32Bits inlined (its body, step for step, with its table read here through
// logF32Table) four elements at a time; V8 does not inline four calls of it in one loop body
// (`pnpm bench --only klDiv` on 1M×10: 80.9 ms with the per-element calls, 61.3 ms so; a loop
// calling logF32Bits four times per step measured between the two). Two accumulators per block (elements 0, 2 and
// 1, 3 of each group of four, two terms added before they reach the accumulator): each adds ≤ 32
// terms, so a block's rounding stays within the 63u·Σ|ℓ| above. A zero target (±0, common: hard
// or sparse teacher distributions) needs nothing: its inlined "log" is some finite number, and
// 0·(finite − x) is the reference 0 for finite x, while x = ±∞ or NaN makes it NaN, so the block
// sum is not finite and the block is redone. A block holding any other target that is not a
// positive normal float32 (subnormal, negative, ∞, NaN) is flagged without a branch: for an
// int32 b, (b − 2²³) | (0x7f7fffff − b) is negative exactly when b < 2²³ or b > 0x7f7fffff (for
// negative b the second difference is ≥ 2³¹ and wraps to a negative int32 under |), and it is
// masked off for ±0 by ~(((b & 0x7fffffff) − 1) >> 31), which is 0 exactly when b & 0x7fffffff
// is 0 and −1 otherwise; the block is redone by exactBlock, as is a block whose sum is not
// finite. (Before zeros were let through, a one-hot target made every block take exactBlock's
// Math.log: 1M×10 one-hot 97 ms, now 54 ms; the per-element loop before this one: 50 ms.)
function sumF32(x: Float32Array, y: Float32Array, n: number, out: Float64Array | null): number {
  const bits = new Int32Array(y.buffer, y.byteOffset, n);
  // imported bindings in locals: a module loader that compiles imports to property reads
  // (tsx, bundlers' CommonJS output) would otherwise read them in the loop
  const T = logF32Table;
  const lo = F32_NORMAL_MIN_BITS;
  const hi = F32_MAX_BITS;
  const ln2hi = LN2_HI;
  const ln2lo = LN2_LO;
  let s = 0;
  let c = 0;
  for (let b = 0; b < n; b += BLOCK) {
    const e = Math.min(n, b + BLOCK);
    let v0 = 0;
    let v1 = 0;
    let flag = 0;
    let i = b;
    for (; i + 3 < e; i += 4) {
      const b0 = bits[i];
      const b1 = bits[i + 1];
      const b2 = bits[i + 2];
      const b3 = bits[i + 3];
      flag |=
        (((b0 - lo) | (hi - b0)) & ~(((b0 & 0x7fffffff) - 1) >> 31)) |
        (((b1 - lo) | (hi - b1)) & ~(((b1 & 0x7fffffff) - 1) >> 31)) |
        (((b2 - lo) | (hi - b2)) & ~(((b2 & 0x7fffffff) - 1) >> 31)) |
        (((b3 - lo) | (hi - b3)) & ~(((b3 & 0x7fffffff) - 1) >> 31));
      const t0 = (b0 - 0x3f400000) | 0;
      const t1 = (b1 - 0x3f400000) | 0;
      const t2 = (b2 - 0x3f400000) | 0;
      const t3 = (b3 - 0x3f400000) | 0;
      const j0 = ((t0 >> 15) & 0xff) * 3;
      const j1 = ((t1 >> 15) & 0xff) * 3;
      const j2 = ((t2 >> 15) & 0xff) * 3;
      const j3 = ((t3 >> 15) & 0xff) * 3;
      const z0 = ((t0 & 0x7fff) - T[j0]) * T[j0 + 1];
      const z1 = ((t1 & 0x7fff) - T[j1]) * T[j1 + 1];
      const z2 = ((t2 & 0x7fff) - T[j2]) * T[j2 + 1];
      const z3 = ((t3 & 0x7fff) - T[j3]) * T[j3 + 1];
      const q0 = z0 * z0;
      const q1 = z1 * z1;
      const q2 = z2 * z2;
      const q3 = z3 * z3;
      const p0 =
        z0 +
        q0 * (-0.5 + z0 * (1 / 3) + q0 * (-0.25 + z0 * (1 / 5) + q0 * (-1 / 6 + z0 * (1 / 7))));
      const p1 =
        z1 +
        q1 * (-0.5 + z1 * (1 / 3) + q1 * (-0.25 + z1 * (1 / 5) + q1 * (-1 / 6 + z1 * (1 / 7))));
      const p2 =
        z2 +
        q2 * (-0.5 + z2 * (1 / 3) + q2 * (-0.25 + z2 * (1 / 5) + q2 * (-1 / 6 + z2 * (1 / 7))));
      const p3 =
        z3 +
        q3 * (-0.5 + z3 * (1 / 3) + q3 * (-0.25 + z3 * (1 / 5) + q3 * (-1 / 6 + z3 * (1 / 7))));
      const e0 = t0 >> 23;
      const e1 = t1 >> 23;
      const e2 = t2 >> 23;
      const e3 = t3 >> 23;
      const l0 = y[i] * (e0 * ln2hi + (T[j0 + 2] + (p0 + e0 * ln2lo)) - x[i]);
      const l1 = y[i + 1] * (e1 * ln2hi + (T[j1 + 2] + (p1 + e1 * ln2lo)) - x[i + 1]);
      const l2 = y[i + 2] * (e2 * ln2hi + (T[j2 + 2] + (p2 + e2 * ln2lo)) - x[i + 2]);
      const l3 = y[i + 3] * (e3 * ln2hi + (T[j3 + 2] + (p3 + e3 * ln2lo)) - x[i + 3]);
      if (out !== null) {
        // + 0: a zero target's 0·(…) may be −0; the reference term is +0
        out[i] = l0 + 0;
        out[i + 1] = l1 + 0;
        out[i + 2] = l2 + 0;
        out[i + 3] = l3 + 0;
      }
      v0 += l0 + l2;
      v1 += l1 + l3;
    }
    let v = v0 + v1;
    for (; i < e; i++) {
      const t = exactTerm(x[i], y[i], false);
      if (out !== null) out[i] = t;
      v += t;
    }
    if (flag < 0 || !Number.isFinite(v)) v = exactBlock(x, y, false, b, e, out);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

// Float64Array inputs with Float32Array targets: logF32Bits per element (the reference term
// where the target is not a positive normal float32).
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
