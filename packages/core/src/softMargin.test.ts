import { LossShapeError, softMargin, softMarginGrad } from '@losskit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  expectBlockedSumsMatch,
  finiteDifference,
  seededRandom,
  splitPoints,
  worstRatio,
} from '../test/helpers.js';

/** The reference formulas, with Math.exp and Math.log1p. */
const refLoss = (f: number, y: number) => {
  const z = -y * f;
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
};
const refGrad = (f: number, y: number) => {
  const z = -y * f;
  const e = Math.exp(-Math.abs(z));
  return -y * (z >= 0 ? 1 / (1 + e) : e / (1 + e));
};

/** Scores spread over the table's range, past it, and at its joints; labels ±1 and a few reals. */
function fastPathData(n: number) {
  const r = seededRandom(7);
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  const special = [0, -0, 40, -40, 40.000001, 1 / 64, -1 / 64, 1e-300, 745, -745, 1e30, -1e30];
  for (let i = 0; i < n; i++) {
    const k = i % 5;
    x[i] =
      i < special.length
        ? special[i]
        : k === 0
          ? (r() - 0.5) * 100
          : k === 1
            ? (r() - 0.5) * 1800
            : (r() - 0.5) * 8;
    y[i] = i % 97 === 3 ? (r() - 0.5) * 4 : r() < 0.5 ? -1 : 1;
  }
  return { x, y };
}

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

describe('softMargin', () => {
  it('is log(1 + exp(−y·f)), worked by hand', () => {
    const r = softMargin([0, 1, 2], [1, 1, -1], { reduction: 'none' }).value;
    expect(r[0]).toBe(Math.LN2);
    expect(r[1]).toBeCloseTo(Math.log(1 + Math.exp(-1)), 15);
    expect(r[2]).toBeCloseTo(Math.log(1 + Math.exp(2)), 15);
    // ∂/∂f = −y·σ(−y·f): at f = 0 that is −y/2
    expect(Array.from(softMarginGrad([0, 0], [1, -1], { reduction: 'sum' }).input)).toEqual([
      -0.5, 0.5,
    ]);
  });

  it('stays finite at ±800, where log(1 + exp(800)) overflows (PyTorch gives ∞)', () => {
    const r = softMargin([800, -800, 800, -800], [-1, 1, 1, -1], { reduction: 'none' }).value;
    expect(Array.from(r)).toEqual([800, 800, 0, 0]);
    const g = softMarginGrad([800, -800, 800, -800], [-1, 1, 1, -1], { reduction: 'sum' }).input;
    expect(Array.from(g)).toEqual([1, -1, -0, 0]);
    // softplus tail kept exact: log(1 + e⁻⁴⁰) ≈ e⁻⁴⁰, which 1 + e⁻⁴⁰ would round away
    expect(softMargin([40], [1]).value).toBeCloseTo(Math.exp(-40), 30);
    expect(softMargin([40], [1]).value / Math.exp(-40)).toBeCloseTo(1, 12);
  });

  it('accepts any real label, as PyTorch', () => {
    expect(softMargin([2], [0.5]).value).toBeCloseTo(Math.log(1 + Math.exp(-1)), 15);
    expect(softMargin([2], [0]).value).toBe(Math.LN2);
  });

  it('propagates NaN and names the function and argument in its errors', () => {
    expect(softMargin([Number.NaN], [1]).value).toBeNaN();
    expect(() => softMargin([1, 2], [1])).toThrow(LossShapeError);
    expect(() => softMargin([1, 2], [1])).toThrow('softMargin: target has 1 elements');
    expect(() => softMarginGrad([1], [1], { out: { input: new Float64Array(2) } })).toThrow(
      'softMarginGrad: out.input must be a Float64Array of 1 elements',
    );
  });

  it('has gradients that agree with central finite differences', () => {
    fc.assert(
      fc.property(scored(8, 20), ([f, y]) => {
        for (const reduction of ['mean', 'sum'] as const) {
          const g = softMarginGrad(f, y, { reduction }).input;
          const fd = finiteDifference((z) => softMargin(z, y, { reduction }).value, f);
          expect(worstRatio(g, fd)).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('sum = mean × Σdenominator, and a split of the rows adds up to the whole', () => {
    fc.assert(
      fc.property(scored(1e3), ([f, y, ranges]) => {
        const whole = softMargin(f, y);
        const sum = softMargin(f, y, { reduction: 'sum' }).value;
        // mean = sum / N rounds on the subnormal grid too: N·2⁻¹⁰⁷⁴ absolute slack.
        expect(Math.abs(sum - whole.value * whole.sumDenominator)).toBeLessThanOrEqual(
          1e-12 * sum + whole.sumDenominator * Number.MIN_VALUE,
        );
        let s = 0;
        let d = 0;
        for (const [a, b] of ranges) {
          const part = softMargin(f.subarray(a, b), y.subarray(a, b));
          s += part.sumValue;
          d += part.sumDenominator;
        }
        expect(d).toBe(f.length);
        expect(Math.abs(s / d - whole.value)).toBeLessThanOrEqual(1e-12 * Math.max(1, whole.value));
      }),
      { numRuns: 50 },
    );
  });

  it('never gives NaN for finite input, extreme values included', () => {
    fc.assert(
      fc.property(scored(1e308), ([f, y]) => {
        for (const v of softMargin(f, y, { reduction: 'none' }).value) {
          expect(v).not.toBeNaN();
          expect(v).toBeGreaterThanOrEqual(0);
        }
        for (const v of softMarginGrad(f, y).input) expect(v).not.toBeNaN();
      }),
      { numRuns: 50 },
    );
  });

  it('fast loops match the Math.exp/log1p formulas on every array type, with ∞ and NaN', () => {
    const { x, y } = fastPathData(5000);
    for (const bad of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])
      expectBlockedSumsMatch(softMargin, refLoss, x, y, {}, bad);
  });

  it('gradient loops match −y·σ(−y·f) on every array type, with and without gradOutput', () => {
    const { x, y } = fastPathData(5000);
    x[10] = Number.POSITIVE_INFINITY;
    x[11] = Number.NEGATIVE_INFINITY;
    x[12] = Number.NaN;
    const go = Float64Array.from(x, (_, i) => ((i % 7) - 3) / 2);
    const want = Float64Array.from(x, (f, i) => refGrad(f, y[i]));
    for (const [xs, ys] of [
      [x, y],
      [Float32Array.from(x), Float32Array.from(y)],
      [Array.from(x), Array.from(y)],
      [Float32Array.from(x), Array.from(y)],
    ] as const) {
      const w = Float64Array.from(xs as ArrayLike<number>, (f, i) => refGrad(f, ys[i]));
      const out = new Float64Array(x.length);
      const g = softMarginGrad(xs, ys, { reduction: 'sum', out: { input: out } }).input;
      expect(g).toBe(out);
      expect(worstRatio(g, w, 1e-15, 1e-300)).toBeLessThanOrEqual(1);
      const mean = softMarginGrad(xs, ys).input;
      expect(
        worstRatio(
          mean,
          w.map((v) => v / x.length),
          1e-15,
          1e-300,
        ),
      ).toBeLessThanOrEqual(1);
      const gg = softMarginGrad(xs, ys, { reduction: 'none', gradOutput: go }).input;
      expect(
        worstRatio(
          gg,
          w.map((v, i) => v * go[i]),
          1e-15,
          1e-300,
        ),
      ).toBeLessThanOrEqual(1);
    }
    expect(Number.isNaN(want[12])).toBe(true);
    expect(softMarginGrad(x, y, { reduction: 'sum' }).input[12]).toBeNaN();
    // σ's small side keeps its digits: −y·σ(−y·f) at y·f = 200 is −σ(−200) ≈ −1.4e−87
    expect(softMarginGrad([200], [1], { reduction: 'sum' }).input[0] / -Math.exp(-200)).toBeCloseTo(
      1,
      14,
    );
  });
});
