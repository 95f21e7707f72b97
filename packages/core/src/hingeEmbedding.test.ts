import {
  hingeEmbedding,
  hingeEmbeddingGrad,
  hingeEmbeddingInfo,
  LossOptionError,
  LossShapeError,
  LossTypeError,
} from '@losskit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finiteDifference, seededRandom, splitPoints, worstRatio } from '../test/helpers.js';
import { neumaierSum } from './internal/sum.js';

/** Random distances in [0, 3) and targets ±1, seeded. */
function sample(n: number, seed: number) {
  const rnd = seededRandom(seed);
  const x = Float64Array.from({ length: n }, () => rnd() * 3);
  const y = Float64Array.from({ length: n }, () => (rnd() < 0.5 ? -1 : 1));
  return { x, y };
}

describe('hingeEmbedding', () => {
  it('is x for similar pairs and max(0, margin − x) for dissimilar ones, worked by hand', () => {
    const x = [0.3, 0.4, 1.5, 2];
    const y = [1, -1, -1, 1];
    const none = hingeEmbedding(x, y, { reduction: 'none' }).value;
    expect(Array.from(none)).toEqual([0.3, 1 - 0.4, 0, 2]);
    const r = hingeEmbedding(x, y);
    expect(r.value).toBeCloseTo((0.3 + 0.6 + 0 + 2) / 4, 15);
    expect(r.sumDenominator).toBe(4);
    expect(hingeEmbedding(x, y, { margin: 2, reduction: 'sum' }).value).toBeCloseTo(
      0.3 + (2 - 0.4) + (2 - 1.5) + 2,
      14,
    );
  });

  it("gives a target outside {−1, 1} both terms, as PyTorch's formula does", () => {
    // PyTorch 1.13: hinge_embedding_loss(0.5, target 0.5, margin 1) = max(0, 1 − 0.5) + 0.5 = 1, grad 0
    expect(hingeEmbedding([0.5], [0.5]).value).toBe(1);
    expect(hingeEmbeddingGrad([0.5], [0.5]).input[0]).toBe(0);
    expect(hingeEmbeddingGrad([1.5], [0.5]).input[0]).toBe(1);
  });

  it('takes the active slope at the kink x = margin (PyTorch)', () => {
    // PyTorch 1.13: x = 1, y = −1, margin 1 → loss 0, grad −1
    expect(hingeEmbedding([1], [-1]).value).toBe(0);
    expect(hingeEmbeddingGrad([1], [-1], { reduction: 'sum' }).input[0]).toBe(-1);
    expect(hingeEmbeddingGrad([1.01], [-1], { reduction: 'sum' }).input[0]).toBe(0);
    expect(hingeEmbeddingGrad([7], [1], { reduction: 'sum' }).input[0]).toBe(1);
  });

  it("writes 'none' and gradients into caller buffers; gradOutput weights each element", () => {
    const out = new Float64Array(2);
    expect(hingeEmbedding([0.25, 0.5], [1, -1], { reduction: 'none', out }).value).toBe(out);
    expect(Array.from(out)).toEqual([0.25, 0.5]);
    const buf = new Float64Array(2);
    const g = hingeEmbeddingGrad([0.25, 0.5], [1, -1], {
      reduction: 'none',
      gradOutput: new Float32Array([2, 4]),
      out: { input: buf },
    });
    expect(g.input).toBe(buf);
    expect(Array.from(buf)).toEqual([2, -4]);
  });

  it('accepts integer typed targets, propagates NaN, is never NaN at extreme finite input', () => {
    const a = hingeEmbedding([0.2, 0.7], new Int32Array([1, -1]), { reduction: 'none' }).value;
    expect(Array.from(a)).toEqual([0.2, 1 - 0.7]);
    const big = hingeEmbedding([0.2, 0.7], new BigInt64Array([1n, -1n]), { reduction: 'none' });
    expect(Array.from(big.value)).toEqual([0.2, 1 - 0.7]);
    expect(hingeEmbedding([Number.NaN], [1]).value).toBeNaN();
    expect(hingeEmbedding([Number.NaN], [-1]).value).toBeNaN();
    const v = hingeEmbedding([1.7e308, -1.7e308, -1.7e308], [-1, -1, 1], { reduction: 'none' });
    expect(Array.from(v.value)).toEqual([0, 1 + 1.7e308, -1.7e308]);
  });

  it('gives the same from float32, float64 and mixed inputs, across the summation blocks', () => {
    // The loop comes in float32, float64 and generic copies over blocks of 256 elements; lengths
    // around the block size check the block edges and the odd last element.
    const rnd = seededRandom(5);
    for (const n of [1, 255, 256, 257, 1001]) {
      const f32 = (f: () => number) => Float32Array.from({ length: n }, f);
      const x = f32(() => rnd() * 3 - 1);
      // ±1 and, rarely, a target outside {−1, 1} (both terms)
      const y = f32(() => (rnd() < 0.1 ? 0.5 : rnd() < 0.5 ? -1 : 1));
      const forms = [
        [x, y],
        [Float64Array.from(x), Float64Array.from(y)],
        [Array.from(x), y],
      ] as const;
      const naive = Array.from(
        x,
        (v, i) => (y[i] !== 1 ? Math.max(0, 1 - v) : 0) + (y[i] !== -1 ? v : 0),
      );
      const results = forms.map(([a, t]) => hingeEmbedding(a, t, { reduction: 'none' }).value);
      const sums = forms.map(([a, t]) => hingeEmbedding(a, t, { reduction: 'sum' }).value);
      const grads = forms.map(([a, t]) => hingeEmbeddingGrad(a, t));
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

  it('names the function and argument in its errors', () => {
    expect(() => hingeEmbedding([1, 2], [1])).toThrow(LossShapeError);
    expect(() => hingeEmbedding([1, 2], [1])).toThrow(
      'hingeEmbedding: target has 1 elements but input has 2',
    );
    expect(() => hingeEmbedding(null as never, [1])).toThrow(LossTypeError);
    expect(() => hingeEmbeddingGrad([1], [1], { margin: Number.POSITIVE_INFINITY })).toThrow(
      LossOptionError,
    );
    expect(() => hingeEmbedding([1], [1], { margin: Number.NaN })).toThrow(
      'hingeEmbedding: option margin = NaN is invalid',
    );
  });

  it('has gradients that agree with central finite differences away from the kink', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer(),
        fc.double({ min: 0.1, max: 2, noNaN: true }),
        (n, seed, margin) => {
          const { x, y } = sample(n, seed);
          for (let i = 0; i < n; i++) if (Math.abs(margin - x[i]) < 1e-3) return;
          for (const reduction of ['mean', 'sum'] as const) {
            const g = hingeEmbeddingGrad(x, y, { margin, reduction }).input;
            const fd = finiteDifference(
              (z) => hingeEmbedding(z, y, { margin, reduction }).value,
              x,
            );
            expect(worstRatio(g, fd)).toBeLessThanOrEqual(1);
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
          const { x, y } = sample(n, seed);
          const whole = hingeEmbedding(x, y);
          const sum = hingeEmbedding(x, y, { reduction: 'sum' }).value;
          expect(Math.abs(sum - whole.value * whole.sumDenominator)).toBeLessThanOrEqual(
            1e-12 * Math.max(1, sum),
          );
          let s = 0;
          let d = 0;
          for (const [a, b] of ranges) {
            const part = hingeEmbedding(x.subarray(a, b), y.subarray(a, b));
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
          fc.tuple(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(-1, 1)),
          { minLength: 1, maxLength: 20 },
        ),
        (rows) => {
          const v = hingeEmbedding(
            rows.map((r) => r[0]),
            rows.map((r) => r[1]),
            { reduction: 'none' },
          ).value;
          for (const x of v) expect(Number.isNaN(x)).toBe(false);
        },
      ),
    );
  });

  it('describes itself for generic callers', () => {
    expect(hingeEmbeddingInfo.inputs.map((i) => [i.name, i.differentiable])).toEqual([
      ['input', true],
      ['target', false],
    ]);
    expect(hingeEmbeddingInfo.compute({ input: [0.25], target: [-1] }).value).toBe(0.75);
  });
});
