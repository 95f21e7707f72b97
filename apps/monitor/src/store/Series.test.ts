import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Point } from '../events.js';
import { debiasedEma } from './debiasedEma.js';
import { Series } from './Series.js';
import { SeriesStore } from './SeriesStore.js';

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
  it('stays within maxPoints as it grows, with exact statistics and every spike kept', () => {
    const s = new Series('a.jsonl', 'jsonl', 'loss', 1000);
    let seed = 42;
    const noise = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) | 0;
      return (seed >>> 8) / 2 ** 24;
    };
    const spikes = new Map<number, number>();
    for (let k = 0; k < 20; k++) spikes.set(2500 + 5000 * k, k % 2 === 0 ? 10 + k : -10 - k);
    let sum = 0;
    let peak = 0;
    for (let i = 0; i < 100_000; i++) {
      const v = spikes.get(i) ?? noise();
      sum += v;
      s.push(pt(i, v));
      peak = Math.max(peak, s.length);
    }
    expect(peak).toBeLessThanOrEqual(1000);
    expect(s.count).toBe(100_000);
    expect(s.thinned).toBe(100_000 - s.length);
    expect(s.length).toBeGreaterThan(300); // thinned to about half, then grown again
    expect(s.min).toBe(-29);
    expect(s.max).toBe(28);
    expect(s.mean).toBeCloseTo(sum / 100_000, 12);
    expect(s.lastStep).toBe(99_999);
    expect(s.steps[0]).toBe(0);
    const at = new Map([...s.steps].map((step, i) => [step, s.values[i]]));
    for (const [step, v] of spikes) expect(at.get(step)).toBe(v);
    // every kept point is a point that was pushed, in step order
    for (let i = 1; i < s.length; i++) expect(s.steps[i]).toBeGreaterThan(s.steps[i - 1]);
    for (const [step, v] of at) if (!spikes.has(step)) expect(v).toBeGreaterThanOrEqual(0);
  });

  it('keeps the full-data EMA at the kept points: the weight asked for, else 0.6', () => {
    const ys = Array.from({ length: 5000 }, (_, i) => Math.sin(i / 7) + i / 1000);
    const full9 = debiasedEma(ys, 0.9);
    const full6 = debiasedEma(ys, 0.6);
    const asked = new Series('a.jsonl', 'jsonl', 'loss', 256);
    const quiet = new Series('a.jsonl', 'jsonl', 'loss', 256);
    asked.smoothed(0.9);
    ys.forEach((y, i) => {
      asked.push(pt(i, y));
      quiet.push(pt(i, y));
    });
    expect(asked.thinned).toBeGreaterThan(4000);
    const s9 = asked.smoothed(0.9);
    const s6 = quiet.smoothed(0.6);
    expect([...s9]).toEqual(Array.from(asked.steps, (step) => full9[step]));
    expect([...s6]).toEqual(Array.from(quiet.steps, (step) => full6[step]));
  });

  it('keeps cumulative rows through thinning, and every point with maxPoints 0', () => {
    const a = new Series('m.arrow', 'arrow', 'ce', 64);
    const all = new Series('m.arrow', 'arrow', 'ce', 0);
    for (let i = 0; i < 3000; i++) {
      a.push(pt(i, 1, 100 + i, { rows: 1 + (i % 3) }));
      all.push(pt(i, 1, 100 + i, { rows: 1 + (i % 3) }));
    }
    expect(all.length).toBe(3000);
    expect(all.thinned).toBe(0);
    expect(a.length).toBeLessThanOrEqual(64);
    // the rate reads cumulative rows at kept points: they must have moved with their points
    const [r, rAll] = [a.rate(), all.rate()];
    expect(r?.unit).toBe('rows');
    expect(rAll?.perSecond).toBeCloseTo(2, 1);
    expect(Math.abs((r?.perSecond ?? 0) / (rAll?.perSecond ?? 1) - 1)).toBeLessThan(0.05);
  });

  it('rejects a maxPoints that is not 0 or an integer ≥ 16, naming where', () => {
    expect(() => new Series('a', 'jsonl', 'loss', 8)).toThrow(
      /Series: maxPoints must be 0 or an integer ≥ 16, got 8/,
    );
    expect(() => new SeriesStore({ maxPoints: 1.5 })).toThrow(/SeriesStore: maxPoints/);
    expect(() => new SeriesStore({ maxPoints: -1 })).toThrow(RangeError);
  });

  it('keeps its invariants under thinning with out-of-order points, NaN and rows (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 16, max: 64 }),
        fc.array(
          fc.record({
            step: fc.integer({ min: 0, max: 5000 }),
            value: fc.oneof(
              { weight: 10, arbitrary: fc.double({ min: -1e3, max: 1e3, noNaN: true }) },
              { weight: 1, arbitrary: fc.constant(Number.NaN) },
            ),
            rows: fc.integer({ min: 1, max: 5 }),
          }),
          { minLength: 1, maxLength: 600 },
        ),
        (maxPoints, points) => {
          const s = new Series('m.arrow', 'arrow', 'ce', maxPoints);
          const pushed = new Set<string>();
          let finiteMin = Number.POSITIVE_INFINITY;
          let nonFinite = 0;
          for (const p of points) {
            s.push(pt(p.step, p.value, 1000 + p.step, { rows: p.rows }));
            pushed.add(`${p.step}:${p.value}`);
            if (Number.isFinite(p.value)) finiteMin = Math.min(finiteMin, p.value);
            else nonFinite += 1;
            expect(s.length).toBeLessThanOrEqual(maxPoints);
          }
          expect(s.count).toBe(points.length);
          expect(s.length + s.thinned).toBe(points.length);
          expect(s.min).toBe(finiteMin);
          expect(s.nonFinite).toBe(nonFinite);
          const steps = [...s.steps];
          for (let i = 1; i < steps.length; i++)
            expect(steps[i]).toBeGreaterThanOrEqual(steps[i - 1]);
          expect(steps[0]).toBe(Math.min(...points.map((p) => p.step)));
          expect(steps[steps.length - 1]).toBe(Math.max(...points.map((p) => p.step)));
          for (let i = 0; i < s.length; i++)
            expect(pushed.has(`${s.steps[i]}:${s.values[i]}`)).toBe(true);
          expect(s.smoothed(0.6).length).toBe(s.length);
        },
      ),
      { numRuns: 200 },
    );
  });
});
