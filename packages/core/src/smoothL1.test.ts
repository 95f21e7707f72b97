import { LossOptionError, LossShapeError, l1Grad, smoothL1, smoothL1Grad } from '@losskit/core';
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

describe('smoothL1', () => {
  it('is ½e²/β inside β and |e| − ½β outside, worked by hand', () => {
    // β = 1 (default): e = 0.5 → ½·0.25; e = −3 → 3 − ½
    expect(Array.from(smoothL1([0.5, -3], [0, 0], { reduction: 'none' }).value)).toEqual([
      0.125, 2.5,
    ]);
    // β = 2: e = 1 → ½·1/2; e = 4 → 4 − 1
    expect(smoothL1([1, 4], [0, 0], { beta: 2, reduction: 'sum' }).value).toBe(0.25 + 3);
    // gradient: e/β inside, sign(e) outside
    expect(
      Array.from(smoothL1Grad([1, 4, -5], [0, 0, 0], { beta: 2, reduction: 'sum' }).input),
    ).toEqual([0.5, 1, -1]);
  });

  it('with β = 0 is L1, gradient included (0 at e = 0, as l1Grad)', () => {
    expect(
      Array.from(smoothL1([0, 1, -2], [0, 0, 0], { beta: 0, reduction: 'none' }).value),
    ).toEqual([0, 1, 2]);
    // PyTorch 1.13 returns −1 at e = 0 for β = 0 (its backward tests e ≤ −β); we give the
    // symmetric subgradient 0, the same as l1.
    const g = smoothL1Grad([0, 1, -2], [0, 0, 0], { beta: 0, reduction: 'sum' }).input;
    expect(Array.from(g)).toEqual([0, 1, -1]);
    expect(Array.from(g)).toEqual(
      Array.from(l1Grad([0, 1, -2], [0, 0, 0], { reduction: 'sum' }).input),
    );
  });

  it('rejects a negative or non-finite β and names the function and argument', () => {
    expect(() => smoothL1([1], [1], { beta: -1 })).toThrow(LossOptionError);
    expect(() => smoothL1([1], [1], { beta: -1 })).toThrow('smoothL1: option beta = -1 is invalid');
    expect(() => smoothL1Grad([1], [1], { beta: Number.POSITIVE_INFINITY })).toThrow(
      'smoothL1Grad: option beta = Infinity is invalid',
    );
    expect(() => smoothL1([1, 2], [1])).toThrow(LossShapeError);
    expect(smoothL1([Number.NaN], [0]).value).toBeNaN();
  });

  it("writes 'none' and its gradient into caller buffers", () => {
    const out = new Float64Array(2);
    expect(smoothL1([0.5, 3], [0, 0], { reduction: 'none', out }).value).toBe(out);
    const gx = new Float64Array(2);
    smoothL1Grad([0.5, 3], [0, 0], { reduction: 'none', gradOutput: [2, 3], out: { input: gx } });
    expect(Array.from(gx)).toEqual([1, 3]);
  });

  it('has gradients that agree with central finite differences away from the kinks', () => {
    fc.assert(
      fc.property(pairs(3, 20), fc.constantFrom(0, 0.3, 1, 2.5), ([x, y], beta) => {
        // C¹ at |e| = β for β > 0; at β = 0 the kink is e = 0
        for (let i = 0; i < x.length; i++) if (Math.abs(x[i] - y[i]) < 1e-3) x[i] += 0.01;
        for (const reduction of ['mean', 'sum'] as const) {
          const g = smoothL1Grad(x, y, { beta, reduction }).input;
          const fd = finiteDifference((z) => smoothL1(z, y, { beta, reduction }).value, x);
          expect(worstRatio(g, fd)).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('sum = mean × Σdenominator, and a split of the rows adds up to the whole', () => {
    fc.assert(
      fc.property(
        pairs(1e3),
        fc.double({ min: 0, max: 10, noNaN: true }),
        ([x, y, ranges], beta) => {
          const whole = smoothL1(x, y, { beta });
          const sum = smoothL1(x, y, { beta, reduction: 'sum' }).value;
          // mean = sum / N rounds on the subnormal grid too: N·2⁻¹⁰⁷⁴ absolute slack.
          expect(Math.abs(sum - whole.value * whole.sumDenominator)).toBeLessThanOrEqual(
            1e-12 * sum + whole.sumDenominator * Number.MIN_VALUE,
          );
          let s = 0;
          let d = 0;
          for (const [a, b] of ranges) {
            const part = smoothL1(x.subarray(a, b), y.subarray(a, b), { beta });
            s += part.sumValue;
            d += part.sumDenominator;
          }
          expect(d).toBe(x.length);
          expect(Math.abs(s / d - whole.value)).toBeLessThanOrEqual(
            1e-12 * Math.max(1, whole.value),
          );
        },
      ),
      { numRuns: 50 },
    );
  });

  it('never gives NaN for finite input, for any β ≥ 0', () => {
    fc.assert(
      fc.property(pairs(1e307), fc.constantFrom(0, 5e-324, 1, 1e300), ([x, y], beta) => {
        for (const v of smoothL1(x, y, { beta, reduction: 'none' }).value) expect(v).not.toBeNaN();
        for (const v of smoothL1Grad(x, y, { beta }).input) expect(v).not.toBeNaN();
      }),
      { numRuns: 50 },
    );
  });

  it('agrees with the direct formula on every array type, across blocks with non-finite values', () => {
    // 3000 elements span three of the kernel's 1024-element blocks; a non-finite input in the
    // middle one sends that block to the exact fallback loop.
    const n = 3000;
    const x = Float64Array.from({ length: n }, (_, i) => 4 * Math.sin(i * 1.7));
    const y = new Float64Array(n).fill(3);
    const ref = (xi: number, yi: number) => {
      const e = Math.abs(xi - yi);
      return e < 0.75 ? (0.5 * e * e) / 0.75 : e - 0.375;
    };
    const opts = { beta: 0.75 };
    expectBlockedSumsMatch(smoothL1, ref, x, y, opts, Number.NaN);
  });
});

describe('smoothL1Grad fast loops', () => {
  it('match k·(|e| < β ? e/β : sign(e)) bit for bit (ties at ±β, β = 0, tiny β, every array type)', () => {
    for (const beta of [1, 0, 0.3, 2.5, 1e-300, 1e300]) {
      expectFastLoopsMatch(
        (x, y, o) => smoothL1Grad(x, y, { ...o, beta }).input,
        (e) => (Math.abs(e) < beta ? e / beta : Math.sign(e)),
        [beta],
      );
    }
  });
});
