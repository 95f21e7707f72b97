import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { thinMinMax } from './thinMinMax.js';

describe('thinMinMax', () => {
  it('keeps first, last, and per step slice a lowest, a highest and the first non-finite point', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 3, maxLength: 400 }),
        fc.array(
          fc.oneof(
            { weight: 20, arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }) },
            { weight: 1, arbitrary: fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY) },
          ),
          { minLength: 400, maxLength: 400 },
        ),
        fc.integer({ min: 1, max: 40 }),
        (gaps, vals, buckets) => {
          const n = gaps.length;
          const steps: number[] = [];
          let s = 10;
          for (const g of gaps) {
            s += g; // sorted, with equal steps
            steps.push(s);
          }
          const values = vals.slice(0, n);
          const kept = thinMinMax(steps, values, n, buckets);
          expect(kept[0]).toBe(0);
          expect(kept[kept.length - 1]).toBe(n - 1);
          for (let k = 1; k < kept.length; k++) expect(kept[k]).toBeGreaterThan(kept[k - 1]);
          expect(kept.length).toBeLessThanOrEqual(3 * buckets + 2);
          // every interior slice: its extremes are among the kept values
          const width = (steps[n - 1] - steps[0]) / buckets;
          const slice = (i: number) =>
            width > 0 ? Math.min(buckets - 1, Math.floor((steps[i] - steps[0]) / width)) : 0;
          const keptSet = new Set(kept);
          for (let b = 0; b < buckets; b++) {
            const members = [];
            for (let i = 1; i < n - 1; i++) if (slice(i) === b) members.push(i);
            const finite = members.filter((i) => Number.isFinite(values[i]));
            if (finite.length > 0) {
              const lo = Math.min(...finite.map((i) => values[i]));
              const hi = Math.max(...finite.map((i) => values[i]));
              expect(finite.some((i) => keptSet.has(i) && values[i] === lo)).toBe(true);
              expect(finite.some((i) => keptSet.has(i) && values[i] === hi)).toBe(true);
            }
            const bad = members.find((i) => !Number.isFinite(values[i]));
            if (bad !== undefined) expect(keptSet.has(bad)).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('keeps at most five points when every step is equal, and everything below three points', () => {
    const kept = thinMinMax([3, 3, 3, 3, 3, 3, 3], [5, 1, Number.NaN, 9, 2, 7, 4], 7, 10);
    expect(kept).toEqual([0, 1, 2, 3, 6]);
    expect(thinMinMax([1, 2], [0, 0], 2, 1)).toEqual([0, 1]);
    expect(thinMinMax([], [], 0, 1)).toEqual([]);
  });
});
