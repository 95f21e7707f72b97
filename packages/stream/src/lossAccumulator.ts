// The engine behind runningLoss and lossReport: one spec, fed one record batch at a time.
import {
  type KernelInfo,
  kernels,
  LossError,
  LossOptionError,
  LossShapeError,
  type LossStats,
} from '@losskit/core';
import { type DataType, type RecordBatch, Type } from 'apache-arrow';
import { asyncScheduler } from 'rxjs';
import {
  type ColumnArray,
  type ColumnView,
  columnData,
  columnNames,
  firstNanRow,
  gatherRows,
  hasNulls,
  markNans,
  markNulls,
  readColumn,
} from './batchColumns.js';
import { countOption } from './countOption.js';
import { StreamColumnError, StreamNanError } from './errors.js';
import type { LossSpec } from './LossSpec.js';
import {
  addCompensated,
  addTotals,
  compensatedValue,
  copyState,
  emptyTotals,
  initialState,
  type LossState,
  type LossTotals,
  type RunningReduction,
  stateValue,
} from './LossState.js';
import type { RunningLossUpdate, RunningValue } from './RunningLossUpdate.js';

const FN = 'runningLoss';

/** Inputs of one batch, ready for the kernel: rows × width per column. */
interface Prepared {
  rows: number;
  cols: { name: string; values: ColumnArray; width: number; shaped: boolean }[];
  rowOpts: { name: string; values: ColumnArray }[];
}

interface Segment {
  prepared: Prepared;
  totals: LossTotals;
}

function totalsOf(r: LossStats, skippedNaN: number, skippedNull: number): LossTotals {
  return {
    sumValue: [r.sumValue, 0],
    sumDenominator: [r.sumDenominator, 0],
    rows: r.rows,
    elements: r.elements,
    ignored: r.ignored,
    skippedNaN,
    skippedNull,
  };
}

/** Rows [from, to) of prepared inputs, as views, or as copies when `copy`. */
function slicePrepared(p: Prepared, from: number, to: number, copy: boolean): Prepared {
  const cut = (v: ColumnArray, w: number): ColumnArray => {
    const s = v.subarray(from * w, to * w) as ColumnArray;
    return copy ? (s.slice() as ColumnArray) : s;
  };
  return {
    rows: to - from,
    cols: p.cols.map((c) => ({ ...c, values: cut(c.values, c.width) })),
    rowOpts: p.rowOpts.map((o) => ({
      name: o.name,
      values: cut(o.values, o.values.length / Math.max(p.rows, 1) || 1),
    })),
  };
}

function describeType(t: DataType): string {
  return String(t);
}

/** Folds record batches into a running loss; `update` returns what `runningLoss` emits. */
export class LossAccumulator {
  readonly info: KernelInfo;
  readonly reduction: RunningReduction;
  private readonly spec: LossSpec;
  private readonly empty: number | null;
  private readonly sumOptions: Record<string, unknown>;
  private readonly noneOptions: Record<string, unknown>;
  private readonly inputColumns: {
    name: string;
    column: string;
    kind: 'float' | 'index' | 'float-or-index';
    rank: 1 | 2 | 'any';
  }[];
  private readonly rowOptionColumns: { name: string; column: string }[];
  private readonly nan: 'propagate' | 'skip' | 'error';
  private state: LossState;
  private index = 0;
  // windows
  private readonly windowRows: number | undefined;
  private readonly windowBatches: number | undefined;
  private readonly windowTime: { ms: number; column?: string } | undefined;
  private rowSegments: Segment[] = [];
  private rowSegmentRows = 0;
  private batchWindow: LossTotals[] = [];
  private timeWindow: { t: number; totals: LossTotals }[] = [];
  private latestTime = Number.NEGATIVE_INFINITY;
  // smoothing
  private readonly smoothing: number | undefined;
  private emaLast = 0;
  private emaCount = 0;

  constructor(spec: LossSpec) {
    if (typeof spec !== 'object' || spec === null) {
      throw new LossOptionError(FN, 'spec', 'the spec must be an object');
    }
    const info = kernels[spec.loss];
    if (info === undefined) {
      throw new LossOptionError(
        FN,
        'loss',
        `option loss = ${JSON.stringify(spec.loss)} is not a kernel of @losskit/core; known: ${Object.keys(kernels).join(', ')}`,
      );
    }
    this.info = info;
    this.spec = spec;
    const options = { ...(spec.options ?? {}) };
    const reduction = (options.reduction ?? info.reductions[0] ?? 'mean') as string;
    if (
      !info.reductions.includes(reduction) ||
      !['mean', 'sum', 'none', 'batchmean'].includes(reduction)
    ) {
      throw new LossOptionError(
        info.name,
        'reduction',
        `option reduction = ${JSON.stringify(reduction)} is invalid; expected one of ${info.reductions.map((r) => `'${r}'`).join(', ')}`,
      );
    }
    this.reduction = reduction as RunningReduction;
    delete options.reduction;
    delete options.out;
    this.sumOptions = { ...options, reduction: 'sum' };
    this.noneOptions = { ...options, reduction: 'none' };
    this.empty = spec.empty === undefined ? Number.NaN : spec.empty;
    this.nan = spec.nan ?? 'propagate';
    if (!['propagate', 'skip', 'error'].includes(this.nan)) {
      throw new LossOptionError(
        FN,
        'nan',
        `option nan = ${JSON.stringify(spec.nan)} is invalid; expected 'propagate', 'skip' or 'error'`,
      );
    }
    const columns = spec.columns ?? {};
    if (typeof columns !== 'object')
      throw new LossOptionError(FN, 'columns', 'option columns must be an object');
    this.inputColumns = info.inputs.map((inp) => {
      const column = columns[inp.name];
      if (typeof column !== 'string') {
        throw new LossOptionError(
          FN,
          'columns',
          `${info.name} needs a column for its input ${inp.name} (columns.${inp.name}); its inputs are ${info.inputs.map((i) => i.name).join(', ')}`,
        );
      }
      return { name: inp.name, column, kind: inp.kind, rank: inp.rank };
    });
    this.rowOptionColumns = [];
    for (const [name, column] of Object.entries(columns)) {
      if (info.inputs.some((i) => i.name === name)) continue;
      if (!info.rowOptions.includes(name)) {
        throw new LossOptionError(
          FN,
          'columns',
          `columns.${name}: ${info.name} has no input or per-element option named ${name}; inputs: ${info.inputs.map((i) => i.name).join(', ')}${info.rowOptions.length > 0 ? `; per-element options: ${info.rowOptions.join(', ')}` : ''}`,
        );
      }
      this.rowOptionColumns.push({ name, column });
    }
    const w = spec.window ?? {};
    this.windowRows = countOption(FN, 'window.rows', w.rows);
    this.windowBatches = countOption(FN, 'window.batches', w.batches);
    if (w.time !== undefined) {
      if (typeof w.time.ms !== 'number' || !(w.time.ms > 0)) {
        throw new LossOptionError(
          FN,
          'window.time.ms',
          `option window.time.ms = ${String(w.time.ms)} is invalid; expected a positive number`,
        );
      }
      this.windowTime = w.time;
    }
    if (spec.smoothing !== undefined) {
      const s = spec.smoothing;
      if (typeof s !== 'number' || !(s >= 0 && s < 1)) {
        throw new LossOptionError(
          FN,
          'smoothing',
          `option smoothing = ${String(s)} is invalid; expected a number in [0, 1)`,
        );
      }
      this.smoothing = s;
    }
    this.state = initialState(info.name);
  }

  /** The state so far (a snapshot). */
  snapshot(): LossState {
    return copyState(this.state);
  }

  /** Reads, filters and computes one batch; returns the update. Throws typed errors only. */
  update(batch: RecordBatch): RunningLossUpdate {
    try {
      return this.step(batch);
    } catch (err) {
      if (err instanceof LossError) throw err;
      // A batch whose buffers disagree with its lengths (corrupt bytes that still parsed).
      throw new StreamColumnError('shape', FN, 'batch', {
        column: '*',
        expected: 'a well-formed record batch',
        found: `a malformed batch (${err instanceof Error ? `${err.name}: ${err.message}` : String(err)})`,
        columns: safeColumnNames(batch),
      });
    }
  }

  private step(batch: RecordBatch): RunningLossUpdate {
    const index = this.index;
    const views: ColumnView[] = this.inputColumns.map((c) =>
      readColumn(FN, c.name, batch, c.column, c.kind, c.rank),
    );
    const optViews: ColumnView[] = this.rowOptionColumns.map((c) =>
      readColumn(FN, c.name, batch, c.column, 'float', 'any'),
    );
    const n = batch.numRows;
    // Rows to skip: Arrow nulls in any used column, then NaN under the skip policy.
    let invalid: Uint8Array | null = null;
    let nulls = 0;
    let nans = 0;
    const all = optViews.length > 0 ? views.concat(optViews) : views;
    for (const v of all) {
      if (hasNulls(v)) {
        invalid ??= new Uint8Array(n);
        nulls += markNulls(v, invalid);
      }
    }
    if (this.nan === 'error') {
      for (let k = 0; k < all.length; k++) {
        const r = firstNanRow(all[k]);
        if (r >= 0 && (invalid === null || invalid[r] === 0)) {
          const name =
            k < views.length
              ? this.inputColumns[k].name
              : this.rowOptionColumns[k - views.length].name;
          throw new StreamNanError(FN, name, all[k].column, r, index);
        }
      }
    } else if (this.nan === 'skip') {
      for (const v of all) {
        if (firstNanRow(v) < 0) continue;
        invalid ??= new Uint8Array(n);
        nans += markNans(v, invalid);
      }
    }
    let prepared: Prepared;
    let keptIdx: Int32Array | null = null;
    if (invalid !== null && nulls + nans > 0) {
      keptIdx = new Int32Array(n - nulls - nans);
      let k = 0;
      for (let i = 0; i < n; i++) if (invalid[i] === 0) keptIdx[k++] = i;
      const m = keptIdx.length;
      prepared = {
        rows: m,
        cols: views.map((v) => ({
          name: '',
          values: gatherRows(v.values, v.width, keptIdx as Int32Array, m),
          width: v.width,
          shaped: v.listed,
        })),
        rowOpts: optViews.map((v, j) => ({
          name: this.rowOptionColumns[j].name,
          values: gatherRows(v.values, v.width, keptIdx as Int32Array, m),
        })),
      };
    } else {
      prepared = {
        rows: n,
        cols: views.map((v) => ({ name: '', values: v.values, width: v.width, shaped: v.listed })),
        rowOpts: optViews.map((v, j) => ({
          name: this.rowOptionColumns[j].name,
          values: v.values,
        })),
      };
    }
    for (let j = 0; j < prepared.cols.length; j++)
      prepared.cols[j].name = this.inputColumns[j].name;

    const r = this.compute(prepared, this.reduction === 'none' ? 'none' : 'sum', batch, views);
    const batchTotals = totalsOf(r, nans, nulls);
    // Running totals: the kernel's sum is already compensated; add it as one term.
    const st = this.state;
    addCompensated(st.sumValue, r.sumValue);
    addCompensated(st.sumDenominator, r.sumDenominator);
    st.rows += r.rows;
    st.elements += r.elements;
    st.ignored += r.ignored;
    st.skippedNaN += nans;
    st.skippedNull += nulls;
    st.batches++;

    let groups: Record<string, RunningValue> | undefined;
    if (this.spec.groupBy !== undefined) {
      this.updateGroups(batch, prepared, keptIdx);
      groups = {};
      for (const [k, g] of Object.entries(st.groups)) groups[k] = this.running(g);
    }

    const time = this.batchTime(batch);
    const window: RunningLossUpdate['window'] = {};
    if (this.windowRows !== undefined)
      window.rows = this.updateRowWindow(prepared, batchTotals, batch, views);
    if (this.windowBatches !== undefined) {
      this.batchWindow.push(batchTotals);
      if (this.batchWindow.length > this.windowBatches) this.batchWindow.shift();
      window.batches = this.running(sumTotals(this.batchWindow));
    }
    if (this.windowTime !== undefined) {
      if (time > this.latestTime) this.latestTime = time;
      this.timeWindow.push({ t: time, totals: batchTotals });
      const edge = this.latestTime - this.windowTime.ms;
      while (this.timeWindow.length > 0 && !(this.timeWindow[0].t > edge)) this.timeWindow.shift();
      window.time = this.running(sumTotals(this.timeWindow.map((e) => e.totals)));
    }

    const batchValue = this.running(batchTotals);
    let smoothed: number | null = null;
    if (this.smoothing !== undefined) {
      const v = batchValue.value;
      if (typeof v === 'number' && Number.isFinite(v)) {
        // TensorBoard: last = last·w + (1 − w)·v; debiased by 1 − w^count.
        const w = this.smoothing;
        this.emaLast = this.emaLast * w + (1 - w) * v;
        this.emaCount++;
      }
      if (this.emaCount > 0) {
        const w = this.smoothing;
        smoothed = w === 0 ? this.emaLast : this.emaLast / (1 - w ** this.emaCount);
      }
    }
    this.index++;
    // Built as one literal with a fixed shape (an object spread here cost microseconds per batch).
    const update: RunningLossUpdate = {
      value: stateValue(st, this.reduction, this.empty),
      sum: compensatedValue(st.sumValue),
      denominator: compensatedValue(st.sumDenominator),
      rows: st.rows,
      elements: st.elements,
      skipped: { nan: st.skippedNaN, null: st.skippedNull, ignored: st.ignored },
      loss: this.info.name,
      reduction: this.reduction,
      index,
      time,
      mean: stateValue(st, 'mean', this.empty),
      batch: batchValue,
      window,
      smoothed,
      state: copyState(st),
    };
    if (this.reduction === 'none') update.batch.values = r.value as unknown as Float64Array;
    if (groups !== undefined) update.groups = groups;
    return update;
  }

  private running(t: LossTotals): RunningValue {
    return {
      value: stateValue(t, this.reduction, this.empty),
      sum: compensatedValue(t.sumValue),
      denominator: compensatedValue(t.sumDenominator),
      rows: t.rows,
      elements: t.elements,
      skipped: { nan: t.skippedNaN, null: t.skippedNull, ignored: t.ignored },
    };
  }

  /** Calls the kernel; shape errors are re-thrown naming the columns. */
  private compute(
    p: Prepared,
    reduction: 'sum' | 'none',
    batch: RecordBatch,
    views: ColumnView[] | null,
  ): LossStats & { value: unknown } {
    const inputs: Record<string, unknown> = {};
    for (const c of p.cols) {
      inputs[c.name] = {
        data: c.values,
        shape: c.shaped || c.width > 1 ? [p.rows, c.width] : [p.rows],
      };
    }
    let options: Record<string, unknown> = reduction === 'sum' ? this.sumOptions : this.noneOptions;
    if (p.rowOpts.length > 0) {
      options = { ...options };
      for (const o of p.rowOpts) options[o.name] = o.values;
    }
    try {
      return this.info.compute(inputs, options);
    } catch (err) {
      if (err instanceof LossShapeError && views !== null) {
        const i = this.inputColumns.findIndex((c) => c.name === err.arg);
        const shaped = this.inputColumns
          .map((c, j) => ({ c, v: views[j] }))
          .filter((x) => i < 0 || x.c.name === err.arg);
        const column = shaped.map((x) => x.c.column).join('", "');
        const found = shaped
          .map(
            (x) =>
              `${x.c.column}: ${describeType(columnData(FN, x.c.name, batch, x.c.column, '').type)} [${x.v.rows}${x.v.listed ? `, ${x.v.width}` : ''}]`,
          )
          .join('; ');
        throw new StreamColumnError('shape', FN, err.arg, {
          column,
          expected: `a shape that fits the loss and its options (${err.message})`,
          found,
          columns: columnNames(batch),
        });
      }
      if (err instanceof LossError || !(err instanceof Error)) throw err;
      throw err;
    }
  }

  private updateGroups(batch: RecordBatch, prepared: Prepared, keptIdx: Int32Array | null): void {
    const column = this.spec.groupBy as string;
    const d = columnData(FN, 'groupBy', batch, column, 'a column to group by');
    const fields = batch.schema.fields;
    const vec = batch.getChildAt(fields.findIndex((f) => f.name === column));
    const m = prepared.rows;
    const byKey = new Map<string, number[]>();
    const hasNull = d.nullCount > 0;
    const bm = d.nullBitmap;
    const ints = d.typeId === Type.Int ? (d.values as ColumnArray) : null;
    for (let k = 0; k < m; k++) {
      const i = keptIdx === null ? k : keptIdx[k];
      if (hasNull && bm !== undefined && bm !== null) {
        const b = d.offset + i;
        if ((bm[b >> 3] & (1 << (b & 7))) === 0) continue; // null key: in the total, in no group
      }
      const key = ints !== null ? String(ints[i]) : String(vec?.get(i));
      let list = byKey.get(key);
      if (list === undefined) {
        list = [];
        byKey.set(key, list);
      }
      list.push(k);
    }
    for (const [key, rowsIdx] of byKey) {
      const g: Prepared = {
        rows: rowsIdx.length,
        cols: prepared.cols.map((c) => ({
          ...c,
          values: gatherRows(c.values, c.width, rowsIdx, rowsIdx.length),
        })),
        rowOpts: prepared.rowOpts.map((o) => {
          const w = o.values.length / Math.max(prepared.rows, 1) || 1;
          return { name: o.name, values: gatherRows(o.values, w, rowsIdx, rowsIdx.length) };
        }),
      };
      const r = this.compute(g, 'sum', batch, null);
      const t = totalsOf(r, 0, 0);
      const cur = this.state.groups[key];
      if (cur === undefined) this.state.groups[key] = t;
      else addTotals(cur, t);
    }
  }

  private updateRowWindow(
    p: Prepared,
    batchTotals: LossTotals,
    batch: RecordBatch,
    views: ColumnView[],
  ): RunningValue {
    const N = this.windowRows as number;
    if (p.rows > 0) {
      let seg: Segment;
      if (p.rows <= N) {
        seg = {
          prepared: slicePrepared(p, 0, p.rows, true),
          totals: { ...batchTotals, skippedNaN: 0, skippedNull: 0 },
        };
      } else {
        const tail = slicePrepared(p, p.rows - N, p.rows, true);
        seg = { prepared: tail, totals: totalsOf(this.compute(tail, 'sum', batch, views), 0, 0) };
      }
      this.rowSegments.push(seg);
      this.rowSegmentRows += seg.prepared.rows;
      while (this.rowSegmentRows - this.rowSegments[0].prepared.rows >= N) {
        this.rowSegmentRows -= (this.rowSegments.shift() as Segment).prepared.rows;
      }
      if (this.rowSegmentRows > N) {
        // Cut the oldest segment at the row where the window starts.
        const front = this.rowSegments[0];
        const excess = this.rowSegmentRows - N;
        const kept = slicePrepared(front.prepared, excess, front.prepared.rows, true);
        this.rowSegments[0] = {
          prepared: kept,
          totals: totalsOf(this.compute(kept, 'sum', batch, views), 0, 0),
        };
        this.rowSegmentRows = N;
      }
    }
    return this.running(sumTotals(this.rowSegments.map((s) => s.totals)));
  }

  private batchTime(batch: RecordBatch): number {
    const col = this.windowTime?.column;
    if (col === undefined) {
      return (this.spec.scheduler ?? asyncScheduler).now();
    }
    const d = columnData(FN, 'window.time.column', batch, col, 'a numeric or timestamp column');
    let t = Number.NEGATIVE_INFINITY;
    if (d.typeId === Type.Float || d.typeId === Type.Int) {
      const v = d.values as ColumnArray;
      for (let i = 0; i < d.length; i++) {
        const x = Number(v[i]);
        if (x > t) t = x;
      }
    } else {
      const vec = batch.getChildAt(batch.schema.fields.findIndex((f) => f.name === col));
      for (let i = 0; i < d.length; i++) {
        const raw = vec?.get(i);
        const x = raw instanceof Date ? raw.getTime() : Number(raw);
        if (x > t) t = x;
      }
    }
    if (t === Number.NEGATIVE_INFINITY) {
      // An empty batch: it belongs to the latest time seen.
      return Number.isFinite(this.latestTime)
        ? this.latestTime
        : (this.spec.scheduler ?? asyncScheduler).now();
    }
    if (Number.isNaN(t)) {
      throw new StreamColumnError('type', FN, 'window.time.column', {
        column: col,
        expected: 'numbers, Timestamp or Date values',
        found: describeType(d.type),
        columns: columnNames(batch),
      });
    }
    return t;
  }
}

function sumTotals(list: readonly LossTotals[]): LossTotals {
  const t = emptyTotals();
  for (const x of list) addTotals(t, x);
  return t;
}

function safeColumnNames(batch: RecordBatch): string[] {
  try {
    return columnNames(batch);
  } catch {
    return [];
  }
}
