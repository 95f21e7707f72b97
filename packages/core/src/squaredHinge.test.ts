import { LossRangeError, LossShapeError, squaredHinge, squaredHingeGrad } from '@losskit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finiteDifference, splitPoints, worstRatio } from '../test/helpers.js';

/** Scores in [−lim, lim] with labels in {−1, 1}, plus a random split of the elements. */
const scored = (lim = 5, maxLength = 40) =>
  fc.integer({ min: 1, max: maxLength }).chain((n) =>
    fc.tuple(
      fc.float64Array({ minLength: n, maxLength: n, min: -lim, max: lim, noNaN: true }),
      fc
        .array(fc.constantFrom(-1, 1), { minLength: n, maxLength: n })
        .map((a) => Float64Array.from(a)),
      splitPoints(n),
    ),
  );

describe('squaredHinge', () => {
  it('is max(0, 1 − y·f)², worked by hand', () => {
    const f = [2, 0.5, -1, 0.25];
    const y = [1, 1, 1, -1];
    expect(Array.from(squaredHinge(f, y, { reduction: 'none' }).value)).toEqual([
      0,
      0.5 ** 2,
      2 ** 2,
      1.25 ** 2,
    ]);
    expect(squaredHinge(f, y).value).toBe((0 + 0.25 + 4 + 1.5625) / 4);
    // −2y·max(0, 1 − y·f)
    expect(Array.from(squaredHingeGrad(f, y, { reduction: 'sum' }).input)).toEqual([
      -0, -1, -4, 2.5,
    ]);
  });

  it('takes {−1, 1} labels and rejects anything else, naming function and argument', () => {
    expect(squaredHinge([-0.5], [-1]).value).toBe(0.25);
    expect(() => squaredHinge([1, 2], [0, 1])).toThrow(LossRangeError);
    expect(() => squaredHinge([1, 2], [1, 0])).toThrow(
      'squaredHinge: target[1] = 0 is not -1 or 1',
    );
    expect(() => squaredHinge([1, 2], [1])).toThrow(LossShapeError);
    expect(squaredHinge([Number.NaN], [1]).value).toBeNaN();
  });

  it("writes 'none' and its gradient into caller buffers", () => {
    const out = new Float64Array(2);
    expect(squaredHinge([0, 0], [1, -1], { reduction: 'none', out }).value).toBe(out);
    expect(Array.from(out)).toEqual([1, 1]);
    const gx = new Float64Array(2);
    squaredHingeGrad([0, 0], [1, -1], {
      reduction: 'none',
      gradOutput: [3, 5],
      out: { input: gx },
    });
    expect(Array.from(gx)).toEqual([-6, 10]);
  });

  it('has gradients that agree with central finite differences (it is C¹, no kink)', () => {
    fc.assert(
      fc.property(scored(3, 20), ([f, y]) => {
        for (const reduction of ['mean', 'sum'] as const) {
          const g = squaredHingeGrad(f, y, { reduction }).input;
          const fd = finiteDifference((z) => squaredHinge(z, y, { reduction }).value, f);
          expect(worstRatio(g, fd)).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('sum = mean × Σdenominator, and a split of the rows adds up to the whole', () => {
    fc.assert(
      fc.property(scored(1e3), ([f, y, ranges]) => {
        const whole = squaredHinge(f, y);
        const sum = squaredHinge(f, y, { reduction: 'sum' }).value;
        // mean = sum / N rounds on the subnormal grid too: N·2⁻¹⁰⁷⁴ absolute slack.
        expect(Math.abs(sum - whole.value * whole.sumDenominator)).toBeLessThanOrEqual(
          1e-12 * sum + whole.sumDenominator * Number.MIN_VALUE,
        );
        let s = 0;
        let d = 0;
        for (const [a, b] of ranges) {
          const part = squaredHinge(f.subarray(a, b), y.subarray(a, b));
          s += part.sumValue;
          d += part.sumDenominator;
        }
        expect(d).toBe(f.length);
        expect(Math.abs(s / d - whole.value)).toBeLessThanOrEqual(1e-12 * Math.max(1, whole.value));
      }),
      { numRuns: 50 },
    );
  });

  it('never gives NaN for finite input', () => {
    fc.assert(
      fc.property(scored(1e308), ([f, y]) => {
        for (const v of squaredHinge(f, y, { reduction: 'none' }).value) expect(v).not.toBeNaN();
        for (const v of squaredHingeGrad(f, y).input) expect(v).not.toBeNaN();
      }),
      { numRuns: 50 },
    );
  });
});
