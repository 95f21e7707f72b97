import { type KernelInfo, kernels } from '@losskit/core';
import { type LossSpec, lossReport, type RunningLossUpdate } from '@losskit/stream';
import {
  type Data,
  type DataType,
  Field,
  FixedSizeList,
  Float32,
  Float64,
  Int32,
  Int64,
  makeData,
  RecordBatch,
  Schema,
  Struct,
} from 'apache-arrow';
import { from } from 'rxjs';
import { errorMismatch } from './checkCase.js';
import { diffScalar, diffTensor } from './compare.js';
import { type ReferenceCase, type RefTensor, toTypedArray } from './referenceCase.js';

/** The outcome of one case in streaming mode. */
export type StreamOutcome =
  | { status: 'passed' }
  | { status: 'skipped'; why: string }
  | { status: 'failed'; problems: string[] };

/** How long a case may take before it counts as a hang. */
const TIMEOUT_MS = 10_000;

/** mulberry32: a small seeded PRNG, so chunk sizes are reproducible from `--seed`. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/**
 * Splits `rows` into `k` contiguous chunks of pseudo-random sizes (seeded by `seed` and the case
 * id); with k ≥ 3 at least one chunk is empty. Returns the k + 1 boundaries.
 */
export function chunkBounds(rows: number, k: number, seed: number, id = ''): number[] {
  const rand = prng(seed ^ hash(id));
  const cuts: number[] = [];
  for (let i = 0; i < k - 1; i++) cuts.push(Math.floor(rand() * (rows + 1)));
  cuts.sort((a, b) => a - b);
  const bounds = [0, ...cuts, rows];
  if (k >= 3 && !bounds.some((b, i) => i > 0 && b === bounds[i - 1])) {
    // Make chunk j (1 ≤ j ≤ k − 2, an inner one) empty by repeating its left boundary.
    const j = 1 + Math.floor(rand() * (k - 2));
    bounds[j + 1] = bounds[j];
    for (let i = j + 2; i < k; i++) if (bounds[i] < bounds[j + 1]) bounds[i] = bounds[j + 1];
  }
  return bounds;
}

function arrowType(dtype: RefTensor['dtype']): DataType {
  switch (dtype) {
    case 'float32':
      return new Float32();
    case 'float64':
      return new Float64();
    case 'int32':
      return new Int32();
    case 'int64':
      return new Int64();
    default:
      throw new Error(`unknown dtype ${String(dtype)}`);
  }
}

interface ColumnSource {
  name: string;
  type: DataType;
  values: ArrayLike<number | bigint> & { subarray(a: number, b: number): unknown };
  /** Values per row; 0 for a flat column. */
  listSize: number;
}

/** Rows [from, to) of a column as Arrow Data: flat, or a FixedSizeList over the child values. */
function columnData(c: ColumnSource, from: number, to: number): Data {
  const w = c.listSize === 0 ? 1 : c.listSize;
  const values = c.values.subarray(from * w, to * w);
  const flat = makeData({ type: c.type, length: (to - from) * w, data: values } as never) as Data;
  if (c.listSize === 0) return flat;
  return makeData({
    type: new FixedSizeList(c.listSize, new Field('item', c.type, false)),
    length: to - from,
    nullCount: 0,
    child: flat,
  }) as Data;
}

function fieldType(c: ColumnSource): DataType {
  return c.listSize === 0
    ? c.type
    : new FixedSizeList(c.listSize, new Field('item', c.type, false));
}

/** Runs the report and resolves with every emission, or with the error it signalled. */
function collect(
  batches: RecordBatch[],
  specs: Record<string, LossSpec>,
): Promise<{ updates: Record<string, RunningLossUpdate>[]; error?: unknown; threw?: unknown }> {
  return new Promise((resolve) => {
    const updates: Record<string, RunningLossUpdate>[] = [];
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      sub?.unsubscribe();
      resolve({ updates, error: new Error(`no completion or error within ${TIMEOUT_MS} ms`) });
    }, TIMEOUT_MS);
    let sub: { unsubscribe(): void } | undefined;
    try {
      sub = from(batches)
        .pipe(lossReport(specs))
        .subscribe({
          next: (u) => updates.push(u.losses),
          error: (error) => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            resolve({ updates, error });
          },
          complete: () => {
            if (done) return;
            done = true;
            clearTimeout(timer);
            resolve({ updates });
          },
        });
    } catch (threw) {
      done = true;
      clearTimeout(timer);
      resolve({ updates, threw });
    }
  });
}

/**
 * Streaming mode (`--chunks K`): split the case's rows into K chunks, feed them as Arrow record
 * batches through `@losskit/stream` (one `lossReport` pass holding a `runningLoss` spec per
 * reduction), compare the final running values. `none` compares the concatenation of the
 * per-element values each batch's update carries.
 */
export async function streamCase(
  c: ReferenceCase,
  chunks: number,
  seed: number,
): Promise<StreamOutcome> {
  const info: KernelInfo | undefined = kernels[c.loss];
  if (info === undefined)
    return { status: 'failed', problems: [`@losskit/core exports no kernel named ${c.loss}`] };
  if (chunks > 1 && (info.rowCoupled || c.loss === 'infoNce')) {
    return {
      status: 'skipped',
      why: `${c.loss} couples the rows of a batch; only --chunks 1 reproduces it`,
    };
  }
  const names = Object.keys(c.inputs);
  const rowsOf = names.map((n) => c.inputs[n].shape[0] ?? 1);
  if (rowsOf.some((r) => r !== rowsOf[0])) {
    return {
      status: 'skipped',
      why: `inputs disagree in their first dimension (${names.map((n, i) => `${n}: ${rowsOf[i]}`).join(', ')}); an Arrow record batch cannot hold columns of different lengths`,
    };
  }
  const rows = rowsOf[0];
  const cols: ColumnSource[] = names.map((name) => {
    const t = c.inputs[name];
    const per = t.shape.slice(1).reduce((a, b) => a * b, 1);
    return {
      name,
      type: arrowType(t.dtype),
      values: toTypedArray(t),
      listSize: t.shape.length > 1 ? per : 0,
    };
  });
  // Per-element option arrays (the kernel's rowOptions, as long as the first input) split with
  // the rows as a column; per-class ones stay options.
  const options: Record<string, unknown> = { ...(c.options ?? {}) };
  const first = cols[0];
  const firstWidth = first.listSize === 0 ? 1 : first.listSize;
  const columns: Record<string, string> = {};
  for (const name of names) columns[name] = name;
  for (const opt of info.rowOptions) {
    const v = options[opt];
    if (Array.isArray(v) && v.length === rows * firstWidth && !(opt in c.inputs)) {
      cols.push({
        name: opt,
        type: new Float64(),
        values: Float64Array.from(v as number[]),
        listSize: first.listSize,
      });
      columns[opt] = opt;
      delete options[opt];
    }
  }
  const schema = new Schema(cols.map((col) => new Field(col.name, fieldType(col), false)));
  const bounds = chunkBounds(rows, chunks, seed, c.id);
  const batches: RecordBatch[] = [];
  for (let k = 0; k < chunks; k++) {
    const children = cols.map((col) => columnData(col, bounds[k], bounds[k + 1]));
    const length = bounds[k + 1] - bounds[k];
    batches.push(
      new RecordBatch(
        schema,
        makeData({ type: new Struct(schema.fields), length, nullCount: 0, children }),
      ),
    );
  }
  const reductions =
    c.error !== undefined ? [info.reductions[0] ?? 'mean'] : Object.keys(c.expected ?? {});
  const specs: Record<string, LossSpec> = {};
  for (const r of reductions)
    specs[r] = { loss: c.loss, columns, options: { ...options, reduction: r } };
  const run = await collect(batches, specs);
  if (run.threw !== undefined) {
    const e = run.threw;
    return {
      status: 'failed',
      problems: [`subscribe threw synchronously: ${e instanceof Error ? e.message : String(e)}`],
    };
  }
  if (c.error !== undefined) {
    if (run.error === undefined)
      return {
        status: 'failed',
        problems: [`expected a ${c.error} error, but the stream completed`],
      };
    const m = errorMismatch(c, run.error);
    return m === null ? { status: 'passed' } : { status: 'failed', problems: [m] };
  }
  if (run.error !== undefined) {
    const e = run.error;
    return {
      status: 'failed',
      problems: [`the stream errored: ${e instanceof Error ? e.message : String(e)}`],
    };
  }
  const last = run.updates.at(-1);
  const problems: string[] = [];
  if (last === undefined) return { status: 'failed', problems: ['the stream emitted nothing'] };
  for (const [reduction, expected] of Object.entries(c.expected ?? {})) {
    if (typeof expected === 'object') {
      const parts = run.updates.map((u) => u[reduction].batch.values ?? new Float64Array(0));
      const all = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
      let o = 0;
      for (const p of parts) {
        all.set(p, o);
        o += p.length;
      }
      const d = diffTensor(reduction, all, expected as RefTensor, c.tolerance);
      if (d !== null) problems.push(d);
    } else {
      const d = diffScalar(reduction, last[reduction].value, expected, c.tolerance);
      if (d !== null) problems.push(d);
    }
  }
  return problems.length === 0 ? { status: 'passed' } : { status: 'failed', problems };
}
