import { describe, expect, it } from 'vitest';
import type { Point } from '../events.js';
import { debiasedEma } from './debiasedEma.js';
import { Series } from './Series.js';

const pt = (step: number, value: number, wallTime = 1000 + step, extra: Partial<Point> = {}) =>
  ({ path: 'a.jsonl', format: 'jsonl', series: 'loss', step, value, wallTime, ...extra }) as Point;

describe('Series', () => {
  it('keeps running stats over finite values and counts non-finite ones', () => {
    const s = new Series('a.jsonl', 'jsonl', 'loss');
    for (const [step, v] of [
      [0, 2],
      [1, Number.NaN],
      [2, 0.5],
      [3, Number.NEGATIVE_INFINITY],
      [4, 1],
    ]) {
      s.push(pt(step, v));
    }
    expect(s.count).toBe(5);
    expect(s.nonFinite).toBe(2);
    expect(s.firstNonFiniteStep).toBe(1);
    expect(s.min).toBe(0.5);
    expect(s.max).toBe(2);
    expect(s.mean).toBe((2 + 0.5 + 1) / 3);
    expect(s.last).toBe(1);
    expect(s.lastStep).toBe(4);
  });

  it('inserts an out-of-order point by step and recomputes the smoothed line', () => {
    const s = new Series('a.jsonl', 'jsonl', 'loss');
    s.push(pt(0, 1));
    s.push(pt(2, 3));
    expect([...s.smoothed(0.5)]).toEqual([...debiasedEma([1, 3], 0.5)]);
    s.push(pt(1, 10));
    expect([...s.steps]).toEqual([0, 1, 2]);
    expect([...s.values]).toEqual([1, 10, 3]);
    expect([...s.smoothed(0.5)]).toEqual([...debiasedEma([1, 10, 3], 0.5)]);
    expect(s.last).toBe(3);
  });

  it('extends the cached smoothed line as points arrive, equal to a full recomputation', () => {
    const s = new Series('a.jsonl', 'jsonl', 'loss');
    const ys: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const y = Math.cos(i) + i / 100;
      ys.push(y);
      s.push(pt(i, y));
      if (i % 97 === 0) s.smoothed(0.9);
    }
    expect([...s.smoothed(0.9)]).toEqual([...debiasedEma(ys, 0.9)]);
    expect([...s.smoothed(0.3)]).toEqual([...debiasedEma(ys, 0.3)]);
  });

  it('measures steps per second over logged wall time, rows per second for Arrow losses', () => {
    const s = new Series('a.jsonl', 'jsonl', 'loss');
    for (let i = 0; i <= 10; i++) s.push(pt(i * 5, 1, 100 + i)); // 5 steps per second
    expect(s.rate()).toEqual({ perSecond: 5, unit: 'steps' });
    const a = new Series('m.arrow', 'arrow', 'ce');
    for (let i = 0; i <= 4; i++) a.push(pt(i, 1, 100 + i / 2, { rows: 64, runningMean: 0.7 }));
    expect(a.rate()).toEqual({ perSecond: (4 * 64) / 2, unit: 'rows' });
    expect(a.mean).toBe(0.7);
    const still = new Series('b.jsonl', 'jsonl', 'loss');
    still.push(pt(0, 1, 5));
    still.push(pt(1, 1, 5.002)); // read at once: no speed to speak of
    expect(still.rate()).toBeNull();
    still.push(pt(2, 1, 7));
    expect(still.rate()).toEqual({ perSecond: 1, unit: 'steps' });
  });

  it('flags a loss whose trend climbs back above its start, not one that keeps falling', () => {
    const falling = new Series('a', 'jsonl', 'train_loss');
    const blowUp = new Series('a', 'jsonl', 'train_loss');
    const accuracy = new Series('a', 'jsonl', 'accuracy');
    for (let i = 0; i < 100; i++) {
      const down = 2 * Math.exp(-i / 20) + 0.05 * Math.sin(i);
      falling.push(pt(i, down));
      accuracy.push(pt(i, i < 60 ? 0.1 : 5));
      blowUp.push(pt(i, i < 60 ? down : 2 + (i - 60)));
    }
    expect(falling.diverging).toBe(false);
    expect(blowUp.diverging).toBe(true);
    expect(accuracy.diverging).toBe(false);
  });
});
