import type { RecordBatch } from 'apache-arrow';
import { Observable, type OperatorFunction } from 'rxjs';
import type { LossSpec } from './LossSpec.js';
import { LossAccumulator } from './lossAccumulator.js';
import type { RunningLossUpdate } from './RunningLossUpdate.js';

/**
 * A running loss over record batches: one {@link RunningLossUpdate} per batch with the batch's
 * value, the exact running value over everything so far (compensated float64 sums of the kernel's
 * sufficient statistics, so any batching gives the same result), windows, smoothing, groups and
 * a mergeable state. A bad spec or a batch that does not fit (missing column, wrong type, a
 * kernel error) is signalled as an `error` notification, never thrown from `subscribe`.
 *
 * Each subscription starts from an empty state.
 *
 * @example
 * ```ts
 * batches$.pipe(runningLoss({ loss: 'crossEntropy', columns: { input: 'logits', target: 'label' } }))
 *   .subscribe((u) => console.log(u.index, u.value));
 * ```
 */
export function runningLoss(spec: LossSpec): OperatorFunction<RecordBatch, RunningLossUpdate> {
  return (source) =>
    new Observable<RunningLossUpdate>((subscriber) => {
      let acc: LossAccumulator;
      try {
        acc = new LossAccumulator(spec);
      } catch (err) {
        subscriber.error(err);
        return;
      }
      return source.subscribe({
        next(batch) {
          let u: RunningLossUpdate;
          try {
            u = acc.update(batch);
          } catch (err) {
            subscriber.error(err);
            return;
          }
          subscriber.next(u);
        },
        error: (err) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
    });
}
