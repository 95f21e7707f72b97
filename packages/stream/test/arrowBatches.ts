// Builds real Arrow record batches and IPC bytes for the tests.
import {
  type Data,
  type DataType,
  Field,
  FixedSizeList,
  Float32,
  Int32,
  makeData,
  RecordBatch,
  RecordBatchFileWriter,
  RecordBatchStreamWriter,
  Schema,
  Struct,
} from 'apache-arrow';

/** A batch from named Data columns (all of the same length). */
export function batchOf(columns: Record<string, Data>): RecordBatch {
  const fields = Object.entries(columns).map(
    ([name, d]) => new Field(name, d.type as DataType, true),
  );
  const schema = new Schema(fields);
  const length = Object.values(columns)[0]?.length ?? 0;
  return new RecordBatch(
    schema,
    makeData({ type: new Struct(fields), length, nullCount: 0, children: Object.values(columns) }),
  );
}

/** A Float32 column. */
export function f32(values: ArrayLike<number>): Data {
  return makeData({ type: new Float32(), length: values.length, data: Float32Array.from(values) });
}

/** An Int32 column; `nulls` lists rows to mark null in the validity bitmap. */
export function i32(values: ArrayLike<number>, nulls: readonly number[] = []): Data {
  const n = values.length;
  if (nulls.length === 0)
    return makeData({ type: new Int32(), length: n, data: Int32Array.from(values) });
  const bitmap = new Uint8Array(Math.ceil(n / 8)).fill(0xff);
  for (const r of nulls) bitmap[r >> 3] &= ~(1 << (r & 7));
  return makeData({
    type: new Int32(),
    length: n,
    nullCount: nulls.length,
    nullBitmap: bitmap,
    data: Int32Array.from(values),
  });
}

/** A FixedSizeList<Float32> column of `rows × width` values (row-major). */
export function list32(values: ArrayLike<number>, width: number): Data {
  const child = f32(values);
  const type: DataType = new FixedSizeList(width, new Field('item', new Float32(), true));
  return makeData({ type, length: values.length / width, nullCount: 0, child } as never) as Data;
}

/** Seeded uniform numbers in [lo, hi). */
export function seeded(seed: number): (lo?: number, hi?: number) => number {
  let a = seed >>> 0;
  return (lo = 0, hi = 1) => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return lo + (hi - lo) * (((t ^ (t >>> 14)) >>> 0) / 4294967296);
  };
}

/** A classification batch: `rows × classes` logits and Int32 labels. */
export function ceBatch(rows: number, classes: number, seed: number): RecordBatch {
  const r = seeded(seed);
  const logits = Array.from({ length: rows * classes }, () => r(-4, 4));
  const labels = Array.from({ length: rows }, () => Math.floor(r(0, classes)));
  return batchOf({ logits: list32(logits, classes), label: i32(labels) });
}

/** IPC stream bytes of the batches (with the end-of-stream marker). */
export function streamBytes(batches: RecordBatch[]): Uint8Array {
  return RecordBatchStreamWriter.writeAll(batches).toUint8Array(true);
}

/** IPC file bytes (ARROW1 magic, footer) of the batches. */
export function fileBytes(batches: RecordBatch[]): Uint8Array {
  return RecordBatchFileWriter.writeAll(batches).toUint8Array(true);
}
