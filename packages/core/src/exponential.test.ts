import { exponential, exponentialGrad, LossRangeError, LossShapeError } from '@losskit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  expectBlockedSumsMatch,
  finiteDifference,
  splitPoints,
  worstRatio,
} from '../test/helpers.js';

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

describe('exponential', () => {
  it('is exp(−y·f), worked by hand', () => {
    // The kernel's exp is within a few ulp of Math.exp: compare at 1e−15.
    const r = exponential([0, 2, 1], [1, -1, 1], { reduction: 'none' });
    expect(worstRatio(r.value, [1, Math.exp(2), Math.exp(-1)], 1e-15, 0)).toBeLessThanOrEqual(1);
    expect(exponential([0, 2], [1, -1]).value).toBeCloseTo((1 + Math.exp(2)) / 2, 14);
    expect(exponential([0, 2], [1, -1], { reduction: 'sum' }).value).toBeCloseTo(
      1 + Math.exp(2),
      14,
    );
    // ∂/∂f exp(−y·f) = −y·exp(−y·f)
    expect(Array.from(exponentialGrad([0, 2], [1, -1], { reduction: 'sum' }).input)).toEqual([
      -1,
      Math.exp(2),
    ]);
  });

  it('takes {−1, 1} labels and rejects anything else, naming function and argument', () => {
    expect(() => exponential([1, 2], [0, 1])).toThrow(LossRangeError);
    expect(() => exponential([1, 2], [1, 2])).toThrow('exponential: target[1] = 2 is not -1 or 1');
    expect(() => exponentialGrad([1], [0])).toThrow(
      'exponentialGrad: target[0] = 0 is not -1 or 1',
    );
    expect(() => exponential([1, 2], [1])).toThrow(LossShapeError);
    expect(() => exponential([1, 2], [1])).toThrow('exponential: target has 1 elements');
  });

  it('overflows to +∞ (not NaN) where the true value does, and propagates NaN', () => {
    const r = exponential([800, -800, 1e308], [-1, -1, 1], { reduction: 'none' }).value;
    expect(Array.from(r)).toEqual([Number.POSITIVE_INFINITY, 0, 0]);
    expect(exponential([Number.NaN], [1]).value).toBeNaN();
  });

  it("writes 'none' and its gradient into caller buffers", () => {
    const out = new Float64Array(2);
    expect(exponential([0, 0], [1, -1], { reduction: 'none', out }).value).toBe(out);
    const gx = new Float64Array(2);
    exponentialGrad([0, 0], [1, -1], { reduction: 'none', gradOutput: [3, 5], out: { input: gx } });
    expect(Array.from(gx)).toEqual([-3, 5]);
  });

  it('has gradients that agree with central finite differences', () => {
    fc.assert(
      fc.property(scored(3, 20), ([f, y]) => {
        for (const reduction of ['mean', 'sum'] as const) {
          const g = exponentialGrad(f, y, { reduction }).input;
          const fd = finiteDifference((z) => exponential(z, y, { reduction }).value, f);
          expect(worstRatio(g, fd)).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('sum = mean × Σdenominator, and a split of the rows adds up to the whole', () => {
    fc.assert(
      fc.property(scored(20), ([f, y, ranges]) => {
        const whole = exponential(f, y);
        const sum = exponential(f, y, { reduction: 'sum' }).value;
        // mean = sum / N rounds on the subnormal grid too: N·2⁻¹⁰⁷⁴ absolute slack.
        expect(Math.abs(sum - whole.value * whole.sumDenominator)).toBeLessThanOrEqual(
          1e-12 * sum + whole.sumDenominator * Number.MIN_VALUE,
        );
        let s = 0;
        let d = 0;
        for (const [a, b] of ranges) {
          const part = exponential(f.subarray(a, b), y.subarray(a, b));
          s += part.sumValue;
          d += part.sumDenominator;
        }
        expect(d).toBe(f.length);
        expect(Math.abs(s / d - whole.value)).toBeLessThanOrEqual(1e-12 * whole.value);
      }),
      { numRuns: 50 },
    );
  });

  it('never gives NaN for finite input', () => {
    fc.assert(
      fc.property(scored(1e308), ([f, y]) => {
        for (const v of exponential(f, y, { reduction: 'none' }).value) expect(v).not.toBeNaN();
      }),
      { numRuns: 50 },
    );
  });

  it('agrees with the direct formula on every array type, across blocks with non-finite values', () => {
    // 3000 elements span three of the kernel's 1024-element blocks; a non-finite input in the
    // middle one sends that block to the exact fallback loop.
    const n = 3000;
    const x = Float64Array.from({ length: n }, (_, i) => 4 * Math.sin(i * 1.7));
    const y = Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -1 : 1));
    const ref = (xi: number, yi: number) => Math.exp(-yi * xi);
    const opts = {};
    expectBlockedSumsMatch(exponential, ref, x, y, opts, Number.POSITIVE_INFINITY); // y = −1 there: exp(+∞) = ∞
  });
});

describe('exponentialGrad fast loops', () => {
  // The loops without gradOutput inline expTable's method (≤ 5.5u for |y·f| ≤ 32) and hand labels
  // other than ±1 and exponents beyond ±32 back to expTable (≤ 4.5u, fastExp's 3.2 ulp beyond);
  // one more rounding for the scale: within 6.5u of −y·k·e^(−y·f). Against Math.exp (≤ 1 ulp =
  // 2u off itself) the difference is ≤ 8.5u; the test allows 9u.
  const u = 2 ** -53;
  const check = (
    got: ArrayLike<number>,
    f: ArrayLike<number>,
    t: ArrayLike<number>,
    k: (i: number) => number,
  ) => {
    for (let i = 0; i < f.length; i++) {
      const want = -t[i] * k(i) * Math.exp(-t[i] * f[i]);
      const ok = Object.is(got[i], want) || Math.abs(got[i] - want) <= 9 * u * Math.abs(want);
      if (!ok) expect([i, f[i], t[i], got[i]]).toEqual([i, f[i], t[i], want]);
    }
  };

  it('are within 9u of −y·k·Math.exp(−y·f) over the whole table range and beyond, every array type', () => {
    // f sweeps [−32, 32] (the fast loops, with a few hand-backs) and [−40, 40] (past ±32 and 64
    // hand-backs the rest goes to expTable directly) on a fine grid: every table interval, both
    // ends of each, plus ±0, ±∞, NaN, overflow and underflow.
    for (const lim of [32, 40]) {
      const grid = Array.from({ length: 2 * lim * 256 + 1 }, (_, i) => -lim + i / 256);
      const f64 = Float64Array.from([
        ...grid,
        ...grid.map((v) => v + (v < lim ? 1 / 97 : 0)),
        0,
        -0,
        Infinity,
        -Infinity,
        Number.NaN,
        709,
        710,
        -745,
        -746,
        1e308,
      ]);
      const n = f64.length;
      const t64 = Float64Array.from({ length: n }, (_, i) => ((i * 7) % 3 === 0 ? -1 : 1));
      const per = Float64Array.from({ length: n }, (_, i) => 0.5 + ((i * 13) % 7));
      const types: [ArrayLike<number>, ArrayLike<number>][] = [
        [f64, t64],
        [Float32Array.from(f64), Float32Array.from(t64)],
        [Array.from(f64), Array.from(t64)],
        [Float32Array.from(f64), t64],
      ];
      for (const [f, t] of types) {
        const a = f as number[];
        const b = t as number[];
        check(exponentialGrad(a, b).input, f, t, () => 1 / n);
        check(exponentialGrad(a, b, { reduction: 'sum' }).input, f, t, () => 1);
        const out = new Float64Array(n).fill(12345);
        check(
          exponentialGrad(a, b, { reduction: 'none', out: { input: out } }).input,
          f,
          t,
          () => 1,
        );
        check(
          exponentialGrad(a, b, { reduction: 'none', gradOutput: per }).input,
          f,
          t,
          (i) => per[i],
        );
      }
    }
  });

  it('propagate a NaN label and reject any other at its index, past the fast elements', () => {
    const f = Float32Array.from({ length: 20 }, (_, i) => i / 4 - 2);
    const t = Float32Array.from({ length: 20 }, (_, i) => (i % 2 ? 1 : -1));
    t[13] = Number.NaN;
    const g = exponentialGrad(f, t, { reduction: 'sum' }).input;
    expect(g[13]).toBeNaN();
    // t = −1 at even i: ∂/∂f = e^f.
    for (const i of [12, 14]) expect(Math.abs(g[i] / Math.exp(f[i]) - 1)).toBeLessThan(1e-15);
    t[17] = 0.5;
    expect(() => exponentialGrad(f, t)).toThrow('exponentialGrad: target[17] = 0.5 is not -1 or 1');
    expect(() => exponentialGrad(Array.from(f), Array.from(t))).toThrow('target[17] = 0.5');
  });
});
