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

/**
 * Row log-sum-exp, stable: lse = m + log Σⱼ exp(xⱼ − m) with m = maxⱼ xⱼ. Every exponent is
 * ≤ 0 (no overflow) and the largest term is 1 (the log's argument is ≥ 1, no log 0).
 */
export function rowLse(x: ArrayLike<number>, base: number, cols: number): number {
  let m = Number.NEGATIVE_INFINITY;
  for (let j = 0; j < cols; j++) {
    const v = x[base + j];
    if (v > m) m = v;
  }
  if (m === Number.POSITIVE_INFINITY || m === Number.NEGATIVE_INFINITY) m = 0;
  let s = 0;
  for (let j = 0; j < cols; j++) s += Math.exp(x[base + j] - m);
  return m + Math.log(s);
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
