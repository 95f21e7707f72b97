import { LossError, type LossErrorKind } from '@losskit/core';

/**
 * A column of a record batch that does not fit the loss: missing, of the wrong Arrow type, or of
 * a list size the options disagree with. A `LossError` (kind `type` or `shape`), so one `catch`
 * handles kernel and stream errors alike.
 */
export class StreamColumnError extends LossError {
  /** The column at fault. */
  readonly column: string;
  /** What the loss needed, e.g. `Float32, Float64 or FixedSizeList<Float32|Float64>`. */
  readonly expected: string;
  /** What the batch held, e.g. `Utf8`, or `no such column`. */
  readonly found: string;
  /** Every column the batch has, in schema order. */
  readonly columns: readonly string[];
  constructor(
    kind: LossErrorKind,
    fn: string,
    arg: string,
    detail: { column: string; expected: string; found: string; columns: readonly string[] },
  ) {
    super(
      kind,
      fn,
      arg,
      `column "${detail.column}" (${arg}): expected ${detail.expected}, found ${detail.found}; the batch has columns [${detail.columns.map((c) => JSON.stringify(c)).join(', ')}]`,
    );
    this.name = 'StreamColumnError';
    this.column = detail.column;
    this.expected = detail.expected;
    this.found = detail.found;
    this.columns = detail.columns;
  }
}

/** A NaN in a used column under the `nan: 'error'` policy. */
export class StreamNanError extends LossError {
  readonly column: string;
  /** Row of the batch (0-based) holding the NaN. */
  readonly row: number;
  constructor(fn: string, arg: string, column: string, row: number, batchIndex: number) {
    super(
      'range',
      fn,
      arg,
      `column "${column}" (${arg}) holds NaN at row ${row} of batch ${batchIndex} and the nan policy is 'error'`,
    );
    this.name = 'StreamNanError';
    this.column = column;
    this.row = row;
  }
}

/** Bytes that are not a readable Arrow IPC stream or file (bad magic, corrupt or cut metadata). */
export class ArrowIpcError extends Error {
  /** Where the bytes came from (a path, or `stream`). */
  readonly source: string;
  constructor(source: string, message: string, options?: { cause?: unknown }) {
    super(`Arrow IPC (${source}): ${message}`, options);
    this.name = 'ArrowIpcError';
    this.source = source;
  }
}

/** A state that cannot be merged or parsed (different losses, malformed JSON). */
export class StreamStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StreamStateError';
  }
}
