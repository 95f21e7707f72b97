// Validation prologue shared by every kernel: reads tensors, checks shapes and options, and
// throws errors that name the function, the argument and the offending value.
import { LossOptionError, LossRangeError, LossShapeError, LossTypeError } from '../errors.js';
import { bigIndicesToNumbers } from './bigIndices.js';

const NO_INDICES = new Int32Array(0);

/** A float input after validation: flat data plus its shape. */
export interface FloatView {
  readonly data: ArrayLike<number>;
  readonly shape: readonly number[];
}

/** A 2-D float input: `rows × cols`, row-major. */
export interface MatrixView {
  readonly data: ArrayLike<number>;
  readonly rows: number;
  readonly cols: number;
}

/** Class indices after validation: numbers (BigInt arrays are converted once). */
export interface IndexView {
  /** The indices as numbers (empty when `big` holds them). */
  readonly data: ArrayLike<number>;
  readonly shape: readonly number[];
  /** A BigInt64Array / BigUint64Array as it was passed, when indexArg was asked to keep it. */
  readonly big?: BigInt64Array | BigUint64Array;
}

/** A short description of a value for error messages. */
export function describe(x: unknown): string {
  if (x === null) return 'null';
  if (x === undefined) return 'undefined';
  if (typeof x === 'string')
    return `a string (${JSON.stringify(x.length > 20 ? `${x.slice(0, 20)}…` : x)})`;
  if (typeof x === 'number' || typeof x === 'boolean' || typeof x === 'bigint')
    return `${typeof x} ${String(x)}`;
  if (ArrayBuffer.isView(x))
    return `${x.constructor.name}(${(x as unknown as ArrayLike<unknown>).length})`;
  if (Array.isArray(x)) return `Array(${x.length})`;
  if (typeof x === 'function') return 'a function';
  return 'an object';
}

/** Formats a number for a message: keeps -0, NaN and Infinity readable. */
export function fmt(v: number | bigint): string {
  if (typeof v === 'bigint') return `${v}n`;
  return Object.is(v, -0) ? '-0' : String(v);
}

function isFloatTyped(x: unknown): x is ArrayLike<number> {
  return (
    x instanceof Float64Array ||
    x instanceof Float32Array ||
    x instanceof Int32Array ||
    x instanceof Int8Array ||
    x instanceof Int16Array ||
    x instanceof Uint8Array ||
    x instanceof Uint8ClampedArray ||
    x instanceof Uint16Array ||
    x instanceof Uint32Array
  );
}

function isBigTyped(x: unknown): x is BigInt64Array | BigUint64Array {
  return x instanceof BigInt64Array || x instanceof BigUint64Array;
}

/** True for integer typed arrays (the types accepted as class indices). */
export function isIntegerTyped(x: unknown): boolean {
  return (
    x instanceof Int32Array ||
    x instanceof Int8Array ||
    x instanceof Int16Array ||
    x instanceof Uint8Array ||
    x instanceof Uint16Array ||
    x instanceof Uint32Array ||
    isBigTyped(x)
  );
}

function isTensor(x: unknown): x is { data: unknown; shape: unknown } {
  return (
    typeof x === 'object' &&
    x !== null &&
    !ArrayBuffer.isView(x) &&
    !Array.isArray(x) &&
    'data' in x
  );
}

/** The raw data and shape of an input, before element types are checked. */
export function unwrap(
  fn: string,
  arg: string,
  x: unknown,
): { data: unknown; shape: readonly number[] | null } {
  if (!isTensor(x)) return { data: x, shape: null };
  const shape = (x as { shape?: unknown }).shape;
  if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new LossShapeError(
      fn,
      arg,
      `${arg}.shape must be an array of non-negative integers, got ${describe(shape)}`,
    );
  }
  return { data: x.data, shape };
}

function checkShape(
  fn: string,
  arg: string,
  length: number,
  shape: readonly number[] | null,
): readonly number[] {
  if (shape === null) return [length];
  let n = 1;
  for (const d of shape) n *= d;
  if (n !== length) {
    throw new LossShapeError(
      fn,
      arg,
      `${arg}.shape [${shape.join(', ')}] holds ${n} elements but ${arg}.data has ${length}`,
    );
  }
  return shape;
}

/** Reads a float input (typed array, number[] or `{data, shape}`). */
export function floatArg(fn: string, arg: string, x: unknown): FloatView {
  const { data, shape } = unwrap(fn, arg, x);
  if (isFloatTyped(data)) return { data, shape: checkShape(fn, arg, data.length, shape) };
  if (Array.isArray(data)) {
    for (let i = 0; i < data.length; i++) {
      if (typeof data[i] !== 'number') {
        throw new LossTypeError(fn, arg, `${arg}[${i}] is ${describe(data[i])}, expected a number`);
      }
    }
    return { data, shape: checkShape(fn, arg, data.length, shape) };
  }
  if (isBigTyped(data)) {
    throw new LossTypeError(
      fn,
      arg,
      `${arg} is ${describe(data)}; expected Float32Array, Float64Array or number[]`,
    );
  }
  throw new LossTypeError(
    fn,
    arg,
    `${arg} is ${describe(data)}; expected Float32Array, Float64Array or number[]`,
  );
}

/**
 * Reads a 2-D input `[N, C]`. A bare array is split into rows of `cols` when the caller could
 * infer `cols` (for example from the target's length); otherwise a `{data, shape}` is required.
 */
export function matrixArg(fn: string, arg: string, x: unknown, cols?: number): MatrixView {
  const v = floatArg(fn, arg, x);
  return toMatrix(fn, arg, v, cols);
}

/** Views a validated float input as a matrix. */
export function toMatrix(fn: string, arg: string, v: FloatView, cols?: number): MatrixView {
  if (v.shape.length === 2) return { data: v.data, rows: v.shape[0], cols: v.shape[1] };
  if (v.shape.length === 1 && cols !== undefined && cols > 0 && v.data.length % cols === 0) {
    return { data: v.data, rows: v.data.length / cols, cols };
  }
  throw new LossShapeError(
    fn,
    arg,
    `${arg} must be 2-D [N, C]; got shape [${v.shape.join(', ')}] (pass {data, shape: [N, C]} when C cannot be inferred)`,
  );
}

/**
 * Reads class indices: integer typed arrays, BigInt64Array, or integral numbers. BigInt arrays
 * are converted to numbers, unless `keepBig`: then they come back as `big` (and `data` is empty)
 * for a kernel that reads their 64-bit words itself.
 */
export function indexArg(fn: string, arg: string, x: unknown, keepBig = false): IndexView {
  const { data, shape } = unwrap(fn, arg, x);
  if (isBigTyped(data)) {
    const checked = checkShape(fn, arg, data.length, shape);
    if (keepBig) return { data: NO_INDICES, shape: checked, big: data };
    return { data: bigIndicesToNumbers(data), shape: checked };
  }
  if (isFloatTyped(data) || Array.isArray(data)) {
    const d = data as ArrayLike<unknown>;
    if (!isIntegerTyped(data)) {
      for (let i = 0; i < d.length; i++) {
        const v = d[i];
        if (typeof v !== 'number')
          throw new LossTypeError(
            fn,
            arg,
            `${arg}[${i}] is ${describe(v)}, expected a class index`,
          );
        if (!Number.isInteger(v))
          throw new LossRangeError(
            fn,
            arg,
            `${arg}[${i}] = ${fmt(v)} is not an integer class index`,
          );
      }
    }
    return { data: d as ArrayLike<number>, shape: checkShape(fn, arg, d.length, shape) };
  }
  throw new LossTypeError(
    fn,
    arg,
    `${arg} is ${describe(data)}; expected an integer typed array or number[] of class indices`,
  );
}

/** Throws unless `a` and `b` have the same number of elements. */
export function sameLength(fn: string, a: string, na: number, b: string, nb: number): void {
  if (na !== nb) throw new LossShapeError(fn, b, `${b} has ${nb} elements but ${a} has ${na}`);
}

/** Reads an options object: `undefined` means defaults; anything else but an object is an error. */
export function optionsArg<T extends object>(fn: string, options: T | undefined): Partial<T> {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || Array.isArray(options) || ArrayBuffer.isView(options)) {
    throw new LossOptionError(fn, 'options', `options must be an object, got ${describe(options)}`);
  }
  return options;
}

/** A finite number option within `[lo, hi]` (bounds inclusive unless stated), or its default. */
export function numberOption(
  fn: string,
  name: string,
  v: unknown,
  dflt: number,
  check: (x: number) => boolean = Number.isFinite,
  what = 'a finite number',
): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || Number.isNaN(v) || !check(v)) {
    throw new LossOptionError(
      fn,
      name,
      `option ${name} = ${typeof v === 'number' ? fmt(v) : describe(v)} is invalid; expected ${what}`,
    );
  }
  return v;
}

/** A boolean option, or its default. */
export function booleanOption(fn: string, name: string, v: unknown, dflt: boolean): boolean {
  if (v === undefined) return dflt;
  if (typeof v !== 'boolean')
    throw new LossOptionError(
      fn,
      name,
      `option ${name} = ${describe(v)} is invalid; expected a boolean`,
    );
  return v;
}

/** An integer option, or its default. */
export function integerOption(fn: string, name: string, v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new LossOptionError(
      fn,
      name,
      `option ${name} = ${typeof v === 'number' ? fmt(v) : describe(v)} is invalid; expected an integer`,
    );
  }
  return v;
}

/** A per-class (or per-column) float array option of exactly `length` entries, or undefined. */
export function vectorOption(
  fn: string,
  name: string,
  v: unknown,
  length: number,
  lengthOf: string,
): ArrayLike<number> | undefined {
  if (v === undefined || v === null) return undefined;
  const view = floatArg(fn, name, v);
  if (view.data.length !== length) {
    throw new LossShapeError(
      fn,
      name,
      `option ${name} has ${view.data.length} entries but ${lengthOf} is ${length}`,
    );
  }
  return view.data;
}

/** A per-element float array option matching the input's element count, or undefined. */
export function elementOption(
  fn: string,
  name: string,
  v: unknown,
  length: number,
  lengthOf: string,
): ArrayLike<number> | undefined {
  return vectorOption(fn, name, v, length, lengthOf);
}
