import { LossOptionError, LossShapeError, poissonNll, poissonNllGrad } from '@losskit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finiteDifference, seededRandom, splitPoints, worstRatio } from '../test/helpers.js';

/** Inputs in [lo, hi] and counts in [0, 6], plus a random split of the elements. */
const cases = (lo: number, hi: number, maxLength = 30) =>
  fc
    .integer({ min: 1, max: maxLength })
    .chain((n) =>
      fc.tuple(
        fc.float64Array({ minLength: n, maxLength: n, min: lo, max: hi, noNaN: true }),
        fc.float64Array({ minLength: n, maxLength: n, min: 0, max: 6, noNaN: true }),
        splitPoints(n),
      ),
    );

/** Stirling's approximation of log(y!), masked to 0 for y ≤ 1 as PyTorch. */
const stirling = (y: number) =>
  y <= 1 ? 0 : y * Math.log(y) - y + 0.5 * Math.log(2 * Math.PI * y);

describe('poissonNll', () => {
  it('is exp(x) − y·x with log input, worked by hand', () => {
    const r = poissonNll([0, Math.log(2)], [1, 2], { reduction: 'none' }).value;
    expect(r[0]).toBe(1 - 0);
    expect(r[1]).toBeCloseTo(2 - 2 * Math.log(2), 15);
    // gradient exp(x) − y
    const g = poissonNllGrad([0, Math.log(2)], [1, 2], { reduction: 'sum' }).input;
    expect(g[0]).toBe(0);
    expect(g[1]).toBeCloseTo(0, 15);
  });

  it('is λ − y·log(λ + eps) with rate input, plus Stirling for y > 1 with full', () => {
    const eps = 1e-8;
    const r = poissonNll([2, 0.5], [3, 1], { logInput: false, reduction: 'none' }).value;
    expect(r[0]).toBe(2 - 3 * Math.log(2 + eps));
    expect(r[1]).toBe(0.5 - 1 * Math.log(0.5 + eps));
    const f = poissonNll([2, 0.5], [3, 1], {
      logInput: false,
      full: true,
      reduction: 'none',
    }).value;
    // y = 3 > 1 gets 3·ln 3 − 3 + ½·ln(6π); y = 1 gets nothing
    expect(f[0]).toBe(r[0] + (3 * Math.log(3) - 3 + 0.5 * Math.log(2 * Math.PI * 3)));
    expect(f[1]).toBe(r[1]);
    // eps = 0 and λ = 0 gives +∞ where y > 0, as PyTorch
    expect(poissonNll([0], [1], { logInput: false, eps: 0 }).value).toBe(Number.POSITIVE_INFINITY);
    // gradient 1 − y/(λ + eps)
    const g = poissonNllGrad([2], [3], { logInput: false, eps: 0, reduction: 'sum' }).input;
    expect(g[0]).toBe(1 - 3 / 2);
  });

  it('never returns NaN where PyTorch does for finite input (0·log 0, ∞ − ∞)', () => {
    // λ = 0, y = 0, eps = 0: PyTorch computes 0 − 0·log 0 = NaN; the limit is 0.
    expect(poissonNll([0], [0], { logInput: false, eps: 0 }).value).toBe(0);
    expect(poissonNllGrad([0], [0], { logInput: false, eps: 0 }).input[0]).toBe(1);
    // x = 720, y = 1e306: e^720 ≈ 4.9e312 and 720e306 both overflow; e^x wins.
    expect(poissonNll([720], [1e306]).value).toBe(Number.POSITIVE_INFINITY);
    // x = 710, y = 1e308: y·x ≈ 7.1e310 beats e^710.
    expect(poissonNll([710], [1e308]).value).toBe(Number.NEGATIVE_INFINITY);
  });

  it('full adds exactly the masked Stirling term to every element', () => {
    // found by the property below (seed 2056310337): λ = −0, y = 0 gives a plain loss of −0
    // (0·log(λ + eps) is taken as 0), and PyTorch's loss + masked term is −0 + 0 = +0
    const minusZero = poissonNll([-0], [0], { logInput: false, full: true, reduction: 'none' });
    expect(Object.is(minusZero.value[0], 0)).toBe(true);
    fc.assert(
      fc.property(cases(-3, 3), fc.boolean(), ([x, y], logInput) => {
        const plain = poissonNll(x, y, { logInput, reduction: 'none' }).value;
        const full = poissonNll(x, y, { logInput, full: true, reduction: 'none' }).value;
        for (let i = 0; i < x.length; i++) expect(full[i]).toBe(plain[i] + stirling(y[i]));
      }),
      { numRuns: 30 },
    );
  });

  it('rejects invalid options, naming the function and argument', () => {
    expect(() => poissonNll([1], [1], { eps: -1 })).toThrow(LossOptionError);
    expect(() => poissonNll([1], [1], { eps: -1 })).toThrow(
      'poissonNll: option eps = -1 is invalid',
    );
    expect(() => poissonNll([1], [1], { logInput: 1 as never })).toThrow(
      'poissonNll: option logInput = number 1 is invalid; expected a boolean',
    );
    expect(() => poissonNllGrad([1], [1], { full: 'yes' as never })).toThrow(
      'poissonNllGrad: option full',
    );
    expect(() => poissonNll([1, 2], [1])).toThrow(LossShapeError);
    expect(poissonNll([Number.NaN], [1]).value).toBeNaN();
  });

  it("writes 'none' and its gradient into caller buffers", () => {
    const out = new Float64Array(2);
    expect(poissonNll([0, 0], [1, 2], { reduction: 'none', out }).value).toBe(out);
    expect(Array.from(out)).toEqual([1, 1]);
    const gx = new Float64Array(2);
    poissonNllGrad([0, 0], [1, 2], { reduction: 'none', gradOutput: [2, 3], out: { input: gx } });
    expect(Array.from(gx)).toEqual([0, -3]);
  });

  it('has gradients that agree with central finite differences, log and rate input', () => {
    fc.assert(
      fc.property(cases(-3, 3, 15), cases(0.1, 5, 15), fc.boolean(), ([xl, y], [xr], full) => {
        const yr = y.subarray(0, Math.min(y.length, xr.length));
        const xr2 = xr.subarray(0, yr.length);
        for (const reduction of ['mean', 'sum'] as const) {
          const g = poissonNllGrad(xl, y, { full, reduction }).input;
          const fd = finiteDifference((z) => poissonNll(z, y, { full, reduction }).value, xl);
          expect(worstRatio(g, fd)).toBeLessThanOrEqual(1);
          const o = { logInput: false, full, reduction };
          const gr = poissonNllGrad(xr2, yr, o).input;
          const fdr = finiteDifference((z) => poissonNll(z, yr, o).value, xr2);
          expect(worstRatio(gr, fdr, 1e-5, 1e-6)).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('sum = mean × Σdenominator, and a split of the rows adds up to the whole', () => {
    fc.assert(
      fc.property(cases(-5, 5), ([x, y, ranges]) => {
        const whole = poissonNll(x, y, { full: true });
        const sum = poissonNll(x, y, { full: true, reduction: 'sum' }).value;
        expect(Math.abs(sum - whole.value * whole.sumDenominator)).toBeLessThanOrEqual(
          1e-12 * Math.max(1, Math.abs(sum)),
        );
        let s = 0;
        let d = 0;
        for (const [a, b] of ranges) {
          const part = poissonNll(x.subarray(a, b), y.subarray(a, b), { full: true });
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

  it('never gives NaN for finite input in its domain (counts ≥ 0; rates ≥ 0)', () => {
    fc.assert(
      fc.property(cases(-1e308, 1e308), cases(0, 1e300), ([xl, y], [xr]) => {
        for (const v of poissonNll(xl, y, { full: true, reduction: 'none' }).value)
          expect(v).not.toBeNaN();
        const n = Math.min(xr.length, y.length);
        const r = poissonNll(xr.subarray(0, n), y.subarray(0, n), {
          logInput: false,
          reduction: 'none',
        }).value;
        for (const v of r) expect(v).not.toBeNaN();
      }),
      { numRuns: 50 },
    );
  });

  it('log-input fast loops match exp(x) − y·x on every array type, with ∞, NaN and overflow', () => {
    // Terms of either sign over several blocks; the bound is absolute (the terms can cancel):
    // |ℓ̂ − ℓ| ≤ 8u·(e^x + |y·x|) per element (expTable ≤ 4.5u plus two roundings, and the
    // reference's own), and the sum within 100u·Σ(e^x + |y·x|).
    const r = seededRandom(11);
    const n = 3000;
    const x = Float64Array.from({ length: n }, (_, i) =>
      i % 4 === 0 ? (r() - 0.5) * 80 : (r() - 0.5) * 8,
    );
    const y = Float64Array.from({ length: n }, () => Math.floor(r() * 6));
    x[0] = 32;
    x[1] = -32;
    x[2] = 1;
    y[2] = Math.E;
    const u = 2 ** -53;
    for (const [xs, ys] of [
      [x, y],
      [Float32Array.from(x), Float32Array.from(y)],
      [Array.from(x), Array.from(y)],
    ] as const) {
      const xa = Float64Array.from(xs as ArrayLike<number>);
      const ya = Float64Array.from(ys as ArrayLike<number>);
      const scale = xa.map((xi, i) => Math.exp(xi) + Math.abs(ya[i] * xi));
      const want = xa.map((xi, i) => Math.exp(xi) - ya[i] * xi);
      const none = poissonNll(xs, ys, { reduction: 'none' }).value;
      for (let i = 0; i < n; i++)
        expect(Math.abs(none[i] - want[i])).toBeLessThanOrEqual(8 * u * scale[i]);
      const sum = poissonNll(xs, ys, { reduction: 'sum' }).value;
      const total = want.reduce((a, b) => a + b, 0);
      const mag = scale.reduce((a, b) => a + b, 0);
      expect(Math.abs(sum - total)).toBeLessThanOrEqual(100 * u * mag);
      const g = poissonNllGrad(xs, ys, { reduction: 'sum' }).input;
      const gw = xa.map((xi, i) => Math.exp(xi) - ya[i]);
      for (let i = 0; i < n; i++)
        expect(Math.abs(g[i] - gw[i])).toBeLessThanOrEqual(8 * u * (Math.exp(xa[i]) + ya[i]));
      const go = Float64Array.from(xa, (_, i) => (i % 5) - 2);
      const gg = poissonNllGrad(xs, ys, { reduction: 'none', gradOutput: go }).input;
      for (let i = 0; i < n; i++)
        expect(Math.abs(gg[i] - go[i] * gw[i])).toBeLessThanOrEqual(
          8 * u * Math.abs(go[i]) * (Math.exp(xa[i]) + ya[i]),
        );
    }
    // Every length through the four-wide gradient loop's remainder, on every array type.
    for (let m = 1; m <= 9; m++) {
      const xs = x.subarray(0, m);
      const ys = y.subarray(0, m);
      for (const [a, b] of [
        [xs, ys],
        [Float32Array.from(xs), Float32Array.from(ys)],
        [Array.from(xs), Array.from(ys)],
      ] as const) {
        const g = poissonNllGrad(a, b, { reduction: 'sum' }).input;
        for (let i = 0; i < m; i++) {
          const e = Math.exp(a[i]);
          expect(Math.abs(g[i] - (e - b[i]))).toBeLessThanOrEqual(8 * u * (e + b[i]));
        }
      }
    }
    // A non-finite element sends its block to the reference loop; the others keep their values.
    for (const [bx, by, v] of [
      [Number.NaN, 1, Number.NaN],
      [Number.POSITIVE_INFINITY, 1, Number.NaN], // ∞ − ∞ from infinite input: NaN, as PyTorch
      [Number.POSITIVE_INFINITY, -1, Number.POSITIVE_INFINITY],
      [Number.NEGATIVE_INFINITY, 2, Number.POSITIVE_INFINITY],
      [800, 3, Number.POSITIVE_INFINITY], // e^800 = ∞ and 3·800 finite
      [710, 1e308, Number.NEGATIVE_INFINITY], // ∞ − ∞, resolved in log space
    ]) {
      const xb = Float64Array.from(x);
      const yb = Float64Array.from(y);
      xb[1500] = bx;
      yb[1500] = by;
      const plain = poissonNll(x, y, { reduction: 'none' }).value;
      const r2 = poissonNll(xb, yb, { reduction: 'none' });
      const vals = r2.value;
      expect(vals[1500]).toBe(v);
      for (let i = 0; i < n; i++) if (i !== 1500) expect(vals[i]).toBe(plain[i]);
      expect(poissonNll(xb, yb, { reduction: 'sum' }).value).toBe(v);
      expect(r2.sumValue).toBe(v);
    }
  });
});
