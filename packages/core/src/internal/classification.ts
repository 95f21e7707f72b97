// Input readers and row helpers shared by the classification kernels (nllLoss, softmaxFocal, accuracy,
// binaryCrossEntropy, binaryCrossEntropyWithLogits, sigmoidFocal, klDiv, distillation).
// They add to args.ts what these losses need: logits `[N, C]` paired with class indices `[N]`,
// and two same-shaped float inputs.
import { LossRangeError, LossShapeError } from '../errors.js';
import { floatArg, fmt, indexArg, toMatrix, unwrap } from './args.js';

/** Logits `[N, C]` with one class index per row, validated. */
export interface IndexedRows {
  readonly x: ArrayLike<number>;
  readonly rows: number;
  readonly cols: number;
  /** Class indices, numbers (BigInt arrays converted); each in [0, C) or `ignoreIndex`. */
  readonly y: ArrayLike<number>;
}

/**
 * Reads `input` `[N, C]` and `target` `[N]` class indices. A bare `input` array is split into
 * rows of C = input.length / target.length; a target index outside [0, C) that is not
 * `ignoreIndex` is a range error naming the row.
 */
export function indexedRows(
  fn: string,
  input: unknown,
  target: unknown,
  ignoreIndex: number,
): IndexedRows {
  const xv = floatArg(fn, 'input', input);
  const yv = indexArg(fn, 'target', target);
  const y = yv.data;
  let cols: number | undefined;
  if (xv.shape.length !== 2 && y.length > 0 && xv.data.length % y.length === 0) {
    cols = xv.data.length / y.length;
  }
  const m = toMatrix(fn, 'input', xv, cols);
  if (y.length !== m.rows) {
    throw new LossShapeError(
      fn,
      'target',
      `target has ${y.length} entries but input has ${m.rows} rows (shape [${m.rows}, ${m.cols}])`,
    );
  }
  for (let n = 0; n < m.rows; n++) {
    const c = y[n];
    if (c !== ignoreIndex && !(c >= 0 && c < m.cols)) {
      throw new LossRangeError(fn, 'target', `target[${n}] = ${fmt(c)} is outside [0, ${m.cols})`);
    }
  }
  return { x: m.data, rows: m.rows, cols: m.cols, y };
}

/** Two float inputs of one shape (element-wise losses), validated. */
export interface FloatPair {
  readonly a: ArrayLike<number>;
  readonly b: ArrayLike<number>;
  /** The shape: the first input's, or the second's when only it was given as `{data, shape}`. */
  readonly shape: readonly number[];
  /** Element count. */
  readonly n: number;
  /** The first dimension (1 for a scalar shape `[]`). */
  readonly rows: number;
}

/**
 * Reads two same-shaped float inputs. Their element counts must agree; when both come as
 * `{data, shape}` the shapes must agree too (`[8, 5]` against `[5, 8]` is a shape error).
 */
export function floatPair(
  fn: string,
  aName: string,
  a: unknown,
  bName: string,
  b: unknown,
): FloatPair {
  const av = floatArg(fn, aName, a);
  const bv = floatArg(fn, bName, b);
  const n = av.data.length;
  if (bv.data.length !== n) {
    throw new LossShapeError(
      fn,
      bName,
      `${bName} has ${bv.data.length} elements (shape [${bv.shape.join(', ')}]) but ${aName} has ${n} (shape [${av.shape.join(', ')}])`,
    );
  }
  const aShaped = unwrap(fn, aName, a).shape !== null;
  const bShaped = unwrap(fn, bName, b).shape !== null;
  if (aShaped && bShaped && !sameShape(av.shape, bv.shape)) {
    throw new LossShapeError(
      fn,
      bName,
      `${bName} has shape [${bv.shape.join(', ')}] but ${aName} has shape [${av.shape.join(', ')}]`,
    );
  }
  const shape = aShaped || !bShaped ? av.shape : bv.shape;
  const rows = shape.length > 0 ? shape[0] : 1;
  return { a: av.data, b: bv.data, shape, n, rows };
}

function sameShape(p: readonly number[], q: readonly number[]): boolean {
  if (p.length !== q.length) return false;
  for (let i = 0; i < p.length; i++) if (p[i] !== q[i]) return false;
  return true;
}

/** Side results of {@link targetRow}, overwritten by each call (so hot loops allocate nothing). */
export const targetRowOut = {
  /** The row maximum m that the exponentials were shifted by. */
  m: 0,
  /** s = Σⱼ e^(xⱼ − m). */
  s: 0,
  /** 1 − p = Σ_{j≠k} e^(xⱼ − m) / s, a sum of non-negative terms: exact even as p → 1. */
  q: 0,
  /** e^(x_k − m) / s · (−log p) / q, the focal gradient's p·(−log p)/q (its limit 1 at q = 0). */
  pNlpOverQ: 0,
};

/**
 * −log softmax(x)ₖ for one row, with 1 − p in {@link targetRowOut}. With m = maxⱼ xⱼ,
 * eⱼ = e^(xⱼ − m) ≤ 1 (no overflow), e_k the target's term and o = Σ_{j≠k} eⱼ:
 *   p = e_k / (e_k + o),  1 − p = o / (e_k + o)  (no cancellation, unlike 1 − p),
 *   −log p = log1p(o / e_k)         when e_k ≥ o (p ≥ ½): full relative precision even when
 *                                    −log p is tiny (logits [1000, 980]: 2.06e-9, where
 *                                    (m + log s) − x_k keeps only ~5 digits);
 *   −log p = log s + (m − x_k)      otherwise: two non-negative terms, and finite even when
 *                                    e_k underflows to 0 (x_k far below m).
 * NaN anywhere in the row makes the result NaN.
 */
export function targetRow(x: ArrayLike<number>, base: number, cols: number, k: number): number {
  const m = rowMax(x, base, cols);
  let others = 0;
  let ek = 0;
  for (let j = 0; j < cols; j++) {
    const e = Math.exp(x[base + j] - m);
    if (j === k) ek = e;
    else others += e;
  }
  const s = ek + others;
  const nlp = ek >= others ? Math.log1p(others / ek) : Math.log(s) + (m - x[base + k]);
  targetRowOut.m = m;
  targetRowOut.s = s;
  targetRowOut.q = others / s;
  // p·(−log p)/q = e_k·(−log p)/o; → 1 as o → 0 (−log p ≈ o/e_k), and 0 where e_k = 0.
  targetRowOut.pNlpOverQ = others === 0 ? 1 : ek === 0 ? 0 : ek * (nlp / others);
  return nlp;
}

/**
 * The largest entry of a row (for shifting before exp); 0 when it is ±∞ or the row is empty,
 * so that the shift itself never forms ∞ − ∞. NaN entries are skipped (they propagate later).
 */
export function rowMax(x: ArrayLike<number>, base: number, cols: number): number {
  let m = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < cols; j++) {
    const v = x[base + j];
    if (v > m) m = v;
  }
  return m === Number.POSITIVE_INFINITY || m === Number.NEGATIVE_INFINITY ? 0 : m;
}

/**
 * log Σⱼ exp(a·(xⱼ − m)) for a row, with m = {@link rowMax} and a > 0 (a = 1/T). So
 * lse(x/T) = m/T + this, but callers keep the two apart: a·(xⱼ − m) ≤ 0 never overflows, and
 * log-softmax(x/T)ⱼ = a·(xⱼ − m) − this stays finite even where m/T alone would overflow
 * (T < 1 with logits near the float64 limit). The largest term is e⁰ = 1: no log 0.
 */
export function rowLogSumShifted(
  x: ArrayLike<number>,
  base: number,
  cols: number,
  m: number,
  a: number,
): number {
  let s = 0;
  for (let j = 0; j < cols; j++) s += Math.exp(a * (x[base + j] - m));
  return Math.log(s);
}

/**
 * Like {@link rowLogSumShifted}, but keeps the terms: writes eⱼ = exp(a·(xⱼ − m)) ≤ 1 into
 * `buf[at + j]` and returns Σⱼ eⱼ (≥ 1 when m is the row maximum), so a caller that also needs
 * the softmax eⱼ / Σ pays one exp per entry instead of two.
 */
export function rowExpShifted(
  x: ArrayLike<number>,
  base: number,
  cols: number,
  m: number,
  a: number,
  buf: Float64Array,
  at: number,
): number {
  let s = 0;
  for (let j = 0; j < cols; j++) {
    const e = Math.exp(a * (x[base + j] - m));
    buf[at + j] = e;
    s += e;
  }
  return s;
}
