// Reads the columns a loss uses out of a record batch, without copying when it can: float
// columns and FixedSizeList children are passed to the kernel as typed-array views.
import { type Data, DataType, type RecordBatch, Type } from 'apache-arrow';
import { StreamColumnError } from './errors.js';

/** Typed arrays a column may hand to a kernel. */
export type ColumnArray =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigInt64Array
  | BigUint64Array;

/** What an input accepts. */
export type ColumnKind = 'float' | 'index' | 'float-or-index';

/** A column read for a kernel: `rows × width` values, row-major. */
export interface ColumnView {
  readonly column: string;
  /** The flat values (a view into the batch's buffers when possible). */
  readonly values: ColumnArray;
  readonly rows: number;
  /** Values per row: 1 for a flat column, the list size for a FixedSizeList. */
  readonly width: number;
  /** True for FixedSizeList columns (shape `[rows, width]`). */
  readonly listed: boolean;
  /** True when the values are floats (NaN checks apply). */
  readonly float: boolean;
  /** The Data holding validity: the column's own and, for lists, the child's. */
  readonly data: Data;
}

const FLOAT_EXPECTED = 'Float32, Float64 or FixedSizeList<Float32|Float64>';
const INDEX_EXPECTED = 'Int8–Int64, Uint8–Uint32 or Dictionary<…, Int*>';

function describeType(t: DataType): string {
  return String(t);
}

/** Column names of a batch, in schema order. */
export function columnNames(batch: RecordBatch): string[] {
  return batch.schema.fields.map((f) => f.name);
}

/** The Data of a named column, or a StreamColumnError naming what exists. */
export function columnData(
  fn: string,
  arg: string,
  batch: RecordBatch,
  column: string,
  expected: string,
): Data {
  const fields = batch.schema.fields;
  for (let i = 0; i < fields.length; i++) {
    if (fields[i].name === column) return batch.data.children[i];
  }
  throw new StreamColumnError('type', fn, arg, {
    column,
    expected,
    found: 'no such column',
    columns: columnNames(batch),
  });
}

function floatValues(d: Data, length: number): Float32Array | Float64Array | null {
  if (d.typeId !== Type.Float) return null;
  const v = d.values as unknown;
  if (v instanceof Float32Array || v instanceof Float64Array) {
    return v.length === length ? v : v.subarray(0, length);
  }
  return null; // Float16
}

function intValues(d: Data, length: number): ColumnArray | null {
  if (d.typeId !== Type.Int) return null;
  const v = d.values as ColumnArray;
  return v.length === length ? v : (v.subarray(0, length) as ColumnArray);
}

/**
 * Reads a column for an input of the given kind and rank. Dictionary columns yield class indices:
 * the dictionary's values when they are integers, otherwise the keys (the position of the class
 * name in the dictionary).
 */
export function readColumn(
  fn: string,
  arg: string,
  batch: RecordBatch,
  column: string,
  kind: ColumnKind,
  rank: 1 | 2 | 'any',
): ColumnView {
  const expected =
    kind === 'index'
      ? INDEX_EXPECTED
      : kind === 'float'
        ? rank === 1
          ? 'Float32 or Float64'
          : rank === 2
            ? 'FixedSizeList<Float32|Float64>'
            : FLOAT_EXPECTED
        : `${INDEX_EXPECTED} (class indices), or FixedSizeList<Float32|Float64> (probabilities)`;
  const d = columnData(fn, arg, batch, column, expected);
  const rows = d.length;
  const fail = (found: string): never => {
    throw new StreamColumnError('type', fn, arg, {
      column,
      expected,
      found,
      columns: columnNames(batch),
    });
  };
  const t = d.type as DataType;
  if (DataType.isFixedSizeList(t)) {
    if (kind === 'index' || (rank === 1 && kind === 'float')) return fail(describeType(t));
    const width = t.listSize;
    const child = d.children[0];
    const values = floatValues(child, rows * width);
    if (values === null) return fail(describeType(t));
    return { column, values, rows, width, listed: true, float: true, data: d };
  }
  if (rank === 2) return fail(describeType(t));
  if (kind !== 'index') {
    const f = floatValues(d, rows);
    if (f !== null)
      return { column, values: f, rows, width: 1, listed: false, float: true, data: d };
  }
  if (kind === 'float' && DataType.isInt(t)) {
    // Integer data where floats belong (e.g. ±1 targets stored as Int8): exact as float64.
    const iv = intValues(d, rows) as ColumnArray;
    if (iv instanceof BigInt64Array || iv instanceof BigUint64Array) {
      const out = new Float64Array(rows);
      for (let i = 0; i < rows; i++) out[i] = Number(iv[i]);
      return { column, values: out, rows, width: 1, listed: false, float: false, data: d };
    }
    return { column, values: iv, rows, width: 1, listed: false, float: false, data: d };
  }
  if (kind === 'float') return fail(describeType(t));
  const iv = intValues(d, rows);
  if (iv !== null)
    return { column, values: iv, rows, width: 1, listed: false, float: false, data: d };
  if (DataType.isDictionary(t)) {
    const keys = d.values as ColumnArray;
    const dict = d.dictionary;
    if (dict !== undefined && DataType.isInt(dict.type)) {
      const out = new Float64Array(rows);
      for (let i = 0; i < rows; i++) {
        const k = Number(keys[i]);
        out[i] = Number(dict.get(k));
      }
      return { column, values: out, rows, width: 1, listed: false, float: false, data: d };
    }
    return {
      column,
      values: keys.subarray(0, rows) as ColumnArray,
      rows,
      width: 1,
      listed: false,
      float: false,
      data: d,
    };
  }
  return fail(describeType(t));
}

/** Marks rows (sets `invalid[i] = 1`) where the column or, for lists, any child value is null. */
export function markNulls(view: ColumnView, invalid: Uint8Array): number {
  let marked = 0;
  const d = view.data;
  if (d.nullCount > 0 && d.nullBitmap !== undefined && d.nullBitmap !== null) {
    const bm = d.nullBitmap;
    const off = d.offset;
    for (let i = 0; i < view.rows; i++) {
      const b = off + i;
      if ((bm[b >> 3] & (1 << (b & 7))) === 0 && invalid[i] === 0) {
        invalid[i] = 1;
        marked++;
      }
    }
  }
  if (view.listed) {
    const c = d.children[0];
    if (c.nullCount > 0 && c.nullBitmap !== undefined && c.nullBitmap !== null) {
      const bm = c.nullBitmap;
      const off = c.offset;
      const w = view.width;
      for (let i = 0; i < view.rows; i++) {
        if (invalid[i] !== 0) continue;
        for (let j = 0; j < w; j++) {
          const b = off + i * w + j;
          if ((bm[b >> 3] & (1 << (b & 7))) === 0) {
            invalid[i] = 1;
            marked++;
            break;
          }
        }
      }
    }
  }
  return marked;
}

/** True when the column (or a list child) has any null. */
export function hasNulls(view: ColumnView): boolean {
  if (view.data.nullCount > 0) return true;
  return view.listed && view.data.children[0].nullCount > 0;
}

/** Index of the first row holding a NaN, or −1. */
export function firstNanRow(view: ColumnView): number {
  if (!view.float) return -1;
  const v = view.values as Float32Array | Float64Array;
  const w = view.width;
  for (let i = 0; i < v.length; i++) {
    // biome-ignore lint/suspicious/noSelfCompare: NaN test without a call per element
    if (v[i] !== v[i]) return Math.floor(i / w);
  }
  return -1;
}

/** Marks rows holding a NaN; returns how many were newly marked. */
export function markNans(view: ColumnView, invalid: Uint8Array): number {
  if (!view.float) return 0;
  const v = view.values as Float32Array | Float64Array;
  const w = view.width;
  let marked = 0;
  for (let i = 0; i < v.length; i++) {
    // biome-ignore lint/suspicious/noSelfCompare: NaN test without a call per element
    if (v[i] !== v[i]) {
      const r = Math.floor(i / w);
      if (invalid[r] === 0) {
        invalid[r] = 1;
        marked++;
      }
      i = (r + 1) * w - 1;
    }
  }
  return marked;
}

/** The rows of `values` (width per row) whose `keep` flag is set, copied into a new array. */
export function gatherRows(
  values: ColumnArray,
  width: number,
  rowsIdx: Int32Array | readonly number[],
  count: number,
): ColumnArray {
  const C = values.constructor as new (n: number) => ColumnArray;
  const out = new C(count * width);
  if (width === 1) {
    for (let k = 0; k < count; k++) (out as Float64Array)[k] = (values as Float64Array)[rowsIdx[k]];
  } else {
    for (let k = 0; k < count; k++) {
      const r = rowsIdx[k];
      (out as Float64Array).set(
        (values as Float64Array).subarray(r * width, (r + 1) * width),
        k * width,
      );
    }
  }
  return out;
}
