import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { clampSmoothing, DebiasedEma, debiasedEma } from './debiasedEma.js';

/** TensorBoard's resmoothing loop (vz_line_chart2), minus its all-constant shortcut. */
function tensorBoardSmooth(ys: number[], w: number): number[] {
  let last = 0;
  let numAccum = 0;
  return ys.map((y) => {
    if (!Number.isFinite(y)) return y;
    last = last * w + (1 - w) * y;
    numAccum++;
    return last / (1 - w ** numAccum);
  });
}

describe('debiasedEma', () => {
  it('divides out the zero-start bias (hand-worked, w = 0.5)', () => {
    // last1 = 0.5·0 + 0.5·2 = 1, /(1 − 0.5) = 2
    // last2 = 0.5·1 + 0.5·4 = 2.5, /(1 − 0.25) = 10/3
    const s = debiasedEma([2, 4], 0.5);
    expect(s[0]).toBe(2);
    expect(s[1]).toBeCloseTo(2.5 / 0.75, 15);
  });

  it('is the input for a constant input and for weight 0', () => {
    const c = debiasedEma(new Array(1000).fill(3.25), 0.99);
    for (const v of c) expect(v).toBeCloseTo(3.25, 12);
    expect([...debiasedEma([1, 5, -2], 0)]).toEqual([1, 5, -2]);
  });

  it('passes NaN and ±Infinity through without poisoning what follows', () => {
    const s = debiasedEma([1, Number.NaN, Number.POSITIVE_INFINITY, 3], 0.5);
    expect(s[0]).toBe(1);
    expect(s[1]).toBeNaN();
    expect(s[2]).toBe(Number.POSITIVE_INFINITY);
    // Two finite values seen: (0.5·0.5 + 0.5·3) / (1 − 0.25)
    expect(s[3]).toBeCloseTo((0.25 + 1.5) / 0.75, 15);
  });

  it('matches TensorBoard on random data', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { maxLength: 300 }),
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        (ys, w) => {
          const ours = debiasedEma(ys, w);
          const tb = tensorBoardSmooth(ys, w);
          ys.forEach((_, i) => {
            expect(Math.abs(ours[i] - tb[i])).toBeLessThanOrEqual(1e-9 * (1 + Math.abs(tb[i])));
          });
        },
      ),
      { numRuns: 100 },
    );
  });

  it('is the same fed one value at a time', () => {
    const ys = [0.3, 2, 7, -1, 4];
    const ema = new DebiasedEma(0.8);
    const stepwise = ys.map((y) => ema.next(y));
    expect(stepwise).toEqual([...debiasedEma(ys, 0.8)]);
    expect(ema.value).toBe(stepwise[4]);
    expect(new DebiasedEma(0.8).value).toBeNaN();
  });

  it('rejects weights outside [0, 1) and clamps user input', () => {
    expect(() => new DebiasedEma(1)).toThrow(/weight = 1/);
    expect(() => new DebiasedEma(-0.1)).toThrow(RangeError);
    expect(clampSmoothing(1)).toBe(0.999);
    expect(clampSmoothing(Number.NaN)).toBe(0);
    expect(clampSmoothing(-3)).toBe(0);
    expect(clampSmoothing(0.6)).toBe(0.6);
  });
});
