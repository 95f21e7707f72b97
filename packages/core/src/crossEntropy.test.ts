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
