import {
  binaryCrossEntropy,
  binaryCrossEntropyGrad,
  binaryCrossEntropyInfo,
  LossOptionError,
  LossRangeError,
  LossShapeError,
  LossTypeError,
} from '@losskit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finiteDifference, splitPoints, worstRatio } from '../test/helpers.js';

const probs = (n: number, min = 0, max = 1) =>
  fc.float64Array({ minLength: n, maxLength: n, min, max, noNaN: true });

/** input probabilities, targets in [0, 1] and per-element weights of one length. */
const triple = (min = 0, max = 1) =>
  fc
    .integer({ min: 1, max: 40 })
    .chain((n) => fc.tuple(probs(n, min, max), probs(n), probs(n, 0.1, 3), splitPoints(n)));

describe('binaryCrossEntropy', () => {
  it('is −(y·log p + (1 − y)·log(1 − p)), worked by hand', () => {
    const r = binaryCrossEntropy([0.9, 0.2], [1, 0]);
    expect(r.value).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8)) / 2, 15);
    const soft = binaryCrossEntropy([0.5], [0.3], { reduction: 'sum' }).value;
    expect(soft).toBeCloseTo(-(0.3 * Math.log(0.5) + 0.7 * Math.log(0.5)), 15);
  });

  it('multiplies each element by its weight and still divides by the element count', () => {
    const r = binaryCrossEntropy([0.5, 0.5], [1, 0], { weight: [1, 3] });
    expect(r.sumValue).toBeCloseTo(4 * Math.log(2), 14);
    expect(r.sumDenominator).toBe(2);
    expect(r.value).toBeCloseTo(2 * Math.log(2), 14);
  });

  it('clamps each log at −100 as PyTorch, so a saturated wrong answer costs exactly 100', () => {
    const r = binaryCrossEntropy([0, 1, 0, 1, 1e-300], [1, 0, 0, 1, 1], { reduction: 'none' });
    expect(Array.from(r.value)).toEqual([100, 100, 0, 0, 100]);
  });

  it('has PyTorch’s gradient, (p − y)/max(p(1 − p), 1e-12), finite at 0 and 1', () => {
    const g = binaryCrossEntropyGrad([0, 1, 0.5], [1, 0, 0.3], { reduction: 'sum' }).input;
    expect(Array.from(g)).toEqual([-1e12, 1e12, (0.5 - 0.3) / 0.25]);
  });

  it('never gives NaN for probabilities in [0, 1], saturated ones included', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.constantFrom(0, 1, 5e-324, 1 - 2 ** -53),
            fc.double({ min: 0, max: 1, noNaN: true }),
          ),
          { minLength: 1, maxLength: 20 },
        ),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 20, maxLength: 20 }),
        (p, y) => {
          const t = y.slice(0, p.length);
          const v = binaryCrossEntropy(p, t, { reduction: 'none' }).value;
          for (const e of v) expect(Number.isNaN(e)).toBe(false);
          for (const e of binaryCrossEntropyGrad(p, t).input) expect(Number.isFinite(e)).toBe(true);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('propagates NaN instead of throwing on it', () => {
    expect(binaryCrossEntropy([Number.NaN, 0.5], [1, 1]).value).toBeNaN();
  });

  it('throws typed errors naming the function, argument and value', () => {
    expect(() => binaryCrossEntropy([0.5, 1.5], [1, 1])).toThrow(LossRangeError);
    expect(() => binaryCrossEntropy([0.5, 1.5], [1, 1])).toThrow(
      'binaryCrossEntropy: input[1] = 1.5 is outside [0, 1]',
    );
    expect(() => binaryCrossEntropy([-0.25], [1])).toThrow('input[0] = -0.25 is outside [0, 1]');
    expect(() => binaryCrossEntropy([0.5, 0.5], [1])).toThrow(LossShapeError);
    expect(() => binaryCrossEntropy([0.5, 0.5], [1])).toThrow(
      'binaryCrossEntropy: target has 1 elements',
    );
    expect(() =>
      binaryCrossEntropy({ data: [0.5, 0.5], shape: [2, 1] }, { data: [1, 1], shape: [1, 2] }),
    ).toThrow('binaryCrossEntropy: target has shape [1, 2] but input has shape [2, 1]');
    expect(() => binaryCrossEntropy([0.5, 0.5], [1, 1], { weight: [1] })).toThrow(
      "binaryCrossEntropy: option weight has 1 entries but the input's element count is 2",
    );
    expect(() => binaryCrossEntropy([0.5], [1], { reduction: 'avg' as never })).toThrow(
      LossOptionError,
    );
    expect(() => binaryCrossEntropy([0.5], ['1'] as never)).toThrow(LossTypeError);
    expect(() => binaryCrossEntropyGrad([2], [1])).toThrow('binaryCrossEntropyGrad: input[0] = 2');
  });

  it('writes into caller buffers', () => {
    const out = new Float64Array(2);
    expect(binaryCrossEntropy([1, 0], [1, 0], { reduction: 'none', out }).value).toBe(out);
    expect(Array.from(out, Math.abs)).toEqual([0, 0]);
    const gi = new Float64Array(1);
    expect(binaryCrossEntropyGrad([0.5], [1], { out: { input: gi } }).input).toBe(gi);
    expect(gi[0]).toBe(-2);
  });

  it('has gradients that agree with central finite differences', () => {
    fc.assert(
      fc.property(
        triple(0.05, 0.95),
        fc.boolean(),
        fc.constantFrom('mean' as const, 'sum' as const, 'none' as const),
        ([p, y, w], weighted, reduction) => {
          const weight = weighted ? w : undefined;
          const up = Float64Array.from(p, (_, i) => 1 + (i % 3));
          const f = (z: Float64Array) => {
            const r = binaryCrossEntropy(z, y, { weight, reduction });
            return typeof r.value === 'number'
              ? r.value
              : r.value.reduce((s, v, i) => s + up[i] * v, 0);
          };
          const g = binaryCrossEntropyGrad(p, y, {
            weight,
            reduction,
            gradOutput: reduction === 'none' ? up : undefined,
          }).input;
          expect(worstRatio(g, finiteDifference(f, p))).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('sum = mean × Σdenominator, and a split of the rows (with their weights) adds up', () => {
    fc.assert(
      fc.property(triple(), ([p, y, weight, ranges]) => {
        const whole = binaryCrossEntropy(p, y, { weight });
        const sum = binaryCrossEntropy(p, y, { weight, reduction: 'sum' }).value;
        expect(whole.sumDenominator).toBe(p.length);
        expect(Math.abs(sum - whole.value * p.length)).toBeLessThanOrEqual(
          1e-12 * Math.max(1, sum),
        );
        let s = 0;
        let d = 0;
        for (const [a, b] of ranges) {
          const part = binaryCrossEntropy(p.subarray(a, b), y.subarray(a, b), {
            weight: weight.subarray(a, b),
          });
          s += part.sumValue;
          d += part.sumDenominator;
        }
        expect(d).toBe(whole.sumDenominator);
        expect(Math.abs(s / d - whole.value)).toBeLessThanOrEqual(1e-12 * Math.max(1, whole.value));
      }),
      { numRuns: 60 },
    );
  });

  it('float32: saturated right answers cost +0, saturated wrong ones 100, tiny p stays exact', () => {
    const p = Float32Array.from([1, 0, 0.5, 2 ** -40, 2 ** -40, 1, 0]);
    const y = Float32Array.from([1, 0, 1, 0, 1, 0, 1]);
    const v = binaryCrossEntropy(p, y, { reduction: 'none' }).value;
    expect(Object.is(v[0], 0)).toBe(true);
    expect(Object.is(v[1], 0)).toBe(true);
    expect(v[2]).toBeCloseTo(Math.log(2), 15);
    expect(v[3]).toBe(-Math.log1p(-(2 ** -40))); // ≈ 2⁻⁴⁰, not −log(fl(1 − p)) = 0
    expect(v[4]).toBeCloseTo(40 * Math.log(2), 13);
    expect(Array.from(v.subarray(5))).toEqual([100, 100]);
  });

  it('float32 fast path: matches Math.log/log1p per element within 4u, and the same errors', () => {
    // Float32Array input and target without weights run the table log on t = y·p + (1 − y)·q
    // in blocks of 256; anything it cannot do exactly (soft labels, p near 0 or 1, 0, 1, NaN,
    // out of range) sends its block through the reference formula.
    const refTerm = (p: number, y: number) => {
      let v = 0;
      if (y !== 0) v -= y * Math.max(Math.log(p), -100);
      if (y !== 1) v -= (1 - y) * Math.max(Math.log1p(-p), -100);
      return v;
    };
    const special = [
      0,
      1,
      2 ** -29,
      2 ** -29 * (1 - 2 ** -24),
      2 ** -30,
      2 ** -126,
      2 ** -149,
      1 - 2 ** -24,
      0.5,
      Number.NaN,
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 900 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.constantFrom(0, 0.001, 0.05),
        fc.constantFrom(0, 0.001, 0.05),
        fc.constantFrom('none', 'sum', 'mean'),
        (n, seed, pSpecial, pSoft, reduction) => {
          let st = seed;
          const rnd = () => {
            st = (Math.imul(st, 1103515245) + 12345) >>> 0;
            return st / 2 ** 32;
          };
          const p = new Float32Array(n);
          const y = new Float32Array(n);
          for (let i = 0; i < n; i++) {
            const r = rnd();
            p[i] = r < pSpecial ? special[Math.floor(rnd() * special.length)] : rnd() ** 3;
            y[i] = rnd() < pSoft ? rnd() : rnd() < 0.5 ? 0 : 1;
          }
          const r = binaryCrossEntropy(p, y, { reduction: reduction as 'none' });
          let s = 0;
          let c = 0;
          let sabs = 0;
          // Indices whose 'none' value is off (one expect per run: expect per element is slow).
          const off: number[] = [];
          for (let i = 0; i < n; i++) {
            const v = refTerm(p[i], y[i]);
            if (reduction === 'none') {
              const got = r.value[i];
              const ok = Number.isNaN(v)
                ? Number.isNaN(got)
                : v === 0
                  ? Object.is(got, v)
                  : Math.abs(got - v) <= 4 * 2 ** -53 * Math.abs(v);
              if (!ok) off.push(i);
            }
            const t = s + v;
            c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
            s = t;
            sabs += Math.abs(v);
          }
          expect(off).toEqual([]);
          const want = s + c;
          if (Number.isNaN(want)) expect(r.sumValue).toBeNaN();
          else expect(Math.abs(r.sumValue - want)).toBeLessThanOrEqual(1.5e-14 * sabs);
          // One p out of range anywhere is reported at its index (the first such).
          if (n > 0) {
            const at = Math.floor(rnd() * n);
            const bad = p.slice();
            bad[at] = rnd() < 0.5 ? -0.25 : 1.5;
            expect(() => binaryCrossEntropy(bad, y, { reduction: reduction as 'none' })).toThrow(
              `binaryCrossEntropy: input[${at}] = ${bad[at]} is outside [0, 1]`,
            );
            expect(() => binaryCrossEntropyGrad(bad, y)).toThrow(
              `binaryCrossEntropyGrad: input[${at}] = ${bad[at]} is outside [0, 1]`,
            );
            const bad64 = Float64Array.from(bad);
            expect(() => binaryCrossEntropyGrad(bad64, Float64Array.from(y))).toThrow(
              `binaryCrossEntropyGrad: input[${at}] = ${bad[at]} is outside [0, 1]`,
            );
          }
          // The gradient's typed copies compute the reference formula exactly.
          const g = binaryCrossEntropyGrad(p, y, { reduction: 'sum' }).input;
          const g64 = binaryCrossEntropyGrad(Float64Array.from(p), Float64Array.from(y), {
            reduction: 'mean',
          }).input;
          const gradOff: number[] = [];
          for (let i = 0; i < n; i++) {
            const d = (p[i] - y[i]) / Math.max(p[i] * (1 - p[i]), 1e-12);
            if (!Object.is(g[i], d) || !Object.is(g64[i], (1 / n) * d)) gradOff.push(i);
          }
          expect(gradOff).toEqual([]);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('float32 sums across the SIMD chunks (16384 elements): soft labels, edges, first bad index', () => {
    const refTerm = (p: number, y: number) => {
      let v = 0;
      if (y !== 0) v -= y * Math.max(Math.log(p), -100);
      if (y !== 1) v -= (1 - y) * Math.max(Math.log1p(-p), -100);
      return v;
    };
    const n = 2 * 16384 + 301;
    let st = 7;
    const rnd = () => {
      st = (Math.imul(st, 1103515245) + 12345) >>> 0;
      return st / 2 ** 32;
    };
    const p = new Float32Array(n);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      p[i] = 0.001 + 0.998 * rnd();
      y[i] = rnd() < 0.5 ? 0 : 1;
    }
    const edges = [0, 1, 255, 256, 16383, 16384, 16385, 32767, 32768, n - 2, n - 1];
    const values: [number, number][] = [
      [0, 0],
      [1, 1],
      [2 ** -149, 1],
      [2 ** -149, 0],
      [1 - 2 ** -24, 0],
      [1 - 2 ** -24, 1],
      [0.5, 0.25],
      [2 ** -29, 1],
      [0, 1],
      [1, 0],
      [0.3, 1],
    ];
    edges.forEach((i, j) => {
      [p[i], y[i]] = values[j];
    });
    const sumOf = (pp: Float32Array, yy: Float32Array) => {
      let s = 0;
      let c = 0;
      let sabs = 0;
      for (let i = 0; i < n; i++) {
        const v = refTerm(pp[i], yy[i]);
        const t = s + v;
        c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
        s = t;
        sabs += Math.abs(v);
      }
      return { want: s + c, sabs };
    };
    const { want, sabs } = sumOf(p, y);
    const got = binaryCrossEntropy(p, y, { reduction: 'sum' }).value;
    expect(Math.abs(got - want)).toBeLessThanOrEqual(1.5e-14 * sabs);
    expect(binaryCrossEntropy(p, y).value).toBe(got / n);
    const odd = binaryCrossEntropy(p.subarray(0, n - 1), y.subarray(0, n - 1), {
      reduction: 'sum',
    });
    expect(Math.abs(odd.value - (got - refTerm(p[n - 1], y[n - 1])))).toBeLessThanOrEqual(
      1.5e-14 * sabs,
    );
    const nan = p.slice();
    nan[16390] = Number.NaN;
    expect(binaryCrossEntropy(nan, y).value).toBeNaN();
    for (const at of [16384, 16390, n - 1]) {
      const bad = p.slice();
      bad[at] = 1.5;
      bad[n - 1] = -0.5; // a later bad p: the first one is named
      expect(() => binaryCrossEntropy(bad, y)).toThrow(
        `binaryCrossEntropy: input[${at}] = ${bad[at]} is outside [0, 1]`,
      );
    }
  });

  it('declares weight as a row option', () => {
    expect(binaryCrossEntropyInfo.rowOptions).toEqual(['weight']);
    expect(binaryCrossEntropyInfo.inputs.map((i) => i.name)).toEqual(['input', 'target']);
  });
});
