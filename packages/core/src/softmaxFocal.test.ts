import {
  crossEntropy,
  crossEntropyGrad,
  LossOptionError,
  LossRangeError,
  LossShapeError,
  softmaxFocal,
  softmaxFocalGrad,
  softmaxFocalInfo,
} from '@losskit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finiteDifference, matrix, splitPoints, worstRatio } from '../test/helpers.js';

const labels = (rows: number, cols: number, min = 0) =>
  fc
    .array(fc.integer({ min, max: cols - 1 }), { minLength: rows, maxLength: rows })
    .map((a) => Int32Array.from(a));

const alphas = (cols: number) =>
  fc.float64Array({ minLength: cols, maxLength: cols, min: 0.1, max: 2, noNaN: true });

const gammas = fc.constantFrom(0, 0.5, 1, 1.5, 2, 3);

describe('softmaxFocal', () => {
  it('is −α[y]·(1 − p)^γ·log p, worked by hand', () => {
    // equal logits over 2 classes: p = ½
    expect(softmaxFocal({ data: [0, 0], shape: [1, 2] }, [0]).value).toBeCloseTo(
      0.25 * Math.log(2),
      15,
    );
    // logits [log 3, 0]: p = ¾ at class 0, ¼ at class 1; γ = 1, α = [2, 0.5]
    const x = { data: [Math.log(3), 0, Math.log(3), 0], shape: [2, 2] };
    const r = softmaxFocal(x, [0, 1], { gamma: 1, alpha: [2, 0.5], reduction: 'none' }).value;
    expect(r[0]).toBeCloseTo(2 * (1 / 4) * -Math.log(3 / 4), 15);
    expect(r[1]).toBeCloseTo(0.5 * (3 / 4) * -Math.log(1 / 4), 15);
  });

  it('divides the mean by the non-ignored rows, not by Σα', () => {
    const x = { data: [0, 0, 0, 0, 0, 0], shape: [3, 2] };
    const r = softmaxFocal(x, [0, 1, -100], { alpha: [3, 3] });
    expect(r.sumDenominator).toBe(2);
    expect(r.ignored).toBe(1);
    expect(r.value).toBeCloseTo(3 * 0.25 * Math.log(2), 15);
    expect(softmaxFocal(x, [5, 5, 5], { ignoreIndex: 5 }).value).toBeNaN();
  });

  it('down-weights easy rows more as γ grows', () => {
    const x = { data: [3, 0, 0, 3], shape: [2, 2] };
    const ratio = (g: number) => {
      const v = softmaxFocal(x, [0, 0], { gamma: g, reduction: 'none' }).value;
      return v[0] / v[1]; // easy (p ≈ 0.95) over hard (p ≈ 0.05)
    };
    expect(ratio(2)).toBeLessThan(ratio(1));
    expect(ratio(1)).toBeLessThan(ratio(0));
  });

  it('equals crossEntropy when γ = 0 (with α as its weight, under sum)', () => {
    fc.assert(
      fc.property(
        matrix({ minCols: 2, lim: 20 }).chain((m) =>
          fc.tuple(fc.constant(m), labels(m.rows, m.cols, -1), alphas(m.cols)),
        ),
        ([m, y, alpha]) => {
          const opts = { gamma: 0, ignoreIndex: -1 };
          const a = softmaxFocal(m, y, { ...opts, reduction: 'none' }).value;
          const b = crossEntropy(m, y, { ignoreIndex: -1, reduction: 'none' }).value;
          expect(worstRatio(a, b, 1e-12, 1e-14)).toBeLessThanOrEqual(1);
          const mean = softmaxFocal(m, y, opts).value;
          const ce = crossEntropy(m, y, { ignoreIndex: -1 }).value;
          if (Number.isNaN(ce)) expect(mean).toBeNaN();
          else expect(Math.abs(mean - ce)).toBeLessThanOrEqual(1e-12 * Math.max(1, ce));
          const ga = softmaxFocalGrad(m, y, opts).input;
          const gb = crossEntropyGrad(m, y, { ignoreIndex: -1 }).input;
          if (y.some((c) => c !== -1))
            expect(worstRatio(ga, gb, 1e-10, 1e-14)).toBeLessThanOrEqual(1);
          // per-class α is crossEntropy's weight under 'sum' (the means differ: Σw vs count)
          const sa = softmaxFocal(m, y, { ...opts, alpha, reduction: 'sum' }).value;
          const sb = crossEntropy(m, y, { ignoreIndex: -1, weight: alpha, reduction: 'sum' }).value;
          expect(Math.abs(sa - sb)).toBeLessThanOrEqual(1e-12 * Math.max(1, sb));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('stays finite at logits of ±1e4 and at the float64 limit', () => {
    const x = { data: [1e4, -1e4, 0, -1e4, 1e4, 0], shape: [2, 3] };
    const r = softmaxFocal(x, [0, 0], { reduction: 'none' }).value;
    expect(r[0]).toBe(0);
    expect(r[1]).toBe(2e4);
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), {
          minLength: 6,
          maxLength: 6,
        }),
        labels(2, 3),
        gammas,
        (data, y, gamma) => {
          const m = { data, shape: [2, 3] };
          for (const v of softmaxFocal(m, y, { gamma, reduction: 'none' }).value)
            expect(Number.isNaN(v)).toBe(false);
          for (const v of softmaxFocalGrad(m, y, { gamma }).input)
            expect(Number.isNaN(v)).toBe(false);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('keeps full precision for a nearly certain row at large logits', () => {
    // logits [1000, 980]: −log p = log1p(e^−20) ≈ 2.06e-9. Formed as (max + log Σ) − x_y it
    // keeps ~5 digits (1000 + 2e-9 rounds at 1e-13); from log1p(o / e_y) it keeps all of them.
    const x = { data: [1000, 980], shape: [1, 2] };
    const nlp = Math.log1p(Math.exp(-20));
    const q = Math.exp(-20) / (1 + Math.exp(-20));
    const ce = softmaxFocal(x, [0], { gamma: 0 }).value;
    expect(Math.abs(ce / nlp - 1)).toBeLessThan(1e-14);
    const focal = softmaxFocal(x, [0], { gamma: 1 }).value;
    expect(Math.abs(focal / (q * nlp) - 1)).toBeLessThan(1e-14);
    const g = softmaxFocalGrad(x, [0], { gamma: 0 }).input;
    expect(Math.abs(g[0] / -q - 1)).toBeLessThan(1e-14);
    expect(Math.abs(g[1] / q - 1)).toBeLessThan(1e-14);
  });

  it('accepts every index array type, BigInt64Array included', () => {
    const x = { data: new Float32Array([1, 2, 3, 3, 2, 1]), shape: [2, 3] };
    const want = softmaxFocal(x, new Int32Array([2, 0])).value;
    for (const t of [
      new Int8Array([2, 0]),
      new Int16Array([2, 0]),
      new Uint8Array([2, 0]),
      new Uint16Array([2, 0]),
      new Uint32Array([2, 0]),
      new BigInt64Array([2n, 0n]),
      [2, 0],
    ]) {
      expect(softmaxFocal(x, t).value).toBe(want);
    }
  });

  it('has gradients that agree with central finite differences', () => {
    fc.assert(
      fc.property(
        matrix({ minCols: 2, maxRows: 6, lim: 4 }).chain((m) =>
          fc.tuple(
            fc.constant(m),
            labels(m.rows, m.cols, -1),
            fc.option(alphas(m.cols), { nil: undefined }),
            gammas,
            fc.constantFrom('mean' as const, 'sum' as const, 'none' as const),
          ),
        ),
        ([m, y, alpha, gamma, reduction]) => {
          const opts = { alpha, gamma, ignoreIndex: -1 };
          const up = Float64Array.from({ length: m.rows }, (_, i) => 0.5 + i);
          const f = (z: Float64Array) => {
            const r = softmaxFocal({ data: z, shape: m.shape }, y, { ...opts, reduction });
            return typeof r.value === 'number'
              ? r.value
              : r.value.reduce((s, v, i) => s + up[i] * v, 0);
          };
          const g = softmaxFocalGrad(m, y, {
            ...opts,
            reduction,
            gradOutput: reduction === 'none' ? up : undefined,
          }).input;
          if (y.some((c) => c !== -1))
            expect(worstRatio(g, finiteDifference(f, m.data))).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('sum = mean × Σdenominator, and a split of the rows adds up to the whole', () => {
    fc.assert(
      fc.property(
        matrix({ minCols: 2 }).chain((m) =>
          fc.tuple(
            fc.constant(m),
            labels(m.rows, m.cols, -1),
            alphas(m.cols),
            gammas,
            splitPoints(m.rows),
          ),
        ),
        ([m, y, alpha, gamma, ranges]) => {
          const opts = { alpha, gamma, ignoreIndex: -1 };
          const whole = softmaxFocal(m, y, opts);
          const sum = softmaxFocal(m, y, { ...opts, reduction: 'sum' }).value;
          if (whole.sumDenominator > 0)
            expect(Math.abs(sum - whole.value * whole.sumDenominator)).toBeLessThanOrEqual(
              1e-12 * Math.max(1, sum),
            );
          let s = 0;
          let d = 0;
          for (const [a, b] of ranges) {
            const part = softmaxFocal(
              { data: m.data.subarray(a * m.cols, b * m.cols), shape: [b - a, m.cols] },
              y.subarray(a, b),
              opts,
            );
            s += part.sumValue;
            d += part.sumDenominator;
          }
          expect(d).toBe(whole.sumDenominator);
          if (Number.isNaN(whole.value)) expect(s / d).toBeNaN();
          else
            expect(Math.abs(s / d - whole.value)).toBeLessThanOrEqual(
              1e-12 * Math.max(1, whole.value),
            );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('writes into caller buffers', () => {
    const x = { data: [0, 0], shape: [1, 2] };
    const out = new Float64Array(1);
    expect(softmaxFocal(x, [0], { reduction: 'none', out }).value).toBe(out);
    const gi = new Float64Array(2);
    expect(softmaxFocalGrad(x, [0], { out: { input: gi } }).input).toBe(gi);
    expect(gi[0]).toBeCloseTo(-gi[1], 15);
  });

  it('throws typed errors naming the function, argument and value', () => {
    const x = { data: new Float64Array(6), shape: [2, 3] };
    expect(() => softmaxFocal(x, [0, 3])).toThrow(LossRangeError);
    expect(() => softmaxFocal(x, [0, 3])).toThrow('softmaxFocal: target[1] = 3 is outside [0, 3)');
    expect(() => softmaxFocal(x, [0])).toThrow(LossShapeError);
    expect(() => softmaxFocal(x, [0, 1], { alpha: [1, 2] })).toThrow(
      'softmaxFocal: option alpha has 2 entries but the class count C is 3',
    );
    expect(() => softmaxFocal(x, [0, 1], { gamma: -0.5 })).toThrow(LossOptionError);
    expect(() => softmaxFocal(x, [0, 1], { gamma: -0.5 })).toThrow(
      'softmaxFocal: option gamma = -0.5 is invalid',
    );
    expect(() => softmaxFocalGrad(x, [0, 9])).toThrow('softmaxFocalGrad: target[1] = 9');
  });

  it('describes its inputs for generic callers', () => {
    expect(softmaxFocalInfo.inputs.map((i) => [i.name, i.kind])).toEqual([
      ['input', 'float'],
      ['target', 'index'],
    ]);
  });
});
