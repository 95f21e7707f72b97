import {
  gaussianNll,
  gaussianNllGrad,
  LossOptionError,
  LossRangeError,
  LossShapeError,
} from '@losskit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finiteDifference, splitPoints, worstRatio } from '../test/helpers.js';

/** Means, observations and variances, plus a random split of the elements. */
const cases = (lim = 5, maxLength = 30, vmin = 0.05, vmax = 4) =>
  fc
    .integer({ min: 1, max: maxLength })
    .chain((n) =>
      fc.tuple(
        fc.float64Array({ minLength: n, maxLength: n, min: -lim, max: lim, noNaN: true }),
        fc.float64Array({ minLength: n, maxLength: n, min: -lim, max: lim, noNaN: true }),
        fc.float64Array({ minLength: n, maxLength: n, min: vmin, max: vmax, noNaN: true }),
        splitPoints(n),
      ),
    );

const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

describe('gaussianNll', () => {
  it('is ½(log σ² + (μ − y)²/σ²), worked by hand', () => {
    const r = gaussianNll([1, 0], [3, 0], [4, 1], { reduction: 'none' }).value;
    expect(r[0]).toBe(0.5 * (Math.log(4) + 4 / 4));
    expect(r[1]).toBe(0);
    expect(gaussianNll([1, 0], [3, 0], [4, 1], { full: true, reduction: 'sum' }).value).toBe(
      0.5 * (Math.log(4) + 1) + 2 * HALF_LOG_2PI,
    );
    // ∂/∂μ = (μ − y)/σ² ; ∂/∂σ² = ½(1/σ² − (μ − y)²/σ⁴)
    const g = gaussianNllGrad([1], [3], [4], { reduction: 'sum' });
    expect(Array.from(g.input)).toEqual([-2 / 4]);
    expect(Array.from(g.var)).toEqual([0.5 * (1 / 4 - 4 / 16)]);
  });

  it('clamps the variance at eps and, as PyTorch, differentiates as if unclamped', () => {
    const r = gaussianNll([1], [0], [1e-9]).value;
    expect(r).toBe(0.5 * (Math.log(1e-6) + 1 / 1e-6));
    expect(gaussianNll([1], [0], [0], { eps: 0.5 }).value).toBe(0.5 * (Math.log(0.5) + 2));
    // PyTorch clamps under no_grad, so var still gets ½(1/eps − e²/eps²): −4.999995e11 here
    const g = gaussianNllGrad([1], [0], [1e-9], { reduction: 'sum' });
    expect(g.input[0]).toBe(1 / 1e-6);
    expect(g.var[0]).toBeCloseTo(0.5 * (1 / 1e-6 - 1 / 1e-12), 0);
  });

  it('shares one variance across the last dimension (PyTorch homoscedastic shapes)', () => {
    const x = { data: [0, 1, 2, 3, 4, 5], shape: [2, 3] };
    const y = new Float64Array(6);
    const full = gaussianNll(
      x,
      y,
      { data: [1, 1, 1, 2, 2, 2], shape: [2, 3] },
      { reduction: 'none' },
    );
    for (const v of [[1, 2], { data: [1, 2], shape: [2] }, { data: [1, 2], shape: [2, 1] }]) {
      const r = gaussianNll(x, y, v, { reduction: 'none' });
      expect(Array.from(r.value)).toEqual(Array.from(full.value));
    }
    // the shared variance's gradient sums its elements' terms
    const g = gaussianNllGrad(x, y, { data: [1, 2], shape: [2, 1] }, { reduction: 'sum' });
    const gFull = gaussianNllGrad(x, y, [1, 1, 1, 2, 2, 2], { reduction: 'sum' });
    expect(g.var[0]).toBeCloseTo(gFull.var[0] + gFull.var[1] + gFull.var[2], 14);
    expect(g.var[1]).toBeCloseTo(gFull.var[3] + gFull.var[4] + gFull.var[5], 14);
    expect(Array.from(g.input)).toEqual(Array.from(gFull.input));
    // one variance for a 1-D input
    expect(gaussianNll([1, 2], [0, 0], { data: [2], shape: [] }).value).toBe(
      gaussianNll([1, 2], [0, 0], [2, 2]).value,
    );
  });

  it('matches PyTorch 1.13 on a homoscedastic [N, 1] variance with one clamped entry', () => {
    // F.gaussian_nll_loss(x, 0, v, full=True, eps=1e-6) in float64, x = [[0,1,2],[3,4,5]],
    // v = [[0.5], [2e-7]]; gradients from autograd.
    const x = { data: [0, 1, 2, 3, 4, 5], shape: [2, 3] };
    const v = { data: [0.5, 2e-7], shape: [2, 1] };
    const o = { full: true, eps: 1e-6 };
    const close = (a: number, b: number) => Math.abs(a - b) <= 1e-12 * Math.abs(b);
    expect(close(gaussianNll(x, new Float64Array(6), v, o).value, 4166664.791774098)).toBe(true);
    const g = gaussianNllGrad(x, new Float64Array(6), v, o);
    const want = [0, 1 / 3, 2 / 3, 500000, 666666.6666666666, 833333.3333333333];
    expect(worstRatio(g.input, want, 1e-12, 0)).toBeLessThanOrEqual(1);
    expect(
      worstRatio(g.var, [-1.1666666666666665, -4166666416666.6665], 1e-12, 0),
    ).toBeLessThanOrEqual(1);
  });

  it('rejects negative variances, bad shapes and options, naming function and argument', () => {
    expect(() => gaussianNll([1, 2], [0, 0], [1, -1])).toThrow(LossRangeError);
    expect(() => gaussianNll([1, 2], [0, 0], [1, -1])).toThrow(
      'gaussianNll: var[1] = -1 is negative',
    );
    expect(() => gaussianNllGrad([1], [0], [-0.5])).toThrow('gaussianNllGrad: var[0] = -0.5');
    expect(() =>
      gaussianNll({ data: [1, 2, 3, 4], shape: [2, 2] }, [0, 0, 0, 0], [1, 2, 3]),
    ).toThrow(LossShapeError);
    expect(() =>
      gaussianNll({ data: [1, 2, 3, 4], shape: [2, 2] }, [0, 0, 0, 0], [1, 2, 3]),
    ).toThrow('gaussianNll: var has shape [3] but input has shape [2, 2]');
    expect(() => gaussianNll([1, 2], [0], [1, 1])).toThrow('gaussianNll: target has 1 elements');
    expect(() => gaussianNll([1], [0], [1], { eps: -1 })).toThrow(LossOptionError);
    expect(() => gaussianNll([1], [0], [1], { full: 1 as never })).toThrow(
      'gaussianNll: option full',
    );
    expect(gaussianNll([Number.NaN], [0], [1]).value).toBeNaN();
    expect(gaussianNll([0], [0], [Number.NaN]).value).toBeNaN();
  });

  it("writes 'none' and both gradients into caller buffers", () => {
    const out = new Float64Array(2);
    expect(gaussianNll([0, 1], [0, 0], [1, 1], { reduction: 'none', out }).value).toBe(out);
    expect(Array.from(out)).toEqual([0, 0.5]);
    const gi = new Float64Array(2);
    const gv = new Float64Array(2);
    const g = gaussianNllGrad([0, 1], [0, 0], [1, 1], {
      reduction: 'none',
      gradOutput: [2, 3],
      out: { input: gi, var: gv },
    });
    expect(g.input).toBe(gi);
    expect(g.var).toBe(gv);
    expect(Array.from(gi)).toEqual([0, 3]);
    expect(Array.from(gv)).toEqual([2 * 0.5, 3 * 0.5 * (1 - 1)]);
  });

  it('has gradients for input and var that agree with central finite differences', () => {
    fc.assert(
      fc.property(cases(3, 15), fc.boolean(), ([x, y, v], full) => {
        for (const reduction of ['mean', 'sum'] as const) {
          const o = { full, reduction };
          const g = gaussianNllGrad(x, y, v, o);
          const fdx = finiteDifference((z) => gaussianNll(z, y, v, o).value, x);
          expect(worstRatio(g.input, fdx)).toBeLessThanOrEqual(1);
          const fdv = finiteDifference((z) => gaussianNll(x, y, z, o).value, v);
          expect(worstRatio(g.var, fdv, 1e-5, 1e-6)).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('sum = mean × Σdenominator, and a split of the rows adds up to the whole', () => {
    fc.assert(
      fc.property(cases(100), ([x, y, v, ranges]) => {
        const whole = gaussianNll(x, y, v);
        const sum = gaussianNll(x, y, v, { reduction: 'sum' }).value;
        expect(Math.abs(sum - whole.value * whole.sumDenominator)).toBeLessThanOrEqual(
          1e-12 * Math.max(1, Math.abs(sum)),
        );
        let s = 0;
        let d = 0;
        for (const [a, b] of ranges) {
          const part = gaussianNll(x.subarray(a, b), y.subarray(a, b), v.subarray(a, b));
          s += part.sumValue;
          d += part.sumDenominator;
        }
        expect(d).toBe(x.length);
        expect(Math.abs(s / d - whole.value)).toBeLessThanOrEqual(
          1e-12 * Math.max(1, Math.abs(whole.value)),
        );
      }),
      { numRuns: 50 },
    );
  });

  it('never gives NaN for finite input and non-negative variances, 0 included', () => {
    fc.assert(
      fc.property(cases(1e150, 20, 0, 1e300), ([x, y, v]) => {
        for (const r of gaussianNll(x, y, v, { reduction: 'none' }).value) expect(r).not.toBeNaN();
        const g = gaussianNllGrad(x, y, v);
        for (const r of g.input) expect(r).not.toBeNaN();
      }),
      { numRuns: 50 },
    );
  });
});
