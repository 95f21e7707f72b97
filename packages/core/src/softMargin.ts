import { optionsArg } from './internal/args.js';
import { gradOutputArg, readPair } from './internal/marginRegressionArgs.js';
import { finish, gradBuffer, gradScale, outputBuffer, reductionOption } from './internal/reduce.js';
import { SM_SIMD_MIN, softMarginSumSimd } from './internal/smSimd.js';
import { spSigmoidFine, spSoftplusFine } from './internal/spFineTail.js';
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

/** Options of {@link softMargin}. */
export type SoftMarginOptions<R extends Reduction = Reduction> = LossOptions<R>;

/**
 * Soft-margin (logistic) loss, PyTorch's `soft_margin_loss`, on scores `input` and labels
 * `target` (meant to be −1 or 1; as in PyTorch any real label is accepted):
 * ℓᵢ = log(1 + exp(−yᵢ·fᵢ)). Element-wise over inputs of any shape; `mean` divides by the element
 * count. Computed as a softplus, so it stays finite where PyTorch's direct form overflows
 * (y·f = −800 gives 800, not ∞).
 *
 * @example
 * ```ts
 * import { softMargin } from '@losskit/core';
 * softMargin([0, -800], [1, 1], { reduction: 'none' }).value; // [ln 2, 800]
 * ```
 */
export function softMargin<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: SoftMarginOptions<R>,
): LossResult<R> {
  const fn = 'softMargin';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const { x, y, n, rows } = readPair(fn, input, target);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, n) : null;
  const sum =
    x instanceof Float32Array && y instanceof Float32Array
      ? ((out === null && n >= SM_SIMD_MIN ? sumSimd(x, y, n) : null) ?? sumF32(x, y, n, out))
      : x instanceof Float64Array && y instanceof Float64Array
        ? sumF64(x, y, n, out)
        : sumAny(x, y, n, out);
  return finish(reduction, out, sum, n, rows, n, 0);
}

/**
 * Gradient of {@link softMargin}: ∂ℓᵢ/∂fᵢ = −yᵢ·σ(−yᵢ·fᵢ), with σ the logistic sigmoid,
 * scaled by the reduction.
 */
export function softMarginGrad(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: GradOptions,
): Gradients {
  const fn = 'softMarginGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const { x, y, n } = readPair(fn, input, target);
  const [scale, per] = gradScale(fn, reduction, n, n, gradOutputArg(fn, o.gradOutput), n);
  const gx = gradBuffer(fn, o.out, 'input', n);
  if (per !== null) gradPer(x, y, n, scale, per, gx);
  else if (x instanceof Float32Array && y instanceof Float32Array) gradF32(x, y, n, scale, gx);
  else if (x instanceof Float64Array && y instanceof Float64Array) gradF64(x, y, n, scale, gx);
  else gradAny(x, y, n, scale, gx);
  return { input: gx };
}

// ---- The hot loops ----------------------------------------------------------------------------
//
// ℓ = softplus(z), z = −y·f: softplus(z) = log(1 + eᶻ) = max(z, 0) + log(e^(−max(z,0)) + e^(z−max(z,0)))
// = max(z, 0) + log1p(e^(−|z|)). The exponent is ≤ 0, so nothing overflows, and log1p keeps the
// tail e^(−|z|) exact when it is tiny (z = 800: 800 + log1p(e⁻⁸⁰⁰) = 800; z = −800:
// 0 + log1p(e⁻⁸⁰⁰) = e⁻⁸⁰⁰ → 0). log1p(e^(−|z|)) comes from spSoftplusFine (< 5u, u = 2⁻⁵³, one
// table-driven polynomial instead of Math.exp and Math.log1p); both parts are ≥ 0, so ℓ is within
// 5.5u of the exact softplus of the rounded z. No data-dependent branch: V8 compiles Math.max to
// compares and jumps, which on random signs mispredict half the time (that doubled the time), so
// max(z, 0) = (|z| + z)/2, exact for finite |z| < 2¹⁰²³. It differs from Math.max only at z = −∞
// (∞ − ∞ = NaN) and |z| ≥ 2¹⁰²³ (|z| + z overflows); both make the block's sum NaN or ∞, and such
// a block is recomputed by `exactBlock` (Math.max), which also rewrites its 'none' outputs and
// gives the exact limits: z = +∞ → ∞, z = −∞ → 0 (spSoftplusFine(∞) = 0), NaN → NaN. A block whose
// true sum is ∞ or NaN is recomputed too and gives the same ∞ or NaN.
//
// Float32Array scores and labels with n ≥ SM_SIMD_MIN and no 'none' outputs take the WebAssembly
// SIMD kernel of internal/smSimd.ts (`sumSimd`: the same table and polynomial two elements at a
// time, the same 1024-element blocks, flagged blocks redone by `exactBlock`; bench CPU time on 10M
// elements 46.0 -> 28.9 ms), with sumF32 as the fallback where WebAssembly SIMD is missing.
// Three identical copies for Float32Array, Float64Array and anything else, so each sees one array
// type (a shared body makes V8's element access polymorphic). Keep them identical.
// Without 'none' outputs, four elements per iteration into four accumulators (they share the
// loop's checks of the arrays, which V8 does not hoist out of the loop, and the additions overlap;
// 56 -> 42 ms on 10M elements), spSoftplusFine inlined at the four call sites; with them, one
// element per iteration through `term`. Sums: plain float64 over blocks of 1024 elements, then
// Neumaier over the block sums. A block's rounding is ≤ 1023u·Σ|vᵢ| over its terms (Higham §4.2;
// ≤ 258u with four accumulators of 256 terms), and the whole is ≤ (1023 + 2)u·Σ|vᵢ| ≈
// 1.2e−13·Σ|vᵢ| (per-element Neumaier: ~2u·|S|, at about twice the time). Every term is ≥ 0, so
// that is a relative error ≤ 1.2e−13. An ∞ or NaN term makes the sum ∞ or NaN (then `exactBlock`,
// see above).
const BLOCK = 1024;

/** softplus(−t·f) for one element, branch-free (see above). */
function term(xi: number, ti: number): number {
  const z = -ti * xi;
  const a = Math.abs(z);
  return 0.5 * (a + z) + spSoftplusFine(a);
}

/** The reference loop over [i0, i1): Math.max, per-element Neumaier; writes `out` if given. */
function exactBlock(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  i0: number,
  i1: number,
  out: Float64Array | null,
): number {
  return exactRangeSum(i0, i1, out, (i) => {
    const z = -y[i] * x[i];
    return Math.max(z, 0) + spSoftplusFine(Math.abs(z));
  });
}

/**
 * Float32 scores and labels without 'none' outputs: internal/smSimd.ts's WebAssembly SIMD kernel
 * (same table and polynomial, two elements per step; ≤ 521u relative, see there), its flagged
 * blocks (|z| > 40, ±∞, NaN) and the odd last element by `exactBlock`. Null without WebAssembly
 * SIMD (then sumF32).
 */
function sumSimd(x: Float32Array, y: Float32Array, n: number): number | null {
  return softMarginSumSimd(x, y, n, (i0, i1) => exactBlock(x, y, i0, i1, null));
}

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
      for (; i + 3 < e; i += 4) {
        const z0 = -y[i] * x[i];
        const a0 = Math.abs(z0);
        const z1 = -y[i + 1] * x[i + 1];
        const a1 = Math.abs(z1);
        const z2 = -y[i + 2] * x[i + 2];
        const a2 = Math.abs(z2);
        const z3 = -y[i + 3] * x[i + 3];
        const a3 = Math.abs(z3);
        v0 += 0.5 * (a0 + z0) + spSoftplusFine(a0);
        v1 += 0.5 * (a1 + z1) + spSoftplusFine(a1);
        v2 += 0.5 * (a2 + z2) + spSoftplusFine(a2);
        v3 += 0.5 * (a3 + z3) + spSoftplusFine(a3);
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
      for (; i + 3 < e; i += 4) {
        const z0 = -y[i] * x[i];
        const a0 = Math.abs(z0);
        const z1 = -y[i + 1] * x[i + 1];
        const a1 = Math.abs(z1);
        const z2 = -y[i + 2] * x[i + 2];
        const a2 = Math.abs(z2);
        const z3 = -y[i + 3] * x[i + 3];
        const a3 = Math.abs(z3);
        v0 += 0.5 * (a0 + z0) + spSoftplusFine(a0);
        v1 += 0.5 * (a1 + z1) + spSoftplusFine(a1);
        v2 += 0.5 * (a2 + z2) + spSoftplusFine(a2);
        v3 += 0.5 * (a3 + z3) + spSoftplusFine(a3);
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
      for (; i + 3 < e; i += 4) {
        const z0 = -y[i] * x[i];
        const a0 = Math.abs(z0);
        const z1 = -y[i + 1] * x[i + 1];
        const a1 = Math.abs(z1);
        const z2 = -y[i + 2] * x[i + 2];
        const a2 = Math.abs(z2);
        const z3 = -y[i + 3] * x[i + 3];
        const a3 = Math.abs(z3);
        v0 += 0.5 * (a0 + z0) + spSoftplusFine(a0);
        v1 += 0.5 * (a1 + z1) + spSoftplusFine(a1);
        v2 += 0.5 * (a2 + z2) + spSoftplusFine(a2);
        v3 += 0.5 * (a3 + z3) + spSoftplusFine(a3);
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

// The gradient −t·σ(z), z = −t·f, times the reduction's factor k. With s = σ(−|z|) (spSigmoidFine,
// < 5u, no exp and no division) and h = [z ≥ 0] ∈ {0, 1}: σ(z) = 1 − s for z ≥ 0 and
// s for z < 0, picked without a branch (on random labels and signs a branch mispredicts half the
// time) as h − (2h − 1)·s: 1 − s (one rounding) for h = 1, 0 + s = s (exact) for h = 0. The small
// side keeps its relative accuracy (σ(−200) ≈ 1.4e−87 is s itself, not 1 − something), and
// 1 − s ≥ ½ rounds once without cancellation: σ is within 5.5u, the gradient within 7u. z = +∞
// gives σ = 1 (s = 0, h = 1), z = −∞ gives 0, NaN propagates (s = NaN).
// Four elements per iteration: they share the loop's checks of the arrays and of k, which V8 does
// not hoist out of the loop (~15% of the time). spSigmoidFine is inlined at the four call sites.
function gradF32(x: Float32Array, y: Float32Array, n: number, k: number, gx: Float64Array): void {
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const t0 = y[i];
    const z0 = -t0 * x[i];
    const s0 = spSigmoidFine(Math.abs(z0));
    const h0 = Number(z0 >= 0);
    const t1 = y[i + 1];
    const z1 = -t1 * x[i + 1];
    const s1 = spSigmoidFine(Math.abs(z1));
    const h1 = Number(z1 >= 0);
    const t2 = y[i + 2];
    const z2 = -t2 * x[i + 2];
    const s2 = spSigmoidFine(Math.abs(z2));
    const h2 = Number(z2 >= 0);
    const t3 = y[i + 3];
    const z3 = -t3 * x[i + 3];
    const s3 = spSigmoidFine(Math.abs(z3));
    const h3 = Number(z3 >= 0);
    gx[i] = -t0 * k * (h0 - (2 * h0 - 1) * s0);
    gx[i + 1] = -t1 * k * (h1 - (2 * h1 - 1) * s1);
    gx[i + 2] = -t2 * k * (h2 - (2 * h2 - 1) * s2);
    gx[i + 3] = -t3 * k * (h3 - (2 * h3 - 1) * s3);
  }
  for (; i < n; i++) {
    const t = y[i];
    const z = -t * x[i];
    const s = spSigmoidFine(Math.abs(z));
    const h = Number(z >= 0);
    gx[i] = -t * k * (h - (2 * h - 1) * s);
  }
}

function gradF64(x: Float64Array, y: Float64Array, n: number, k: number, gx: Float64Array): void {
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const t0 = y[i];
    const z0 = -t0 * x[i];
    const s0 = spSigmoidFine(Math.abs(z0));
    const h0 = Number(z0 >= 0);
    const t1 = y[i + 1];
    const z1 = -t1 * x[i + 1];
    const s1 = spSigmoidFine(Math.abs(z1));
    const h1 = Number(z1 >= 0);
    const t2 = y[i + 2];
    const z2 = -t2 * x[i + 2];
    const s2 = spSigmoidFine(Math.abs(z2));
    const h2 = Number(z2 >= 0);
    const t3 = y[i + 3];
    const z3 = -t3 * x[i + 3];
    const s3 = spSigmoidFine(Math.abs(z3));
    const h3 = Number(z3 >= 0);
    gx[i] = -t0 * k * (h0 - (2 * h0 - 1) * s0);
    gx[i + 1] = -t1 * k * (h1 - (2 * h1 - 1) * s1);
    gx[i + 2] = -t2 * k * (h2 - (2 * h2 - 1) * s2);
    gx[i + 3] = -t3 * k * (h3 - (2 * h3 - 1) * s3);
  }
  for (; i < n; i++) {
    const t = y[i];
    const z = -t * x[i];
    const s = spSigmoidFine(Math.abs(z));
    const h = Number(z >= 0);
    gx[i] = -t * k * (h - (2 * h - 1) * s);
  }
}

function gradAny(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  n: number,
  k: number,
  gx: Float64Array,
): void {
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const t0 = y[i];
    const z0 = -t0 * x[i];
    const s0 = spSigmoidFine(Math.abs(z0));
    const h0 = Number(z0 >= 0);
    const t1 = y[i + 1];
    const z1 = -t1 * x[i + 1];
    const s1 = spSigmoidFine(Math.abs(z1));
    const h1 = Number(z1 >= 0);
    const t2 = y[i + 2];
    const z2 = -t2 * x[i + 2];
    const s2 = spSigmoidFine(Math.abs(z2));
    const h2 = Number(z2 >= 0);
    const t3 = y[i + 3];
    const z3 = -t3 * x[i + 3];
    const s3 = spSigmoidFine(Math.abs(z3));
    const h3 = Number(z3 >= 0);
    gx[i] = -t0 * k * (h0 - (2 * h0 - 1) * s0);
    gx[i + 1] = -t1 * k * (h1 - (2 * h1 - 1) * s1);
    gx[i + 2] = -t2 * k * (h2 - (2 * h2 - 1) * s2);
    gx[i + 3] = -t3 * k * (h3 - (2 * h3 - 1) * s3);
  }
  for (; i < n; i++) {
    const t = y[i];
    const z = -t * x[i];
    const s = spSigmoidFine(Math.abs(z));
    const h = Number(z >= 0);
    gx[i] = -t * k * (h - (2 * h - 1) * s);
  }
}

/** With a per-element `gradOutput` (any array types). */
function gradPer(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  n: number,
  scale: number,
  per: ArrayLike<number>,
  gx: Float64Array,
): void {
  for (let i = 0; i < n; i++) {
    const t = y[i];
    const z = -t * x[i];
    const s = spSigmoidFine(Math.abs(z));
    const h = Number(z >= 0);
    gx[i] = -t * (scale * per[i]) * (h - (2 * h - 1) * s);
  }
}

/** {@link softMargin} for generic callers. */
export const softMarginInfo: KernelInfo = {
  name: 'softMargin',
  inputs: [
    { name: 'input', kind: 'float', rank: 'any', differentiable: true },
    { name: 'target', kind: 'float', rank: 'any', differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) => softMargin(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
  gradient: (i, o) => softMarginGrad(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
};
