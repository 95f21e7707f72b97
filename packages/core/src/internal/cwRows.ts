// Input reading for the class-wise kernels (nllLoss, accuracy, categoricalHinge, multiMargin)
// whose hot loops check the class indices themselves. `indexedRows` / `readClassRows` validate
// every target index in a loop of their own before the kernel runs; that loop is shared by many
// kernels and index array types (so V8's element access there is polymorphic), and on a 1M×10
// nllLoss it cost as much as the whole gather. Here the prologue stops after the types and
// shapes, and each kernel tests `0 ≤ yₙ < C` in its own (monomorphic) row loop, throwing the same
// error through `cwTargetError` — the messages and error types are unchanged.
import { LossRangeError, LossShapeError } from '../errors.js';
import { floatArg, fmt, indexArg, toMatrix } from './args.js';

/** Scores `[N, C]` and class indices `[N]` whose values are NOT yet range-checked. */
export interface CwRows {
  readonly x: ArrayLike<number>;
  readonly rows: number;
  readonly cols: number;
  /**
   * Integral numbers (indexArg checked that; BigInt arrays converted), not range-checked. Empty
   * when `big` holds the target instead.
   */
  readonly y: ArrayLike<number>;
  /** With `keepBig`, a BigInt64Array / BigUint64Array target as it is (else null). */
  readonly big: BigInt64Array | BigUint64Array | null;
}

/**
 * `indexedRows` without its range loop: reads `input` `[N, C]` (a bare array is split into
 * rows of C = input.length / target.length) and `target` `[N]`, and checks their types and
 * shapes. With `keepBig`, a BigInt64Array / BigUint64Array target is returned as `big`, not
 * converted. The caller must reject every index outside [0, C) (other than its ignore index) with
 * {@link cwTargetError} before using it.
 */
export function cwRows(fn: string, input: unknown, target: unknown, keepBig = false): CwRows {
  const xv = floatArg(fn, 'input', input);
  const yv = indexArg(fn, 'target', target, keepBig);
  const big = yv.big ?? null;
  const count = big === null ? yv.data.length : big.length;
  let cols: number | undefined;
  if (xv.shape.length !== 2 && count > 0 && xv.data.length % count === 0) {
    cols = xv.data.length / count;
  }
  const m = toMatrix(fn, 'input', xv, cols);
  if (count !== m.rows) {
    throw new LossShapeError(
      fn,
      'target',
      `target has ${count} entries but input has ${m.rows} rows (shape [${m.rows}, ${m.cols}])`,
    );
  }
  return { x: m.data, rows: m.rows, cols: m.cols, y: yv.data, big };
}

/** The error for target[n] = c outside [0, C), worded as `indexedRows`'s. */
export function cwTargetError(fn: string, n: number, c: number, cols: number): LossRangeError {
  return new LossRangeError(fn, 'target', `target[${n}] = ${fmt(c)} is outside [0, ${cols})`);
}
