import { LossOptionError, LossShapeError, LossTypeError, mse, mseGrad } from '@losskit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finiteDifference, seededRandom, splitPoints, worstRatio } from '../test/helpers.js';

describe('mse', () => {
  it('is the mean of squared differences, worked by hand', () => {
    const r = mse(new Float32Array([1, 2, 3]), new Float32Array([1, 0, 6]));
    expect(r.value).toBe((0 + 4 + 9) / 3);
    expect(r.sumValue).toBe(13);
    expect(r.sumDenominator).toBe(3);
    expect(mse([1, 2, 3], [1, 0, 6], { reduction: 'sum' }).value).toBe(13);
  });

  it("writes 'none' into a caller's buffer without allocating", () => {
    const out = new Float64Array(3);
    const r = mse([1, 2, 3], [0, 0, 0], { reduction: 'none', out });
    expect(r.value).toBe(out);
    expect(Array.from(out)).toEqual([1, 4, 9]);
  });

  it('keeps the first dimension as rows for shaped input', () => {
    const r = mse({ data: new Float64Array(6), shape: [2, 3] }, new Float64Array(6));
    expect(r.rows).toBe(2);
    expect(r.elements).toBe(6);
  });

  it('propagates NaN as PyTorch does', () => {
    expect(mse([Number.NaN, 1], [0, 1]).value).toBeNaN();
    expect(mse([Number.POSITIVE_INFINITY, 1], [0, 1]).value).toBe(Number.POSITIVE_INFINITY);
  });

  it('names the function and argument in its errors', () => {
    expect(() => mse([1, 2], [1])).toThrow(LossShapeError);
    expect(() => mse([1, 2], [1])).toThrow('mse: target has 1 elements but input has 2');
    expect(() => mse('12' as never, [1])).toThrow(LossTypeError);
    expect(() => mse([1], [1], { reduction: 'avg' as never })).toThrow(LossOptionError);
    expect(() => mse([1], [1], { reduction: 'avg' as never })).toThrow(
      'mse: option reduction = "avg" is invalid',
    );
  });

  it('has gradients that agree with central finite differences', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.integer(), (n, seed) => {
        const rnd = seededRandom(seed);
        const x = Float64Array.from({ length: n }, () => rnd() * 4 - 2);
        const y = Float64Array.from({ length: n }, () => rnd() * 4 - 2);
        for (const reduction of ['mean', 'sum'] as const) {
          const g = mseGrad(x, y, { reduction }).input;
          const fd = finiteDifference((z) => mse(z, y, { reduction }).value, x);
          expect(worstRatio(g, fd)).toBeLessThanOrEqual(1);
        }
      }),
    );
  });

  it('sum = mean × Σdenominator, and a split of the rows adds up to the whole', () => {
    fc.assert(
      fc.property(
        fc
          .float64Array({ minLength: 1, maxLength: 50, min: -1e3, max: 1e3, noNaN: true })
          .chain((x) =>
            fc.tuple(
              fc.constant(x),
              fc.float64Array({
                minLength: x.length,
                maxLength: x.length,
                min: -1e3,
                max: 1e3,
                noNaN: true,
              }),
              splitPoints(x.length),
            ),
          ),
        ([x, y, ranges]) => {
          const whole = mse(x, y);
          expect(mse(x, y, { reduction: 'sum' }).value).toBeCloseTo(
            whole.value * whole.sumDenominator,
            6,
          );
          let s = 0;
          let d = 0;
          for (const [a, b] of ranges) {
            const part = mse(x.subarray(a, b), y.subarray(a, b), { reduction: 'sum' });
            s += part.sumValue;
            d += part.sumDenominator;
          }
          expect(d).toBe(whole.sumDenominator);
          expect(Math.abs(s / d - whole.value)).toBeLessThanOrEqual(
            1e-12 * Math.max(1, whole.value),
          );
        },
      ),
    );
  });
});

describe('mse blocked summation (issue 6)', () => {
  it('stays within its proven bound (133u·Σv) of a per-element compensated sum', () => {
    // 5000 elements cross four 1024-element blocks and a ragged tail; magnitudes span 1e±6.
    for (const n of [1, 7, 8, 1023, 1024, 1025, 5000]) {
      const rnd = seededRandom(n);
      const x = Float32Array.from({ length: n }, () => (rnd() - 0.5) * 10 ** (12 * rnd() - 6));
      const y = Float32Array.from({ length: n }, () => (rnd() - 0.5) * 10 ** (12 * rnd() - 6));
      let s = 0;
      let c = 0;
      for (let i = 0; i < n; i++) {
        const d = x[i] - y[i];
        const v = d * d;
        const t = s + v;
        c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
        s = t;
      }
      const want = s + c;
      const got = mse(x, y, { reduction: 'sum' }).value;
      expect(Math.abs(got - want)).toBeLessThanOrEqual(133 * 2 ** -53 * want);
      // Every array type takes its own loop; all give the same bits.
      expect(mse(Float64Array.from(x), Float64Array.from(y), { reduction: 'sum' }).value).toBe(got);
      expect(mse(Array.from(x), Array.from(y), { reduction: 'sum' }).value).toBe(got);
      expect(mse(x, Float64Array.from(y), { reduction: 'sum' }).value).toBe(got);
      const g = mseGrad(x, y, { reduction: 'sum' }).input;
      expect(mseGrad(Array.from(x), Array.from(y), { reduction: 'sum' }).input).toEqual(g);
      expect(g[n - 1]).toBe(2 * (x[n - 1] - y[n - 1]));
    }
  });

  it('keeps ±∞ and NaN in any block', () => {
    const x = new Float64Array(3000);
    const y = new Float64Array(3000);
    x[2500] = Number.POSITIVE_INFINITY;
    expect(mse(x, y).value).toBe(Number.POSITIVE_INFINITY);
    x[10] = Number.NaN;
    expect(mse(x, y).value).toBeNaN();
  });
});

describe('mseGrad loops', () => {
  it('give 2k·(x − y) bit for bit at every length around the steps and the two streams, every array type', () => {
    // eight-element steps, and runs of two streams 16,384 elements apart (mse.ts's GRAD_APART)
    const apart = 16384;
    for (const n of [0, 1, 7, 8, 9, 15, 16, 17, 1001, 2 * apart - 1, 2 * apart, 4 * apart + 13]) {
      const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i * 1.3) * 3);
      const y = Float64Array.from({ length: n }, (_, i) => Math.cos(i * 0.7));
      const types: [ArrayLike<number>, ArrayLike<number>][] = [
        [x, y],
        [Float32Array.from(x), Float32Array.from(y)],
        [Array.from(x), Array.from(y)],
        [Float32Array.from(x), y],
      ];
      for (const [a, b] of types) {
        for (const [o, k] of [
          [{}, 2 / n],
          [{ reduction: 'sum' }, 2],
        ] as [object, number][]) {
          const out = new Float64Array(n).fill(7);
          const g = mseGrad(a as number[], b as number[], { ...o, out: { input: out } }).input;
          for (let i = 0; i < n; i++) {
            const want = k * (a[i] - b[i]);
            if (!Object.is(g[i], want)) expect([i, g[i]]).toEqual([i, want]);
          }
        }
      }
    }
  });
});
