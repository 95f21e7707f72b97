import { describe, expect, it } from 'vitest';
import type { MonitorEvent } from '../events.js';
import { SeriesStore, type StoreChange } from './SeriesStore.js';

const point = (path: string, series: string, step: number, value: number): MonitorEvent => ({
  type: 'point',
  point: { path, format: 'csv', series, step, value, wallTime: step },
});

describe('SeriesStore', () => {
  it('groups points by run and series, lists sources and keeps problems', () => {
    const store = new SeriesStore();
    const changes: StoreChange['type'][] = [];
    store.onChange((c) => changes.push(c.type));
    store.ingest({ type: 'source', path: 'b/metrics.csv', format: 'csv' });
    store.ingest(point('b/metrics.csv', 'val_loss', 0, 1));
    store.ingest(point('a/metrics.csv', 'val_loss', 0, 2));
    store.ingest(point('a/metrics.csv', 'train_loss', 0, 3));
    store.ingest(point('a/metrics.csv', 'train_loss', 1, 4));
    store.ingest({
      type: 'problem',
      problem: { path: 'a/metrics.csv', where: 'line 3', message: 'bad' },
    });
    store.ingest({ type: 'removed', path: 'b/metrics.csv' });
    expect(store.seriesNames()).toEqual(['train_loss', 'val_loss']);
    expect(store.runsOf('val_loss').map((s) => s.path)).toEqual(['a/metrics.csv', 'b/metrics.csv']);
    expect(store.get('a/metrics.csv', 'train_loss')?.length).toBe(2);
    expect(store.sources()).toEqual([
      { path: 'a/metrics.csv', format: 'csv', removed: false },
      { path: 'b/metrics.csv', format: 'csv', removed: true },
    ]);
    expect(store.problems()).toEqual([{ path: 'a/metrics.csv', where: 'line 3', message: 'bad' }]);
    expect(changes).toEqual([
      'source',
      'series',
      'source',
      'series',
      'series',
      'series',
      'problem',
      'source',
    ]);
  });

  it('keeps only the last 200 problems but counts them all', () => {
    const store = new SeriesStore();
    for (let i = 0; i < 250; i++) {
      store.ingest({ type: 'problem', problem: { path: 'x', message: `p${i}` } });
    }
    expect(store.problemCount).toBe(250);
    expect(store.problems().length).toBe(200);
    expect(store.problems()[0].message).toBe('p50');
  });
});
