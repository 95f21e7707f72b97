/** What kind of misuse an error reports; the reference vectors' `error` field uses the same names. */
export type LossErrorKind = 'shape' | 'range' | 'option' | 'type';

/**
 * The base of every error losskit throws on bad input. `fn` is the function that threw and
 * `arg` the argument at fault; the message starts with `fn: ` and names the offending value.
 */
export class LossError extends Error {
  readonly kind: LossErrorKind;
  readonly fn: string;
  readonly arg: string;
  constructor(kind: LossErrorKind, fn: string, arg: string, message: string) {
    super(`${fn}: ${message}`);
    this.name = 'LossError';
    this.kind = kind;
    this.fn = fn;
    this.arg = arg;
  }
}

/** Lengths or dimensions that do not fit together. */
export class LossShapeError extends LossError {
  constructor(fn: string, arg: string, message: string) {
    super('shape', fn, arg, message);
    this.name = 'LossShapeError';
  }
}

/** A value outside its domain: a class index out of range, a probability outside [0, 1]. */
export class LossRangeError extends LossError {
  constructor(fn: string, arg: string, message: string) {
    super('range', fn, arg, message);
    this.name = 'LossRangeError';
  }
}

/** An invalid option value (`labelSmoothing: 1.5`, `reduction: 'avg'`). */
export class LossOptionError extends LossError {
  constructor(fn: string, arg: string, message: string) {
    super('option', fn, arg, message);
    this.name = 'LossOptionError';
  }
}

/** An argument of the wrong type: a string where an array belongs, a float array of labels. */
export class LossTypeError extends LossError {
  constructor(fn: string, arg: string, message: string) {
    super('type', fn, arg, message);
    this.name = 'LossTypeError';
  }
}
