import type { RecordBatch } from 'apache-arrow';
import { Observable, type OperatorFunction } from 'rxjs';
import type { LossSpec } from './LossSpec.js';
import { LossAccumulator } from './lossAccumulator.js';
import type { RunningLossUpdate } from './RunningLossUpdate.js';

/** What `lossReport` emits per batch: every named loss's update for that batch. */
export interface LossReportUpdate<K extends string = string> {
  /** 0-based index of the batch. */
  index: number;
  /** Rows in the batch (before any skipping). */
  rows: number;
  /** One update per named spec, as `runningLoss` would emit it. */
  losses: Record<K, RunningLossUpdate>;
}

/**
 * Several losses and metrics over the same batches in one pass: one emission per batch carrying
 * every spec's update. An error in any spec errors the whole report.
 *
 * @example
 * ```ts
 * batches$.pipe(lossReport({
 *   ce: { loss: 'crossEntropy', columns: { input: 'logits', target: 'label' } },
 *   acc: { loss: 'accuracy', columns: { input: 'logits', target: 'label' } },
 * }));
 * ```
 */
export function lossReport<K extends string>(
  specs: Readonly<Record<K, LossSpec>>,
): OperatorFunction<RecordBatch, LossReportUpdate<K>> {
  return (source) =>
    new Observable<LossReportUpdate<K>>((subscriber) => {
      const accs: [K, LossAccumulator][] = [];
      try {
        for (const name of Object.keys(specs) as K[])
          accs.push([name, new LossAccumulator(specs[name])]);
      } catch (err) {
        subscriber.error(err);
        return;
      }
      let index = 0;
      return source.subscribe({
        next(batch) {
          const losses = {} as Record<K, RunningLossUpdate>;
          try {
            for (const [name, acc] of accs) losses[name] = acc.update(batch);
          } catch (err) {
            subscriber.error(err);
            return;
          }
          subscriber.next({ index: index++, rows: batch.numRows, losses });
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}
