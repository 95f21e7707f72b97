import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { downsampleMinMax } from './downsampleMinMax.js';
import { lowerBound, upperBound } from './sortedSearch.js';

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

describe('downsampleMinMax', () => {
  it('keeps a one-point spike and dip among 100k points, and the first and last point', () => {
    const n = 100_000;
    const x = range(n);
    const y = x.map((i) => Math.sin(i / 1000));
    y[31_337] = 50;
    y[77_777] = -50;
    const kept = downsampleMinMax(x, y, { xMin: 0, xMax: n - 1, width: 300 });
    expect(kept.length).toBeLessThanOrEqual(5 * 300);
    expect(kept).toContain(31_337);
    expect(kept).toContain(77_777);
    expect(kept[0]).toBe(0);
    expect(kept[kept.length - 1]).toBe(n - 1);
  });

  it('keeps every column’s min, max, first and last point (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e3, max: 1e3, noNaN: true }), { minLength: 1, maxLength: 400 }),
        fc.integer({ min: 1, max: 50 }),
        (y, width) => {
          const x = range(y.length);
          const xMax = y.length - 1;
          const kept = downsampleMinMax(x, y, { xMin: 0, xMax, width });
          expect(kept.length).toBeLessThanOrEqual(5 * width);
          expect(kept).toEqual([...kept].sort((a, b) => a - b));
          expect(new Set(kept).size).toBe(kept.length);
          const col = (i: number) =>
            xMax > 0 ? Math.min(width - 1, Math.floor((i / xMax) * width)) : 0;
          for (let b = 0; b < width; b++) {
            const inCol = x.filter((i) => col(i) === b);
            if (inCol.length === 0) continue;
            const keptInCol = kept.filter((i) => col(i) === b);
            expect(keptInCol).toContain(inCol[0]);
            expect(keptInCol).toContain(inCol[inCol.length - 1]);
            const ys = inCol.map((i) => y[i]);
            expect(keptInCol.map((i) => y[i])).toContain(Math.min(...ys));
            expect(keptInCol.map((i) => y[i])).toContain(Math.max(...ys));
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('re-downsamples on zoom: a narrow range comes back at full resolution', () => {
    const n = 100_000;
    const x = range(n);
    const y = x.map((i) => (i % 7) * 0.1);
    const whole = downsampleMinMax(x, y, { xMin: 0, xMax: n - 1, width: 100 });
    // Zoomed out, the points 50_000..50_040 are mostly dropped…
    expect(whole.filter((i) => i >= 50_000 && i <= 50_040).length).toBeLessThan(41);
    // …zoomed in to them at 200 px, every one of them is there.
    const from = 50_000;
    const to = 50_040;
    const zoomed = downsampleMinMax(x, y, {
      xMin: from,
      xMax: to,
      width: 200,
      start: lowerBound(x, from),
      end: upperBound(x, to),
    });
    expect(zoomed).toEqual(range(41).map((i) => from + i));
  });

  it('marks a column’s first non-finite value and never picks it as min or max', () => {
    const y = [1, Number.NaN, 3, Number.POSITIVE_INFINITY, 2];
    const kept = downsampleMinMax(range(5), y, { xMin: 0, xMax: 4, width: 1 });
    expect(kept).toEqual([0, 1, 2, 4]);
  });

  it('handles unsorted x and a single x value', () => {
    const x = [5, 1, 3, 1];
    const y = [1, 2, 3, 4];
    expect(downsampleMinMax(x, y, { xMin: 0, xMax: 10, width: 10 }).map((i) => x[i])).toEqual([
      1, 1, 3, 5,
    ]);
    expect(downsampleMinMax([2, 2, 2], [3, 1, 2], { xMin: 2, xMax: 2, width: 10 })).toEqual([
      0, 1, 2,
    ]);
    expect(downsampleMinMax([1], [1], { xMin: 3, xMax: 2, width: 10 })).toEqual([]);
  });
});
