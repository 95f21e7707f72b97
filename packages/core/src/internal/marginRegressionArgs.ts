// Validation prologues shared by the margin and regression kernels (exponential, hinge,
// squaredHinge, softMargin, multiMargin, categoricalHinge, l1, smoothL1, huber, logCosh,
// poissonNll, gaussianNll). Only argument reading lives here; every kernel keeps its own
// per-element loop, so nothing here runs per element.
import { LossRangeError, LossShapeError } from '../errors.js';
import { type FloatView, floatArg, fmt, indexArg, sameLength, toMatrix } from './args.js';

/** An element-wise pair `input`, `target` of equal length, after validation. */
export interface PairView {
  readonly x: ArrayLike<number>;
  readonly y: ArrayLike<number>;
  /** Elements. */
  readonly n: number;
  /** The first dimension of `input` (1 for a scalar shape). */
  readonly rows: number;
}

/** Reads `input` and `target` of any (equal) element count. */
export function readPair(fn: string, input: unknown, target: unknown): PairView {
  const xv = floatArg(fn, 'input', input);
  const y = floatArg(fn, 'target', target).data;
  const n = xv.data.length;
  sameLength(fn, 'input', n, 'target', y.length);
  return { x: xv.data, y, n, rows: xv.shape.length > 0 ? xv.shape[0] : 1 };
}

/** Reads the optional `gradOutput` of a gradient call. */
export function gradOutputArg(fn: string, g: unknown): ArrayLike<number> | undefined {
  return g === undefined ? undefined : floatArg(fn, 'gradOutput', g).data;
}

/** The error for a binary margin target that is neither −1 nor 1. */
export function notSignError(fn: string, i: number, v: number): LossRangeError {
  return new LossRangeError(fn, 'target', `target[${i}] = ${fmt(v)} is not -1 or 1`);
}

/** Scores `[N, C]` with one class index per row, after validation. */
export interface ClassRowsView {
  readonly x: ArrayLike<number>;
  readonly rows: number;
  readonly cols: number;
  readonly y: ArrayLike<number>;
}

/**
 * Reads `input` `[N, C]` and class indices `target` `[N]` (every index in [0, C)). A bare
 * `input` array is split into `target.length` rows.
 */
export function readClassRows(fn: string, input: unknown, target: unknown): ClassRowsView {
  const xv: FloatView = floatArg(fn, 'input', input);
  const iv = indexArg(fn, 'target', target);
  const nt = iv.data.length;
  let cols: number | undefined;
  if (xv.shape.length === 2) cols = xv.shape[1];
  else if (nt > 0 && Number.isInteger(xv.data.length / nt)) cols = xv.data.length / nt;
  const m = toMatrix(fn, 'input', xv, cols);
  if (nt !== m.rows) {
    throw new LossShapeError(
      fn,
      'target',
      `target has ${nt} entries but input has ${m.rows} rows (shape [${m.rows}, ${m.cols}])`,
    );
  }
  const y = iv.data;
  for (let n = 0; n < nt; n++) {
    const c = y[n];
    if (!(c >= 0 && c < m.cols)) {
      throw new LossRangeError(fn, 'target', `target[${n}] = ${fmt(c)} is outside [0, ${m.cols})`);
    }
  }
  return { x: m.data, rows: m.rows, cols: m.cols, y };
}
