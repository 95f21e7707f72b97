import {
  infoNce,
  infoNceGrad,
  infoNceInfo,
  LossOptionError,
  LossShapeError,
  LossTypeError,
} from '@losskit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finiteDifference, seededRandom, worstRatio } from '../test/helpers.js';

/** The vectors' note, naively: normalise rows, S = z1·z2ᵀ/τ, ℓₙ = lse(Sₙ,·) − Sₙₙ (both ways). */
function reference(
  x1: ArrayLike<number>,
  x2: ArrayLike<number>,
  rows: number,
  tau: number,
  symmetric: boolean,
) {
  const cols = x1.length / rows;
  const unit = (x: ArrayLike<number>, n: number) => {
    const v = Array.from({ length: cols }, (_, j) => x[n * cols + j]);
    const r = Math.max(Math.hypot(...v), 1e-12);
    return v.map((a) => a / r);
  };
  const z1 = Array.from({ length: rows }, (_, n) => unit(x1, n));
  const z2 = Array.from({ length: rows }, (_, n) => unit(x2, n));
  const S = z1.map((a) => z2.map((b) => a.reduce((s, ai, j) => s + ai * b[j], 0) / tau));
  const lse = (v: number[]) => {
    const m = Math.max(...v);
    return m + Math.log(v.reduce((s, x) => s + Math.exp(x - m), 0));
  };
  return S.map((row, n) => {
    const forward = lse(row) - row[n];
    if (!symmetric) return forward;
    return (forward + lse(S.map((r) => r[n])) - row[n]) / 2;
  });
}

function sample(rows: number, cols: number, seed: number) {
  const rnd = seededRandom(seed);
  const x1 = Float64Array.from({ length: rows * cols }, () => rnd() * 4 - 2);
  const x2 = Float64Array.from({ length: rows * cols }, () => rnd() * 4 - 2);
  return { x1, x2, shape: [rows, cols] };
}

/** The rows of a flat [N, D] array reordered by `perm`. */
function permuteRows(x: Float64Array, cols: number, perm: number[]) {
  const out = new Float64Array(x.length);
  perm.forEach((from, to) => {
    out.set(x.subarray(from * cols, (from + 1) * cols), to * cols);
  });
  return out;
}

describe('infoNce', () => {
  it('is the cross-entropy of each row against its own pair, worked by hand', () => {
    // orthogonal, aligned pairs at τ = 1: S = I, ℓ = log(e¹ + e⁰) − 1 = log(1 + e⁻¹) for both rows
    const a = { data: [1, 0, 0, 1], shape: [2, 2] };
    const r = infoNce(a, [1, 0, 0, 1], { temperature: 1 });
    expect(r.value).toBeCloseTo(Math.log1p(Math.exp(-1)), 15);
    expect([r.rows, r.elements, r.sumDenominator, r.ignored]).toEqual([2, 2, 2, 0]);
    // rows are normalised: scaling a row changes nothing; τ = 0.1 sharpens to log(1 + e⁻¹⁰)
    // (regression: computed as lse − Sₙₙ = (10 + 4.5e-5) − 10 this lost 2e-11 relative accuracy;
    // the max + log1p(rest) split keeps it to the last digits)
    const scaled = infoNce({ data: [3, 0, 0, 0.5], shape: [2, 2] }, [7, 0, 0, 2]);
    expect(scaled.value).toBeCloseTo(Math.log1p(Math.exp(-10)), 15);
    // swapped pairs: ℓ = log(1 + e) − 0 … = log(e⁰ + e¹) − S₀₀ with S₀₀ = 0
    const wrong = infoNce(a, [0, 1, 1, 0], { temperature: 1, reduction: 'none' }).value;
    expect(wrong[0]).toBeCloseTo(Math.log1p(Math.E), 15);
  });

  it('matches the naive formula on random batches, temperatures and both directions', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer(),
        fc.double({ min: 0.02, max: 5, noNaN: true }),
        fc.boolean(),
        (rows, cols, seed, temperature, symmetric) => {
          const { x1, x2, shape } = sample(rows, cols, seed);
          const got = infoNce({ data: x1, shape }, x2, {
            temperature,
            symmetric,
            reduction: 'none',
          });
          const want = reference(x1, x2, rows, temperature, symmetric);
          expect(worstRatio(got.value, want, 1e-10, 1e-12)).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('matches the naive formula and finite differences on batches large enough for the SIMD product', () => {
    // 66 × 34 and 67 × 34 take matmulNT's WebAssembly tiles (m·n·k ≥ 2¹⁵, even k) with JavaScript
    // edges: columns past the last group of 4 and, for 67, an odd last row. The gradient's
    // products (k = N) take them at 66 and the scalar kernel at 67 (odd k).
    for (const rows of [66, 67]) {
      const { x1, x2, shape } = sample(rows, 34, rows);
      for (const symmetric of [false, true]) {
        const o = { temperature: 0.3, symmetric };
        const got = infoNce({ data: x1, shape }, x2, { ...o, reduction: 'none' });
        const want = reference(x1, x2, rows, 0.3, symmetric);
        expect(worstRatio(got.value, want, 1e-10, 1e-12)).toBeLessThanOrEqual(1);
        const g = infoNceGrad({ data: x1, shape }, x2, { ...o, reduction: 'sum' });
        const loss = (a: Float64Array, b: Float64Array) =>
          infoNce({ data: a, shape }, b, { ...o, reduction: 'sum' }).value;
        const rnd = seededRandom(rows + (symmetric ? 1 : 0));
        for (let t = 0; t < 12; t++) {
          const i = Math.floor(rnd() * x1.length);
          for (const [x, grad, f] of [
            [x1, g.input1, (z: Float64Array) => loss(z, x2)],
            [x2, g.input2, (z: Float64Array) => loss(x1, z)],
          ] as const) {
            const h = 1e-5;
            const up = Float64Array.from(x);
            const down = Float64Array.from(x);
            up[i] += h;
            down[i] -= h;
            const fd = (f(up) - f(down)) / (2 * h);
            expect(Math.abs(grad[i] - fd)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(fd)));
          }
        }
      }
    }
  });

  it('is invariant to permuting the pairs (values permute with them)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }).chain((rows) =>
          fc.tuple(
            fc.constant(rows),
            fc.integer({ min: 1, max: 5 }),
            fc.integer(),
            fc.shuffledSubarray(
              Array.from({ length: rows }, (_, i) => i),
              { minLength: rows, maxLength: rows },
            ),
            fc.boolean(),
          ),
        ),
        ([rows, cols, seed, perm, symmetric]) => {
          const { x1, x2 } = sample(rows, cols, seed);
          const o = { temperature: 0.2, symmetric, reduction: 'none' as const };
          const base = infoNce({ data: x1, shape: [rows, cols] }, x2, o);
          const moved = infoNce(
            { data: permuteRows(x1, cols, perm), shape: [rows, cols] },
            permuteRows(x2, cols, perm),
            o,
          );
          for (let i = 0; i < rows; i++) {
            expect(Math.abs(moved.value[i] - base.value[perm[i]])).toBeLessThanOrEqual(1e-12);
          }
          expect(Math.abs(moved.sumValue - base.sumValue)).toBeLessThanOrEqual(1e-12 * rows);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('symmetric = the mean of the input1→input2 and input2→input1 directions', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer(),
        fc.double({ min: 0.05, max: 2, noNaN: true }),
        (rows, cols, seed, temperature) => {
          const { x1, x2, shape } = sample(rows, cols, seed);
          const none = { temperature, reduction: 'none' as const };
          const both = infoNce({ data: x1, shape }, x2, { ...none, symmetric: true }).value;
          const there = infoNce({ data: x1, shape }, x2, none).value;
          const back = infoNce({ data: x2, shape }, x1, none).value;
          for (let n = 0; n < rows; n++) {
            expect(Math.abs(both[n] - (there[n] + back[n]) / 2)).toBeLessThanOrEqual(1e-12);
          }
          const mean = infoNce({ data: x1, shape }, x2, { temperature, symmetric: true }).value;
          const halves =
            (infoNce({ data: x1, shape }, x2, { temperature }).value +
              infoNce({ data: x2, shape }, x1, { temperature }).value) /
            2;
          expect(Math.abs(mean - halves)).toBeLessThanOrEqual(1e-12);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('has gradients for both inputs that agree with central finite differences', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer(),
        fc.double({ min: 0.1, max: 2, noNaN: true }),
        fc.boolean(),
        (rows, cols, seed, temperature, symmetric) => {
          const { x1, x2, shape } = sample(rows, cols, seed);
          for (const reduction of ['mean', 'sum'] as const) {
            const o = { temperature, symmetric, reduction };
            const g = infoNceGrad({ data: x1, shape }, x2, o);
            const f1 = finiteDifference((z) => infoNce({ data: z, shape }, x2, o).value, x1);
            const f2 = finiteDifference((z) => infoNce({ data: x1, shape }, z, o).value, x2);
            expect(worstRatio(g.input1, f1)).toBeLessThanOrEqual(1);
            expect(worstRatio(g.input2, f2)).toBeLessThanOrEqual(1);
          }
          const w = Float64Array.from({ length: rows }, (_, i) => 1.5 - i / 4);
          const o = { temperature, symmetric };
          const g = infoNceGrad({ data: x1, shape }, x2, {
            ...o,
            reduction: 'none',
            gradOutput: w,
          });
          const weighted = (a: Float64Array, b: Float64Array) =>
            infoNce({ data: a, shape }, b, { ...o, reduction: 'none' }).value.reduce(
              (s, v, i) => s + w[i] * v,
              0,
            );
          expect(
            worstRatio(
              g.input1,
              finiteDifference((z) => weighted(z, x2), x1),
            ),
          ).toBeLessThanOrEqual(1);
          expect(
            worstRatio(
              g.input2,
              finiteDifference((z) => weighted(x1, z), x2),
            ),
          ).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("matches PyTorch at a zero row: F.normalize's eps gives a finite (large) gradient", () => {
    // torch: z = F.normalize(x, dim=1); L = z1 @ z2.T / 0.5; cross_entropy(L, arange(3)).mean()
    const x1 = { data: [0, 0, 1, 2, -1, 0.5], shape: [3, 2] };
    const x2 = [1, 0, 0, 1, 0.3, -0.2];
    const none = infoNce(x1, x2, { temperature: 0.5, reduction: 'none' }).value;
    expect(
      worstRatio(none, [1.0986122886681098, 0.43130894993205465, 2.996348481364854], 1e-12),
    ).toBeLessThanOrEqual(1);
    const g = infoNceGrad(x1, x2, { temperature: 0.5 });
    const want1 = [
      -259544379036.0348, 98955511949.94908, 0.127553124552795, -0.0637765622763975,
      0.25077138789925274, 0.5015427757985056,
    ];
    const want2 = [
      0, 0.1764959610118026, -0.634704015019065, 0, 0.20709431553731084, 0.3106414733059658,
    ];
    expect(worstRatio(g.input1, want1, 1e-9, 1e-12)).toBeLessThanOrEqual(1);
    expect(worstRatio(g.input2, want2, 1e-9, 1e-12)).toBeLessThanOrEqual(1);
    const s = infoNceGrad(x1, x2, { temperature: 0.5, symmetric: true });
    const sym1 = [
      -226225430029.97754, -11583784906.547739, 0.2201350028442187, -0.11006750142210933,
      0.1744344473421115, 0.3488688946842229,
    ];
    const sym2 = [
      0, 0.29697653867396945, -0.4491781145139761, 0, 0.3696445727351998, 0.5544668591027996,
    ];
    expect(worstRatio(s.input1, sym1, 1e-9, 1e-12)).toBeLessThanOrEqual(1);
    expect(worstRatio(s.input2, sym2, 1e-9, 1e-12)).toBeLessThanOrEqual(1);
  });

  it('is never NaN for finite input, including extreme values; huge rows normalise exactly', () => {
    const value = fc.double({ noNaN: true, noDefaultInfinity: true });
    fc.assert(
      fc.property(
        fc.array(fc.tuple(value, value, value, value), { minLength: 1, maxLength: 6 }),
        fc.boolean(),
        (rows, symmetric) => {
          const shape = [rows.length, 2];
          const x1 = { data: rows.flatMap((r) => [r[0], r[1]]), shape };
          const x2 = rows.flatMap((r) => [r[2], r[3]]);
          const v = infoNce(x1, x2, { symmetric, reduction: 'none' }).value;
          for (const x of v) expect(Number.isNaN(x)).toBe(false);
          const g = infoNceGrad(x1, x2, { symmetric });
          for (const x of [...g.input1, ...g.input2]) expect(Number.isNaN(x)).toBe(false);
        },
      ),
    );
    // |x|² = 2e400 overflows; the normalised row is still (1, 1)/√2
    const big = infoNce({ data: [1e200, 1e200, -1, 2], shape: [2, 2] }, [1, 1, 0, 1]).value;
    const small = infoNce({ data: [1, 1, -1, 2], shape: [2, 2] }, [1, 1, 0, 1]).value;
    expect(big).toBeCloseTo(small, 12);
  });

  it('sum = mean × N; rows are coupled, so a split of the batch does not add up', () => {
    const { x1, x2 } = sample(6, 3, 42);
    const whole = infoNce({ data: x1, shape: [6, 3] }, x2);
    const sum = infoNce({ data: x1, shape: [6, 3] }, x2, { reduction: 'sum' }).value;
    // mean = sum / N rounds on the subnormal grid too: N·2⁻¹⁰⁷⁴ absolute slack.
    expect(Math.abs(sum - whole.value * whole.sumDenominator)).toBeLessThanOrEqual(
      1e-12 * sum + whole.sumDenominator * Number.MIN_VALUE,
    );
    expect(whole.sumDenominator).toBe(6);
    const first = infoNce({ data: x1.subarray(0, 9), shape: [3, 3] }, x2.subarray(0, 9));
    const second = infoNce({ data: x1.subarray(9), shape: [3, 3] }, x2.subarray(9));
    // fewer negatives per row in each half: a smaller loss than the whole batch's
    expect(first.sumValue + second.sumValue).toBeLessThan(whole.sumValue);
    expect(infoNceInfo.rowCoupled).toBe(true);
  });

  it("writes 'none' and gradients into caller buffers", () => {
    const shape = [2, 2];
    const out = new Float64Array(2);
    const r = infoNce({ data: [1, 0, 0, 1], shape }, [1, 0, 0, 1], { reduction: 'none', out });
    expect(r.value).toBe(out);
    expect(out[1]).toBeCloseTo(Math.log1p(Math.exp(-10)), 15);
    const b1 = new Float64Array(4).fill(Number.NaN);
    const b2 = new Float64Array(4).fill(Number.NaN);
    const g = infoNceGrad({ data: [1, 0, 0, 1], shape }, [1, 0, 0, 1], {
      out: { input1: b1, input2: b2 },
    });
    expect(g.input1).toBe(b1);
    expect(g.input2).toBe(b2);
    const fresh = infoNceGrad({ data: [1, 0, 0, 1], shape }, [1, 0, 0, 1]);
    expect(Array.from(b1)).toEqual(Array.from(fresh.input1));
    expect(Array.from(b2)).toEqual(Array.from(fresh.input2));
  });

  it('names the function and argument in its errors', () => {
    expect(() => infoNce([1, 0, 0, 1], [1, 0, 0, 1])).toThrow(LossShapeError);
    expect(() => infoNce([1, 0, 0, 1], [1, 0, 0, 1])).toThrow(
      'infoNce: input1 must be 2-D [N, D]; got shape [4] (pass {data, shape: [N, D]}',
    );
    expect(() =>
      infoNce({ data: [1, 0, 0, 1], shape: [2, 2] }, { data: [1, 0], shape: [1, 2] }),
    ).toThrow('infoNce: input2 has shape [1, 2] but input1 has [2, 2]');
    const a = { data: [1, 0], shape: [1, 2] };
    for (const temperature of [0, -1, Number.POSITIVE_INFINITY, Number.NaN]) {
      expect(() => infoNce(a, [1, 0], { temperature })).toThrow(LossOptionError);
    }
    expect(() => infoNce(a, [1, 0], { temperature: 0 })).toThrow(
      'infoNce: option temperature = 0 is invalid; expected a finite number > 0',
    );
    expect(() => infoNceGrad(a, [1, 0], { symmetric: 'yes' as never })).toThrow(
      'infoNceGrad: option symmetric',
    );
    expect(() => infoNce(a, new BigInt64Array(2) as never)).toThrow(LossTypeError);
  });

  it('describes itself for generic callers', () => {
    expect(infoNceInfo.inputs.map((i) => [i.name, i.rank, i.differentiable])).toEqual([
      ['input1', 2, true],
      ['input2', 2, true],
    ]);
    const shape = [2, 2];
    const r = infoNceInfo.compute(
      { input1: { data: [1, 0, 0, 1], shape }, input2: { data: [1, 0, 0, 1], shape } },
      { temperature: 1 },
    );
    expect(r.value).toBeCloseTo(Math.log1p(Math.exp(-1)), 15);
  });
});
