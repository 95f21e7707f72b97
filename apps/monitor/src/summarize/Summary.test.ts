import { describe, expect, it } from 'vitest';
import type { Point } from '../events.js';
import { Summary } from './Summary.js';

const pt = (series: string, step: number, value: number, extra: Partial<Point> = {}): Point => ({
  path: 'runs/a/metrics.csv',
  format: 'csv',
  series,
  step,
  value,
  wallTime: 0,
  ...extra,
});

describe('Summary', () => {
  it('produces exactly the contract fields: counts non-finite, stats over finite, first/last by step', () => {
    const s = new Summary();
    s.add({ type: 'source', path: 'runs/a/metrics.csv', format: 'csv' });
    // arrival order is not step order: first/last are at the lowest/highest step
    for (const p of [
      pt('train_loss', 10, 1.5),
      pt('train_loss', 0, 2.3),
      pt('train_loss', 20, Number.NaN),
      pt('train_loss', 30, 0.4),
    ])
      s.add({ type: 'point', point: p });
    expect(s.toJSON()).toEqual({
      sources: [
        {
          path: 'runs/a/metrics.csv',
          format: 'csv',
          series: {
            train_loss: {
              count: 4,
              nonFinite: 1,
              first: 2.3,
              last: 0.4,
              min: 0.4,
              max: 2.3,
              mean: (1.5 + 2.3 + 0.4) / 3,
              firstStep: 0,
              lastStep: 30,
            },
          },
        },
      ],
    });
  });

  it('for a loss over Arrow outputs: count is rows, mean the running mean, the rest per batch', () => {
    const s = new Summary();
    const a = { path: 'o.arrows', format: 'arrow' as const };
    s.add({ type: 'point', point: pt('crossEntropy', 3, 2, { ...a, rows: 4, runningMean: 2 }) });
    s.add({
      type: 'point',
      point: pt('crossEntropy', 7, 1, { ...a, rows: 12, runningMean: 1.25 }),
    });
    expect(s.toJSON().sources[0].series.crossEntropy).toEqual({
      count: 16,
      nonFinite: 0,
      first: 2,
      last: 1,
      min: 1,
      max: 2,
      mean: 1.25,
      firstStep: 3,
      lastStep: 7,
    });
  });

  it('a series of only non-finite values has null statistics', () => {
    const s = new Summary();
    s.add({ type: 'point', point: pt('x', 0, Number.POSITIVE_INFINITY) });
    const x = s.toJSON().sources[0].series.x;
    expect([x.count, x.nonFinite, x.min, x.max, x.mean]).toEqual([1, 1, null, null, null]);
  });
});
