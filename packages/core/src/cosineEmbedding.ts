import { floatArg, numberOption, optionsArg } from './internal/args.js';
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

/** Options of {@link cosineEmbedding}, as PyTorch's `F.cosine_embedding_loss`. */
export interface CosineEmbeddingOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /** Dissimilar pairs are penalised while their cosine exceeds this (default 0; −1 … 1 is sensible). */
  margin?: number;
}

/** PyTorch's EPSILON in `cosine_embedding_loss`, added to each squared norm. */
const EPSILON = 1e-12;

interface Prepared {
  x1: Float32Array | Float64Array;
  x2: Float32Array | Float64Array;
  y: ArrayLike<number>;
  rows: number;
  cols: number;
  margin: number;
}

function prepare(
  fn: string,
  input1: unknown,
  input2: unknown,
  target: unknown,
  o: { margin?: unknown },
): Prepared {
  const t = labelArg(fn, 'target', target);
  const m = embeddingRows(fn, ['input1', 'input2'], [input1, input2], t.data.length);
  targetPerRow(fn, t, m.rows, 'input1');
  const margin = numberOption(fn, 'margin', o.margin, 0);
  return { x1: m.data[0], x2: m.data[1], y: t.data, rows: m.rows, cols: m.cols, margin };
}

// One row's cosine and the coefficients of its gradient, left in module scratch so the hot loop
// allocates nothing: ∂cos/∂x1 = α·x2 − β1·x1 and ∂cos/∂x2 = α·x1 − β2·x2.
let rowAlpha = 0;
let rowBeta1 = 0;
let rowBeta2 = 0;

// P = x1·x2, A = |x1|², B = |x2|² of one row, left in module scratch. Two partial sums each
// (independent add chains); a Float32Array and a Float64Array copy, each monomorphic (see
// allFloat32 in embeddingRows.ts): keep the two identical.
let sumP = 0;
let sumA = 0;
let sumB = 0;

function sums32(x1: Float32Array, x2: Float32Array, b: number, cols: number): void {
  let p0 = 0;
  let p1 = 0;
  let a0 = 0;
  let a1 = 0;
  let b0 = 0;
  let b1 = 0;
  const end = b + cols - 1;
  let j = b;
  for (; j < end; j += 2) {
    const u0 = x1[j];
    const u1 = x1[j + 1];
    const v0 = x2[j];
    const v1 = x2[j + 1];
    p0 += u0 * v0;
    p1 += u1 * v1;
    a0 += u0 * u0;
    a1 += u1 * u1;
    b0 += v0 * v0;
    b1 += v1 * v1;
  }
  if (j === end) {
    const u = x1[j];
    const v = x2[j];
    p0 += u * v;
    a0 += u * u;
    b0 += v * v;
  }
  sumP = p0 + p1;
  sumA = a0 + a1;
  sumB = b0 + b1;
}

function sums64(x1: Float64Array, x2: Float64Array, b: number, cols: number): void {
  let p0 = 0;
  let p1 = 0;
  let a0 = 0;
  let a1 = 0;
  let b0 = 0;
  let b1 = 0;
  const end = b + cols - 1;
  let j = b;
  for (; j < end; j += 2) {
    const u0 = x1[j];
    const u1 = x1[j + 1];
    const v0 = x2[j];
    const v1 = x2[j + 1];
    p0 += u0 * v0;
    p1 += u1 * v1;
    a0 += u0 * u0;
    a1 += u1 * u1;
    b0 += v0 * v0;
    b1 += v1 * v1;
  }
  if (j === end) {
    const u = x1[j];
    const v = x2[j];
    p0 += u * v;
    a0 += u * u;
    b0 += v * v;
  }
  sumP = p0 + p1;
  sumA = a0 + a1;
  sumB = b0 + b1;
}

/** Writes g1 = α·x2 − β1·x1 and g2 = α·x1 − β2·x2 over one row (float32 inputs). */
function writeGrad32(
  x1: Float32Array,
  x2: Float32Array,
  b: number,
  cols: number,
  alpha: number,
  beta1: number,
  beta2: number,
  g1: Float64Array,
  g2: Float64Array,
): void {
  for (let j = b, end = b + cols; j < end; j++) {
    const u = x1[j];
    const v = x2[j];
    g1[j] = alpha * v - beta1 * u;
    g2[j] = alpha * u - beta2 * v;
  }
}

/** {@link writeGrad32} for float64 inputs; keep the two identical. */
function writeGrad64(
  x1: Float64Array,
  x2: Float64Array,
  b: number,
  cols: number,
  alpha: number,
  beta1: number,
  beta2: number,
  g1: Float64Array,
  g2: Float64Array,
): void {
  for (let j = b, end = b + cols; j < end; j++) {
    const u = x1[j];
    const v = x2[j];
    g1[j] = alpha * v - beta1 * u;
    g2[j] = alpha * u - beta2 * v;
  }
}

/**
 * cos = P / √(A·B) with P = x1·x2, A = |x1|² + ε, B = |x2|² + ε (PyTorch's EPSILON handling: a
 * zero row has A = ε > 0, so cos = 0 and every gradient is finite, never NaN).
 * Differentiating, ∂cos/∂x1 = x2/D − (P/(A·D))·x1 with D = √(A·B), and symmetrically for x2.
 *
 * Overflow: when |x|² or P overflows (entries beyond ~1e154) the plain sums give ∞/∞ = NaN
 * or a wrong 0. Then each row is rescaled by s = max(1, max|xⱼ|) (never scaled up): with
 * x = s·x′, P = s1·s2·P′, A = s1²·(|x1′|² + ε/s1²) =: s1²·A″, B = s2²·B″, D = s1·s2·√(A″B″),
 * so cos = P′/√(A″·B″), α = 1/(s1·s2·D′), β1 = P′/(A″·D′·s1²), β2 = P′/(B″·D′·s2²): all finite.
 */
function rowCos(
  x1: Float32Array | Float64Array,
  x2: Float32Array | Float64Array,
  base: number,
  cols: number,
): number {
  if (x1 instanceof Float32Array) sums32(x1, x2 as Float32Array, base, cols);
  else sums64(x1, x2 as Float64Array, base, cols);
  let p = sumP;
  let a = sumA;
  let b = sumB;
  a += EPSILON;
  b += EPSILON;
  let d = Math.sqrt(a * b);
  if (d < Number.POSITIVE_INFINITY && Math.abs(p) < Number.POSITIVE_INFINITY) {
    rowAlpha = 1 / d;
    rowBeta1 = p / (a * d);
    rowBeta2 = p / (b * d);
    return p / d;
  }
  let s1 = 1;
  let s2 = 1;
  for (let j = base, end = base + cols; j < end; j++) {
    const u = Math.abs(x1[j]);
    const v = Math.abs(x2[j]);
    if (!(u <= s1)) s1 = u;
    if (!(v <= s2)) s2 = v;
  }
  if (!(s1 < Number.POSITIVE_INFINITY && s2 < Number.POSITIVE_INFINITY)) {
    // Infinite or NaN entries: no rescaling helps; return what PyTorch computes (NaN / ±∞ / 0).
    rowAlpha = 1 / d;
    rowBeta1 = p / (a * d);
    rowBeta2 = p / (b * d);
    return p / d;
  }
  p = 0;
  a = 0;
  b = 0;
  for (let j = base, end = base + cols; j < end; j++) {
    const u = x1[j] / s1;
    const v = x2[j] / s2;
    p += u * v;
    a += u * u;
    b += v * v;
  }
  a += EPSILON / (s1 * s1);
  b += EPSILON / (s2 * s2);
  d = Math.sqrt(a * b);
  rowAlpha = 1 / (s1 * s2 * d);
  rowBeta1 = p / (a * d * s1 * s1);
  rowBeta2 = p / (b * d * s2 * s2);
  return p / d;
}

/**
 * Cosine embedding loss, PyTorch's `cosine_embedding_loss`, for pairs of embeddings `input1`,
 * `input2` `[N, D]` and `target` `[N]` ∈ {1, −1} (similar, dissimilar):
 * ℓₙ = 1 − cos(x1ₙ, x2ₙ) when yₙ = 1, max(0, cos(x1ₙ, x2ₙ) − margin) when yₙ = −1, and 0 for any
 * other target (as PyTorch). cos = x1·x2 / √((|x1|² + 1e-12)(|x2|² + 1e-12)), PyTorch's EPSILON.
 * `mean` divides by N. Bare arrays are split into rows by the target's length.
 *
 * @example
 * ```ts
 * import { cosineEmbedding } from '@losskit/core';
 * // two pairs of 2-D embeddings; D = 4 / 2 comes from the target's length
 * cosineEmbedding([1, 0, 1, 0], [1, 0, 0, 1], [1, -1]).value; // (1 − 1 + max(0, 0 − 0)) / 2 ≈ 0
 * ```
 */
export function cosineEmbedding<R extends Reduction = 'mean'>(
  input1: FloatTensorLike,
  input2: FloatTensorLike,
  target: FloatTensorLike | IndexTensorLike,
  options?: CosineEmbeddingOptions<R>,
): LossResult<R> {
  const fn = 'cosineEmbedding';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const { x1, x2, y, rows, cols, margin } = prepare(fn, input1, input2, target, o);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, rows) : null;
  let s = 0;
  let c = 0;
  for (let n = 0; n < rows; n++) {
    const yn = y[n];
    let v = 0;
    if (yn === 1) v = 1 - rowCos(x1, x2, n * cols, cols);
    else if (yn === -1) {
      const z = rowCos(x1, x2, n * cols, cols) - margin;
      v = Math.max(z, 0); // clamp_min(·, 0) keeping NaN
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
 * Gradient of {@link cosineEmbedding} w.r.t. `input1` and `input2`: −∂cos where yₙ = 1,
 * ∂cos where yₙ = −1 and cos − margin ≥ 0 (the kink takes the active slope, as PyTorch's
 * clamp_min), 0 otherwise; ∂cos/∂x1 = x2/D − (P/(A·D))·x1 (see the loss).
 */
export function cosineEmbeddingGrad(
  input1: FloatTensorLike,
  input2: FloatTensorLike,
  target: FloatTensorLike | IndexTensorLike,
  options?: Omit<CosineEmbeddingOptions, 'reduction' | 'out'> & GradOptions,
): Gradients {
  const fn = 'cosineEmbeddingGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const { x1, x2, y, rows, cols, margin } = prepare(fn, input1, input2, target, o);
  const g = o.gradOutput === undefined ? undefined : floatArg(fn, 'gradOutput', o.gradOutput).data;
  const [scale, per] = gradScale(fn, reduction, rows, rows, g, rows);
  const g1 = gradBuffer(fn, o.out, 'input1', rows * cols);
  const g2 = gradBuffer(fn, o.out, 'input2', rows * cols);
  for (let n = 0; n < rows; n++) {
    const base = n * cols;
    const end = base + cols;
    const yn = y[n];
    let k = 0;
    if (yn === 1) {
      rowCos(x1, x2, base, cols);
      k = -1;
    } else if (yn === -1 && rowCos(x1, x2, base, cols) - margin >= 0) k = 1;
    if (k === 0) {
      for (let j = base; j < end; j++) {
        g1[j] = 0;
        g2[j] = 0;
      }
      continue;
    }
    k *= per === null ? scale : scale * per[n];
    const alpha = k * rowAlpha;
    const beta1 = k * rowBeta1;
    const beta2 = k * rowBeta2;
    if (x1 instanceof Float32Array) {
      writeGrad32(x1, x2 as Float32Array, base, cols, alpha, beta1, beta2, g1, g2);
    } else writeGrad64(x1, x2 as Float64Array, base, cols, alpha, beta1, beta2, g1, g2);
  }
  return { input1: g1, input2: g2 };
}

/** {@link cosineEmbedding} for generic callers. */
export const cosineEmbeddingInfo: KernelInfo = {
  name: 'cosineEmbedding',
  inputs: [
    { name: 'input1', kind: 'float', rank: 2, differentiable: true },
    { name: 'input2', kind: 'float', rank: 2, differentiable: true },
    { name: 'target', kind: 'float', rank: 1, differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) =>
    cosineEmbedding(
      i.input1 as FloatTensorLike,
      i.input2 as FloatTensorLike,
      i.target as FloatTensorLike | IndexTensorLike,
      o,
    ),
  gradient: (i, o) =>
    cosineEmbeddingGrad(
      i.input1 as FloatTensorLike,
      i.input2 as FloatTensorLike,
      i.target as FloatTensorLike | IndexTensorLike,
      o,
    ),
};
