import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { debiasedEma } from './debiasedEma.js';
import { queryWindow } from './queryWindow.js';
import { Series } from './Series.js';

function series(n: number, f: (i: number) => number): Series {
  const s = new Series('run.jsonl', 'jsonl', 'loss');
  for (let i = 0; i < n; i++) {
    s.push({
      path: 'run.jsonl',
      format: 'jsonl',
      series: 'loss',
      step: i * 10,
      value: f(i),
      wallTime: 500 + i / 4,
    });
  }
  return s;
}

describe('queryWindow', () => {
  it('smoothing does not change with downsampling or zoom: each kept point has its full-resolution EMA', () => {
    const n = 20_000;
    const f = (i: number) => Math.sin(i / 50) + ((i * 7919) % 13) / 10;
    const s = series(n, f);
    const full = debiasedEma(
      Array.from({ length: n }, (_, i) => f(i)),
      0.95,
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2000 }),
        fc.integer({ min: 0, max: n * 10 }),
        fc.integer({ min: 0, max: n * 10 }),
        (width, a, b) => {
          const w = queryWindow(s, {
            axis: 'step',
            from: Math.min(a, b),
            to: Math.max(a, b),
            width,
            smoothing: 0.95,
          });
          const wrong = w.x.filter((x, k) => w.s?.[k] !== full[x / 10] || w.y[k] !== f(x / 10));
          expect(wrong).toEqual([]);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('zooming re-downsamples: the visible range comes back at full resolution, with one neighbour each side', () => {
    const s = series(100_000, (i) => i % 3);
    const all = queryWindow(s, { axis: 'step', width: 500 });
    expect(all.x.length).toBeLessThanOrEqual(5 * 500);
    expect(all.x[0]).toBe(0);
    expect(all.x[all.x.length - 1]).toBe(999_990);
    expect(all.inRange).toBe(100_000);
    const zoom = queryWindow(s, { axis: 'step', from: 5000, to: 5100, width: 500 });
    expect(zoom.inRange).toBe(11);
    expect(zoom.x).toEqual([
      4990, 5000, 5010, 5020, 5030, 5040, 5050, 5060, 5070, 5080, 5090, 5100, 5110,
    ]);
    expect(zoom.s).toBeNull();
  });

  it('serves relative and wall-time axes and turns non-finite values into gaps', () => {
    const s = series(5, (i) => (i === 2 ? Number.NaN : i));
    const rel = queryWindow(s, { axis: 'relative', width: 100 });
    expect(rel.x).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(rel.y).toEqual([0, 1, null, 3, 4]);
    const wall = queryWindow(s, { axis: 'wall', from: 500.5, to: 501, width: 100 });
    expect(wall.x).toEqual([500.25, 500.5, 500.75, 501]);
  });
});
