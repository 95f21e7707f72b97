import { LossShapeError, logCosh, logCoshGrad } from '@losskit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  expectBlockedSumsMatch,
  finiteDifference,
  splitPoints,
  worstRatio,
} from '../test/helpers.js';
import { tanhTable } from './internal/ewTanh.js';

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

describe('logCosh', () => {
  it('is log(cosh(x − y)), worked by hand', () => {
    const r = logCosh([0, 1, -2, 3], [0, 0, 0, 0.5], { reduction: 'none' }).value;
    expect(r[0]).toBe(0);
    expect(r[1]).toBeCloseTo(Math.log(Math.cosh(1)), 15);
    expect(r[2]).toBeCloseTo(Math.log(Math.cosh(2)), 15);
    expect(r[3]).toBeCloseTo(Math.log(Math.cosh(2.5)), 15);
    // gradient tanh(e)
    const g = logCoshGrad([1, -2], [0, 0], { reduction: 'sum' }).input;
    expect(g[0]).toBeCloseTo(Math.tanh(1), 15);
    expect(g[1]).toBeCloseTo(Math.tanh(-2), 15);
  });

  it('stays finite at ±1000 where cosh overflows (torchmetrics: ∞ at 89 in float32)', () => {
    expect(Math.log(Math.cosh(1000))).toBe(Number.POSITIVE_INFINITY);
    const r = logCosh([1000, -1000, 90], [0, 0, 0], { reduction: 'none' }).value;
    expect(Array.from(r)).toEqual([1000 - Math.LN2, 1000 - Math.LN2, 90 - Math.LN2]);
    expect(Array.from(logCoshGrad([1000, -1000], [0, 0], { reduction: 'sum' }).input)).toEqual([
      1, -1,
    ]);
  });

  it('≈ e²/2 for small e, to full relative accuracy', () => {
    // log cosh e = e²/2 − e⁴/12 + e⁶/45 − …; the |e| + log1p(e^(−2|e|)) − ln 2 form alone would lose
    // every digit here to cancellation.
    for (const e of [1e-3, -1e-5, 1e-8, 3e-100]) {
      const v = logCosh([e], [0]).value;
      const series = (e * e) / 2 - e ** 4 / 12 + e ** 6 / 45;
      expect(Math.abs(v - series)).toBeLessThanOrEqual(1e-15 * series);
    }
    fc.assert(
      fc.property(fc.double({ min: -1e-4, max: 1e-4, noNaN: true }), (e) => {
        const v = logCosh([e], [0]).value;
        expect(Math.abs(v - (e * e) / 2)).toBeLessThanOrEqual(1e-8 * ((e * e) / 2) + 1e-300);
      }),
      { numRuns: 50 },
    );
  });

  it('≈ |e| − ln 2 for large e', () => {
    fc.assert(
      fc.property(fc.double({ min: 20, max: 1e300, noNaN: true }), fc.boolean(), (a, neg) => {
        const e = neg ? -a : a;
        const v = logCosh([e], [0]).value;
        // the difference is log1p(e^(−2|e|)) < e⁻⁴⁰
        expect(Math.abs(v - (a - Math.LN2))).toBeLessThanOrEqual(1e-15 * a);
      }),
      { numRuns: 50 },
    );
  });

  it('propagates NaN and names the function and argument in its errors', () => {
    expect(logCosh([Number.NaN], [0]).value).toBeNaN();
    expect(() => logCosh([1, 2], [1])).toThrow(LossShapeError);
    expect(() => logCosh([1, 2], [1])).toThrow('logCosh: target has 1 elements but input has 2');
    expect(() => logCoshGrad([1], [1], { reduction: 'avg' as never })).toThrow(
      'logCoshGrad: option reduction = "avg" is invalid',
    );
  });

  it("writes 'none' and its gradient into caller buffers", () => {
    const out = new Float64Array(2);
    expect(logCosh([0.5, 3], [0, 0], { reduction: 'none', out }).value).toBe(out);
    const gx = new Float64Array(2);
    logCoshGrad([0, 1000], [0, 0], { reduction: 'none', gradOutput: [2, 3], out: { input: gx } });
    expect(Array.from(gx)).toEqual([0, 3]);
  });

  it('has gradients that agree with central finite differences (both branches)', () => {
    fc.assert(
      fc.property(pairs(4, 20), ([x, y]) => {
        for (const reduction of ['mean', 'sum'] as const) {
          const g = logCoshGrad(x, y, { reduction }).input;
          const fd = finiteDifference((z) => logCosh(z, y, { reduction }).value, x);
          expect(worstRatio(g, fd)).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('is continuous where the two formulas meet (|e| = 1)', () => {
    const below = logCosh([1 - 2 ** -52], [0]).value;
    const at = logCosh([1], [0]).value;
    expect(Math.abs(at - Math.log(Math.cosh(1)))).toBeLessThanOrEqual(2e-16);
    expect(at - below).toBeGreaterThanOrEqual(0);
    expect(at - below).toBeLessThanOrEqual(1e-15);
  });

  it('sum = mean × Σdenominator, and a split of the rows adds up to the whole', () => {
    fc.assert(
      fc.property(pairs(1e3), ([x, y, ranges]) => {
        const whole = logCosh(x, y);
        const sum = logCosh(x, y, { reduction: 'sum' }).value;
        // mean = sum / N rounds on the subnormal grid too: N·2⁻¹⁰⁷⁴ absolute slack.
        expect(Math.abs(sum - whole.value * whole.sumDenominator)).toBeLessThanOrEqual(
          1e-12 * sum + whole.sumDenominator * Number.MIN_VALUE,
        );
        let s = 0;
        let d = 0;
        for (const [a, b] of ranges) {
          const part = logCosh(x.subarray(a, b), y.subarray(a, b));
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
        for (const v of logCosh(x, y, { reduction: 'none' }).value) expect(v).not.toBeNaN();
        for (const v of logCoshGrad(x, y).input) expect(v).not.toBeNaN();
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
    // log cosh e = log1p(2·sinh²(e/2)): no cancellation near e = 0 (log(cosh e) has one)
    const ref = (xi: number, yi: number) => Math.log1p(2 * Math.sinh(0.5 * (xi - yi)) ** 2);
    const opts = {};
    expectBlockedSumsMatch(logCosh, ref, x, y, opts, Number.POSITIVE_INFINITY);
  });
});

describe('logCoshGrad fast loops', () => {
  // tanh comes from internal/ewTanh.ts (≤ 8.7u for |e| ≤ 20; Math.tanh beyond, ±∞ and NaN), one
  // more rounding for the scale: ≤ 9.7u of k·tanh e; against Math.tanh (≤ 1 ulp = 2u) ≤ 11.7u.
  const u = 2 ** -53;
  it('are within 11.7u of k·Math.tanh(x − y) on a sweep past ±20, with ±0, ±∞, NaN, every array type', () => {
    // Two sweeps: one inside ±19.5 with a few non-finite and large residuals (the fast loops and
    // their hand-back), one across ±22 (past 64 hand-backs the rest goes to the inline loop).
    for (const [lo, hi] of [
      [-19.5, 19.5],
      [-22, 22],
    ]) {
      const grid = Array.from({ length: (hi - lo) * 128 + 1 }, (_, i) => lo + i / 128 + 1 / 331);
      const x64 = Float64Array.from([
        ...grid,
        0,
        -0,
        0,
        Infinity,
        -Infinity,
        Number.NaN,
        20,
        -20,
        1e308,
        -1e308,
        5e-324,
      ]);
      const y64 = Float64Array.from(x64, (_, i) =>
        i < grid.length ? ((i * 37) % 11) / 8 - 0.6 : 0,
      );
      y64[grid.length + 2] = -0; // 0 − (−0) = +0; −0 − 0 = −0
      y64[grid.length + 8] = -1e308; // 1e308 + 1e308 = ∞
      const n = x64.length;
      const per = Float64Array.from({ length: n }, (_, i) => 0.5 + ((i * 13) % 7));
      const types: [ArrayLike<number>, ArrayLike<number>][] = [
        [x64, y64],
        [Float32Array.from(x64), Float32Array.from(y64)],
        [Array.from(x64), Array.from(y64)],
        [Float32Array.from(x64), y64],
      ];
      for (const [x, y] of types) {
        const check = (got: ArrayLike<number>, k: (i: number) => number) => {
          for (let i = 0; i < n; i++) {
            const want = k(i) * Math.tanh(x[i] - y[i]);
            const ok =
              Object.is(got[i], want) || Math.abs(got[i] - want) <= 11.7 * u * Math.abs(want);
            if (!ok) expect([i, x[i], y[i], got[i]]).toEqual([i, x[i], y[i], want]);
          }
        };
        const a = x as number[];
        const b = y as number[];
        check(logCoshGrad(a, b).input, () => 1 / n);
        check(logCoshGrad(a, b, { reduction: 'sum' }).input, () => 1);
        const out = new Float64Array(n).fill(12345);
        check(logCoshGrad(a, b, { reduction: 'none', out: { input: out } }).input, () => 1);
        check(logCoshGrad(a, b, { reduction: 'none', gradOutput: per }).input, (i) => per[i]);
      }
    }
  });

  it('inline tanhTable exactly (bit for bit) inside ±20, on every array type', () => {
    const x = Float64Array.from({ length: 5000 }, (_, i) => -19.9 + i * (39.8 / 4999));
    const y = Float64Array.from({ length: 5000 }, (_, i) => ((i * 29) % 13) / 64 - 0.1);
    const types: [ArrayLike<number>, ArrayLike<number>][] = [
      [x, y],
      [Float32Array.from(x), Float32Array.from(y)],
      [Array.from(x), Array.from(y)],
    ];
    for (const [a, b] of types) {
      const g = logCoshGrad(a as number[], b as number[], { reduction: 'sum' }).input;
      for (let i = 0; i < a.length; i++) {
        const want = tanhTable(a[i] - b[i]);
        if (!Object.is(g[i], want)) expect([i, g[i]]).toEqual([i, want]);
      }
    }
  });
});
