import { floatArg, numberOption, optionsArg, sameLength } from './internal/args.js';
import { labelArg } from './internal/embeddingRows.js';
import { finish, gradBuffer, gradScale, outputBuffer, reductionOption } from './internal/reduce.js';
import type { KernelInfo } from './KernelInfo.js';
import type {
  FloatTensorLike,
  Gradients,
  GradOptions,
  IndexTensorLike,
  LossOptions,
  LossResult,
  Reduction,
} from './types.js';

/** Options of {@link marginRanking}, as PyTorch's `F.margin_ranking_loss`. */
export interface MarginRankingOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /** The margin by which the preferred input must win (default 0). Any finite number. */
  margin?: number;
}

interface Prepared {
  x1: ArrayLike<number>;
  x2: ArrayLike<number>;
  y: ArrayLike<number>;
  n: number;
  rows: number;
  margin: number;
}

function prepare(
  fn: string,
  input1: unknown,
  input2: unknown,
  target: unknown,
  o: { margin?: unknown },
): Prepared {
  const v1 = floatArg(fn, 'input1', input1);
  const x2 = floatArg(fn, 'input2', input2).data;
  const y = labelArg(fn, 'target', target).data;
  const n = v1.data.length;
  sameLength(fn, 'input1', n, 'input2', x2.length);
  sameLength(fn, 'input1', n, 'target', y.length);
  const margin = numberOption(fn, 'margin', o.margin, 0);
  const rows = v1.shape.length > 0 ? v1.shape[0] : 1;
  return { x1: v1.data, x2, y, n, rows, margin };
}

// The loss loop runs over blocks of BLOCK elements: inside a block a plain sum in chains
// (independent adds), across blocks Neumaier's compensated sum of the block sums (sum.ts). Error:
// a chain of m terms rounds with |error| ≤ (m − 1)·u·Σ|vᵢ| (recursive summation), so a block of
// B = 256 terms in two chains of 128 plus their final add is within 128u·Σ_block|vᵢ| (the
// branch-free path: four chains of 64 terms 2vᵢ = zᵢ + |zᵢ|, each exact but for its one rounding
// already counted, two adds to combine them and an exact halving: within 66u·Σ_block|vᵢ|); Neumaier
// over the block sums adds ≤ 2u·|S| + O(n·u²)·Σ|vᵢ|. In all |Ŝ − S| ≤ 2u·|S| + 129u·Σ|vᵢ|: with
// these non-negative terms Σ|vᵢ| = S, a relative error ≤ 131u ≈ 1.5e-14 for any n (per-element
// compensation would give 2u, at twice the cost of the loop).
// Each block loop comes in a Float32Array, a Float64Array and a generic copy, so each stays
// monomorphic (a body that sees several array types reads them through polymorphic loads, ~2×
// slower): keep the three identical.
const BLOCK = 256;

/** Σ over i ∈ [i0, i1) of ℓᵢ = max(0, margin − yᵢ·(x1ᵢ − x2ᵢ)), each written to out if given. */
function block32(
  x1: Float32Array,
  x2: Float32Array,
  y: Float32Array,
  i0: number,
  i1: number,
  margin: number,
  out: Float64Array | null,
): number {
  if (out === null) {
    // 2·max(z, 0) = z + |z| without a branch (Math.max compiles to compares and jumps that
    // mispredict half the time on random data): four chains, halved once per block (exact: a
    // power of two, unless the sum is below 2⁻¹⁰²¹, where it loses at most 2⁻¹⁰⁷⁵). Where it
    // differs from Math.max — z = −∞ gives NaN, z + |z| overflows past 2¹⁰²⁴ — the block sum
    // is not finite and the block is redone below; NaN stays NaN either way.
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let i = i0;
    for (; i + 3 < i1; i += 4) {
      const z0 = margin - y[i] * (x1[i] - x2[i]);
      const z1 = margin - y[i + 1] * (x1[i + 1] - x2[i + 1]);
      const z2 = margin - y[i + 2] * (x1[i + 2] - x2[i + 2]);
      const z3 = margin - y[i + 3] * (x1[i + 3] - x2[i + 3]);
      s0 += z0 + Math.abs(z0);
      s1 += z1 + Math.abs(z1);
      s2 += z2 + Math.abs(z2);
      s3 += z3 + Math.abs(z3);
    }
    for (; i < i1; i++) {
      const z = margin - y[i] * (x1[i] - x2[i]);
      s0 += z + Math.abs(z);
    }
    const v = 0.5 * (s0 + s1 + (s2 + s3));
    if (Number.isFinite(v)) return v;
  }
  let s0 = 0;
  let s1 = 0;
  let i = i0;
  for (; i + 1 < i1; i += 2) {
    // clamp_min(z, 0): Math.max keeps NaN, as PyTorch does.
    const v0 = Math.max(margin - y[i] * (x1[i] - x2[i]), 0);
    const v1 = Math.max(margin - y[i + 1] * (x1[i + 1] - x2[i + 1]), 0);
    if (out !== null) {
      out[i] = v0;
      out[i + 1] = v1;
    }
    s0 += v0;
    s1 += v1;
  }
  if (i < i1) {
    const v = Math.max(margin - y[i] * (x1[i] - x2[i]), 0);
    if (out !== null) out[i] = v;
    s0 += v;
  }
  return s0 + s1;
}

/** {@link block32} for float64 inputs; keep the copies identical. */
function block64(
  x1: Float64Array,
  x2: Float64Array,
  y: Float64Array,
  i0: number,
  i1: number,
  margin: number,
  out: Float64Array | null,
): number {
  if (out === null) {
    // 2·max(z, 0) = z + |z| without a branch (Math.max compiles to compares and jumps that
    // mispredict half the time on random data): four chains, halved once per block (exact: a
    // power of two, unless the sum is below 2⁻¹⁰²¹, where it loses at most 2⁻¹⁰⁷⁵). Where it
    // differs from Math.max — z = −∞ gives NaN, z + |z| overflows past 2¹⁰²⁴ — the block sum
    // is not finite and the block is redone below; NaN stays NaN either way.
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let i = i0;
    for (; i + 3 < i1; i += 4) {
      const z0 = margin - y[i] * (x1[i] - x2[i]);
      const z1 = margin - y[i + 1] * (x1[i + 1] - x2[i + 1]);
      const z2 = margin - y[i + 2] * (x1[i + 2] - x2[i + 2]);
      const z3 = margin - y[i + 3] * (x1[i + 3] - x2[i + 3]);
      s0 += z0 + Math.abs(z0);
      s1 += z1 + Math.abs(z1);
      s2 += z2 + Math.abs(z2);
      s3 += z3 + Math.abs(z3);
    }
    for (; i < i1; i++) {
      const z = margin - y[i] * (x1[i] - x2[i]);
      s0 += z + Math.abs(z);
    }
    const v = 0.5 * (s0 + s1 + (s2 + s3));
    if (Number.isFinite(v)) return v;
  }
  let s0 = 0;
  let s1 = 0;
  let i = i0;
  for (; i + 1 < i1; i += 2) {
    // clamp_min(z, 0): Math.max keeps NaN, as PyTorch does.
    const v0 = Math.max(margin - y[i] * (x1[i] - x2[i]), 0);
    const v1 = Math.max(margin - y[i + 1] * (x1[i + 1] - x2[i + 1]), 0);
    if (out !== null) {
      out[i] = v0;
      out[i + 1] = v1;
    }
    s0 += v0;
    s1 += v1;
  }
  if (i < i1) {
    const v = Math.max(margin - y[i] * (x1[i] - x2[i]), 0);
    if (out !== null) out[i] = v;
    s0 += v;
  }
  return s0 + s1;
}

/** {@link block32} for any other mix of array types; keep the copies identical. */
function blockAny(
  x1: ArrayLike<number>,
  x2: ArrayLike<number>,
  y: ArrayLike<number>,
  i0: number,
  i1: number,
  margin: number,
  out: Float64Array | null,
): number {
  if (out === null) {
    // 2·max(z, 0) = z + |z| without a branch (Math.max compiles to compares and jumps that
    // mispredict half the time on random data): four chains, halved once per block (exact: a
    // power of two, unless the sum is below 2⁻¹⁰²¹, where it loses at most 2⁻¹⁰⁷⁵). Where it
    // differs from Math.max — z = −∞ gives NaN, z + |z| overflows past 2¹⁰²⁴ — the block sum
    // is not finite and the block is redone below; NaN stays NaN either way.
    let s0 = 0;
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let i = i0;
    for (; i + 3 < i1; i += 4) {
      const z0 = margin - y[i] * (x1[i] - x2[i]);
      const z1 = margin - y[i + 1] * (x1[i + 1] - x2[i + 1]);
      const z2 = margin - y[i + 2] * (x1[i + 2] - x2[i + 2]);
      const z3 = margin - y[i + 3] * (x1[i + 3] - x2[i + 3]);
      s0 += z0 + Math.abs(z0);
      s1 += z1 + Math.abs(z1);
      s2 += z2 + Math.abs(z2);
      s3 += z3 + Math.abs(z3);
    }
    for (; i < i1; i++) {
      const z = margin - y[i] * (x1[i] - x2[i]);
      s0 += z + Math.abs(z);
    }
    const v = 0.5 * (s0 + s1 + (s2 + s3));
    if (Number.isFinite(v)) return v;
  }
  let s0 = 0;
  let s1 = 0;
  let i = i0;
  for (; i + 1 < i1; i += 2) {
    // clamp_min(z, 0): Math.max keeps NaN, as PyTorch does.
    const v0 = Math.max(margin - y[i] * (x1[i] - x2[i]), 0);
    const v1 = Math.max(margin - y[i + 1] * (x1[i + 1] - x2[i + 1]), 0);
    if (out !== null) {
      out[i] = v0;
      out[i + 1] = v1;
    }
    s0 += v0;
    s1 += v1;
  }
  if (i < i1) {
    const v = Math.max(margin - y[i] * (x1[i] - x2[i]), 0);
    if (out !== null) out[i] = v;
    s0 += v;
  }
  return s0 + s1;
}

// The gradient loops over [0, n) without gradOutput (see {@link marginRankingGrad}), one copy per
// array type (keep them identical). d = [z ≥ 0]·scale·yᵢ with z = margin − yᵢ·(x1ᵢ − x2ᵢ): the
// comparison blended in as 0 or 1 instead of a branch (which mispredicts on random data). That is
// exactly the old `(z ≥ 0 ? scale : 0)·yᵢ`: [z ≥ 0]·scale is scale or +0 (scale is finite and
// > 0), NaN z gives +0, and a NaN target still gives NaN (PyTorch's chain rule).
function grad32(
  x1: Float32Array,
  x2: Float32Array,
  y: Float32Array,
  n: number,
  margin: number,
  scale: number,
  g1: Float64Array,
  g2: Float64Array,
): void {
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const y0 = y[i];
    const y1 = y[i + 1];
    const y2 = y[i + 2];
    const y3 = y[i + 3];
    const d0 = Number(margin - y0 * (x1[i] - x2[i]) >= 0) * scale * y0;
    const d1 = Number(margin - y1 * (x1[i + 1] - x2[i + 1]) >= 0) * scale * y1;
    const d2 = Number(margin - y2 * (x1[i + 2] - x2[i + 2]) >= 0) * scale * y2;
    const d3 = Number(margin - y3 * (x1[i + 3] - x2[i + 3]) >= 0) * scale * y3;
    g1[i] = -d0;
    g1[i + 1] = -d1;
    g1[i + 2] = -d2;
    g1[i + 3] = -d3;
    g2[i] = d0;
    g2[i + 1] = d1;
    g2[i + 2] = d2;
    g2[i + 3] = d3;
  }
  for (; i < n; i++) {
    const yi = y[i];
    const d = Number(margin - yi * (x1[i] - x2[i]) >= 0) * scale * yi;
    g1[i] = -d;
    g2[i] = d;
  }
}

function grad64(
  x1: Float64Array,
  x2: Float64Array,
  y: Float64Array,
  n: number,
  margin: number,
  scale: number,
  g1: Float64Array,
  g2: Float64Array,
): void {
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const y0 = y[i];
    const y1 = y[i + 1];
    const y2 = y[i + 2];
    const y3 = y[i + 3];
    const d0 = Number(margin - y0 * (x1[i] - x2[i]) >= 0) * scale * y0;
    const d1 = Number(margin - y1 * (x1[i + 1] - x2[i + 1]) >= 0) * scale * y1;
    const d2 = Number(margin - y2 * (x1[i + 2] - x2[i + 2]) >= 0) * scale * y2;
    const d3 = Number(margin - y3 * (x1[i + 3] - x2[i + 3]) >= 0) * scale * y3;
    g1[i] = -d0;
    g1[i + 1] = -d1;
    g1[i + 2] = -d2;
    g1[i + 3] = -d3;
    g2[i] = d0;
    g2[i + 1] = d1;
    g2[i + 2] = d2;
    g2[i + 3] = d3;
  }
  for (; i < n; i++) {
    const yi = y[i];
    const d = Number(margin - yi * (x1[i] - x2[i]) >= 0) * scale * yi;
    g1[i] = -d;
    g2[i] = d;
  }
}

function gradAny(
  x1: ArrayLike<number>,
  x2: ArrayLike<number>,
  y: ArrayLike<number>,
  n: number,
  margin: number,
  scale: number,
  g1: Float64Array,
  g2: Float64Array,
): void {
  let i = 0;
  for (; i + 3 < n; i += 4) {
    const y0 = y[i];
    const y1 = y[i + 1];
    const y2 = y[i + 2];
    const y3 = y[i + 3];
    const d0 = Number(margin - y0 * (x1[i] - x2[i]) >= 0) * scale * y0;
    const d1 = Number(margin - y1 * (x1[i + 1] - x2[i + 1]) >= 0) * scale * y1;
    const d2 = Number(margin - y2 * (x1[i + 2] - x2[i + 2]) >= 0) * scale * y2;
    const d3 = Number(margin - y3 * (x1[i + 3] - x2[i + 3]) >= 0) * scale * y3;
    g1[i] = -d0;
    g1[i + 1] = -d1;
    g1[i + 2] = -d2;
    g1[i + 3] = -d3;
    g2[i] = d0;
    g2[i + 1] = d1;
    g2[i + 2] = d2;
    g2[i + 3] = d3;
  }
  for (; i < n; i++) {
    const yi = y[i];
    const d = Number(margin - yi * (x1[i] - x2[i]) >= 0) * scale * yi;
    g1[i] = -d;
    g2[i] = d;
  }
}

/**
 * Margin ranking loss, PyTorch's `margin_ranking_loss`: ℓᵢ = max(0, −yᵢ·(x1ᵢ − x2ᵢ) + margin)
 * with yᵢ = 1 when `input1` should rank higher and −1 when `input2` should. Element-wise over
 * inputs of any (equal) length; `mean` divides by the element count.
 *
 * As in PyTorch the target is not checked: any value enters the formula as it is.
 *
 * @example
 * ```ts
 * import { marginRanking } from '@losskit/core';
 * marginRanking([0.8, 0.1], [0.3, 0.5], [1, 1], { margin: 0.1 }).value;
 * // (max(0, −0.5 + 0.1) + max(0, 0.4 + 0.1)) / 2 = 0.25
 * ```
 */
export function marginRanking<R extends Reduction = 'mean'>(
  input1: FloatTensorLike,
  input2: FloatTensorLike,
  target: FloatTensorLike | IndexTensorLike,
  options?: MarginRankingOptions<R>,
): LossResult<R> {
  const fn = 'marginRanking';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const { x1, x2, y, n, rows, margin } = prepare(fn, input1, input2, target, o);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, n) : null;
  const f32 = x1 instanceof Float32Array && x2 instanceof Float32Array && y instanceof Float32Array;
  const f64 = x1 instanceof Float64Array && x2 instanceof Float64Array && y instanceof Float64Array;
  let s = 0;
  let c = 0;
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    const i1 = Math.min(n, i0 + BLOCK);
    const v = f32
      ? block32(x1, x2 as Float32Array, y as Float32Array, i0, i1, margin, out)
      : f64
        ? block64(x1 as Float64Array, x2 as Float64Array, y as Float64Array, i0, i1, margin, out)
        : blockAny(x1, x2, y, i0, i1, margin, out);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  const sum = Number.isFinite(s) ? s + c : s;
  return finish(reduction, out, sum, n, rows, n, 0);
}

/**
 * Gradient of {@link marginRanking}: ∂ℓᵢ/∂x1ᵢ = −yᵢ and ∂ℓᵢ/∂x2ᵢ = yᵢ where
 * −yᵢ·(x1ᵢ − x2ᵢ) + margin ≥ 0, else 0 (at the kink the active side's slope, as PyTorch's
 * clamp_min), scaled by the reduction.
 */
export function marginRankingGrad(
  input1: FloatTensorLike,
  input2: FloatTensorLike,
  target: FloatTensorLike | IndexTensorLike,
  options?: Omit<MarginRankingOptions, 'reduction' | 'out'> & GradOptions,
): Gradients {
  const fn = 'marginRankingGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const { x1, x2, y, n, rows, margin } = prepare(fn, input1, input2, target, o);
  const g = o.gradOutput === undefined ? undefined : floatArg(fn, 'gradOutput', o.gradOutput).data;
  const [scale, per] = gradScale(fn, reduction, n, rows, g, n);
  const g1 = gradBuffer(fn, o.out, 'input1', n);
  const g2 = gradBuffer(fn, o.out, 'input2', n);
  if (per !== null) {
    for (let i = 0; i < n; i++) {
      const yi = y[i];
      const k = margin - yi * (x1[i] - x2[i]) >= 0 ? scale * per[i] : 0;
      // k·(−y): a NaN target gives NaN, as PyTorch's chain rule does.
      const d = k * yi;
      g1[i] = -d;
      g2[i] = d;
    }
  } else if (
    x1 instanceof Float32Array &&
    x2 instanceof Float32Array &&
    y instanceof Float32Array
  ) {
    grad32(x1, x2, y, n, margin, scale, g1, g2);
  } else if (
    x1 instanceof Float64Array &&
    x2 instanceof Float64Array &&
    y instanceof Float64Array
  ) {
    grad64(x1, x2, y, n, margin, scale, g1, g2);
  } else gradAny(x1, x2, y, n, margin, scale, g1, g2);
  return { input1: g1, input2: g2 };
}

/** {@link marginRanking} for generic callers. */
export const marginRankingInfo: KernelInfo = {
  name: 'marginRanking',
  inputs: [
    { name: 'input1', kind: 'float', rank: 'any', differentiable: true },
    { name: 'input2', kind: 'float', rank: 'any', differentiable: true },
    { name: 'target', kind: 'float', rank: 'any', differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) =>
    marginRanking(
      i.input1 as FloatTensorLike,
      i.input2 as FloatTensorLike,
      i.target as FloatTensorLike | IndexTensorLike,
      o,
    ),
  gradient: (i, o) =>
    marginRankingGrad(
      i.input1 as FloatTensorLike,
      i.input2 as FloatTensorLike,
      i.target as FloatTensorLike | IndexTensorLike,
      o,
    ),
};
