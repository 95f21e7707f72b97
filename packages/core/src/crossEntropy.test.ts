import {
  crossEntropy,
  crossEntropyGrad,
  LossOptionError,
  LossRangeError,
  LossShapeError,
} from '@losskit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finiteDifference, matrix, splitPoints, worstRatio } from '../test/helpers.js';
import { LSE_SIMD_MIN_COLS } from './internal/lseRows.js';

const labelsFor = (rows: number, cols: number) =>
  fc
    .array(fc.integer({ min: 0, max: cols - 1 }), { minLength: rows, maxLength: rows })
    .map((a) => Int32Array.from(a));

describe('crossEntropy', () => {
  it('matches −log softmax at the target, worked by hand', () => {
    const x = { data: [0, Math.log(3), 0, 0], shape: [2, 2] };
    const r = crossEntropy(x, [1, 0], { reduction: 'none' });
    // row 0: softmax = [1/4, 3/4]; row 1: [1/2, 1/2]
    expect(r.value[0]).toBeCloseTo(-Math.log(3 / 4), 14);
    expect(r.value[1]).toBeCloseTo(Math.log(2), 14);
  });

  it('stays finite at logits of ±1e4', () => {
    const r = crossEntropy(
      { data: new Float32Array([1e4, -1e4, 0, -1e4, 1e4, 0]), shape: [2, 3] },
      new Int32Array([1, 1]),
      {
        reduction: 'none',
      },
    );
    expect(r.value[0]).toBe(2e4);
    expect(r.value[1]).toBe(0);
  });

  it('accepts every index array type, BigInt64Array included', () => {
    const x = { data: new Float64Array([1, 2, 3, 3, 2, 1]), shape: [2, 3] };
    const want = crossEntropy(x, new Int32Array([2, 0])).value;
    for (const t of [
      new Uint8Array([2, 0]),
      new Uint16Array([2, 0]),
      new Uint32Array([2, 0]),
      new BigInt64Array([2n, 0n]),
      [2, 0],
    ]) {
      expect(crossEntropy(x, t as never).value).toBe(want);
    }
  });

  it('gives NaN for an all-ignored mean and 0 for its sum, as PyTorch', () => {
    const x = { data: new Float64Array(6), shape: [2, 3] };
    const r = crossEntropy(x, new Int32Array([-100, -100]));
    expect(r.value).toBeNaN();
    expect(r.ignored).toBe(2);
    expect(crossEntropy(x, new Int32Array([-100, -100]), { reduction: 'sum' }).value).toBe(0);
  });

  it('throws typed errors naming the argument and the offending value', () => {
    const x = { data: new Float64Array(6), shape: [2, 3] };
    expect(() => crossEntropy(x, new Int32Array([0, 3]))).toThrow(LossRangeError);
    expect(() => crossEntropy(x, new Int32Array([0, 3]))).toThrow(
      'crossEntropy: target[1] = 3 is outside [0, 3)',
    );
    expect(() => crossEntropy(x, [0, 1.5])).toThrow(
      'crossEntropy: target[1] = 1.5 is not an integer class index',
    );
    expect(() => crossEntropy(x, new Int32Array([0]))).toThrow(LossShapeError);
    expect(() => crossEntropy(x, new Int32Array([0, 1]), { labelSmoothing: 2 })).toThrow(
      LossOptionError,
    );
    expect(() => crossEntropy(x, new Int32Array([0, 1]), { weight: [1, 2] })).toThrow(
      'crossEntropy: option weight has 2 entries but the class count C is 3',
    );
  });

  it('is invariant to adding a constant to a row', () => {
    fc.assert(
      fc.property(
        matrix({ minCols: 2 }).chain((m) =>
          fc.tuple(
            fc.constant(m),
            labelsFor(m.rows, m.cols),
            fc.double({ min: -50, max: 50, noNaN: true }),
          ),
        ),
        ([m, y, k]) => {
          const shifted = m.data.map((v) => v + k);
          const a = crossEntropy(m, y, { reduction: 'none' }).value;
          const b = crossEntropy({ data: shifted, shape: m.shape }, y, { reduction: 'none' }).value;
          expect(worstRatio(b, a, 1e-9, 1e-9)).toBeLessThanOrEqual(1);
        },
      ),
    );
  });

  it('has gradients that agree with finite differences, for every option', () => {
    fc.assert(
      fc.property(
        matrix({ minCols: 2, maxRows: 6, lim: 4 }).chain((m) =>
          fc.tuple(
            fc.constant(m),
            labelsFor(m.rows, m.cols),
            fc.constantFrom(undefined, 0.1),
            fc.option(
              fc.float64Array({
                minLength: m.cols,
                maxLength: m.cols,
                min: 0.1,
                max: 2,
                noNaN: true,
              }),
              { nil: undefined },
            ),
            fc.constantFrom('mean' as const, 'sum' as const),
          ),
        ),
        ([m, y, labelSmoothing, weight, reduction]) => {
          const opts = { labelSmoothing, weight };
          const g = crossEntropyGrad(m, y, { ...opts, reduction }).input;
          const fd = finiteDifference(
            (z) => crossEntropy({ data: z, shape: m.shape }, y, { ...opts, reduction }).value,
            m.data,
          );
          expect(worstRatio(g, fd)).toBeLessThanOrEqual(1);
        },
      ),
    );
  });

  it('splitting rows and adding the statistics reproduces the whole mean', () => {
    fc.assert(
      fc.property(
        matrix({ minCols: 2 }).chain((m) =>
          fc.tuple(
            fc.constant(m),
            fc
              .array(fc.integer({ min: -1, max: m.cols - 1 }), {
                minLength: m.rows,
                maxLength: m.rows,
              })
              .map((a) => Int32Array.from(a)),
            fc.float64Array({
              minLength: m.cols,
              maxLength: m.cols,
              min: 0.1,
              max: 3,
              noNaN: true,
            }),
            splitPoints(m.rows),
          ),
        ),
        ([m, y, weight, ranges]) => {
          const opts = { weight, ignoreIndex: -1 };
          const whole = crossEntropy(m, y, opts);
          let s = 0;
          let d = 0;
          for (const [a, b] of ranges) {
            const part = crossEntropy(
              { data: m.data.subarray(a * m.cols, b * m.cols), shape: [b - a, m.cols] },
              y.subarray(a, b),
              opts,
            );
            s += part.sumValue;
            d += part.sumDenominator;
          }
          if (Number.isNaN(whole.value)) expect(s / d).toBeNaN();
          else
            expect(Math.abs(s / d - whole.value)).toBeLessThanOrEqual(
              1e-12 * Math.max(1, Math.abs(whole.value)),
            );
        },
      ),
    );
  });
});

describe('crossEntropy fast paths (issue 6)', () => {
  /** Σₙ (lseₙ − xₙ,yₙ) with Math.exp, max-shifted, and a compensated sum: the reference. */
  function reference(x: ArrayLike<number>, y: ArrayLike<number>, cols: number): number[] {
    const rows = y.length;
    const per: number[] = [];
    for (let n = 0; n < rows; n++) {
      let m = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < cols; j++) m = Math.max(m, x[n * cols + j]);
      let s = 0;
      for (let j = 0; j < cols; j++) s += Math.exp(x[n * cols + j] - m);
      per.push(m + Math.log(s) - x[n * cols + y[n]]);
    }
    return per;
  }
  const fsum = (a: number[]) => {
    let s = 0;
    let c = 0;
    for (const v of a) {
      const t = s + v;
      c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
      s = t;
    }
    return s + c;
  };
  function data(rows: number, cols: number, scale: number, seed: number) {
    let st = seed;
    const rnd = () => {
      st = (Math.imul(st, 1664525) + 1013904223) >>> 0;
      return st / 4294967296;
    };
    const x = Float32Array.from({ length: rows * cols }, () => (rnd() - 0.5) * scale);
    const y = Int32Array.from({ length: rows }, () => Math.floor(rnd() * cols));
    return { x, y };
  }

  it('matches the reference across chunk boundaries and runs of batched logs', () => {
    // 2500 rows cross the 1024-row chunks; 64 columns of small logits make each row's exp-sum
    // ~64, so the batched log closes a run every ~150 rows.
    for (const [rows, cols, scale] of [
      [2500, 64, 2],
      [3000, 10, 8],
      [5, 32000, 20],
    ] as const) {
      const { x, y } = data(rows, cols, scale, rows);
      const want = fsum(reference(x, y, cols));
      const r = crossEntropy({ data: x, shape: [rows, cols] }, y, { reduction: 'sum' });
      expect(Math.abs(r.value - want)).toBeLessThanOrEqual(1e-13 * Math.abs(want));
      const none = crossEntropy({ data: x, shape: [rows, cols] }, y, { reduction: 'none' });
      expect(Math.abs(fsum(Array.from(none.value)) - want)).toBeLessThanOrEqual(1e-13 * want);
      // Same answer from float64 and number[] copies of the same logits (the same JavaScript
      // loops); float32 logits take the SIMD row sums (internal/lseRows.ts): the same within
      // both paths' bounds.
      const f64 = crossEntropy({ data: Float64Array.from(x), shape: [rows, cols] }, y, {
        reduction: 'sum',
      });
      const arr = crossEntropy({ data: Array.from(x), shape: [rows, cols] }, Array.from(y), {
        reduction: 'sum',
      });
      expect(arr.value).toBe(f64.value);
      expect(Math.abs(f64.value - r.value)).toBeLessThanOrEqual(1e-13 * Math.abs(want));
    }
  });

  it('is exact where the first logit is far below the rest (the fallback rows)', () => {
    // Row exp-sums shifted by x₀ = −100 would pass 2¹⁰⁰: those rows take the max-shifted loop.
    const rows = 1500;
    const cols = 4;
    const x = new Float64Array(rows * cols);
    for (let n = 0; n < rows; n++) {
      x[n * cols] = n % 3 === 0 ? -100 : 0.5;
      x[n * cols + 1] = (n % 7) / 7;
      x[n * cols + 2] = -((n % 5) / 5);
      x[n * cols + 3] = 0.25;
    }
    const y = Int32Array.from({ length: rows }, (_, n) => n % cols);
    const want = fsum(reference(x, y, cols));
    const r = crossEntropy({ data: x, shape: [rows, cols] }, y, { reduction: 'sum' });
    expect(Math.abs(r.value - want)).toBeLessThanOrEqual(1e-13 * want);
    const ignored = Int32Array.from(y, (v, n) => (n % 4 === 0 ? -100 : v));
    const m = crossEntropy({ data: x, shape: [rows, cols] }, ignored);
    const per = reference(x, y, cols).filter((_, n) => n % 4 !== 0);
    expect(m.ignored).toBe(rows / 4);
    expect(Math.abs(m.value - fsum(per) / per.length)).toBeLessThanOrEqual(1e-13 * m.value);
  });

  it('wide float32 rows (the SIMD row sums): every reduction, ignored rows, ±∞ and NaN rows', () => {
    // 2049 columns (not a multiple of 4: padded lanes), 70 rows (two kernel calls); the fused
    // path ('mean', 'sum') takes the SIMD sums, 'none' and the options the JavaScript loops.
    const rows = 70;
    const cols = 2 * LSE_SIMD_MIN_COLS + 1;
    const { x, y } = data(rows, cols, 30, 11);
    const t = Int32Array.from(y, (v, n) => (n % 9 === 4 ? -100 : v));
    const per = reference(
      x,
      t.map((v) => Math.max(v, 0)),
      cols,
    );
    const kept = per.filter((_, n) => t[n] !== -100);
    const want = fsum(kept);
    const input = { data: x, shape: [rows, cols] };
    const sum = crossEntropy(input, t, { reduction: 'sum' });
    expect(Math.abs(sum.value - want)).toBeLessThanOrEqual(1e-13 * want);
    expect([sum.ignored, sum.sumDenominator, sum.rows]).toEqual([8, rows - 8, rows]);
    const mean = crossEntropy(input, t);
    expect(Math.abs(mean.value - want / kept.length)).toBeLessThanOrEqual(1e-13 * mean.value);
    const none = crossEntropy(input, t, { reduction: 'none' });
    expect(Math.abs(fsum(Array.from(none.value)) - want)).toBeLessThanOrEqual(1e-13 * want);
    // Splitting the rows adds up to the whole (each part through the same path).
    const a = crossEntropy(
      { data: x.subarray(0, 33 * cols), shape: [33, cols] },
      t.subarray(0, 33),
      {
        reduction: 'sum',
      },
    );
    const b = crossEntropy({ data: x.subarray(33 * cols), shape: [37, cols] }, t.subarray(33), {
      reduction: 'sum',
    });
    expect(Math.abs(a.sumValue + b.sumValue - sum.sumValue)).toBeLessThanOrEqual(1e-13 * want);
    // Non-finite rows: a +∞ logit off the target gives +∞; a NaN logit gives NaN; a −∞ logit
    // off the target is a 0 term.
    const bad = Float32Array.from(x);
    const row = (n: number, j: number) => n * cols + j;
    const off = (n: number) => (t[n] + 1) % cols;
    bad[row(5, off(5))] = Number.NEGATIVE_INFINITY;
    const neg = crossEntropy({ data: bad, shape: [rows, cols] }, t, { reduction: 'sum' });
    const perNeg = reference(
      bad,
      t.map((v) => Math.max(v, 0)),
      cols,
    );
    const wantNeg = fsum(perNeg.filter((_, n) => t[n] !== -100));
    expect(Math.abs(neg.value - wantNeg)).toBeLessThanOrEqual(1e-13 * wantNeg);
    bad[row(6, off(6))] = Number.POSITIVE_INFINITY;
    expect(crossEntropy({ data: bad, shape: [rows, cols] }, t).value).toBe(
      Number.POSITIVE_INFINITY,
    );
    bad[row(7, off(7))] = Number.NaN;
    expect(crossEntropy({ data: bad, shape: [rows, cols] }, t).value).toBeNaN();
  });

  it('gives the gradient softmax − onehot with one exp per logit, NaN where PyTorch has it', () => {
    const { x, y } = data(1200, 10, 6, 3);
    const g = crossEntropyGrad({ data: x, shape: [1200, 10] }, y, { reduction: 'sum' }).input;
    for (const n of [0, 1023, 1024, 1199]) {
      let m = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < 10; j++) m = Math.max(m, x[n * 10 + j]);
      let s = 0;
      for (let j = 0; j < 10; j++) s += Math.exp(x[n * 10 + j] - m);
      for (let j = 0; j < 10; j++) {
        const p = Math.exp(x[n * 10 + j] - m) / s - (j === y[n] ? 1 : 0);
        expect(Math.abs(g[n * 10 + j] - p)).toBeLessThanOrEqual(1e-15);
      }
    }
    const inf = crossEntropyGrad(
      { data: [Number.POSITIVE_INFINITY, 0, 1, 2], shape: [2, 2] },
      [0, 1],
    ).input;
    expect(inf[0]).toBeNaN();
    expect(inf[1]).toBe(0);
    expect(Math.abs(inf[2] - 0.5 * (1 / (1 + Math.E)))).toBeLessThan(1e-16);
  });
});
