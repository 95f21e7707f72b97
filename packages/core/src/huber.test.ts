import {
  huber,
  huberGrad,
  LossOptionError,
  LossShapeError,
  smoothL1,
  smoothL1Grad,
} from '@losskit/core';
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

describe('huber', () => {
  it('is ½e² inside δ and δ(|e| − ½δ) outside, worked by hand', () => {
    // δ = 1 (default): e = 0.5 → ½·0.25; e = −3 → 1·(3 − ½)
    expect(Array.from(huber([0.5, -3], [0, 0], { reduction: 'none' }).value)).toEqual([0.125, 2.5]);
    // δ = 2: e = 1 → ½; e = 4 → 2·(4 − 1)
    expect(huber([1, 4], [0, 0], { delta: 2, reduction: 'sum' }).value).toBe(0.5 + 6);
    // gradient: clamp(e, −δ, δ)
    expect(
      Array.from(huberGrad([1, 4, -5], [0, 0, 0], { delta: 2, reduction: 'sum' }).input),
    ).toEqual([1, 2, -2]);
  });

  it('equals δ · smoothL1(β = δ), values and gradients', () => {
    fc.assert(
      fc.property(pairs(20), fc.double({ min: 1e-3, max: 10, noNaN: true }), ([x, y], delta) => {
        const h = huber(x, y, { delta, reduction: 'none' }).value;
        const s = smoothL1(x, y, { beta: delta, reduction: 'none' }).value;
        expect(
          worstRatio(
            h,
            s.map((v) => delta * v),
            1e-12,
            1e-15,
          ),
        ).toBeLessThanOrEqual(1);
        const gh = huberGrad(x, y, { delta }).input;
        const gs = smoothL1Grad(x, y, { beta: delta }).input;
        expect(
          worstRatio(
            gh,
            gs.map((v) => delta * v),
            1e-12,
            1e-15,
          ),
        ).toBeLessThanOrEqual(1);
      }),
      { numRuns: 50 },
    );
  });

  it('rejects δ ≤ 0 (PyTorch does too) and names the function and argument', () => {
    expect(() => huber([1], [1], { delta: 0 })).toThrow(LossOptionError);
    expect(() => huber([1], [1], { delta: 0 })).toThrow('huber: option delta = 0 is invalid');
    expect(() => huberGrad([1], [1], { delta: -2 })).toThrow('huberGrad: option delta = -2');
    expect(() => huber([1, 2], [1])).toThrow(LossShapeError);
    expect(huber([Number.NaN], [0]).value).toBeNaN();
    expect(huberGrad([Number.NaN], [0]).input[0]).toBeNaN();
  });

  it("writes 'none' and its gradient into caller buffers", () => {
    const out = new Float64Array(2);
    expect(huber([0.5, 3], [0, 0], { reduction: 'none', out }).value).toBe(out);
    const gx = new Float64Array(2);
    huberGrad([0.5, 3], [0, 0], { reduction: 'none', gradOutput: [2, 3], out: { input: gx } });
    expect(Array.from(gx)).toEqual([1, 3]);
  });

  it('has gradients that agree with central finite differences', () => {
    fc.assert(
      fc.property(pairs(3, 20), fc.constantFrom(0.3, 1, 2.5), ([x, y], delta) => {
        for (const reduction of ['mean', 'sum'] as const) {
          const g = huberGrad(x, y, { delta, reduction }).input;
          const fd = finiteDifference((z) => huber(z, y, { delta, reduction }).value, x);
          expect(worstRatio(g, fd)).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('sum = mean × Σdenominator, and a split of the rows adds up to the whole', () => {
    fc.assert(
      fc.property(pairs(1e3), ([x, y, ranges]) => {
        const whole = huber(x, y, { delta: 1.5 });
        const sum = huber(x, y, { delta: 1.5, reduction: 'sum' }).value;
        // mean = sum / N rounds on the subnormal grid too: N·2⁻¹⁰⁷⁴ absolute slack.
        expect(Math.abs(sum - whole.value * whole.sumDenominator)).toBeLessThanOrEqual(
          1e-12 * sum + whole.sumDenominator * Number.MIN_VALUE,
        );
        let s = 0;
        let d = 0;
        for (const [a, b] of ranges) {
          const part = huber(x.subarray(a, b), y.subarray(a, b), { delta: 1.5 });
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
        for (const v of huber(x, y, { reduction: 'none' }).value) expect(v).not.toBeNaN();
        for (const v of huberGrad(x, y).input) expect(v).not.toBeNaN();
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
    const ref = (xi: number, yi: number) => {
      const e = Math.abs(xi - yi);
      return e < 1.5 ? 0.5 * e * e : 1.5 * (e - 0.75);
    };
    const opts = { delta: 1.5 };
    expectBlockedSumsMatch(huber, ref, x, y, opts, Number.POSITIVE_INFINITY);
  });
});

describe('huberGrad fast loops', () => {
  it('match k·clamp(x − y, −δ, δ) bit for bit (ties at ±δ, ±0, ±∞, NaN, every array type)', () => {
    for (const delta of [1, 0.3, 2.5, 1e-300, 1e300]) {
      expectFastLoopsMatch(
        (x, y, o) => huberGrad(x, y, { ...o, delta }).input,
        (e) => Math.max(-delta, Math.min(delta, e)),
        [delta],
      );
    }
  });
});
