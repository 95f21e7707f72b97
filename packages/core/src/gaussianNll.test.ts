import {
  gaussianNll,
  gaussianNllGrad,
  LossOptionError,
  LossRangeError,
  LossShapeError,
} from '@losskit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finiteDifference, seededRandom, splitPoints, worstRatio } from '../test/helpers.js';

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

describe('gaussianNll Float32Array fast path (logF32Bits, blocked sums)', () => {
  const U = 2 ** -53;
  /** Reference: Math.log, per-element Neumaier; also Σ|ℓ| and Σ|log v′| for the bound. */
  const reference = (
    x: ArrayLike<number>,
    y: ArrayLike<number>,
    v: ArrayLike<number>,
    full: boolean,
    eps: number,
  ) => {
    let s = 0;
    let c = 0;
    let abs = 0;
    let logs = 0;
    for (let i = 0; i < x.length; i++) {
      const vk = Math.max(v[i], eps);
      const d = x[i] - y[i];
      const lg = Math.log(vk);
      const val = 0.5 * (lg + (d * d) / vk) + (full ? HALF_LOG_2PI : 0);
      abs += Math.abs(val);
      logs += Math.abs(lg);
      const t = s + val;
      c += Math.abs(s) >= Math.abs(val) ? s - t + val : val - t + s;
      s = t;
    }
    return { sum: Number.isFinite(s) ? s + c : s, abs, logs };
  };
  const random = (n: number, seed: number, vlo: number, vhi: number) => {
    const rnd = seededRandom(seed);
    const x = new Float32Array(n);
    const y = new Float32Array(n);
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = 4 * rnd() - 2;
      y[i] = 4 * rnd() - 2;
      v[i] = vlo + (vhi - vlo) * rnd();
    }
    return { x, y, v };
  };
  const f64 = (a: Float32Array) => Float64Array.from(a);

  it('agrees with the Math.log reference within 68u·Σ|ℓ| + 1.6u·Σ|log v′| (block edges, odd lengths)', () => {
    let seed = 1;
    for (const n of [1, 2, 3, 5, 63, 64, 65, 127, 128, 129, 255, 1000, 4099]) {
      for (const [vlo, vhi] of [
        [0.1, 2],
        [1e-9, 1e-5],
        [0.5, 1.5],
        [1e-3, 1e5],
      ]) {
        for (const full of [false, true]) {
          for (const eps of [1e-6, 0.25]) {
            const { x, y, v } = random(n, seed++, vlo, vhi);
            const ref = reference(x, y, v, full, eps);
            const tol = 68 * U * ref.abs + 1.6 * U * ref.logs;
            const sum = gaussianNll(x, y, v, { full, eps, reduction: 'sum' }).value;
            expect(Math.abs(sum - ref.sum)).toBeLessThanOrEqual(tol);
            const mean = gaussianNll(x, y, v, { full, eps }).value;
            expect(Math.abs(mean - ref.sum / n)).toBeLessThanOrEqual(
              tol / n + 2 * U * Math.abs(mean),
            );
            // The same values through the reference loop (Float64Array): the same bound.
            const slow = gaussianNll(f64(x), f64(y), f64(v), { full, eps, reduction: 'sum' }).value;
            expect(Math.abs(sum - slow)).toBeLessThanOrEqual(tol + 2 * U * Math.abs(slow));
          }
        }
      }
    }
  });

  it('clamps variances at and below eps (0, −0, subnormal, eps itself) as the reference', () => {
    const n = 300;
    const { x, y, v } = random(n, 77, 0.1, 2);
    const specials = [0, -0, 1e-40, 2 ** -126, 0.25, Math.fround(0.2499), 2 ** -20];
    for (let k = 0; k < n; k += 7) v[k] = specials[(k / 7) % specials.length];
    for (const eps of [1e-6, 0.25, 2 ** -126, 2 ** -20]) {
      const ref = reference(x, y, v, false, eps);
      const sum = gaussianNll(x, y, v, { eps, reduction: 'sum' }).value;
      expect(Math.abs(sum - ref.sum)).toBeLessThanOrEqual(68 * U * ref.abs + 1.6 * U * ref.logs);
    }
    // eps below the float32 normals takes the reference loop: exactly its value.
    for (const eps of [0, 1e-45]) {
      const v2 = v.map((t) => (t === 0 ? 1 : t));
      expect(gaussianNll(x, y, v2, { eps, reduction: 'sum' }).value).toBe(
        gaussianNll(f64(x), f64(y), f64(v2), { eps, reduction: 'sum' }).value,
      );
    }
  });

  it('gives ±∞ and NaN exactly as the reference loop, and the first negative variance error', () => {
    const n = 203;
    const bad = [Infinity, -Infinity, Number.NaN, 3e38, -3e38];
    for (const where of ['x', 'y', 'v'] as const) {
      for (const val of bad) {
        for (const at of [0, 63, 64, 130, 199, 202]) {
          const { x, y, v } = random(n, at + 5, 0.1, 2);
          ({ x, y, v })[where][at] = val;
          if (where === 'v' && val < 0) {
            const err = () => gaussianNll(x, y, v, { reduction: 'sum' });
            expect(err).toThrow(LossRangeError);
            expect(err).toThrow(`var[${at}]`);
            continue;
          }
          for (const full of [false, true]) {
            const fast = gaussianNll(x, y, v, { full, reduction: 'sum' }).value;
            const slow = gaussianNll(f64(x), f64(y), f64(v), { full, reduction: 'sum' }).value;
            if (!Number.isFinite(slow)) expect(fast).toBe(slow);
            else {
              const ref = reference(x, y, v, full, 1e-6);
              expect(Math.abs(fast - slow)).toBeLessThanOrEqual(
                68 * U * ref.abs + 1.6 * U * ref.logs + 2 * U * Math.abs(slow),
              );
            }
          }
        }
      }
    }
    // The first negative variance is named even when a later block has another.
    const { x, y, v } = random(300, 9, 0.1, 2);
    v[70] = -1;
    v[10] = -0.5;
    v[5] = -0;
    expect(() => gaussianNll(x, y, v)).toThrow('var[10]');
    // −0 alone is clamped to eps, not an error.
    v[70] = 1;
    v[10] = 1;
    expect(gaussianNll(x, y, v, { reduction: 'sum' }).value).toBeCloseTo(
      gaussianNll(f64(x), f64(y), f64(v), { reduction: 'sum' }).value,
      9,
    );
  });
});
