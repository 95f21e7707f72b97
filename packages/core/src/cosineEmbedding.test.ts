import {
  cosineEmbedding,
  cosineEmbeddingGrad,
  cosineEmbeddingInfo,
  LossOptionError,
  LossShapeError,
  LossTypeError,
} from '@losskit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finiteDifference, seededRandom, splitPoints, worstRatio } from '../test/helpers.js';

/** PyTorch's formula, written out naively: cos = P / √((A + 1e-12)(B + 1e-12)). */
function reference(
  x1: ArrayLike<number>,
  x2: ArrayLike<number>,
  y: ArrayLike<number>,
  margin: number,
) {
  const rows = y.length;
  const cols = x1.length / rows;
  const out: number[] = [];
  for (let n = 0; n < rows; n++) {
    let p = 0;
    let a = 0;
    let b = 0;
    for (let j = 0; j < cols; j++) {
      p += x1[n * cols + j] * x2[n * cols + j];
      a += x1[n * cols + j] ** 2;
      b += x2[n * cols + j] ** 2;
    }
    const cos = p / Math.sqrt((a + 1e-12) * (b + 1e-12));
    out.push(y[n] === 1 ? 1 - cos : y[n] === -1 ? Math.max(0, cos - margin) : 0);
  }
  return out;
}

function sample(rows: number, cols: number, seed: number) {
  const rnd = seededRandom(seed);
  const x1 = Float64Array.from({ length: rows * cols }, () => rnd() * 4 - 2);
  const x2 = Float64Array.from({ length: rows * cols }, () => rnd() * 4 - 2);
  const y = Float64Array.from({ length: rows }, () => (rnd() < 0.5 ? -1 : 1));
  return { x1, x2, y };
}

describe('cosineEmbedding', () => {
  it('is 1 − cos for similar pairs and max(0, cos − margin) for dissimilar ones, by hand', () => {
    // rows (D = 2 from the target's length): cos([3,4],[4,3]) = 24/25; cos([1,0],[0,1]) = 0;
    // cos([1,1],[2,2]) = 1; EPSILON = 1e-12 shifts these by ~1e-13 only.
    const x1 = [3, 4, 1, 0, 1, 1];
    const x2 = [4, 3, 0, 1, 2, 2];
    const y = [1, -1, -1];
    const none = cosineEmbedding(x1, x2, y, { margin: 0.5, reduction: 'none' }).value;
    expect(none[0]).toBeCloseTo(1 - 24 / 25, 12);
    expect(none[1]).toBe(0); // max(0, 0 − 0.5)
    expect(none[2]).toBeCloseTo(1 - 0.5, 12);
    const r = cosineEmbedding(x1, x2, y, { margin: 0.5 });
    expect(r.value).toBeCloseTo((1 / 25 + 0 + 0.5) / 3, 12);
    expect([r.rows, r.elements, r.sumDenominator, r.ignored]).toEqual([3, 3, 3, 0]);
  });

  it('matches the naive formula on random rows and margins (float64 reference)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer(),
        fc.double({ min: -1, max: 1, noNaN: true }),
        (rows, cols, seed, margin) => {
          const { x1, x2, y } = sample(rows, cols, seed);
          const got = cosineEmbedding(x1, x2, y, { margin, reduction: 'none' }).value;
          expect(worstRatio(got, reference(x1, x2, y, margin), 1e-12, 1e-14)).toBeLessThanOrEqual(
            1,
          );
        },
      ),
      { numRuns: 50 },
    );
  });

  it('takes its target as any integer typed array, BigInt64Array included', () => {
    const x1 = [3, 4, 1, 0];
    const x2 = [4, 3, 1, 1];
    const want = Array.from(cosineEmbedding(x1, x2, [1, -1], { reduction: 'none' }).value);
    for (const y of [
      new Int8Array([1, -1]),
      new Int32Array([1, -1]),
      new BigInt64Array([1n, -1n]),
    ]) {
      expect(Array.from(cosineEmbedding(x1, x2, y, { reduction: 'none' }).value)).toEqual(want);
    }
  });

  it('gives 0 for targets outside {−1, 1}, as PyTorch', () => {
    const v = cosineEmbedding([1, 2, 1, 2], [1, 2, 1, 2], [0.5, Number.NaN], { reduction: 'none' });
    expect(Array.from(v.value)).toEqual([0, 0]);
    const g = cosineEmbeddingGrad([1, 2, 1, 2], [1, 2, 1, 2], [0.5, 0]);
    expect(Array.from(g.input1)).toEqual([0, 0, 0, 0]);
  });

  it('handles zero-norm rows with PyTorch EPSILON: cos = 0 and finite gradients', () => {
    const r = cosineEmbedding([0, 0, 0, 0], [1, 2, 0, 0], [1, -1], { reduction: 'none' });
    expect(Array.from(r.value)).toEqual([1, 0]);
    const g = cosineEmbeddingGrad([0, 0, 0, 0], [1, 2, 0, 0], [1, -1]);
    for (const v of [...g.input1, ...g.input2]) expect(Number.isFinite(v)).toBe(true);
    // d(1 − cos)/dx1 at x1 = 0 is −x2/√((0 + ε)(5 + ε)), / N = 2 for the mean
    expect(g.input1[0]).toBeCloseTo(-1 / Math.sqrt(1e-12 * (5 + 1e-12)) / 2, -2);
    expect(Array.from(g.input2)).toEqual([0, 0, 0, 0]);
  });

  it('rescales rows whose squared norms overflow instead of returning NaN or a wrong 0', () => {
    // |x1|² = 2e400 overflows; the cosine is still 1 (pair 0) and 1/√2 (pair 1)
    const x1 = [1e200, 1e200, 1e200, 1e200];
    const x2 = [1, 1, 3, 0];
    const v = cosineEmbedding(x1, x2, [1, 1], { reduction: 'none' }).value;
    expect(v[0]).toBeCloseTo(1 - 2 / Math.sqrt(2 * (2 + 1e-12)), 16); // ε on |x2|² only
    expect(v[1]).toBeCloseTo(1 - 3 / (Math.SQRT2 * Math.sqrt(9 + 1e-12)), 15);
    // the gradient is the unscaled one: ∂cos/∂x2 at x2 ∥ x1 is (x1 − cos·|x1|/|x2|·x2)/(|x1||x2|)
    const g = cosineEmbeddingGrad(x1, x2, [1, 1], { reduction: 'sum' });
    for (const w of [...g.input1, ...g.input2]) expect(Number.isFinite(w)).toBe(true);
    // pair 1: x2 = (3, 0): −∂cos/∂x2 = −(x1/(|x1||x2|) − cos·x2/|x2|²) = −(1/(√2·3) − (1/√2)·3/9, …)
    expect(g.input2[2]).toBeCloseTo(0, 12);
    expect(g.input2[3]).toBeCloseTo(-1 / (Math.SQRT2 * 3), 12);
  });

  it('is never NaN for finite input, including extreme values', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }).chain((cols) =>
          fc.tuple(
            fc.constant(cols),
            fc.array(
              fc.tuple(
                fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), {
                  minLength: cols,
                  maxLength: cols,
                }),
                fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), {
                  minLength: cols,
                  maxLength: cols,
                }),
                fc.constantFrom(-1, 1),
              ),
              { minLength: 1, maxLength: 6 },
            ),
          ),
        ),
        ([cols, rows]) => {
          const x1 = { data: rows.flatMap((r) => r[0]), shape: [rows.length, cols] };
          const x2 = rows.flatMap((r) => r[1]);
          const y = rows.map((r) => r[2]);
          const v = cosineEmbedding(x1, x2, y, { reduction: 'none' }).value;
          for (const x of v) expect(Number.isNaN(x)).toBe(false);
          const g = cosineEmbeddingGrad(x1, x2, y);
          for (const x of [...g.input1, ...g.input2]) expect(Number.isNaN(x)).toBe(false);
        },
      ),
    );
  });

  it('has gradients that agree with central finite differences away from the kink', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer(),
        fc.double({ min: -0.9, max: 0.9, noNaN: true }),
        (rows, cols, seed, margin) => {
          const { x1, x2, y } = sample(rows, cols, seed);
          // the kink of a dissimilar row is cos = margin
          for (let n = 0; n < rows; n++) {
            const one = reference(
              x1.subarray(n * cols, (n + 1) * cols),
              x2.subarray(n * cols, (n + 1) * cols),
              [1],
              0,
            )[0];
            if (y[n] === -1 && Math.abs(1 - one - margin) < 1e-3) return;
          }
          const shape = [rows, cols];
          for (const reduction of ['mean', 'sum'] as const) {
            const o = { margin, reduction };
            const g = cosineEmbeddingGrad({ data: x1, shape }, x2, y, o);
            const f1 = finiteDifference((z) => cosineEmbedding(z, x2, y, o).value, x1);
            const f2 = finiteDifference((z) => cosineEmbedding(x1, z, y, o).value, x2);
            expect(worstRatio(g.input1, f1)).toBeLessThanOrEqual(1);
            expect(worstRatio(g.input2, f2)).toBeLessThanOrEqual(1);
          }
          // 'none' with gradOutput: the gradient of Σ gₙ·ℓₙ
          const w = Float64Array.from({ length: rows }, (_, i) => i + 0.5);
          const g = cosineEmbeddingGrad(x1, x2, y, { margin, reduction: 'none', gradOutput: w });
          const fd = finiteDifference((z) => {
            const v = cosineEmbedding(z, x2, y, { margin, reduction: 'none' }).value;
            let s = 0;
            for (let i = 0; i < rows; i++) s += w[i] * v[i];
            return s;
          }, x1);
          expect(worstRatio(g.input1, fd)).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('sum = mean × Σdenominator, and a split of the rows adds up to the whole', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 20 })
          .chain((n) =>
            fc.tuple(fc.constant(n), fc.integer({ min: 1, max: 5 }), fc.integer(), splitPoints(n)),
          ),
        ([rows, cols, seed, ranges]) => {
          const { x1, x2, y } = sample(rows, cols, seed);
          const whole = cosineEmbedding(x1, x2, y, { margin: 0.2 });
          const sum = cosineEmbedding(x1, x2, y, { margin: 0.2, reduction: 'sum' }).value;
          expect(Math.abs(sum - whole.value * whole.sumDenominator)).toBeLessThanOrEqual(
            1e-12 * Math.max(1, sum),
          );
          let s = 0;
          let d = 0;
          for (const [a, b] of ranges) {
            if (a === b) continue; // an empty part has no target to infer D from
            const part = cosineEmbedding(
              x1.subarray(a * cols, b * cols),
              x2.subarray(a * cols, b * cols),
              y.subarray(a, b),
              { margin: 0.2 },
            );
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

  it("writes 'none' and gradients into caller buffers", () => {
    const out = new Float64Array(1);
    expect(cosineEmbedding([1, 0], [0, 1], [1], { reduction: 'none', out }).value).toBe(out);
    expect(out[0]).toBe(1);
    const b1 = new Float64Array(2).fill(Number.NaN);
    const b2 = new Float64Array(2).fill(Number.NaN);
    const g = cosineEmbeddingGrad([1, 0], [0, 1], [-1], { out: { input1: b1, input2: b2 } });
    expect(g.input1).toBe(b1);
    expect(g.input2).toBe(b2);
    // cos = 0 = margin: the kink takes the active slope ∂cos/∂x1 = x2/√((1 + ε)(1 + ε))
    expect(Array.from(b1)).toEqual([0, 1 / Math.sqrt((1 + 1e-12) * (1 + 1e-12))]);
  });

  it('gives the same from Float32Array inputs (their own loop copies) as from float64 copies', () => {
    // The row loops come in a float32 and a float64 copy; float32 → float64 is exact, so both
    // must give bit-identical results. Odd D exercises the unrolled loops' last column.
    const rnd = seededRandom(11);
    for (const cols of [1, 5, 8]) {
      const rows = 7;
      const f32 = () => Float32Array.from({ length: rows * cols }, () => rnd() * 2 - 1);
      const x1 = f32();
      const x2 = f32();
      const y = Float64Array.from({ length: rows }, () => (rnd() < 0.5 ? -1 : 1));
      const shape = [rows, cols];
      const o = { ...{ margin: -0.2 }, reduction: 'none' as const };
      const narrow = [{ data: x1, shape }, x2, y] as const;
      const wide = [{ data: Float64Array.from(x1), shape }, Float64Array.from(x2), y] as const;
      const mixed = [{ data: x1, shape }, Float64Array.from(x2), y] as const;
      const v = cosineEmbedding(...wide, o).value;
      expect(cosineEmbedding(...narrow, o).value).toEqual(v);
      expect(cosineEmbedding(...mixed, o).value).toEqual(v);
      const g = cosineEmbeddingGrad(...wide, { margin: -0.2 });
      expect(cosineEmbeddingGrad(...narrow, { margin: -0.2 })).toEqual(g);
      expect(cosineEmbeddingGrad(...mixed, { margin: -0.2 })).toEqual(g);
    }
  });

  it('names the function and argument in its errors', () => {
    expect(() => cosineEmbedding([1, 2, 3], [1, 2, 3], [1, 1])).toThrow(LossShapeError);
    expect(() => cosineEmbedding([1, 2, 3], [1, 2, 3], [1, 1])).toThrow(
      "cosineEmbedding: input1 has 3 elements, which is not a multiple of the target's 2 rows",
    );
    expect(() => cosineEmbedding({ data: [1, 2, 3, 4], shape: [2, 2] }, [1, 2, 3, 4], [1])).toThrow(
      'cosineEmbedding: target has 1 entries but input1 has 2 rows',
    );
    expect(() =>
      cosineEmbedding(
        { data: [1, 2, 3, 4], shape: [2, 2] },
        { data: [1, 2, 3, 4], shape: [1, 4] },
        [1, 1],
      ),
    ).toThrow('cosineEmbedding: input2 has shape [1, 4] but input1 has [2, 2]');
    expect(() => cosineEmbedding([1, 2], [1], [1])).toThrow(LossShapeError);
    expect(() => cosineEmbedding([1], [1], 'y' as never)).toThrow(LossTypeError);
    expect(() => cosineEmbeddingGrad([1], [1], [1], { margin: 'x' as never })).toThrow(
      LossOptionError,
    );
  });

  it('describes itself for generic callers', () => {
    expect(cosineEmbeddingInfo.inputs.map((i) => [i.name, i.rank, i.differentiable])).toEqual([
      ['input1', 2, true],
      ['input2', 2, true],
      ['target', 1, false],
    ]);
    const r = cosineEmbeddingInfo.compute({
      input1: { data: new Float32Array([1, 0]), shape: [1, 2] },
      input2: { data: new Float32Array([0, 1]), shape: [1, 2] },
      target: new Float32Array([1]),
    });
    expect(r.value).toBe(1);
  });
});
