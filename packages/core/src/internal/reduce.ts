// The one place that applies reductions (house style: an exhaustive switch, as tfjs's
// computeWeightedLoss). Kernels hand over their sufficient statistics and, for 'none', the
// per-element values.
import { LossOptionError, LossShapeError } from '../errors.js';
import type { LossResult } from '../types.js';
import { describe } from './args.js';

export type AnyReduction = 'none' | 'mean' | 'sum' | 'batchmean';

const STANDARD = ['none', 'mean', 'sum'] as const;

/** Reads `options.reduction` (default 'mean') against the reductions this loss allows. */
export function reductionOption<R extends AnyReduction>(
  fn: string,
  v: unknown,
  allowed: readonly R[] = STANDARD as unknown as readonly R[],
): R {
  if (v === undefined) return 'mean' as R;
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new LossOptionError(
      fn,
      'reduction',
      `option reduction = ${typeof v === 'string' ? JSON.stringify(v) : describe(v)} is invalid; expected one of ${allowed.map((r) => `'${r}'`).join(', ')}`,
    );
  }
  return v as R;
}

/** The output buffer for 'none': the caller's `out` (checked) or a new array. */
export function outputBuffer(fn: string, out: unknown, length: number): Float64Array {
  if (out === undefined || out === null) return new Float64Array(length);
  if (!(out instanceof Float64Array)) {
    throw new LossOptionError(fn, 'out', `option out must be a Float64Array, got ${describe(out)}`);
  }
  if (out.length < length)
    throw new LossShapeError(
      fn,
      'out',
      `option out has ${out.length} elements; ${length} are needed`,
    );
  return out.length === length ? out : out.subarray(0, length);
}

/** Builds the result for the chosen reduction from the sufficient statistics. */
export function finish<R extends AnyReduction>(
  reduction: R,
  values: Float64Array | null,
  sumValue: number,
  sumDenominator: number,
  rows: number,
  elements: number,
  ignored: number,
): LossResult<R> {
  let value: number | Float64Array;
  switch (reduction as AnyReduction) {
    case 'none':
      value = values as Float64Array;
      break;
    case 'mean':
      value = sumValue / sumDenominator;
      break;
    case 'sum':
      value = sumValue;
      break;
    case 'batchmean':
      value = sumValue / rows;
      break;
    default: {
      const never: never = reduction as never;
      throw new Error(`unreachable reduction ${String(never)}`);
    }
  }
  return { reduction, value, sumValue, sumDenominator, rows, elements, ignored } as LossResult<R>;
}

/**
 * The upstream gradient for a reduction: a constant scale for 'mean'/'sum'/'batchmean', or the
 * caller's `gradOutput` per element for 'none'. Returns [scale, perElement|null].
 */
export function gradScale(
  fn: string,
  reduction: AnyReduction,
  denominator: number,
  rows: number,
  gradOutput: ArrayLike<number> | undefined,
  elements: number,
): [number, ArrayLike<number> | null] {
  switch (reduction) {
    case 'mean':
      return [1 / denominator, null];
    case 'sum':
      return [1, null];
    case 'batchmean':
      return [1 / rows, null];
    case 'none':
      if (gradOutput === undefined) return [1, null];
      if (gradOutput.length !== elements) {
        throw new LossShapeError(
          fn,
          'gradOutput',
          `gradOutput has ${gradOutput.length} elements but the loss has ${elements}`,
        );
      }
      return [1, gradOutput];
    default: {
      const never: never = reduction;
      throw new Error(`unreachable reduction ${String(never)}`);
    }
  }
}

/** A gradient buffer: the caller's `out[name]` (checked) or a new zeroed array. */
export function gradBuffer(
  fn: string,
  out: Record<string, Float64Array | undefined> | undefined,
  name: string,
  length: number,
): Float64Array {
  const b = out?.[name];
  if (b === undefined) return new Float64Array(length);
  if (!(b instanceof Float64Array) || b.length !== length) {
    throw new LossShapeError(
      fn,
      `out.${name}`,
      `out.${name} must be a Float64Array of ${length} elements, got ${describe(b)}`,
    );
  }
  return b;
}
