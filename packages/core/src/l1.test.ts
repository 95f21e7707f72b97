import { LossShapeError, LossTypeError, l1, l1Grad, smoothL1 } from '@losskit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  expectBlockedSumsMatch,
  expectFastLoopsMatch,
  finiteDifference,
  splitPoints,
  worstRatio,
} from '../test/helpers.js';

/** Predictions and targets in [−lim, lim], plus a random split of the elements. */
const pairs = (lim = 5, maxLength = 40) =>
  fc
    .integer({ min: 1, max: maxLength })
    .chain((n) =>
      fc.tuple(
        fc.float64Array({ minLength: n, maxLength: n, min: -lim, max: lim, noNaN: true }),
        fc.float64Array({ minLength: n, maxLength: n, min: -lim, max: lim, noNaN: true }),
        splitPoints(n),
      ),
    );

describe('l1', () => {
  it('is the mean absolute error, worked by hand', () => {
    const r = l1(new Float32Array([1, 2, 3]), new Float32Array([1, 0, 6]));
    expect(r.value).toBe((0 + 2 + 3) / 3);
    expect(r.sumValue).toBe(5);
    expect(r.sumDenominator).toBe(3);
    expect(Array.from(l1([1, 2, 3], [1, 0, 6], { reduction: 'none' }).value)).toEqual([0, 2, 3]);
    // sign(x − y), 0 where equal (as PyTorch)
    expect(Array.from(l1Grad([1, 2, 3], [1, 0, 6], { reduction: 'sum' }).input)).toEqual([
      0, 1, -1,
    ]);
    expect(Array.from(l1Grad([1, 2, 3], [1, 0, 6]).input)).toEqual([0, 1 / 3, -1 / 3]);
  });

  it('keeps the first dimension as rows and writes into caller buffers', () => {
    const r = l1({ data: new Float64Array(6), shape: [2, 3] }, new Float64Array(6));
    expect(r.rows).toBe(2);
    expect(r.elements).toBe(6);
    const out = new Float64Array(2);
    expect(l1([1, -1], [0, 0], { reduction: 'none', out }).value).toBe(out);
    const gx = new Float64Array(2);
    l1Grad([1, -1], [0, 0], { reduction: 'none', gradOutput: [2, 3], out: { input: gx } });
    expect(Array.from(gx)).toEqual([2, -3]);
  });

  it('propagates NaN and names the function and argument in its errors', () => {
    expect(l1([Number.NaN], [0]).value).toBeNaN();
    expect(() => l1([1, 2], [1])).toThrow(LossShapeError);
    expect(() => l1([1, 2], [1])).toThrow('l1: target has 1 elements but input has 2');
    expect(() => l1('12' as never, [1])).toThrow(LossTypeError);
    expect(() => l1([1], ['a'] as never)).toThrow('l1: target[0] is a string');
  });

  it('equals smoothL1 with β = 0', () => {
    fc.assert(
      fc.property(pairs(100), ([x, y]) => {
        const a = l1(x, y, { reduction: 'none' }).value;
        const b = smoothL1(x, y, { beta: 0, reduction: 'none' }).value;
        expect(Array.from(b)).toEqual(Array.from(a));
      }),
      { numRuns: 50 },
    );
  });

  it('has gradients that agree with central finite differences away from the kink', () => {
    fc.assert(
      fc.property(pairs(3, 20), ([x, y]) => {
        for (let i = 0; i < x.length; i++) if (Math.abs(x[i] - y[i]) < 1e-3) x[i] += 0.01;
        for (const reduction of ['mean', 'sum'] as const) {
          const g = l1Grad(x, y, { reduction }).input;
          const fd = finiteDifference((z) => l1(z, y, { reduction }).value, x);
          expect(worstRatio(g, fd)).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('sum = mean × Σdenominator, and a split of the rows adds up to the whole', () => {
    fc.assert(
      fc.property(pairs(1e3), ([x, y, ranges]) => {
        const whole = l1(x, y);
        const sum = l1(x, y, { reduction: 'sum' }).value;
        // mean = sum / N rounds on the subnormal grid too: N·2⁻¹⁰⁷⁴ absolute slack.
        expect(Math.abs(sum - whole.value * whole.sumDenominator)).toBeLessThanOrEqual(
          1e-12 * sum + whole.sumDenominator * Number.MIN_VALUE,
        );
        let s = 0;
        let d = 0;
        for (const [a, b] of ranges) {
          const part = l1(x.subarray(a, b), y.subarray(a, b));
          s += part.sumValue;
          d += part.sumDenominator;
        }
        expect(d).toBe(x.length);
        expect(Math.abs(s / d - whole.value)).toBeLessThanOrEqual(1e-12 * Math.max(1, whole.value));
      }),
      { numRuns: 50 },
    );
  });

  it('never gives NaN for finite input', () => {
    fc.assert(
      fc.property(pairs(1e307), ([x, y]) => {
        for (const v of l1(x, y, { reduction: 'none' }).value) expect(v).not.toBeNaN();
        for (const v of l1Grad(x, y).input) expect(v).not.toBeNaN();
      }),
      { numRuns: 50 },
    );
  });

  it('agrees with the direct formula on every array type, across blocks with non-finite values', () => {
    // 3000 elements span three of the kernel's 1024-element blocks; a non-finite input in the
    // middle one sends that block to the exact fallback loop.
    const n = 3000;
    const x = Float64Array.from({ length: n }, (_, i) => 4 * Math.sin(i * 1.7));
    const y = Float64Array.from({ length: n }, (_, i) => 3 * Math.cos(i * 0.9));
    const ref = (xi: number, yi: number) => Math.abs(xi - yi);
    const opts = {};
    expectBlockedSumsMatch(l1, ref, x, y, opts, Number.POSITIVE_INFINITY);
  });
});

describe('l1 sums (eight elements a step)', () => {
  /** Σ|x − y| with per-element Neumaier. */
  const refSum = (x: ArrayLike<number>, y: ArrayLike<number>) => {
    let s = 0;
    let c = 0;
    for (let i = 0; i < x.length; i++) {
      const v = Math.abs(x[i] - y[i]);
      const t = s + v;
      c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
      s = t;
    }
    return Number.isFinite(s) ? s + c : s;
  };
  const types = (x: Float64Array, y: Float64Array) =>
    [
      [x, y],
      [Float32Array.from(x), Float32Array.from(y)],
      [Array.from(x), Array.from(y)],
    ] as const;

  it('are within 1.6e−14 of a per-element Neumaier sum (every length mod 8 and mod 1024)', () => {
    for (const n of [1, 7, 8, 9, 15, 1017, 1023, 1024, 1025, 1031, 2048 + 5, 3 * 1024 + 7]) {
      const x = Float64Array.from({ length: n }, (_, i) => Math.fround(3 * Math.sin(i * 1.7)));
      const y = Float64Array.from({ length: n }, (_, i) =>
        Math.fround(i % 5 === 0 ? x[i] : Math.cos(i * 0.37) * (i % 3 === 0 ? 1e-6 : 2)),
      );
      if (n > 10) {
        x[3] = -0;
        y[3] = 0;
      }
      for (const [xs, ys] of types(x, y)) {
        const want = refSum(xs, ys);
        const got = l1(xs, ys, { reduction: 'sum' }).value;
        expect(Math.abs(got - want)).toBeLessThanOrEqual(1.6e-14 * want);
        expect(l1(xs, ys).value).toBe(got / n);
      }
    }
  });

  it('give ±∞ and NaN as the direct formula, wherever they fall in the eight-element steps', () => {
    const n = 2 * 1024 + 13;
    for (const at of [0, 3, 4, 7, 8, 1023, 1024, 1031, n - 1])
      for (const [v, w] of [
        [Infinity, 1],
        [-Infinity, 1],
        [Infinity, Infinity],
        [Number.NaN, 0],
        [1, Number.NaN],
      ]) {
        const x = Float64Array.from({ length: n }, (_, i) => Math.sin(i));
        const y = Float64Array.from({ length: n }, (_, i) => Math.cos(i));
        x[at] = v;
        y[at] = w;
        for (const [xs, ys] of types(x, y)) {
          const want = refSum(xs, ys);
          const got = l1(xs, ys, { reduction: 'sum' }).value;
          if (Number.isFinite(want))
            expect(Math.abs(got - want)).toBeLessThanOrEqual(1.6e-14 * want);
          else expect(got).toBe(want);
        }
      }
  });
});

describe('l1Grad fast loops', () => {
  it('match k·Math.sign(x − y) bit for bit (±0, ±∞, NaN, every array type and reduction)', () => {
    expectFastLoopsMatch((x, y, o) => l1Grad(x, y, o).input, Math.sign, []);
  });
});
