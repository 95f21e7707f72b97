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

/** Options of {@link hingeEmbedding}, as PyTorch's `F.hinge_embedding_loss`. */
export interface HingeEmbeddingOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /** Distances of dissimilar pairs below this margin are penalised (default 1). */
  margin?: number;
}

interface Prepared {
  x: ArrayLike<number>;
  y: ArrayLike<number>;
  n: number;
  rows: number;
  margin: number;
}

function prepare(fn: string, input: unknown, target: unknown, o: { margin?: unknown }): Prepared {
  const xv = floatArg(fn, 'input', input);
  const y = labelArg(fn, 'target', target).data;
  const n = xv.data.length;
  sameLength(fn, 'input', n, 'target', y.length);
  const margin = numberOption(fn, 'margin', o.margin, 1);
  const rows = xv.shape.length > 0 ? xv.shape[0] : 1;
  return { x: xv.data, y, n, rows, margin };
}

// The loss loop runs over blocks of BLOCK elements: inside a block a plain sum in two chains
// (independent adds), across blocks Neumaier's compensated sum of the block sums (sum.ts). Error:
// a chain of m terms rounds with |error| ≤ (m − 1)·u·Σ|vᵢ| (recursive summation), so a block of
// B = 256 terms in two chains of 128 plus their final add is within 128u·Σ_block|vᵢ|; Neumaier
// over the block sums adds ≤ 2u·|S| + O(n·u²)·Σ|vᵢ|. In all |Ŝ − S| ≤ 2u·|S| + 129u·Σ|vᵢ|
// (≈ 1.5e-14 relative when the terms are non-negative, as distances are).
// Each block loop comes in a Float32Array, a Float64Array and a generic copy, so each stays
// monomorphic (a body that sees several array types reads them through polymorphic loads):
// keep the three identical.
const BLOCK = 256;

/** Σ over i ∈ [i0, i1) of ℓᵢ (see {@link hingeEmbedding}), each written to out if given. */
function block32(
  x: Float32Array,
  y: Float32Array,
  i0: number,
  i1: number,
  margin: number,
  out: Float64Array | null,
): number {
  let s0 = 0;
  let s1 = 0;
  let i = i0;
  for (; i + 1 < i1; i += 2) {
    const x0 = x[i];
    const x1 = x[i + 1];
    const y0 = y[i];
    const y1 = y[i + 1];
    // [y ≠ 1]·clamp_min(margin − x, 0) + [y ≠ −1]·x, as selections (never 0·∞); Math.max keeps NaN
    const v0 = (y0 !== 1 ? Math.max(margin - x0, 0) : 0) + (y0 !== -1 ? x0 : 0);
    const v1 = (y1 !== 1 ? Math.max(margin - x1, 0) : 0) + (y1 !== -1 ? x1 : 0);
    if (out !== null) {
      out[i] = v0;
      out[i + 1] = v1;
    }
    s0 += v0;
    s1 += v1;
  }
  if (i < i1) {
    const x0 = x[i];
    const y0 = y[i];
    const v = (y0 !== 1 ? Math.max(margin - x0, 0) : 0) + (y0 !== -1 ? x0 : 0);
    if (out !== null) out[i] = v;
    s0 += v;
  }
  return s0 + s1;
}

/** {@link block32} for float64 inputs; keep the copies identical. */
function block64(
  x: Float64Array,
  y: Float64Array,
  i0: number,
  i1: number,
  margin: number,
  out: Float64Array | null,
): number {
  let s0 = 0;
  let s1 = 0;
  let i = i0;
  for (; i + 1 < i1; i += 2) {
    const x0 = x[i];
    const x1 = x[i + 1];
    const y0 = y[i];
    const y1 = y[i + 1];
    // [y ≠ 1]·clamp_min(margin − x, 0) + [y ≠ −1]·x, as selections (never 0·∞); Math.max keeps NaN
    const v0 = (y0 !== 1 ? Math.max(margin - x0, 0) : 0) + (y0 !== -1 ? x0 : 0);
    const v1 = (y1 !== 1 ? Math.max(margin - x1, 0) : 0) + (y1 !== -1 ? x1 : 0);
    if (out !== null) {
      out[i] = v0;
      out[i + 1] = v1;
    }
    s0 += v0;
    s1 += v1;
  }
  if (i < i1) {
    const x0 = x[i];
    const y0 = y[i];
    const v = (y0 !== 1 ? Math.max(margin - x0, 0) : 0) + (y0 !== -1 ? x0 : 0);
    if (out !== null) out[i] = v;
    s0 += v;
  }
  return s0 + s1;
}

/** {@link block32} for any other mix of array types; keep the copies identical. */
function blockAny(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  i0: number,
  i1: number,
  margin: number,
  out: Float64Array | null,
): number {
  let s0 = 0;
  let s1 = 0;
  let i = i0;
  for (; i + 1 < i1; i += 2) {
    const x0 = x[i];
    const x1 = x[i + 1];
    const y0 = y[i];
    const y1 = y[i + 1];
    // [y ≠ 1]·clamp_min(margin − x, 0) + [y ≠ −1]·x, as selections (never 0·∞); Math.max keeps NaN
    const v0 = (y0 !== 1 ? Math.max(margin - x0, 0) : 0) + (y0 !== -1 ? x0 : 0);
    const v1 = (y1 !== 1 ? Math.max(margin - x1, 0) : 0) + (y1 !== -1 ? x1 : 0);
    if (out !== null) {
      out[i] = v0;
      out[i + 1] = v1;
    }
    s0 += v0;
    s1 += v1;
  }
  if (i < i1) {
    const x0 = x[i];
    const y0 = y[i];
    const v = (y0 !== 1 ? Math.max(margin - x0, 0) : 0) + (y0 !== -1 ? x0 : 0);
    if (out !== null) out[i] = v;
    s0 += v;
  }
  return s0 + s1;
}

/**
 * Hinge embedding loss, PyTorch's `hinge_embedding_loss`, for an `input` that is a distance
 * (e.g. an L1 distance between two embeddings) and `target` ∈ {1, −1} (similar, dissimilar):
 * ℓᵢ = xᵢ when yᵢ = 1, max(0, margin − xᵢ) when yᵢ = −1. Element-wise; `mean` divides by
 * the element count.
 *
 * Exactly PyTorch's formula for any target: ℓᵢ = [yᵢ ≠ 1]·max(0, margin − xᵢ) + [yᵢ ≠ −1]·xᵢ,
 * so a target outside {−1, 1} gets both terms (PyTorch does not reject it; neither do we).
 *
 * @example
 * ```ts
 * import { hingeEmbedding } from '@losskit/core';
 * hingeEmbedding([0.3, 0.4], [1, -1]).value; // (0.3 + max(0, 1 − 0.4)) / 2 = 0.45
 * ```
 */
export function hingeEmbedding<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: FloatTensorLike | IndexTensorLike,
  options?: HingeEmbeddingOptions<R>,
): LossResult<R> {
  const fn = 'hingeEmbedding';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const { x, y, n, rows, margin } = prepare(fn, input, target, o);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, n) : null;
  let s = 0;
  let c = 0;
  for (let i0 = 0; i0 < n; i0 += BLOCK) {
    const i1 = Math.min(n, i0 + BLOCK);
    const v =
      x instanceof Float32Array && y instanceof Float32Array
        ? block32(x, y, i0, i1, margin, out)
        : x instanceof Float64Array && y instanceof Float64Array
          ? block64(x, y, i0, i1, margin, out)
          : blockAny(x, y, i0, i1, margin, out);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  const sum = Number.isFinite(s) ? s + c : s;
  return finish(reduction, out, sum, n, rows, n, 0);
}

/**
 * Gradient of {@link hingeEmbedding} w.r.t. `input`: 1 where yᵢ = 1; −1 where yᵢ = −1 and
 * margin − xᵢ ≥ 0 (the kink takes the active slope, as PyTorch's clamp_min), else 0; for other
 * targets the sum of both. Scaled by the reduction.
 */
export function hingeEmbeddingGrad(
  input: FloatTensorLike,
  target: FloatTensorLike | IndexTensorLike,
  options?: Omit<HingeEmbeddingOptions, 'reduction' | 'out'> & GradOptions,
): Gradients {
  const fn = 'hingeEmbeddingGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const { x, y, n, rows, margin } = prepare(fn, input, target, o);
  const g = o.gradOutput === undefined ? undefined : floatArg(fn, 'gradOutput', o.gradOutput).data;
  const [scale, per] = gradScale(fn, reduction, n, rows, g, n);
  const gx = gradBuffer(fn, o.out, 'input', n);
  for (let i = 0; i < n; i++) {
    const yi = y[i];
    let d = 0;
    if (yi !== 1 && margin - x[i] >= 0) d = -1;
    if (yi !== -1) d += 1;
    gx[i] = (per === null ? scale : scale * per[i]) * d;
  }
  return { input: gx };
}

/** {@link hingeEmbedding} for generic callers. */
export const hingeEmbeddingInfo: KernelInfo = {
  name: 'hingeEmbedding',
  inputs: [
    { name: 'input', kind: 'float', rank: 'any', differentiable: true },
    { name: 'target', kind: 'float', rank: 'any', differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) =>
    hingeEmbedding(i.input as FloatTensorLike, i.target as FloatTensorLike | IndexTensorLike, o),
  gradient: (i, o) =>
    hingeEmbeddingGrad(
      i.input as FloatTensorLike,
      i.target as FloatTensorLike | IndexTensorLike,
      o,
    ),
};
