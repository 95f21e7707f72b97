import { LossShapeError } from './errors.js';
import { elementOption, floatArg, optionsArg, unwrap } from './internal/args.js';
import { BW_SIMD_MIN, bwLossSumSimd, bwSigmoidGradSimd } from './internal/bwSigmoid.js';
import { floatPair } from './internal/classification.js';
import { finish, gradBuffer, gradScale, outputBuffer, reductionOption } from './internal/reduce.js';
import { softplusTail } from './internal/softplusTail.js';
import { spSigmoidFine } from './internal/spFineTail.js';
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

/** Options of {@link binaryCrossEntropyWithLogits}, as PyTorch's `F.binary_cross_entropy_with_logits`. */
export interface BinaryCrossEntropyWithLogitsOptions<R extends Reduction = Reduction>
  extends LossOptions<R> {
  /**
   * Per-element weights, one per input element (split with the rows by a stream). They
   * multiply each element's loss; `mean` still divides by the element count, as PyTorch.
   */
  weight?: FloatTensorLike;
  /**
   * Per-column weights of the positive term `[C]` (C = the last dimension; a single entry
   * applies to every column). `posWeight > 1` raises recall, `< 1` precision. Default 1.
   */
  posWeight?: FloatTensorLike;
}

/** Options of {@link binaryCrossEntropyWithLogitsGrad}. */
export type BinaryCrossEntropyWithLogitsGradOptions = Omit<
  BinaryCrossEntropyWithLogitsOptions,
  'reduction' | 'out'
> &
  GradOptions;

function read(
  fn: string,
  input: unknown,
  target: unknown,
  o: Partial<Omit<BinaryCrossEntropyWithLogitsOptions, 'out' | 'reduction'>>,
) {
  const p = floatPair(fn, 'input', input, 'target', target);
  const w = elementOption(fn, 'weight', o.weight, p.n, "the input's element count");
  let pw: ArrayLike<number> | undefined;
  let cols = 1;
  if (o.posWeight !== undefined && o.posWeight !== null) {
    pw = floatArg(fn, 'posWeight', o.posWeight).data;
    // C is the last dimension of a shaped input; a bare input array has no columns of its
    // own, so a posWeight whose length divides the element count defines them.
    const shaped = unwrap(fn, 'input', input).shape !== null || p.shape.length !== 1;
    const last = p.shape.length > 0 ? p.shape[p.shape.length - 1] : 1;
    cols = shaped ? last : pw.length > 0 && p.n % pw.length === 0 ? pw.length : last;
    if (pw.length !== cols && pw.length !== 1) {
      throw new LossShapeError(
        fn,
        'posWeight',
        `option posWeight has ${pw.length} entries but the input's last dimension C is ${cols} (shape [${p.shape.join(', ')}])`,
      );
    }
    if (pw.length === 1) cols = 1;
  }
  return { ...p, w, pw, cols };
}

/**
 * Binary cross-entropy on logits `input` against targets `target` in [0, 1] (same shape),
 * PyTorch's `binary_cross_entropy_with_logits`, with per-element `weight` and per-column
 * `posWeight`:
 * ℓᵢ = wᵢ·(pwᵢ·yᵢ·softplus(−xᵢ) + (1 − yᵢ)·softplus(xᵢ)) = −wᵢ·(pwᵢ·yᵢ·log σ(xᵢ) + (1 − yᵢ)·log(1 − σ(xᵢ))).
 * Stable for any finite logit (±1e4 included); `mean` divides by the element count.
 *
 * @example
 * ```ts
 * import { binaryCrossEntropyWithLogits } from '@losskit/core';
 * binaryCrossEntropyWithLogits([0, 0], [1, 0]).value; // log 2
 * ```
 */
export function binaryCrossEntropyWithLogits<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: BinaryCrossEntropyWithLogitsOptions<R>,
): LossResult<R> {
  const fn = 'binaryCrossEntropyWithLogits';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const { a: x, b: y, n, rows, w, pw, cols } = read(fn, input, target, o);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, n) : null;
  let sum: number;
  if (w !== undefined || pw !== undefined) sum = weightedSum(x, y, w, pw, cols, n, out);
  else if (x instanceof Float32Array && y instanceof Float32Array) {
    // Long float32 inputs, reduced: the SIMD kernel (bwSigmoid.ts), chunks with |x| > 700 or a
    // non-finite sum redone here.
    const simd =
      out === null && n >= BW_SIMD_MIN
        ? bwLossSumSimd(x, y, n, (i0, i1) => sumF32(x, y, i0, i1, null))
        : null;
    sum = simd ?? sumF32(x, y, 0, n, out);
  } else if (x instanceof Float64Array && y instanceof Float64Array) sum = sumF64(x, y, n, out);
  else sum = sumAny(x, y, n, out);
  return finish(reduction, out, sum, n, rows, n, 0);
}

/**
 * Gradient of {@link binaryCrossEntropyWithLogits} with respect to `input`:
 * ∂ℓᵢ/∂xᵢ = wᵢ·((1 − yᵢ)·σ(xᵢ) − pwᵢ·yᵢ·σ(−xᵢ)) (= wᵢ·(σ(xᵢ) − yᵢ) when pw = 1).
 */
export function binaryCrossEntropyWithLogitsGrad(
  input: FloatTensorLike,
  target: FloatTensorLike,
  options?: BinaryCrossEntropyWithLogitsGradOptions,
): Gradients {
  const fn = 'binaryCrossEntropyWithLogitsGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const { a: x, b: y, n, rows, w, pw, cols } = read(fn, input, target, o);
  const g = o.gradOutput === undefined ? undefined : floatArg(fn, 'gradOutput', o.gradOutput).data;
  const [scale, per] = gradScale(fn, reduction, n, rows, g, n);
  const gx = gradBuffer(fn, o.out, 'input', n);
  if (w !== undefined || pw !== undefined || per !== null)
    weightedGrad(x, y, w, pw, cols, n, scale, per, gx);
  else if (x instanceof Float32Array && y instanceof Float32Array) {
    // Long float32 inputs: the SIMD kernel (bwSigmoid.ts), chunks with |x| > 700 redone here.
    if (
      !(
        n >= BW_SIMD_MIN &&
        bwSigmoidGradSimd(x, y, n, scale, gx, (i0, i1) => gradF32(x, y, i0, i1, scale, gx))
      )
    )
      gradF32(x, y, 0, n, scale, gx);
  } else if (x instanceof Float64Array && y instanceof Float64Array) gradF64(x, y, n, scale, gx);
  else gradAny(x, y, n, scale, gx);
  return { input: gx };
}

// ---- The hot loops ----------------------------------------------------------------------------
//
// Per element, the formulas above with three changes that leave the value within a few ulp:
//  • log1p(e^−|x|) by softplusTail (one table-driven polynomial, ≤ 3u for |x| ≤ 40, fastExp's
//    3.2 ulp beyond), so ℓ (a sum of non-negative terms) is within a few ulp: far inside 1e−9.
//    The gradient's σ(−|x|) comes from spSigmoidFine (same scheme on a finer grid, < 5u).
//  • No data-dependent branch (on random labels and signs a branch mispredicts half the time,
//    which cost more than the arithmetic): max(±x, 0) = (|x| ± x)/2, exact for finite
//    |x| < 2¹⁰²³; both terms are formed and multiplied by their coefficients; σ(x) and σ(−x) are
//    picked from 1/(1 + e) and e/(1 + e) by h = [x ≥ 0] ∈ {0, 1} as h·a + (1 − h)·b, exact since
//    both are finite.
//  • Sums: plain float64 over blocks of 1024, then Neumaier over the block sums. A block's
//    terms are ≥ 0, so its rounding is ≤ 1023u·(its sum) and the whole ≤ (1023 + 2)u·S ≈ 1.1e−13
//    relative (per-element Neumaier: ~2u, but twice the time; both far inside the 1e−9 the
//    results are held to).
// The branch-free terms differ from the exact ones only where a zero coefficient meets an
// infinite term (x = ±∞: 0·∞ = NaN) or |x| ≥ 2¹⁰²³ (|x| ± x overflows). Both make the block sum
// NaN or ∞, and such a block is recomputed by exactBlock, the reference loop with the branches,
// which also rewrites its 'none' outputs. A block whose true sum is ∞ or NaN is recomputed too
// and gives the same ∞ or NaN. The gradient has no such case: its terms are finite for every
// finite or infinite x, and NaN propagates alike.
const BLOCK = 1024;

/** ℓ for one element with posWeight pw (pos = pw·y), branch-free; see above. */
function term(xi: number, yi: number, pos: number): number {
  // softplus(z) = log(1 + eᶻ) = max(z, 0) + log1p(e^−|z|): the exponent is ≤ 0, so e^−|z|
  // never overflows, and log1p keeps its small values exact. With l = log1p(e^−|x|),
  // softplus(x) = max(x, 0) + l and softplus(−x) = max(−x, 0) + l share one exp and one log.
  // −log σ(x) = softplus(−x), −log(1 − σ(x)) = softplus(x), so with L = pw·y:
  //   ℓ = L·softplus(−x) + (1 − y)·softplus(x)
  // (= max(x,0) − x·y + log1p(e^−|x|) when pw = 1, scaled log-sigmoid term 1 + (pw−1)·y).
  // Both terms are ≥ 0: nothing cancels. max(±x, 0) = (|x| ± x)/2 (see above).
  const a = Math.abs(xi);
  const l = softplusTail(a);
  return pos * (0.5 * (a - xi) + l) + (1 - yi) * (0.5 * (a + xi) + l);
}

/** ∂ℓ/∂x for one element, pos = pw·y, branch-free; see above. */
function gradTerm(xi: number, yi: number, pos: number): number {
  // σ(x) and σ(−x) from one exp of −|x| ≤ 0: for x ≥ 0, σ(x) = 1/(1 + e), σ(−x) = e/(1 + e)
  // with e = e^−x, and mirrored for x < 0. Computing σ(−x) directly (not 1 − σ(x)) keeps it
  // exact when it is tiny, e.g. σ(−200) ≈ 1.4e-87. ∂ℓ/∂x = (1 − y)·σ(x) − pw·y·σ(−x).
  // σ(−|x|) by spSigmoidFine (< 5u, no exp and no division); σ(|x|) = 1 − σ(−|x|) ≥ ½ rounds
  // once (no cancellation: σ(−|x|) ≤ ½).
  const small = spSigmoidFine(Math.abs(xi));
  const big = 1 - small;
  const h = Number(xi >= 0);
  return (1 - yi) * (h * big + (1 - h) * small) - pos * (h * small + (1 - h) * big);
}

/** ∂ℓ/∂x for one element without posWeight (pos = y): σ(x) − y, branch-free; see above. */
function plainGradTerm(xi: number, yi: number): number {
  // (1 − y)·σ(x) − y·σ(−x) = σ(x) − y, formed so that σ's small side never cancels: with
  // s = σ(−|x|) (spSigmoidFine, < 5u) and h = [x ≥ 0],
  //   x ≥ 0: σ(x) − y = (1 − y) − s,   x < 0: σ(x) − y = s − y,
  // i.e. (h − y) + (1 − 2h)·s: (1 − y) + (−s) for h = 1 (1 − y rounds once, as in gradTerm;
  // exact for y ∈ [½, 1]), (−y) + s for h = 0 (exact up to the sum). One addition rounds after s:
  // for y ∈ {0, 1} the result is −s, s (exact from s), 1 − s or s − 1 (≥ ½): within 5.5u. ±∞ give
  // their limits 1 − y and −y (s = 0), NaN propagates (s = NaN). Fewer operations than gradTerm
  // (no second selection, no 1 − s), which is what the unweighted loops below run.
  const s = spSigmoidFine(Math.abs(xi));
  const h = Number(xi >= 0);
  return h - yi + (1 - 2 * h) * s;
}

/** The reference loop over [i0, i1): exact branches, Math.exp/log1p; writes `out` if given. */
function exactBlock(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  w: ArrayLike<number> | undefined,
  pw: ArrayLike<number> | undefined,
  cols: number,
  i0: number,
  i1: number,
  out: Float64Array | null,
): number {
  return exactRangeSum(i0, i1, out, (i) => {
    const xi = x[i];
    const yi = y[i];
    // The formula of `term`, but a term whose coefficient is 0 is skipped, so an infinite
    // logit gives 0 or ∞, never 0·∞ = NaN.
    const e = Math.log1p(Math.exp(-Math.abs(xi)));
    const neg = 1 - yi;
    const pos = pw === undefined ? yi : pw[i % cols] * yi;
    let v = 0;
    if (pos !== 0) v += pos * (Math.max(-xi, 0) + e);
    if (neg !== 0) v += neg * (Math.max(xi, 0) + e);
    if (w !== undefined) v *= w[i];
    return v;
  });
}

// Three identical copies for Float32Array, Float64Array and anything else, so that each
// sees one array type (a shared body makes V8's element access polymorphic). Keep them identical.
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
    let v = 0;
    for (let i = b; i < e; i++) {
      const yi = y[i];
      const t = term(x[i], yi, yi);
      if (out !== null) out[i] = t;
      v += t;
    }
    if (!Number.isFinite(v)) v = exactBlock(x, y, undefined, undefined, 1, b, e, out);
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
    let v = 0;
    for (let i = b; i < e; i++) {
      const yi = y[i];
      const t = term(x[i], yi, yi);
      if (out !== null) out[i] = t;
      v += t;
    }
    if (!Number.isFinite(v)) v = exactBlock(x, y, undefined, undefined, 1, b, e, out);
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
    let v = 0;
    for (let i = b; i < e; i++) {
      const yi = y[i];
      const t = term(x[i], yi, yi);
      if (out !== null) out[i] = t;
      v += t;
    }
    if (!Number.isFinite(v)) v = exactBlock(x, y, undefined, undefined, 1, b, e, out);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

/** With `weight` and/or `posWeight` (any array types). */
function weightedSum(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  w: ArrayLike<number> | undefined,
  pw: ArrayLike<number> | undefined,
  cols: number,
  n: number,
  out: Float64Array | null,
): number {
  let s = 0;
  let c = 0;
  let col = 0; // i mod cols, the posWeight column, without a division per element
  for (let b = 0; b < n; b += BLOCK) {
    const e = Math.min(n, b + BLOCK);
    let v = 0;
    for (let i = b; i < e; i++) {
      const yi = y[i];
      let t = term(x[i], yi, pw === undefined ? yi : pw[col] * yi);
      if (++col === cols) col = 0;
      if (w !== undefined) t *= w[i];
      if (out !== null) out[i] = t;
      v += t;
    }
    if (!Number.isFinite(v)) v = exactBlock(x, y, w, pw, cols, b, e, out);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

// The unweighted gradient loops: plainGradTerm's formula written out for four elements per
// iteration (they share the loop's checks of the arrays and of k, which V8 does not hoist out of
// the loop), with spSigmoidFine (five table entries per element instead of sigmoidTail's eight)
// inlined at the four call sites. Keep the four bodies identical to plainGradTerm.
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
    const x0 = x[i];
    const s0 = spSigmoidFine(Math.abs(x0));
    const h0 = Number(x0 >= 0);
    const x1 = x[i + 1];
    const s1 = spSigmoidFine(Math.abs(x1));
    const h1 = Number(x1 >= 0);
    const x2 = x[i + 2];
    const s2 = spSigmoidFine(Math.abs(x2));
    const h2 = Number(x2 >= 0);
    const x3 = x[i + 3];
    const s3 = spSigmoidFine(Math.abs(x3));
    const h3 = Number(x3 >= 0);
    gx[i] = k * (h0 - y[i] + (1 - 2 * h0) * s0);
    gx[i + 1] = k * (h1 - y[i + 1] + (1 - 2 * h1) * s1);
    gx[i + 2] = k * (h2 - y[i + 2] + (1 - 2 * h2) * s2);
    gx[i + 3] = k * (h3 - y[i + 3] + (1 - 2 * h3) * s3);
  }
  for (; i < n; i++) {
    gx[i] = k * plainGradTerm(x[i], y[i]);
  }
}

function gradF64(x: Float64Array, y: Float64Array, n: number, k: number, gx: Float64Array): void {
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const x0 = x[i];
    const s0 = spSigmoidFine(Math.abs(x0));
    const h0 = Number(x0 >= 0);
    const x1 = x[i + 1];
    const s1 = spSigmoidFine(Math.abs(x1));
    const h1 = Number(x1 >= 0);
    const x2 = x[i + 2];
    const s2 = spSigmoidFine(Math.abs(x2));
    const h2 = Number(x2 >= 0);
    const x3 = x[i + 3];
    const s3 = spSigmoidFine(Math.abs(x3));
    const h3 = Number(x3 >= 0);
    gx[i] = k * (h0 - y[i] + (1 - 2 * h0) * s0);
    gx[i + 1] = k * (h1 - y[i + 1] + (1 - 2 * h1) * s1);
    gx[i + 2] = k * (h2 - y[i + 2] + (1 - 2 * h2) * s2);
    gx[i + 3] = k * (h3 - y[i + 3] + (1 - 2 * h3) * s3);
  }
  for (; i < n; i++) {
    gx[i] = k * plainGradTerm(x[i], y[i]);
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
    const x0 = x[i];
    const s0 = spSigmoidFine(Math.abs(x0));
    const h0 = Number(x0 >= 0);
    const x1 = x[i + 1];
    const s1 = spSigmoidFine(Math.abs(x1));
    const h1 = Number(x1 >= 0);
    const x2 = x[i + 2];
    const s2 = spSigmoidFine(Math.abs(x2));
    const h2 = Number(x2 >= 0);
    const x3 = x[i + 3];
    const s3 = spSigmoidFine(Math.abs(x3));
    const h3 = Number(x3 >= 0);
    gx[i] = k * (h0 - y[i] + (1 - 2 * h0) * s0);
    gx[i + 1] = k * (h1 - y[i + 1] + (1 - 2 * h1) * s1);
    gx[i + 2] = k * (h2 - y[i + 2] + (1 - 2 * h2) * s2);
    gx[i + 3] = k * (h3 - y[i + 3] + (1 - 2 * h3) * s3);
  }
  for (; i < n; i++) {
    gx[i] = k * plainGradTerm(x[i], y[i]);
  }
}

/** With `weight`, `posWeight` and/or a per-element `gradOutput` (any array types). */
function weightedGrad(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  w: ArrayLike<number> | undefined,
  pw: ArrayLike<number> | undefined,
  cols: number,
  n: number,
  scale: number,
  per: ArrayLike<number> | null,
  gx: Float64Array,
): void {
  let col = 0; // i mod cols
  for (let i = 0; i < n; i++) {
    const yi = y[i];
    let d = gradTerm(x[i], yi, pw === undefined ? yi : pw[col] * yi);
    if (++col === cols) col = 0;
    if (w !== undefined) d *= w[i];
    gx[i] = per === null ? scale * d : scale * per[i] * d;
  }
}

/** {@link binaryCrossEntropyWithLogits} for generic callers. */
export const binaryCrossEntropyWithLogitsInfo: KernelInfo = {
  name: 'binaryCrossEntropyWithLogits',
  inputs: [
    { name: 'input', kind: 'float', rank: 'any', differentiable: true },
    { name: 'target', kind: 'float', rank: 'any', differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: ['weight'],
  rowCoupled: false,
  compute: (i, o) =>
    binaryCrossEntropyWithLogits(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
  gradient: (i, o) =>
    binaryCrossEntropyWithLogitsGrad(i.input as FloatTensorLike, i.target as FloatTensorLike, o),
};
