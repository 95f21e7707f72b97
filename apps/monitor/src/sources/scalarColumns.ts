import { DataType, type RecordBatch } from 'apache-arrow';
import type { BatchSampler } from './ArrowIpcParser.js';
import { nowSeconds, type Sample, STEP_KEYS, TIME_KEYS, toSeconds } from './types.js';

function columnNumber(v: unknown): number {
  return typeof v === 'bigint' ? Number(v) : (v as number);
}

/** The column named `step` / `global_step` of a batch, if any. */
export function stepColumn(batch: RecordBatch) {
  for (const k of STEP_KEYS) {
    const c = batch.getChild(k);
    if (c && (DataType.isInt(c.type) || DataType.isFloat(c.type))) return c;
  }
  return null;
}

/**
 * Without `--loss`: every numeric scalar column of an Arrow log is a series, one point per row;
 * `step` / `global_step` is the x axis (else the row's index in the whole stream).
 */
export function scalarColumns(): BatchSampler {
  let rowOffset = 0;
  return (batch) => {
    const samples: Sample[] = [];
    const step = stepColumn(batch);
    let time = null;
    for (const k of TIME_KEYS) {
      const c = batch.getChild(k);
      if (c && (DataType.isInt(c.type) || DataType.isFloat(c.type))) {
        time = c;
        break;
      }
    }
    const now = nowSeconds();
    const skip = new Set<string>([...STEP_KEYS, ...TIME_KEYS]);
    const columns = batch.schema.fields
      .filter((f) => !skip.has(f.name) && (DataType.isInt(f.type) || DataType.isFloat(f.type)))
      .map((f) => ({ name: f.name, vector: batch.getChild(f.name)! }));
    if (columns.length === 0) {
      // Nothing to show; and the row loop is not run for a batch whose length only its
      // (possibly corrupt) metadata vouches for: no column's buffers back it.
      rowOffset += batch.numRows;
      return { samples, problems: [] };
    }
    for (let i = 0; i < batch.numRows; i++) {
      const s = step?.isValid(i) ? columnNumber(step.get(i)) : rowOffset + i;
      const t = time?.isValid(i) ? toSeconds(columnNumber(time.get(i))) : now;
      for (const c of columns) {
        if (!c.vector.isValid(i)) continue;
        samples.push({
          series: c.name,
          step: s,
          value: columnNumber(c.vector.get(i)),
          wallTime: t,
        });
      }
    }
    rowOffset += batch.numRows;
    return { samples, problems: [] };
  };
}
