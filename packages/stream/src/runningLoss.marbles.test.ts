import { map } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { describe, expect, it } from 'vitest';
import { batchOf, f32 } from '../test/arrowBatches.js';
import { type LossSpec, lossReport, runningLoss, StreamColumnError } from './index.js';

const MSE: LossSpec = { loss: 'mse', columns: { input: 'x', target: 'y' } };
const b = (...xs: number[]) => batchOf({ x: f32(xs), y: f32(xs.map(() => 0)) });
const batches = { a: b(1, 3), b: b(2), c: b(4, 4) };

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
}

describe('runningLoss (marbles)', () => {
  it('emits one update per batch in the same frame and completes with the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const src = cold('-a--b-c|', batches);
      const out = src.pipe(
        runningLoss(MSE),
        map((u) => u.value),
      );
      // (1 + 9) / 2 = 5; (1 + 9 + 4) / 3; (1 + 9 + 4 + 16 + 16) / 5
      expectObservable(out).toBe('-x--y-z|', { x: 5, y: 14 / 3, z: 46 / 5 });
      expectSubscriptions(src.subscriptions).toBe('^------!');
    });
  });

  it('passes a source error through, after the updates before it', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const out = cold('-a-#', batches, new Error('disk')).pipe(
        runningLoss(MSE),
        map((u) => u.rows),
      );
      expectObservable(out).toBe('-x-#', { x: 2 }, new Error('disk'));
    });
  });

  it('errors at the batch that does not fit and unsubscribes from the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const bad = batchOf({ z: f32([1]), y: f32([0]) });
      const src = cold('-a-b-c|', { a: batches.a, b: bad, c: batches.c });
      const out = src.pipe(
        runningLoss(MSE),
        map((u) => u.rows),
      );
      expectObservable(out).toBe(
        '-x-#',
        { x: 2 },
        expect.objectContaining({ name: 'StreamColumnError', column: 'x' }),
      );
      expectSubscriptions(src.subscriptions).toBe('^--!');
    });
  });

  it('tears down: unsubscribing from the updates unsubscribes from the batches', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const src = cold('-a--b--c|', batches);
      const out = src.pipe(
        runningLoss(MSE),
        map((u) => u.index),
      );
      expectObservable(out, '^---!').toBe('-x--', { x: 0 });
      expectSubscriptions(src.subscriptions).toBe('^---!');
    });
  });

  it('keeps a time window on arrival time, read from the scheduler', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const out = cold('a-b---c|', batches).pipe(
        runningLoss({ ...MSE, window: { time: { ms: 3 } } }),
        map((u) => u.window.time?.rows),
      );
      // At frame 6 the window (3, 6] holds only c.
      expectObservable(out).toBe('x-y---z|', { x: 2, y: 3, z: 2 });
    });
  });

  it('lossReport emits once per batch with every loss', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const out = cold('-a-b|', batches).pipe(
        lossReport({ mse: MSE, l1: { loss: 'l1', columns: { input: 'x', target: 'y' } } }),
        map((r) => [r.index, r.losses.mse.value, r.losses.l1.value]),
      );
      expectObservable(out).toBe('-x-y|', { x: [0, 5, 2], y: [1, 14 / 3, 2] });
    });
  });

  it('is typed: the column error class is exported', () => {
    expect(
      new StreamColumnError('type', 'f', 'a', {
        column: 'c',
        expected: 'e',
        found: 'f',
        columns: [],
      }).column,
    ).toBe('c');
  });
});
