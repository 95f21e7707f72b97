import { LossRangeError } from './errors.js';
import { floatArg, fmt, numberOption, optionsArg } from './internal/args.js';
import { embeddingRows, labelArg, targetPerRow } from './internal/embeddingRows.js';
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

/** Options of {@link contrastive}. */
export interface ContrastiveOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /** Dissimilar pairs closer than this are pushed apart (default 1). */
  margin?: number;
  /** Added to every coordinate of the difference, as PyTorch's `pairwise_distance` (default 1e-6). */
  eps?: number;
}

interface Prepared {
  x1: Float32Array | Float64Array;
  x2: Float32Array | Float64Array;
  y: ArrayLike<number>;
  rows: number;
  cols: number;
  margin: number;
  eps: number;
}

function prepare(
  fn: string,
  input1: unknown,
  input2: unknown,
  target: unknown,
  o: { margin?: unknown; eps?: unknown },
): Prepared {
  const t = labelArg(fn, 'target', target);
  const m = embeddingRows(fn, ['input1', 'input2'], [input1, input2], t.data.length);
  targetPerRow(fn, t, m.rows, 'input1');
  const y = t.data;
  for (let n = 0; n < m.rows; n++) {
    const v = y[n];
    // Labels are 1 (similar) and 0 (dissimilar); soft labels in between are accepted (the loss is
    // linear in y). ±1 labels (the cosine/hinge-embedding convention) would silently give a
    // negative loss, so anything outside [0, 1] is an error. NaN propagates.
    if (v < 0 || v > 1) {
      throw new LossRangeError(
        fn,
        'target',
        `target[${n}] = ${fmt(v)} is outside [0, 1] (1 = similar, 0 = dissimilar)`,
      );
    }
  }
  const margin = numberOption(fn, 'margin', o.margin, 1);
  const eps = numberOption(fn, 'eps', o.eps, 1e-6);
  return { x1: m.data[0], x2: m.data[1], y, rows: m.rows, cols: m.cols, margin, eps };
}

// The row loops come in a Float32Array and a Float64Array copy, each monomorphic (see allFloat32
// in embeddingRows.ts): keep the copies identical.

/** Σⱼ (x1ⱼ − x2ⱼ + eps)² over one row, the squared distance d², in two partial sums (float32). */
function squares32(x1: Float32Array, x2: Float32Array, b: number, cols: number, e: number): number {
  let s0 = 0;
  let s1 = 0;
  const end = b + cols - 1;
  let j = b;
  for (; j < end; j += 2) {
    const u = x1[j] - x2[j] + e;
    const v = x1[j + 1] - x2[j + 1] + e;
    s0 += u * u;
    s1 += v * v;
  }
  if (j === end) {
    const u = x1[j] - x2[j] + e;
    s0 += u * u;
  }
  return s0 + s1;
}

/** {@link squares32} for float64 inputs; keep the two identical. */
function squares64(x1: Float64Array, x2: Float64Array, b: number, cols: number, e: number): number {
  let s0 = 0;
  let s1 = 0;
  const end = b + cols - 1;
  let j = b;
  for (; j < end; j += 2) {
    const u = x1[j] - x2[j] + e;
    const v = x1[j + 1] - x2[j + 1] + e;
    s0 += u * u;
    s1 += v * v;
  }
  if (j === end) {
    const u = x1[j] - x2[j] + e;
    s0 += u * u;
  }
  return s0 + s1;
}

/** Writes g1 = k·(x1 − x2 + eps) and g2 = −g1 over one row (float32 inputs). */
function writeGrad32(
  x1: Float32Array,
  x2: Float32Array,
  b: number,
  cols: number,
  e: number,
  k: number,
  g1: Float64Array,
  g2: Float64Array,
): void {
  for (let j = b, end = b + cols; j < end; j++) {
    const g = k * (x1[j] - x2[j] + e);
    g1[j] = g;
    g2[j] = -g;
  }
}

/** {@link writeGrad32} for float64 inputs; keep the two identical. */
function writeGrad64(
  x1: Float64Array,
  x2: Float64Array,
  b: number,
  cols: number,
  e: number,
  k: number,
  g1: Float64Array,
  g2: Float64Array,
): void {
  for (let j = b, end = b + cols; j < end; j++) {
    const g = k * (x1[j] - x2[j] + e);
    g1[j] = g;
    g2[j] = -g;
  }
}

/**
 * Contrastive loss (Hadsell, Chopra & LeCun 2006) over pairs of embeddings `input1`, `input2`
 * `[N, D]` with `target` `[N]`, 1 = similar, 0 = dissimilar:
 * ℓₙ = yₙ·dₙ² + (1 − yₙ)·max(0, margin − dₙ)², dₙ = ‖x1ₙ − x2ₙ + eps‖₂ (PyTorch's
 * `pairwise_distance`, eps added to every coordinate). No ½ factor. `mean` divides by N. Bare
 * arrays are split into rows by the target's length.
 *
 * A target outside [0, 1] is a LossRangeError (soft labels in [0, 1] are allowed).
 *
 * @example
 * ```ts
 * import { contrastive } from '@losskit/core';
 * // pair 0 similar at distance 3, pair 1 dissimilar at distance 0.5 (eps 0 for round numbers)
 * contrastive([0, 0, 0, 0], [3, 0, 0.5, 0], [1, 0], { eps: 0 }).value;
 * // (3² + max(0, 1 − 0.5)²) / 2 = 4.625
 * ```
 */
export function contrastive<R extends Reduction = 'mean'>(
  input1: FloatTensorLike,
  input2: FloatTensorLike,
  target: FloatTensorLike | IndexTensorLike,
  options?: ContrastiveOptions<R>,
): LossResult<R> {
  const fn = 'contrastive';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const { x1, x2, y, rows, cols, margin, eps } = prepare(fn, input1, input2, target, o);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, rows) : null;
  const f32 = x1 instanceof Float32Array;
  let s = 0;
  let c = 0;
  for (let n = 0; n < rows; n++) {
    const yn = y[n];
    const d2 = f32
      ? squares32(x1, x2 as Float32Array, n * cols, cols, eps)
      : squares64(x1 as Float64Array, x2 as Float64Array, n * cols, cols, eps);
    // y·d² uses the sum of squares directly (d² overflows to ∞ only where it truly exceeds
    // float64); the terms are skipped at y = 0 and y = 1 so that 0·∞ never makes a NaN.
    let v = yn === 0 ? 0 : yn * d2;
    if (yn !== 1) {
      const h = margin - Math.sqrt(d2);
      if (h > 0) v += (1 - yn) * h * h;
      else if (Number.isNaN(h)) v = h; // NaN propagates
    }
    if (out !== null) out[n] = v;
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  const sum = Number.isFinite(s) ? s + c : s;
  return finish(reduction, out, sum, rows, rows, rows, 0);
}

/**
 * Gradient of {@link contrastive}: with δ = x1 − x2 + eps, ∂ℓ/∂x1 = 2δ·(y − (1 − y)·h/d) where
 * h = max(0, margin − d), and ∂ℓ/∂x2 = −∂ℓ/∂x1. At d = 0 the direction δ/d is taken as 0, as
 * PyTorch's norm backward masks it (so zero-distance rows give 0, never NaN; δ = 0 there anyway).
 */
export function contrastiveGrad(
  input1: FloatTensorLike,
  input2: FloatTensorLike,
  target: FloatTensorLike | IndexTensorLike,
  options?: Omit<ContrastiveOptions, 'reduction' | 'out'> & GradOptions,
): Gradients {
  const fn = 'contrastiveGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const { x1, x2, y, rows, cols, margin, eps } = prepare(fn, input1, input2, target, o);
  const g = o.gradOutput === undefined ? undefined : floatArg(fn, 'gradOutput', o.gradOutput).data;
  const [scale, per] = gradScale(fn, reduction, rows, rows, g, rows);
  const g1 = gradBuffer(fn, o.out, 'input1', rows * cols);
  const g2 = gradBuffer(fn, o.out, 'input2', rows * cols);
  const f32 = x1 instanceof Float32Array;
  for (let n = 0; n < rows; n++) {
    const base = n * cols;
    const end = base + cols;
    const yn = y[n];
    let coef = yn;
    if (yn !== 1) {
      const d = Math.sqrt(
        f32
          ? squares32(x1, x2 as Float32Array, base, cols, eps)
          : squares64(x1 as Float64Array, x2 as Float64Array, base, cols, eps),
      );
      const h = margin - d;
      if (h > 0 && d > 0) coef -= ((1 - yn) * h) / d;
    }
    const k = 2 * coef * (per === null ? scale : scale * per[n]);
    if (k === 0) {
      // An inactive row (dissimilar and beyond the margin): exactly 0, even where x1 − x2
      // overflows to ±∞ and 0·∞ would be NaN.
      for (let j = base; j < end; j++) {
        g1[j] = 0;
        g2[j] = 0;
      }
      continue;
    }
    if (f32) writeGrad32(x1, x2 as Float32Array, base, cols, eps, k, g1, g2);
    else writeGrad64(x1 as Float64Array, x2 as Float64Array, base, cols, eps, k, g1, g2);
  }
  return { input1: g1, input2: g2 };
}

/** {@link contrastive} for generic callers. */
export const contrastiveInfo: KernelInfo = {
  name: 'contrastive',
  inputs: [
    { name: 'input1', kind: 'float', rank: 2, differentiable: true },
    { name: 'input2', kind: 'float', rank: 2, differentiable: true },
    { name: 'target', kind: 'float', rank: 1, differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) =>
    contrastive(
      i.input1 as FloatTensorLike,
      i.input2 as FloatTensorLike,
      i.target as FloatTensorLike | IndexTensorLike,
      o,
    ),
  gradient: (i, o) =>
    contrastiveGrad(
      i.input1 as FloatTensorLike,
      i.input2 as FloatTensorLike,
      i.target as FloatTensorLike | IndexTensorLike,
      o,
    ),
};
