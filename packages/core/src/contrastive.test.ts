import {
  contrastive,
  contrastiveGrad,
  contrastiveInfo,
  LossOptionError,
  LossRangeError,
  LossShapeError,
  LossTypeError,
} from '@losskit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finiteDifference, seededRandom, splitPoints, worstRatio } from '../test/helpers.js';

/** d = ‖x1ₙ − x2ₙ + eps‖₂ of row n. */
function distance(
  x1: ArrayLike<number>,
  x2: ArrayLike<number>,
  n: number,
  cols: number,
  eps: number,
) {
  let s = 0;
  for (let j = 0; j < cols; j++) s += (x1[n * cols + j] - x2[n * cols + j] + eps) ** 2;
  return Math.sqrt(s);
}

/** The reference vectors' note, naively: y·d² + (1 − y)·max(0, margin − d)², d = ‖x1 − x2 + eps‖. */
function reference(
  x1: ArrayLike<number>,
  x2: ArrayLike<number>,
  y: ArrayLike<number>,
  margin: number,
  eps = 1e-6,
) {
  const cols = x1.length / y.length;
  return Array.from(y, (yn, n) => {
    const d = distance(x1, x2, n, cols, eps);
    return yn * d * d + (1 - yn) * Math.max(0, margin - d) ** 2;
  });
}

function sample(rows: number, cols: number, seed: number) {
  const rnd = seededRandom(seed);
  const x1 = Float64Array.from({ length: rows * cols }, () => rnd() * 2 - 1);
  const x2 = Float64Array.from({ length: rows * cols }, () => rnd() * 2 - 1);
  const y = Float64Array.from({ length: rows }, () => (rnd() < 0.5 ? 0 : 1));
  return { x1, x2, y };
}

describe('contrastive', () => {
  it('is y·d² + (1 − y)·max(0, margin − d)² without a ½, worked by hand', () => {
    // pair 0 similar at distance 3 → 9; pair 1 dissimilar at 0.5 → (1 − 0.5)²; pair 2
    // dissimilar at 5 (3-4-5) → 0; D = 2 from the target's length, eps 0 for round numbers
    const x1 = [0, 0, 0, 0, 0, 0];
    const x2 = [3, 0, 0.5, 0, 3, 4];
    const y = [1, 0, 0];
    const none = contrastive(x1, x2, y, { eps: 0, reduction: 'none' }).value;
    expect(Array.from(none)).toEqual([9, 0.25, 0]);
    const r = contrastive(x1, x2, y, { eps: 0 });
    expect(r.value).toBe((9 + 0.25 + 0) / 3);
    expect([r.rows, r.elements, r.sumDenominator, r.ignored]).toEqual([3, 3, 3, 0]);
    expect(contrastive(x1, x2, y, { eps: 0, margin: 6, reduction: 'sum' }).value).toBe(
      9 + (6 - 0.5) ** 2 + (6 - 5) ** 2,
    );
  });

  it('takes its target as any integer typed array, BigInt64Array included', () => {
    const x1 = [0, 0, 0, 0];
    const x2 = [3, 0, 0.5, 0];
    const want = Array.from(contrastive(x1, x2, [1, 0], { reduction: 'none' }).value);
    for (const y of [
      new Uint8Array([1, 0]),
      new Int16Array([1, 0]),
      new Uint32Array([1, 0]),
      new BigInt64Array([1n, 0n]),
      new BigUint64Array([1n, 0n]),
    ]) {
      expect(Array.from(contrastive(x1, x2, y, { reduction: 'none' }).value)).toEqual(want);
    }
  });

  it('adds eps = 1e-6 to every coordinate of the difference by default (the vectors’ note)', () => {
    const v = contrastive([0, 0], [0, 0], [1], { reduction: 'none' }).value[0];
    expect(v).toBeCloseTo(2e-12, 24); // (1e-6)² + (1e-6)²
    const got = contrastive({ data: [0.1, 0.2], shape: [1, 2] }, [0.3, -0.4], [0], { margin: 2 });
    expect(got.value).toBeCloseTo(reference([0.1, 0.2], [0.3, -0.4], [0], 2)[0], 15);
  });

  it('matches the naive formula on random pairs, margins and soft labels', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer(),
        fc.double({ min: 0, max: 3, noNaN: true }),
        fc.boolean(),
        (rows, cols, seed, margin, soft) => {
          const { x1, x2, y } = sample(rows, cols, seed);
          if (soft) for (let n = 0; n < rows; n++) y[n] = (n + 0.5) / rows;
          const got = contrastive(x1, x2, y, { margin, reduction: 'none' }).value;
          expect(worstRatio(got, reference(x1, x2, y, margin), 1e-12, 1e-15)).toBeLessThanOrEqual(
            1,
          );
        },
      ),
      { numRuns: 50 },
    );
  });

  it('gives a finite (zero) gradient at zero distance, where d’s direction is undefined', () => {
    // x1 = x2 and eps = 0: d = 0; the dissimilar term is margin² with a masked direction (PyTorch)
    const r = contrastive([1, 2, 1, 2], [1, 2, 1, 2], [0, 1], { eps: 0, reduction: 'none' });
    expect(Array.from(r.value)).toEqual([1, 0]);
    const g = contrastiveGrad([1, 2, 1, 2], [1, 2, 1, 2], [0, 1], { eps: 0 });
    for (const v of [...g.input1, ...g.input2]) expect(v + 0).toBe(0);
  });

  it('has gradients that agree with central finite differences away from d = margin', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer(),
        fc.double({ min: 0.2, max: 2, noNaN: true }),
        (rows, cols, seed, margin) => {
          const { x1, x2, y } = sample(rows, cols, seed);
          y[0] = 0.3; // a soft label exercises both terms
          for (let n = 0; n < rows; n++) {
            if (Math.abs(distance(x1, x2, n, cols, 1e-6) - margin) < 1e-3) return;
          }
          const shape = [rows, cols];
          for (const reduction of ['mean', 'sum'] as const) {
            const o = { margin, reduction };
            const g = contrastiveGrad({ data: x1, shape }, x2, y, o);
            const f1 = finiteDifference((z) => contrastive(z, x2, y, o).value, x1);
            const f2 = finiteDifference((z) => contrastive(x1, z, y, o).value, x2);
            expect(worstRatio(g.input1, f1)).toBeLessThanOrEqual(1);
            expect(worstRatio(g.input2, f2)).toBeLessThanOrEqual(1);
          }
          const w = Float64Array.from({ length: rows }, (_, i) => 2 - i / 2);
          const g = contrastiveGrad(x1, x2, y, { margin, reduction: 'none', gradOutput: w });
          const fd = finiteDifference((z) => {
            const v = contrastive(z, x2, y, { margin, reduction: 'none' }).value;
            return v.reduce((s, x, i) => s + w[i] * x, 0);
          }, x1);
          expect(worstRatio(g.input1, fd)).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 60 },
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
          const whole = contrastive(x1, x2, y, { margin: 1.5 });
          const sum = contrastive(x1, x2, y, { margin: 1.5, reduction: 'sum' }).value;
          expect(Math.abs(sum - whole.value * whole.sumDenominator)).toBeLessThanOrEqual(
            1e-12 * Math.max(1, sum),
          );
          let s = 0;
          let d = 0;
          for (const [a, b] of ranges) {
            const part = contrastive(
              { data: x1.subarray(a * cols, b * cols), shape: [b - a, cols] },
              x2.subarray(a * cols, b * cols),
              y.subarray(a, b),
              { margin: 1.5 },
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

  it('is never NaN for finite input, including extreme values', () => {
    const value = fc.double({ noNaN: true, noDefaultInfinity: true });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(value, value, value, value, fc.constantFrom(0, 1, 0.5)), {
          minLength: 1,
          maxLength: 8,
        }),
        (rows) => {
          const x1 = rows.flatMap((r) => [r[0], r[1]]);
          const x2 = rows.flatMap((r) => [r[2], r[3]]);
          const v = contrastive(
            x1,
            x2,
            rows.map((r) => r[4]),
            { reduction: 'none' },
          ).value;
          for (const x of v) expect(Number.isNaN(x)).toBe(false);
        },
      ),
    );
    // d² overflows: a similar pair costs ∞, a dissimilar one 0 (not 0·∞ = NaN)
    const v = contrastive([1e200, 1e200], [-1e200, -1e200], [1, 0], { reduction: 'none' }).value;
    expect(Array.from(v)).toEqual([Number.POSITIVE_INFINITY, 0]);
    // x1 − x2 overflows to ∞ in a dissimilar pair beyond the margin: gradient 0, not 0·∞ = NaN
    const g = contrastiveGrad({ data: [1.5e308, 0], shape: [1, 2] }, [-1.5e308, 0], [0]);
    expect(Array.from(g.input1, (x) => x + 0)).toEqual([0, 0]);
  });

  it("writes 'none' and gradients into caller buffers", () => {
    const out = new Float64Array(1);
    expect(contrastive([0, 0], [3, 4], [1], { eps: 0, reduction: 'none', out }).value).toBe(out);
    expect(out[0]).toBe(25);
    const b1 = new Float64Array(2).fill(7);
    const b2 = new Float64Array(2).fill(7);
    const g = contrastiveGrad([0, 0], [3, 4], [1], { eps: 0, out: { input1: b1, input2: b2 } });
    expect(g.input1).toBe(b1);
    expect(Array.from(b1)).toEqual([-6, -8]); // 2·(x1 − x2)
    expect(Array.from(b2)).toEqual([6, 8]);
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
      const y = Float64Array.from({ length: rows }, () => (rnd() < 0.5 ? 0 : 1));
      const shape = [rows, cols];
      const o = { ...{ margin: 2 }, reduction: 'none' as const };
      const narrow = [{ data: x1, shape }, x2, y] as const;
      const wide = [{ data: Float64Array.from(x1), shape }, Float64Array.from(x2), y] as const;
      const mixed = [{ data: x1, shape }, Float64Array.from(x2), y] as const;
      const v = contrastive(...wide, o).value;
      expect(contrastive(...narrow, o).value).toEqual(v);
      expect(contrastive(...mixed, o).value).toEqual(v);
      const g = contrastiveGrad(...wide, { margin: 2 });
      expect(contrastiveGrad(...narrow, { margin: 2 })).toEqual(g);
      expect(contrastiveGrad(...mixed, { margin: 2 })).toEqual(g);
    }
  });

  it('names the function and argument in its errors; ±1 labels are a range error', () => {
    expect(() => contrastive([0, 0, 0, 0], [1, 1, 1, 1], [1, -1])).toThrow(LossRangeError);
    expect(() => contrastive([0, 0, 0, 0], [1, 1, 1, 1], [1, -1])).toThrow(
      'contrastive: target[1] = -1 is outside [0, 1] (1 = similar, 0 = dissimilar)',
    );
    expect(() => contrastiveGrad([0, 0], [1, 1], [2])).toThrow('contrastiveGrad: target[0] = 2');
    expect(contrastive([0, 0], [1, 1], [Number.NaN]).value).toBeNaN(); // NaN propagates
    expect(() => contrastive([0, 0, 0], [1, 1, 1], [1, 0])).toThrow(LossShapeError);
    expect(() =>
      contrastive({ data: [0, 0, 0, 0], shape: [2, 2] }, [1, 1, 1, 1], [1, 0, 1]),
    ).toThrow('contrastive: target has 3 entries but input1 has 2 rows');
    expect(() => contrastive([0], [1], [true] as never)).toThrow(LossTypeError);
    expect(() => contrastive([0], [1], [1], { margin: Number.NaN })).toThrow(LossOptionError);
    expect(() => contrastive([0], [1], [1], { eps: 'small' as never })).toThrow(
      'contrastive: option eps',
    );
  });

  it('describes itself for generic callers', () => {
    expect(contrastiveInfo.inputs.map((i) => [i.name, i.rank, i.differentiable])).toEqual([
      ['input1', 2, true],
      ['input2', 2, true],
      ['target', 1, false],
    ]);
    const r = contrastiveInfo.compute(
      { input1: [0, 0], input2: [0, 0.5], target: new Float32Array([0]) },
      { eps: 0 },
    );
    expect(r.value).toBe(0.25);
  });
});
