/** A dense float array: the data of a float input. Results are always float64. */
export type FloatArray = Float32Array | Float64Array;

/** What a float input accepts: a typed float array or a plain array of numbers. */
export type FloatInput = FloatArray | readonly number[];

/** Integer typed arrays accepted as class indices (`BigInt64Array` included). */
export type IndexArray =
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** What a class-index input accepts: an integer typed array or a plain array of integers. */
export type IndexInput = IndexArray | readonly number[];

/**
 * A row-major tensor: flat `data` plus its `shape` (`[N, C]` for logits, `[N]` for labels).
 * Every input of every kernel may be given as a bare array (shape inferred where unambiguous)
 * or as a tensor.
 */
export interface Tensor<T = FloatInput | IndexInput> {
  readonly data: T;
  readonly shape: readonly number[];
}

export type FloatTensorLike = FloatInput | Tensor<FloatInput>;
export type IndexTensorLike = IndexInput | Tensor<IndexInput>;

/** PyTorch's reductions. `klDiv` also accepts `'batchmean'`. */
export type Reduction = 'none' | 'mean' | 'sum';

/**
 * The sufficient statistics of one call: everything a stream needs to keep an exact running
 * value. `mean = sumValue / sumDenominator`; `batchmean = sumValue / rows`.
 */
export interface LossStats {
  /** Σ of per-element (or per-row) loss values, weights applied; compensated float64 sum. */
  sumValue: number;
  /** Σ of per-element denominators: what `mean` divides by (Σw[y] for weighted cross-entropy). */
  sumDenominator: number;
  /** Rows: the first dimension N. */
  rows: number;
  /** Elements of the per-element (`'none'`) output. */
  elements: number;
  /** Rows that were ignored (`ignoreIndex`) and contribute nothing. */
  ignored: number;
}

/** The value type a reduction produces. */
export type ReducedValue<R extends string> = R extends 'none' ? Float64Array : number;

/** What every loss returns: the reduced value plus the sufficient statistics. */
export interface LossResult<R extends string = string> extends LossStats {
  /** The reduction that produced `value`. */
  reduction: R;
  /** The reduced loss: a number, or the per-element values for `reduction: 'none'`. */
  value: ReducedValue<R>;
}

/** Options every loss accepts. */
export interface LossOptions<R extends string = Reduction> {
  /** `'mean'` (default), `'sum'` or `'none'` (per-element values). */
  reduction?: R;
  /**
   * For `reduction: 'none'`: write the per-element values here instead of allocating. If the
   * call throws, its contents are unspecified (elements before the bad one may be written).
   */
  out?: Float64Array;
}

/** Options every gradient function accepts. */
export interface GradOptions<R extends string = Reduction> {
  /** The reduction whose gradient is wanted (default `'mean'`). */
  reduction?: R;
  /** With `reduction: 'none'`: the upstream gradient, one value per output element (default 1). */
  gradOutput?: FloatInput;
  /**
   * Per input name, a buffer to write the gradient into instead of allocating. If the call
   * throws, their contents are unspecified (elements before the bad one may be written).
   */
  out?: Record<string, Float64Array | undefined>;
}

/** Gradients by input name. */
export type Gradients = Record<string, Float64Array>;
