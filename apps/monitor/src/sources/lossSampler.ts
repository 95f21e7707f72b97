import { runningLoss } from '@losskit/stream';
import type { RecordBatch } from 'apache-arrow';
import { Subject } from 'rxjs';
import type { BatchSampler } from './ArrowIpcParser.js';
import type { LossFlag } from './parseLossSpec.js';
import { stepColumn } from './scalarColumns.js';
import { nowSeconds, type ParseOutput } from './types.js';

interface Running {
  input: Subject<RecordBatch>;
  /** Totals of earlier pipelines (a batch the kernel rejected ends a pipeline). */
  sum: number;
  denominator: number;
  last: { sum: number; denominator: number };
  out: ParseOutput | null;
  step: number;
  batchIndex: number;
}

/**
 * With `--loss`: each record batch of an Arrow model-output log goes through `runningLoss` of
 * `@losskit/stream` for every flag; a point per batch and loss carries the batch's value, its
 * rows and the exact running mean over all rows so far. A batch's step is the last value of its
 * `step` column (the batch index when there is none). A batch the kernel rejects is reported and
 * skipped; the running totals carry on.
 */
export function lossSampler(flags: readonly LossFlag[]): () => BatchSampler {
  const names = uniqueNames(flags);
  return () => {
    const reported = new Set<string>();
    const running = flags.map((flag, k) => start(flag, names[k], reported));
    return (batch, batchIndex) => {
      const out: ParseOutput = { samples: [], problems: [] };
      const stepCol = stepColumn(batch);
      const lastRow = batch.numRows - 1;
      const step =
        stepCol && lastRow >= 0 && stepCol.isValid(lastRow)
          ? Number(stepCol.get(lastRow))
          : batchIndex;
      flags.forEach((flag, k) => {
        let r = running[k];
        r.out = out;
        r.step = step;
        r.batchIndex = batchIndex;
        r.input.next(batch);
        if (r.input.closed || r.input.observed === false) {
          // the pipeline errored on this batch: carry its totals into a fresh one
          const fresh = start(flag, names[k], reported);
          fresh.sum = r.sum + r.last.sum;
          fresh.denominator = r.denominator + r.last.denominator;
          running[k] = r = fresh;
        }
        r.out = null;
      });
      return out;
    };
  };

  function start(flag: LossFlag, series: string, reported: Set<string>): Running {
    const r: Running = {
      input: new Subject<RecordBatch>(),
      sum: 0,
      denominator: 0,
      last: { sum: 0, denominator: 0 },
      out: null,
      step: 0,
      batchIndex: 0,
    };
    r.input.pipe(runningLoss(flag.spec)).subscribe({
      next(u) {
        r.last = { sum: u.sum, denominator: u.denominator };
        const den = r.denominator + u.denominator;
        const mean = den > 0 ? (r.sum + u.sum) / den : Number.NaN;
        r.out?.samples.push({
          series,
          step: r.step,
          value: u.batch.value ?? Number.NaN,
          wallTime: nowSeconds(),
          rows: u.batch.rows,
          runningMean: mean,
        });
      },
      error(e: unknown) {
        // The same fault in every batch (a missing column) is reported once.
        const message = `${series}: batch rejected (${(e as Error).message}); skipped`;
        if (!reported.has(message)) {
          reported.add(message);
          r.out?.problems.push({ where: `batch ${r.batchIndex}`, message });
        }
        r.input.complete();
      },
    });
    return r;
  }
}

function uniqueNames(flags: readonly LossFlag[]): string[] {
  const used = new Map<string, number>();
  return flags.map((f) => {
    const n = (used.get(f.series) ?? 0) + 1;
    used.set(f.series, n);
    return n === 1 ? f.series : `${f.series}#${n}`;
  });
}
