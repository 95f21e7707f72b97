import {
  LossOptionError,
  LossShapeError,
  LossTypeError,
  marginRanking,
  marginRankingGrad,
  marginRankingInfo,
} from '@losskit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finiteDifference, seededRandom, splitPoints, worstRatio } from '../test/helpers.js';
import { neumaierSum } from './internal/sum.js';

/** Random inputs of length n, targets ±1, seeded. */
function sample(n: number, seed: number) {
  const rnd = seededRandom(seed);
  const x1 = Float64Array.from({ length: n }, () => rnd() * 4 - 2);
  const x2 = Float64Array.from({ length: n }, () => rnd() * 4 - 2);
  const y = Float64Array.from({ length: n }, () => (rnd() < 0.5 ? -1 : 1));
  return { x1, x2, y };
}

describe('marginRanking', () => {
  it('is max(0, −y·(x1 − x2) + margin), worked by hand', () => {
    // row 0: 0.1 − 1·(0.8 − 0.3) = −0.4 → 0; row 1: 0.1 − 1·(0.1 − 0.5) = 0.5;
    // row 2: 0.1 − (−1)·(0.2 − 0.9) = −0.6 → 0; row 3: 0.1 − (−1)·(0.7 − 0.2) = 0.6
    const x1 = [0.8, 0.1, 0.2, 0.7];
    const x2 = [0.3, 0.5, 0.9, 0.2];
    const y = [1, 1, -1, -1];
    const none = marginRanking(x1, x2, y, { margin: 0.1, reduction: 'none' }).value;
    expect(Array.from(none)).toEqual([0, 0.1 - (0.1 - 0.5), 0, 0.1 + (0.7 - 0.2)]);
    const r = marginRanking(x1, x2, y, { margin: 0.1 });
    expect(r.value).toBeCloseTo((0.5 + 0.6) / 4, 15);
    expect(r.sumDenominator).toBe(4);
    expect(r.rows).toBe(4);
    expect(r.elements).toBe(4);
    expect(r.ignored).toBe(0);
    // default margin 0
    expect(marginRanking([1, 0], [0, 1], [1, 1], { reduction: 'sum' }).value).toBe(0 + 1);
  });

  it('has the gradient −y, y where the hinge is active, the active slope at the kink (PyTorch)', () => {
    // z = 0.5 − 1·(0.5 − 0) = 0 exactly: PyTorch 1.13 gives [−1, 1] there
    const g = marginRankingGrad([0.5, 3], [0, 0], [1, 1], { margin: 0.5, reduction: 'sum' });
    expect(Array.from(g.input1, (v) => v + 0)).toEqual([-1, 0]); // + 0 folds −0
    expect(Array.from(g.input2)).toEqual([1, 0]);
  });

  it("writes 'none' and gradients into caller buffers; gradOutput weights each element", () => {
    const out = new Float64Array(2);
    const r = marginRanking([0, 0], [1, 2], [1, 1], { reduction: 'none', out });
    expect(r.value).toBe(out);
    expect(Array.from(out)).toEqual([1, 2]);
    const o1 = new Float64Array(2);
    const o2 = new Float64Array(2);
    const g = marginRankingGrad([0, 0], [1, 2], [1, 1], {
      reduction: 'none',
      gradOutput: [3, 5],
      out: { input1: o1, input2: o2 },
    });
    expect(g.input1).toBe(o1);
    expect(g.input2).toBe(o2);
    expect(Array.from(o1)).toEqual([-3, -5]);
    expect(Array.from(o2)).toEqual([3, 5]);
  });

  it('takes integer typed targets and follows PyTorch for targets outside {−1, 1}', () => {
    const a = marginRanking([0.3, -1], [0.1, 2], new Int8Array([1, -1]), { reduction: 'none' });
    const b = marginRanking([0.3, -1], [0.1, 2], new Float32Array([1, -1]), { reduction: 'none' });
    expect(Array.from(a.value)).toEqual(Array.from(b.value));
    for (const make of [
      (v: number[]) => Int16Array.from(v),
      (v: number[]) => Int32Array.from(v),
      (v: number[]) => BigInt64Array.from(v.map(BigInt)),
    ]) {
      const c = marginRanking([0.3, -1], [0.1, 2], make([1, -1]), { reduction: 'none' });
      expect(Array.from(c.value)).toEqual(Array.from(b.value));
    }
    // y = 0.5: max(0, −0.5·(0 − 1) + 0.5) = 1 (PyTorch does not reject it)
    expect(marginRanking([0], [1], [0.5], { margin: 0.5 }).value).toBe(1);
  });

  it('propagates NaN and is never NaN for extreme finite input', () => {
    expect(marginRanking([Number.NaN], [0], [1]).value).toBeNaN();
    const big = 1.7e308;
    const v = marginRanking([big, -big, big, -big], [-big, big, -big, big], [1, 1, -1, -1], {
      reduction: 'none',
    }).value;
    expect(Array.from(v)).toEqual([0, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY, 0]);
  });

  it('gives the same from float32, float64 and mixed inputs, across the summation blocks', () => {
    // The loop comes in float32, float64 and generic copies over blocks of 256 elements; lengths
    // around the block size check the block edges and the odd last element.
    const rnd = seededRandom(5);
    for (const n of [1, 255, 256, 257, 1001]) {
      const f32 = (f: () => number) => Float32Array.from({ length: n }, f);
      const x1 = f32(() => rnd() * 2 - 1);
      const x2 = f32(() => rnd() * 2 - 1);
      const y = f32(() => (rnd() < 0.5 ? -1 : 1));
      const forms = [
        [x1, x2, y],
        [Float64Array.from(x1), Float64Array.from(x2), Float64Array.from(y)],
        [Array.from(x1), Float64Array.from(x2), y],
      ] as const;
      const naive = Array.from(x1, (_, i) => Math.max(0, 0.3 - y[i] * (x1[i] - x2[i])));
      const results = forms.map(
        ([a, b, t]) => marginRanking(a, b, t, { margin: 0.3, reduction: 'none' }).value,
      );
      const sums = forms.map(
        ([a, b, t]) => marginRanking(a, b, t, { margin: 0.3, reduction: 'sum' }).value,
      );
      const grads = forms.map(([a, b, t]) => marginRankingGrad(a, b, t, { margin: 0.3 }));
      expect(results[1]).toEqual(results[0]);
      expect(results[2]).toEqual(results[0]);
      expect(Array.from(results[0] as Float64Array)).toEqual(naive);
      expect(grads[1]).toEqual(grads[0]);
      expect(grads[2]).toEqual(grads[0]);
      // blocked summation: within 131u·Σ|ℓ| of the exact sum (Neumaier's, within 2u of it)
      const exact = neumaierSum(naive);
      const abs = naive.reduce((a, b) => a + Math.abs(b), 0);
      for (const v of sums)
        expect(Math.abs((v as number) - exact)).toBeLessThanOrEqual(1e-13 * abs + 1e-300);
    }
  });

  it('sums blocks with infinities and overflow as Math.max does (the branch-free path redoes them)', () => {
    // z + |z| is 2·max(z, 0) except at z = −∞ (NaN) and past 2¹⁰²³ (overflow): such a block
    // must come out as the reference loop's sum, per array type, wherever the value sits.
    const n = 1100;
    const rnd = seededRandom(11);
    const specials: [number, number, number][] = [
      [Number.POSITIVE_INFINITY, 0, 1], // z = −∞: the term is 0
      [1e308, -1e308, 1], // x1 − x2 overflows to +∞: z = −∞, term 0
      [-1e308, 1e308, 1], // z = +∞: the sum is +∞
      [-1.7e308, 0, 1], // z = 1.7e308: z + |z| overflows, the term does not
      [Number.NaN, 0, 1], // NaN propagates
    ];
    for (const [a, b, t] of specials) {
      for (const at of [0, 255, 256, 700, n - 1]) {
        const x1 = Float64Array.from({ length: n }, () => rnd() * 2 - 1);
        const x2 = Float64Array.from({ length: n }, () => rnd() * 2 - 1);
        const y = Float64Array.from({ length: n }, () => (rnd() < 0.5 ? -1 : 1));
        x1[at] = a;
        x2[at] = b;
        y[at] = t;
        const terms = Array.from(x1, (_, i) => Math.max(0.2 - y[i] * (x1[i] - x2[i]), 0));
        const want = neumaierSum(terms);
        const abs = terms.reduce((p, q) => p + Math.abs(q), 0);
        const forms = [
          [Float32Array.from(x1), Float32Array.from(x2), Float32Array.from(y)],
          [x1, x2, y],
          [Array.from(x1), x2, Array.from(y)],
        ] as const;
        for (const [f1, f2, ft] of forms) {
          // float32 rounds the finite values: compare with the same data in float64.
          const d1 = Float64Array.from(f1);
          const d2 = Float64Array.from(f2);
          const ref = neumaierSum(
            Array.from(d1, (_, i) => Math.max(0.2 - ft[i] * (d1[i] - d2[i]), 0)),
          );
          const got = marginRanking(f1, f2, ft, { margin: 0.2, reduction: 'sum' }).value as number;
          if (Number.isFinite(ref))
            expect(Math.abs(got - ref)).toBeLessThanOrEqual(1e-13 * Math.abs(ref));
          else expect(got).toBe(ref);
        }
        if (!Number.isFinite(want)) continue;
        const got = marginRanking(x1, x2, y, { margin: 0.2, reduction: 'sum' }).value as number;
        expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-13 * abs);
      }
    }
  });

  it('names the function and argument in its errors', () => {
    expect(() => marginRanking([1, 2], [1], [1, 1])).toThrow(LossShapeError);
    expect(() => marginRanking([1, 2], [1], [1, 1])).toThrow(
      'marginRanking: input2 has 1 elements but input1 has 2',
    );
    expect(() => marginRankingGrad([1, 2], [1, 1], [1])).toThrow(
      'marginRankingGrad: target has 1 elements but input1 has 2',
    );
    expect(() => marginRanking([1], 'x' as never, [1])).toThrow(LossTypeError);
    expect(() => marginRanking([1], [1], [1], { margin: Number.NaN })).toThrow(LossOptionError);
    expect(() => marginRanking([1], [1], [1], { margin: '1' as never })).toThrow(
      'marginRanking: option margin',
    );
    expect(() => marginRanking([1], [1], [1], { reduction: 'avg' as never })).toThrow(
      LossOptionError,
    );
  });

  it('has gradients that agree with central finite differences away from the kink', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer(),
        fc.double({ min: -1, max: 1, noNaN: true }),
        (n, seed, margin) => {
          const { x1, x2, y } = sample(n, seed);
          for (let i = 0; i < n; i++) if (Math.abs(margin - y[i] * (x1[i] - x2[i])) < 1e-3) return;
          for (const reduction of ['mean', 'sum'] as const) {
            const g = marginRankingGrad(x1, x2, y, { margin, reduction });
            const f1 = finiteDifference(
              (z) => marginRanking(z, x2, y, { margin, reduction }).value,
              x1,
            );
            const f2 = finiteDifference(
              (z) => marginRanking(x1, z, y, { margin, reduction }).value,
              x2,
            );
            expect(worstRatio(g.input1, f1)).toBeLessThanOrEqual(1);
            expect(worstRatio(g.input2, f2)).toBeLessThanOrEqual(1);
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it('sum = mean × Σdenominator, and a split of the rows adds up to the whole', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 40 })
          .chain((n) => fc.tuple(fc.constant(n), fc.integer(), splitPoints(n))),
        ([n, seed, ranges]) => {
          const { x1, x2, y } = sample(n, seed);
          const whole = marginRanking(x1, x2, y, { margin: 0.3 });
          const sum = marginRanking(x1, x2, y, { margin: 0.3, reduction: 'sum' }).value;
          expect(Math.abs(sum - whole.value * whole.sumDenominator)).toBeLessThanOrEqual(
            1e-12 * Math.max(1, sum),
          );
          let s = 0;
          let d = 0;
          for (const [a, b] of ranges) {
            const part = marginRanking(x1.subarray(a, b), x2.subarray(a, b), y.subarray(a, b), {
              margin: 0.3,
              reduction: 'sum',
            });
            s += part.sumValue;
            d += part.sumDenominator;
          }
          expect(d).toBe(whole.sumDenominator);
          expect(Math.abs(s - whole.sumValue)).toBeLessThanOrEqual(
            1e-12 * Math.max(1, whole.sumValue),
          );
        },
      ),
      { numRuns: 50 },
    );
  });

  it('is never NaN for finite input, including extreme values', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.double({ noNaN: true, noDefaultInfinity: true }),
            fc.double({ noNaN: true, noDefaultInfinity: true }),
            fc.constantFrom(-1, 1),
          ),
          { minLength: 1, maxLength: 20 },
        ),
        (rows) => {
          const v = marginRanking(
            rows.map((r) => r[0]),
            rows.map((r) => r[1]),
            rows.map((r) => r[2]),
            { reduction: 'none' },
          ).value;
          for (const x of v) expect(Number.isNaN(x)).toBe(false);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('describes itself for generic callers', () => {
    expect(marginRankingInfo.inputs.map((i) => i.name)).toEqual(['input1', 'input2', 'target']);
    expect(marginRankingInfo.rowCoupled).toBe(false);
    const r = marginRankingInfo.compute({ input1: [1], input2: [0], target: [-1] }, { margin: 1 });
    expect(r.value).toBe(2);
  });
});

describe('marginRankingGrad fast loops', () => {
  it('match (z ≥ 0 ? k : 0)·(∓y) bit for bit (ties at the kink, ±0, ±∞, NaN, every array type)', () => {
    // The loops without gradOutput blend the comparison in arithmetically; this is the formula
    // with the branch, on data that reaches its corners: z = 0 exactly (x1 − x2 = margin·y),
    // signed zeros, infinities (∞ − ∞), NaN inputs and targets, targets other than ±1.
    const special = [0, -0, Infinity, -Infinity, Number.NaN, 1e308, -1e308, 5e-324, 0.25, -0.25];
    const labels = [1, -1, 1, -1, 1, -1, 0, 2, -0.5, Number.NaN];
    for (const n of [0, 1, 3, 4, 5, 9, 64, 1000]) {
      const rnd = seededRandom(n + 11);
      const pick = (a: number[]) => a[Math.floor(rnd() * a.length)];
      const x1 = Float64Array.from({ length: n }, () =>
        rnd() < 0.15 ? pick(special) : rnd() * 4 - 2,
      );
      const x2 = Float64Array.from({ length: n }, () =>
        rnd() < 0.15 ? pick(special) : rnd() * 4 - 2,
      );
      const y = Float64Array.from({ length: n }, () => pick(labels));
      // Ties: z = 0 exactly for margin 0 (x1 = x2), 0.25 and −1 (x1 − x2 = ±0.25, ±1).
      const ties = [
        [0.5, 0.5],
        [-0, 0],
        [0.25, 0],
        [0, 0.25],
        [0, 1],
        [1, 0],
      ];
      for (let i = 0; i < n; i++) {
        if (rnd() < 0.3) [x1[i], x2[i]] = ties[Math.floor(rnd() * ties.length)];
      }
      const per = Float64Array.from({ length: n }, () =>
        rnd() < 0.15 ? pick(special) : rnd() * 2,
      );
      for (const margin of [0, 0.25, -1]) {
        const types: [ArrayLike<number>, ArrayLike<number>, ArrayLike<number>][] = [
          [x1, x2, y],
          [Float32Array.from(x1), Float32Array.from(x2), Float32Array.from(y)],
          [Array.from(x1), Array.from(x2), Array.from(y)],
          [Float32Array.from(x1), x2, y],
        ];
        for (const [a, b, t] of types) {
          const want = (k: number, p: ArrayLike<number> | null) => {
            const w1 = new Float64Array(n);
            const w2 = new Float64Array(n);
            for (let i = 0; i < n; i++) {
              const kk = margin - t[i] * (a[i] - b[i]) >= 0 ? (p === null ? k : k * p[i]) : 0;
              w1[i] = -(kk * t[i]);
              w2[i] = kk * t[i];
            }
            return [w1, w2];
          };
          const call = (o: object) => {
            const g = marginRankingGrad(a as number[], b as number[], t as number[], {
              margin,
              ...o,
            });
            return [g.input1, g.input2];
          };
          const cases: [object, number, ArrayLike<number> | null][] = [
            [{}, 1 / n, null],
            [{ reduction: 'sum' }, 1, null],
            [{ reduction: 'none' }, 1, null],
            [{ reduction: 'none', gradOutput: per }, 1, per],
          ];
          for (const [o, k, p] of cases) {
            const got = call(o);
            const exp = want(k, p);
            for (let j = 0; j < 2; j++) {
              for (let i = 0; i < n; i++) {
                if (!Object.is(got[j][i], exp[j][i]))
                  expect([j, i, got[j][i]]).toEqual([j, i, exp[j][i]]);
              }
            }
          }
        }
      }
    }
  });
});
