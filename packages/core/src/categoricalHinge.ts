import { numberOption, optionsArg } from './internal/args.js';
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

/** Options of {@link categoricalHinge}. */
export interface CategoricalHingeOptions<R extends Reduction = Reduction> extends LossOptions<R> {
  /** The margin m (default 1). Any finite number. */
  margin?: number;
}

/**
 * The column of the largest score of row `base` other than column `t` (the first on ties; the
 * first NaN once one is seen, so NaN propagates), or −1 when the row has no other column.
 */
function rivalOf(x: ArrayLike<number>, base: number, cols: number, t: number): number {
  let at = -1;
  let m = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < cols; j++) {
    if (j === t) continue;
    const v = x[base + j];
    if (at === -1 || v > m || (Number.isNaN(v) && !Number.isNaN(m))) {
      at = j;
      m = v;
    }
  }
  return at;
}

/**
 * Crammer–Singer multi-class hinge loss on scores `input` `[N, C]` and class indices `target`
 * `[N]`: ℓₙ = max(0, m + max_{i≠yₙ} xₙ,ᵢ − xₙ,yₙ) — only the strongest rival class counts
 * (compare {@link multiMargin}, which sums over all rivals). `mean` divides Σℓ by N. With C = 1
 * there is no rival and ℓ = 0.
 *
 * @example
 * ```ts
 * import { categoricalHinge } from '@losskit/core';
 * const scores = { data: [0.1, 0.2, 0.4], shape: [1, 3] };
 * categoricalHinge(scores, [1]).value; // 1 + 0.4 − 0.2
 * ```
 */
export function categoricalHinge<R extends Reduction = 'mean'>(
  input: FloatTensorLike,
  target: IndexTensorLike,
  options?: CategoricalHingeOptions<R>,
): LossResult<R> {
  const fn = 'categoricalHinge';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction) as R;
  const margin = numberOption(fn, 'margin', o.margin, 1);
  // Types and shapes only: the row loops check each index against [0, C) themselves.
  const { x, rows, cols, y } = cwRows(fn, input, target);
  const out = reduction === 'none' ? outputBuffer(fn, o.out, rows) : null;
  const sum =
    x instanceof Float32Array
      ? rowsF32(fn, x, y, rows, cols, margin, out)
      : x instanceof Float64Array
        ? rowsF64(fn, x, y, rows, cols, margin, out)
        : rowsAny(fn, x, y, rows, cols, margin, out);
  return finish(reduction, out, sum, rows, rows, rows, 0);
}

// The forward's row loops: three identical copies for Float32Array, Float64Array and other
// scores, so each sees one array type (a shared body makes V8's element access polymorphic);
// keep them identical. On random scores every branch on the data mispredicts often — `rivalOf`'s
// v > m, Math.max (V8 compiles it to compare-and-jump), loops split at the target — so the
// rival is found without one: two running maxima (even and odd columns, halving the dependency
// chain) updated by the blend m ← m·(1 − s) + v·s with s = [v > m]·[j ≠ y] ∈ {0, 1}, which for
// finite m and v is exactly m or v (one product is exactly 0; zeros' signs cannot reach the
// result, see below). They start at −MAX_VALUE, not −∞ (−∞·0 = NaN); a rival equal to
// −MAX_VALUE is kept all the same (its value is the start's). The hinge is (h + |h|)/2 with
// h = m + max_{j≠y} − x_y as `rivalOf`'s caller forms it: h for h > 0 (2h is exact), +0 otherwise
// — so ±0 anywhere gives +0, as Math.max(0, ·). Any non-finite score in the row (±∞·0 or NaN in
// the blend, or an ∞ maximum) or an overflowing h makes the value non-finite, and the row is
// then recomputed by `exactRow` (rivalOf), so NaN, ±∞ and ties give exactly its values. C = 1
// (no rival) gives 0 without reading the row. Index range checked per row.
// Rows are summed plainly in blocks of 256, the block sums with Neumaier: row values are ≥ 0, so
// a block's rounding is ≤ 255u·(its sum) and the whole ≤ 257u·S ≈ 2.9e−14·S.
const LOWEST = -Number.MAX_VALUE;

/** One row by the reference: `rivalOf`, then max(0, m + x_rival − x_y) (0 without a rival). */
function exactRow(x: ArrayLike<number>, base: number, cols: number, t: number, margin: number) {
  const at = rivalOf(x, base, cols, t);
  return at < 0 ? 0 : Math.max(0, margin + x[base + at] - x[base + t]);
}

const ROW_BLOCK = 256;

function rowsF32(
  fn: string,
  x: Float32Array,
  y: ArrayLike<number>,
  rows: number,
  cols: number,
  margin: number,
  out: Float64Array | null,
): number {
  let s = 0;
  let c = 0;
  for (let b = 0; b < rows; b += ROW_BLOCK) {
    const e = Math.min(rows, b + ROW_BLOCK);
    let acc = 0;
    for (let n = b; n < e; n++) {
      const t = y[n];
      if (!(t >= 0 && t < cols)) throw cwTargetError(fn, n, t, cols);
      let v = 0;
      if (cols > 1) {
        const base = n * cols;
        let m0 = LOWEST;
        let m1 = LOWEST;
        let j = 0;
        for (; j + 1 < cols; j += 2) {
          const v0 = x[base + j];
          const v1 = x[base + j + 1];
          const s0 = Number(v0 > m0) & Number(j !== t);
          const s1 = Number(v1 > m1) & Number(j + 1 !== t);
          m0 = m0 * (1 - s0) + v0 * s0;
          m1 = m1 * (1 - s1) + v1 * s1;
        }
        if (j < cols) {
          const v0 = x[base + j];
          const s0 = Number(v0 > m0) & Number(j !== t);
          m0 = m0 * (1 - s0) + v0 * s0;
        }
        const q = Number(m1 > m0);
        const h = margin + (m0 * (1 - q) + m1 * q) - x[base + t];
        v = (h + Math.abs(h)) * 0.5;
        if (!Number.isFinite(v)) v = exactRow(x, base, cols, t, margin);
      }
      if (out !== null) out[n] = v;
      acc += v;
    }
    const u = s + acc;
    c += Math.abs(s) >= Math.abs(acc) ? s - u + acc : acc - u + s;
    s = u;
  }
  return Number.isFinite(s) ? s + c : s;
}

function rowsF64(
  fn: string,
  x: Float64Array,
  y: ArrayLike<number>,
  rows: number,
  cols: number,
  margin: number,
  out: Float64Array | null,
): number {
  let s = 0;
  let c = 0;
  for (let b = 0; b < rows; b += ROW_BLOCK) {
    const e = Math.min(rows, b + ROW_BLOCK);
    let acc = 0;
    for (let n = b; n < e; n++) {
      const t = y[n];
      if (!(t >= 0 && t < cols)) throw cwTargetError(fn, n, t, cols);
      let v = 0;
      if (cols > 1) {
        const base = n * cols;
        let m0 = LOWEST;
        let m1 = LOWEST;
        let j = 0;
        for (; j + 1 < cols; j += 2) {
          const v0 = x[base + j];
          const v1 = x[base + j + 1];
          const s0 = Number(v0 > m0) & Number(j !== t);
          const s1 = Number(v1 > m1) & Number(j + 1 !== t);
          m0 = m0 * (1 - s0) + v0 * s0;
          m1 = m1 * (1 - s1) + v1 * s1;
        }
        if (j < cols) {
          const v0 = x[base + j];
          const s0 = Number(v0 > m0) & Number(j !== t);
          m0 = m0 * (1 - s0) + v0 * s0;
        }
        const q = Number(m1 > m0);
        const h = margin + (m0 * (1 - q) + m1 * q) - x[base + t];
        v = (h + Math.abs(h)) * 0.5;
        if (!Number.isFinite(v)) v = exactRow(x, base, cols, t, margin);
      }
      if (out !== null) out[n] = v;
      acc += v;
    }
    const u = s + acc;
    c += Math.abs(s) >= Math.abs(acc) ? s - u + acc : acc - u + s;
    s = u;
  }
  return Number.isFinite(s) ? s + c : s;
}

function rowsAny(
  fn: string,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  rows: number,
  cols: number,
  margin: number,
  out: Float64Array | null,
): number {
  let s = 0;
  let c = 0;
  for (let b = 0; b < rows; b += ROW_BLOCK) {
    const e = Math.min(rows, b + ROW_BLOCK);
    let acc = 0;
    for (let n = b; n < e; n++) {
      const t = y[n];
      if (!(t >= 0 && t < cols)) throw cwTargetError(fn, n, t, cols);
      let v = 0;
      if (cols > 1) {
        const base = n * cols;
        let m0 = LOWEST;
        let m1 = LOWEST;
        let j = 0;
        for (; j + 1 < cols; j += 2) {
          const v0 = x[base + j];
          const v1 = x[base + j + 1];
          const s0 = Number(v0 > m0) & Number(j !== t);
          const s1 = Number(v1 > m1) & Number(j + 1 !== t);
          m0 = m0 * (1 - s0) + v0 * s0;
          m1 = m1 * (1 - s1) + v1 * s1;
        }
        if (j < cols) {
          const v0 = x[base + j];
          const s0 = Number(v0 > m0) & Number(j !== t);
          m0 = m0 * (1 - s0) + v0 * s0;
        }
        const q = Number(m1 > m0);
        const h = margin + (m0 * (1 - q) + m1 * q) - x[base + t];
        v = (h + Math.abs(h)) * 0.5;
        if (!Number.isFinite(v)) v = exactRow(x, base, cols, t, margin);
      }
      if (out !== null) out[n] = v;
      acc += v;
    }
    const u = s + acc;
    c += Math.abs(s) >= Math.abs(acc) ? s - u + acc : acc - u + s;
    s = u;
  }
  return Number.isFinite(s) ? s + c : s;
}

/**
 * Gradient of {@link categoricalHinge} with respect to the scores: where the hinge is active,
 * +1 at the strongest rival (the first, on ties) and −1 at the target class; 0 elsewhere and at
 * the kink. Scaled by the reduction.
 */
export function categoricalHingeGrad(
  input: FloatTensorLike,
  target: IndexTensorLike,
  options?: Omit<CategoricalHingeOptions, 'reduction' | 'out'> & GradOptions,
): Gradients {
  const fn = 'categoricalHingeGrad';
  const o = optionsArg(fn, options);
  const reduction = reductionOption<Reduction>(fn, o.reduction);
  const margin = numberOption(fn, 'margin', o.margin, 1);
  const { x, rows, cols, y } = readClassRows(fn, input, target);
  const [scale, per] = gradScale(fn, reduction, rows, rows, gradOutputArg(fn, o.gradOutput), rows);
  const gx = gradBuffer(fn, o.out, 'input', rows * cols);
  for (let n = 0; n < rows; n++) {
    const base = n * cols;
    const t = y[n];
    for (let j = 0; j < cols; j++) gx[base + j] = 0;
    const at = rivalOf(x, base, cols, t);
    if (at >= 0 && margin + x[base + at] - x[base + t] > 0) {
      const k = per === null ? scale : scale * per[n];
      gx[base + at] = k;
      gx[base + t] = -k;
    }
  }
  return { input: gx };
}

/** {@link categoricalHinge} for generic callers. */
export const categoricalHingeInfo: KernelInfo = {
  name: 'categoricalHinge',
  inputs: [
    { name: 'input', kind: 'float', rank: 2, differentiable: true },
    { name: 'target', kind: 'index', rank: 1, differentiable: false },
  ],
  reductions: ['mean', 'sum', 'none'],
  rowOptions: [],
  rowCoupled: false,
  compute: (i, o) => categoricalHinge(i.input as FloatTensorLike, i.target as IndexTensorLike, o),
  gradient: (i, o) =>
    categoricalHingeGrad(i.input as FloatTensorLike, i.target as IndexTensorLike, o),
};
