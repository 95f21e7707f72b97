import { numberOption, optionsArg, vectorOption } from './internal/args.js';
import { cwRows, cwTargetError } from './internal/cwRows.js';
import { gradOutputArg, readClassRows } from './internal/marginRegressionArgs.js';
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

/** Options of {@link multiMargin}, as PyTorch's `F.multi_margin_loss`. */
export interface MultiMarginOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /** The exponent p ∈ {1, 2} (default 1). */
  p?: 1 | 2;
  /** The margin m (default 1). Any finite number. */
  margin?: number;
  /** Per-class weights `[C]`; row n is scaled by w[yₙ], its target's weight. */
  weight?: FloatTensorLike;
}

interface Parsed {
  p: number;
  margin: number;
}

function parse(fn: string, o: Partial<Omit<MultiMarginOptions, 'reduction' | 'out'>>): Parsed {
  return {
    p: numberOption(fn, 'p', o.p, 1, (v) => v === 1 || v === 2, '1 or 2'),
    margin: numberOption(fn, 'margin', o.margin, 1),
  };
}

/**
 * Weston–Watkins multi-class hinge loss, PyTorch's `multi_margin_loss`, on scores `input`
 * `[N, C]` and class indices `target` `[N]`:
 * ℓₙ = (w[yₙ]/C)·Σ_{i≠yₙ} max(0, m − xₙ,yₙ + xₙ,ᵢ)ᵖ — each row's sum divided by C, the class
 * count. `mean` divides Σℓ by N. Like PyTorch, a term whose hinge is NaN is skipped (PyTorch's
 * kernel tests `z > 0`), so NaN scores do not propagate.
 *
 * @example
 * ```ts
 * import { multiMargin } from '@losskit/core';
 * const scores = { data: [0.1, 0.2, 0.4], shape: [1, 3] };
 * multiMargin(scores, [1]).value; // ((1 − 0.2 + 0.1) + (1 − 0.2 + 0.4)) / 3
 * ```
 */
export function multiMargin<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: IndexTensorLike,
  options?: MultiMarginOptions<R>,
): LossResult<R> {
  const fn = 'multiMargin';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const { p, margin } = parse(fn, o);
  const { x, rows, cols, y } = readClassRows(fn, input, target);
  const w = vectorOption(fn, 'weight', o.weight, cols, 'the class count C');
  const out = reduction === 'none' ? outputBuffer(fn, o.out, rows) : null;
  const sum =
    x instanceof Float32Array
      ? rowsF32(x, y, rows, cols, p, margin, w, out)
      : x instanceof Float64Array
        ? rowsF64(x, y, rows, cols, p, margin, w, out)
        : rowsAny(x, y, rows, cols, p, margin, w, out);
  return finish(reduction, out, sum, rows, rows, rows, 0);
}

/**
 * Gradient of {@link multiMargin} with respect to the scores: for each i ≠ y with
 * z = m − x_y + xᵢ > 0, ∂ℓ/∂xᵢ = (w[y]/C)·p·zᵖ⁻¹ and ∂ℓ/∂x_y is minus their sum; scaled by the
 * reduction.
 */
export function multiMarginGrad(
  input: FloatTensorLike,
  target: IndexTensorLike,
  options?: Omit<MultiMarginOptions, 'reduction' | 'out'> & GradOptions,
): Gradients {
  const fn = 'multiMarginGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const { p, margin } = parse(fn, o);
  // Types and shapes only: the row loops check each index against [0, C) themselves.
  const { x, rows, cols, y } = cwRows(fn, input, target);
  const w = vectorOption(fn, 'weight', o.weight, cols, 'the class count C');
  const [scale, per] = gradScale(fn, reduction, rows, rows, gradOutputArg(fn, o.gradOutput), rows);
  const gx = gradBuffer(fn, o.out, 'input', rows * cols);
  if (per === null && w === undefined) {
    const k = scale / cols;
    if (x instanceof Float32Array) gradRowsF32(fn, x, y, rows, cols, p, margin, k, gx);
    else if (x instanceof Float64Array) gradRowsF64(fn, x, y, rows, cols, p, margin, k, gx);
    else gradRowsAny(fn, x, y, rows, cols, p, margin, k, gx);
    return { input: gx };
  }
  for (let n = 0; n < rows; n++) {
    const t = y[n];
    if (!(t >= 0 && t < cols)) throw cwTargetError(fn, n, t, cols);
    exactGradRow(x, t, n * cols, cols, p, margin, gradRowScale(scale, per, w, n, t, cols), gx);
  }
  return { input: gx };
}

/** The row's factor (w[y]/C)·(upstream gradient), as the reference computes it. */
function gradRowScale(
  scale: number,
  per: ArrayLike<number> | null,
  w: ArrayLike<number> | undefined,
  n: number,
  t: number,
  cols: number,
): number {
  return ((per === null ? scale : scale * per[n]) * (w === undefined ? 1 : w[t])) / cols;
}

/** One gradient row by the reference formula (branches; a NaN hinge is skipped, z > 0 false). */
function exactGradRow(
  x: ArrayLike<number>,
  t: number,
  base: number,
  cols: number,
  p: number,
  margin: number,
  k: number,
  gx: Float64Array,
): void {
  const a = margin - x[base + t];
  let gy = 0;
  for (let j = 0; j < cols; j++) {
    if (j === t) continue;
    const z = a + x[base + j];
    const g = z > 0 ? (p === 1 ? k : 2 * k * z) : 0;
    gx[base + j] = g;
    gy -= g;
  }
  gx[base + t] = gy;
}

// The gradient rows without weights or gradOutput (k = scale / C, the reference's
// ((scale·1)/C) for every row): three identical copies for Float32Array, Float64Array and other
// scores (monomorphic loads); keep them identical. No branch per score: `z > 0` mispredicts on
// random scores. p = 1: g = k·[z > 0]·[j ≠ y], the reference's k or 0 (a NaN z compares false,
// as the reference skips it). p = 2: g = k·(z + |z|)·[j ≠ y]; z + |z| is 2z (exact) for z > 0 and
// +0 otherwise, and k·(2z) rounds the same real number as the reference's (2k)·z, so finite
// rows match it bit for bit (the adds into gy run in the same order; the target's own term adds
// 0). A row whose gy is not finite (z = ±∞ or NaN, or 2z overflowing: then the terms are not the
// reference's) is recomputed by `exactGradRow`. The target's column is written last, with gy.
function gradRowsF32(
  fn: string,
  x: Float32Array,
  y: ArrayLike<number>,
  rows: number,
  cols: number,
  p: number,
  margin: number,
  k: number,
  gx: Float64Array,
): void {
  for (let n = 0; n < rows; n++) {
    const t = y[n];
    if (!(t >= 0 && t < cols)) throw cwTargetError(fn, n, t, cols);
    const base = n * cols;
    const a = margin - x[base + t];
    let gy = 0;
    if (p === 1) {
      for (let j = 0; j < cols; j++) {
        const z = a + x[base + j];
        const g = k * (Number(z > 0) & Number(j !== t));
        gx[base + j] = g;
        gy -= g;
      }
    } else {
      for (let j = 0; j < cols; j++) {
        const z = a + x[base + j];
        const g = k * (z + Math.abs(z)) * Number(j !== t);
        gx[base + j] = g;
        gy -= g;
      }
    }
    if (Number.isFinite(gy)) gx[base + t] = gy;
    else exactGradRow(x, t, base, cols, p, margin, k, gx);
  }
}

function gradRowsF64(
  fn: string,
  x: Float64Array,
  y: ArrayLike<number>,
  rows: number,
  cols: number,
  p: number,
  margin: number,
  k: number,
  gx: Float64Array,
): void {
  for (let n = 0; n < rows; n++) {
    const t = y[n];
    if (!(t >= 0 && t < cols)) throw cwTargetError(fn, n, t, cols);
    const base = n * cols;
    const a = margin - x[base + t];
    let gy = 0;
    if (p === 1) {
      for (let j = 0; j < cols; j++) {
        const z = a + x[base + j];
        const g = k * (Number(z > 0) & Number(j !== t));
        gx[base + j] = g;
        gy -= g;
      }
    } else {
      for (let j = 0; j < cols; j++) {
        const z = a + x[base + j];
        const g = k * (z + Math.abs(z)) * Number(j !== t);
        gx[base + j] = g;
        gy -= g;
      }
    }
    if (Number.isFinite(gy)) gx[base + t] = gy;
    else exactGradRow(x, t, base, cols, p, margin, k, gx);
  }
}

function gradRowsAny(
  fn: string,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  rows: number,
  cols: number,
  p: number,
  margin: number,
  k: number,
  gx: Float64Array,
): void {
  for (let n = 0; n < rows; n++) {
    const t = y[n];
    if (!(t >= 0 && t < cols)) throw cwTargetError(fn, n, t, cols);
    const base = n * cols;
    const a = margin - x[base + t];
    let gy = 0;
    if (p === 1) {
      for (let j = 0; j < cols; j++) {
        const z = a + x[base + j];
        const g = k * (Number(z > 0) & Number(j !== t));
        gx[base + j] = g;
        gy -= g;
      }
    } else {
      for (let j = 0; j < cols; j++) {
        const z = a + x[base + j];
        const g = k * (z + Math.abs(z)) * Number(j !== t);
        gx[base + j] = g;
        gy -= g;
      }
    }
    if (Number.isFinite(gy)) gx[base + t] = gy;
    else exactGradRow(x, t, base, cols, p, margin, k, gx);
  }
}

// The hot loops. Three identical copies for Float32Array, Float64Array and anything else, so
// each sees one array type of scores (a shared body makes V8's element access polymorphic); keep
// them identical. Per row, without the data-dependent branches of `exactRow` (j = y and z > 0
// mispredict on random scores, costing more than the arithmetic): max(z, 0) = (z + |z|)/2 and the
// target's own term is multiplied by [j ≠ y] = 0. The sums of (z + |z|) = 2z (or of its square
// 4z²) are the sums of z (or z²) scaled by an exact power of two, so ½·Σ (¼·Σ) gives the very
// same row value as `exactRow`. They differ only where a score is ±∞ or NaN (PyTorch's `z > 0`
// skips a NaN hinge; here it would propagate, or 0·∞ appear) or 2z overflows: the row is then
// not finite, and it is recomputed by `exactRow`.
// Rows are summed plainly in blocks of 256, the block sums with Neumaier: a block's rounding is
// ≤ 255u·(its sum) (row values are ≥ 0 for non-negative weights), the whole ≤ 257u·S ≈ 2.9e−14·S.
const ROW_BLOCK = 256;

/** One row by the reference formula: branches, NaN hinges skipped as in PyTorch. */
function exactRow(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  n: number,
  cols: number,
  p: number,
  margin: number,
  w: ArrayLike<number> | undefined,
): number {
  const base = n * cols;
  const t = y[n];
  const a = margin - x[base + t];
  let h = 0;
  for (let j = 0; j < cols; j++) {
    if (j === t) continue;
    const z = a + x[base + j];
    if (z > 0) h += p === 1 ? z : z * z;
  }
  return ((w === undefined ? 1 : w[t]) * h) / cols;
}

function rowsF32(
  x: Float32Array,
  y: ArrayLike<number>,
  rows: number,
  cols: number,
  p: number,
  margin: number,
  w: ArrayLike<number> | undefined,
  out: Float64Array | null,
): number {
  let s = 0;
  let c = 0;
  for (let b = 0; b < rows; b += ROW_BLOCK) {
    const e = Math.min(rows, b + ROW_BLOCK);
    let acc = 0;
    for (let n = b; n < e; n++) {
      const base = n * cols;
      const t = y[n];
      const a = margin - x[base + t];
      let h = 0;
      if (p === 1) {
        for (let j = 0; j < cols; j++) {
          const z = a + x[base + j];
          h += Number(j !== t) * (z + Math.abs(z));
        }
        h *= 0.5;
      } else {
        for (let j = 0; j < cols; j++) {
          const z = a + x[base + j];
          const r = Number(j !== t) * (z + Math.abs(z));
          h += r * r;
        }
        h *= 0.25;
      }
      let v = ((w === undefined ? 1 : w[t]) * h) / cols;
      if (!Number.isFinite(v)) v = exactRow(x, y, n, cols, p, margin, w);
      if (out !== null) out[n] = v;
      acc += v;
    }
    const t = s + acc;
    c += Math.abs(s) >= Math.abs(acc) ? s - t + acc : acc - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

function rowsF64(
  x: Float64Array,
  y: ArrayLike<number>,
  rows: number,
  cols: number,
  p: number,
  margin: number,
  w: ArrayLike<number> | undefined,
  out: Float64Array | null,
): number {
  let s = 0;
  let c = 0;
  for (let b = 0; b < rows; b += ROW_BLOCK) {
    const e = Math.min(rows, b + ROW_BLOCK);
    let acc = 0;
    for (let n = b; n < e; n++) {
      const base = n * cols;
      const t = y[n];
      const a = margin - x[base + t];
      let h = 0;
      if (p === 1) {
        for (let j = 0; j < cols; j++) {
          const z = a + x[base + j];
          h += Number(j !== t) * (z + Math.abs(z));
        }
        h *= 0.5;
      } else {
        for (let j = 0; j < cols; j++) {
          const z = a + x[base + j];
          const r = Number(j !== t) * (z + Math.abs(z));
          h += r * r;
        }
        h *= 0.25;
      }
      let v = ((w === undefined ? 1 : w[t]) * h) / cols;
      if (!Number.isFinite(v)) v = exactRow(x, y, n, cols, p, margin, w);
      if (out !== null) out[n] = v;
      acc += v;
    }
    const t = s + acc;
    c += Math.abs(s) >= Math.abs(acc) ? s - t + acc : acc - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

function rowsAny(
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  rows: number,
  cols: number,
  p: number,
  margin: number,
  w: ArrayLike<number> | undefined,
  out: Float64Array | null,
): number {
  let s = 0;
  let c = 0;
  for (let b = 0; b < rows; b += ROW_BLOCK) {
    const e = Math.min(rows, b + ROW_BLOCK);
    let acc = 0;
    for (let n = b; n < e; n++) {
      const base = n * cols;
      const t = y[n];
      const a = margin - x[base + t];
      let h = 0;
      if (p === 1) {
        for (let j = 0; j < cols; j++) {
          const z = a + x[base + j];
          h += Number(j !== t) * (z + Math.abs(z));
        }
        h *= 0.5;
      } else {
        for (let j = 0; j < cols; j++) {
          const z = a + x[base + j];
          const r = Number(j !== t) * (z + Math.abs(z));
          h += r * r;
        }
        h *= 0.25;
      }
      let v = ((w === undefined ? 1 : w[t]) * h) / cols;
      if (!Number.isFinite(v)) v = exactRow(x, y, n, cols, p, margin, w);
      if (out !== null) out[n] = v;
      acc += v;
    }
    const t = s + acc;
    c += Math.abs(s) >= Math.abs(acc) ? s - t + acc : acc - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

/** {@link multiMargin} for generic callers. */
export const multiMarginInfo: KernelInfo = {
  name: 'multiMargin',
  inputs: [
    { name: 'input', kind: 'float', rank: 2, differentiable: true },
    { name: 'target', kind: 'index', rank: 1, differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) => multiMargin(i.input as FloatTensorLike, i.target as IndexTensorLike, o),
  gradient: (i, o) => multiMarginGrad(i.input as FloatTensorLike, i.target as IndexTensorLike, o),
};
