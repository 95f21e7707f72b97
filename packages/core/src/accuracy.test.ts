import {
  accuracy,
  accuracyInfo,
  LossOptionError,
  LossRangeError,
  LossShapeError,
  LossTypeError,
} from '@losskit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matrix, splitPoints } from '../test/helpers.js';

const labels = (rows: number, cols: number, min = 0) =>
  fc
    .array(fc.integer({ min, max: cols - 1 }), { minLength: rows, maxLength: rows })
    .map((a) => Int32Array.from(a));

/** Top-k by sorting: the target is correct when its score is above the k-th largest other. */
function topKBySort(row: number[], target: number, k: number): number {
  const order = row.map((v, j) => [v, j] as const).sort((a, b) => b[0] - a[0] || a[1] - b[1]);
  // ties count in the target's favour: it ranks first among equal scores
  const rank = order.findIndex(([v]) => v === row[target]);
  return rank < k ? 1 : 0;
}

describe('accuracy', () => {
  it('counts rows whose target scores highest, worked by hand', () => {
    const scores = { data: [0.1, 0.9, 0.8, 0.2, 0.3, 0.7], shape: [3, 2] };
    const r = accuracy(scores, [1, 1, 0]);
    expect(r.value).toBe(1 / 3);
    expect(r.sumValue).toBe(1);
    expect(r.sumDenominator).toBe(3);
    expect(Array.from(accuracy(scores, [1, 0, 1], { reduction: 'none' }).value)).toEqual([1, 1, 1]);
    expect(accuracy(scores, [0, 0, 0], { reduction: 'sum' }).value).toBe(1);
  });

  it('top-k counts the target among the k largest scores', () => {
    const x = { data: [5, 4, 3, 2, 1], shape: [1, 5] };
    expect(accuracy(x, [2], { k: 2 }).value).toBe(0);
    expect(accuracy(x, [2], { k: 3 }).value).toBe(1);
    expect(accuracy(x, [4], { k: 5 }).value).toBe(1);
    // a tie with the target counts in its favour
    expect(accuracy({ data: [1, 1], shape: [1, 2] }, [1]).value).toBe(1);
  });

  it('agrees with a sort-based top-k', () => {
    fc.assert(
      fc.property(
        matrix({ minCols: 2 }).chain((m) =>
          fc.tuple(fc.constant(m), labels(m.rows, m.cols), fc.integer({ min: 1, max: m.cols })),
        ),
        ([m, y, k]) => {
          const got = accuracy(m, y, { k, reduction: 'none' }).value;
          for (let n = 0; n < m.rows; n++) {
            const row = Array.from(m.data.subarray(n * m.cols, (n + 1) * m.cols));
            expect(got[n]).toBe(topKBySort(row, y[n], k));
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('skips ignored rows: 0 under none, not counted in the mean', () => {
    const x = { data: [1, 0, 1, 0, 0, 1], shape: [3, 2] };
    const r = accuracy(x, [0, 1, 7], { ignoreIndex: 7 });
    expect(r.value).toBe(1 / 2);
    expect(r.ignored).toBe(1);
    expect(r.sumDenominator).toBe(2);
    expect(Array.from(accuracy(x, [0, -100, 1], { reduction: 'none' }).value)).toEqual([1, 0, 1]);
    expect(accuracy(x, [-100, -100, -100]).value).toBeNaN();
  });

  it('propagates NaN scores into their row', () => {
    const x = { data: [Number.NaN, 0, 1, 0], shape: [2, 2] };
    const r = accuracy(x, [1, 0], { reduction: 'none' }).value;
    expect(r[0]).toBeNaN();
    expect(r[1]).toBe(1);
    expect(accuracy(x, [1, 0]).value).toBeNaN();
  });

  it('accepts every index array type, BigInt64Array included', () => {
    const x = { data: new Float32Array([1, 2, 3, 3, 2, 1]), shape: [2, 3] };
    for (const t of [
      new Int8Array([2, 1]),
      new Int16Array([2, 1]),
      new Int32Array([2, 1]),
      new Uint8Array([2, 1]),
      new Uint16Array([2, 1]),
      new Uint32Array([2, 1]),
      new BigInt64Array([2n, 1n]),
      new BigUint64Array([2n, 1n]),
      [2, 1],
    ]) {
      expect(accuracy(x, t).value).toBe(0.5);
    }
  });

  it('infers C from a bare input array and the target length', () => {
    expect(accuracy([0, 1, 1, 0], [1, 0]).value).toBe(1);
  });

  it('sum = mean × Σdenominator, and a split of the rows adds up to the whole', () => {
    fc.assert(
      fc.property(
        matrix({ minCols: 2 }).chain((m) =>
          fc.tuple(
            fc.constant(m),
            labels(m.rows, m.cols, -1),
            fc.integer({ min: 1, max: m.cols }),
            splitPoints(m.rows),
          ),
        ),
        ([m, y, k, ranges]) => {
          const opts = { k, ignoreIndex: -1 };
          const whole = accuracy(m, y, opts);
          const sum = accuracy(m, y, { ...opts, reduction: 'sum' }).value;
          if (whole.sumDenominator > 0)
            expect(whole.value * whole.sumDenominator).toBeCloseTo(sum, 12);
          let s = 0;
          let d = 0;
          for (const [a, b] of ranges) {
            const part = accuracy(
              { data: m.data.subarray(a * m.cols, b * m.cols), shape: [b - a, m.cols] },
              y.subarray(a, b),
              opts,
            );
            s += part.sumValue;
            d += part.sumDenominator;
          }
          expect(s).toBe(whole.sumValue);
          expect(d).toBe(whole.sumDenominator);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('writes into a caller buffer', () => {
    const out = new Float64Array(1);
    expect(accuracy({ data: [0, 1], shape: [1, 2] }, [1], { reduction: 'none', out }).value).toBe(
      out,
    );
    expect(out[0]).toBe(1);
  });

  it('throws typed errors naming the function, argument and value', () => {
    const x = { data: new Float64Array(6), shape: [2, 3] };
    expect(() => accuracy(x, [0, 3])).toThrow(LossRangeError);
    expect(() => accuracy(x, [0, 3])).toThrow('accuracy: target[1] = 3 is outside [0, 3)');
    expect(() => accuracy(x, [0])).toThrow(LossShapeError);
    expect(() => accuracy(x, [0, 1], { k: 4 })).toThrow(LossOptionError);
    expect(() => accuracy(x, [0, 1], { k: 4 })).toThrow(
      'accuracy: option k = 4 is invalid; expected an integer in [1, 3]',
    );
    expect(() => accuracy(x, [0, 1], { k: 0 })).toThrow('accuracy: option k = 0');
    expect(() => accuracy(x, [0, 1], { k: 1.5 })).toThrow('accuracy: option k = 1.5');
    expect(() => accuracy(x, ['a', 'b'] as never)).toThrow(LossTypeError);
  });

  it('matches a branchy reference on every array type, with NaN, ties, ignored and bad indices', () => {
    // The row loops count ranks without branches, one copy per score array type; each must
    // agree with the plain definition: fewer than k scores strictly above the target's, NaN
    // anywhere in the row (the target's own included) making it NaN.
    const refRow = (x: ArrayLike<number>, base: number, cols: number, c: number, k: number) => {
      let above = 0;
      let nan = false;
      for (let j = 0; j < cols; j++) {
        const v = x[base + j];
        if (Number.isNaN(v)) nan = true;
        else if (v > x[base + c]) above++;
      }
      return nan || Number.isNaN(x[base + c]) ? Number.NaN : above < k ? 1 : 0;
    };
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 60 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.constantFrom(-100, 1),
        fc.constantFrom('f32', 'f64', 'array'),
        fc.constantFrom('i32', 'array', 'big'),
        fc.constantFrom('none', 'mean', 'sum'),
        (rows, cols, seed, ii, xt, yt, reduction) => {
          let st = seed;
          const rnd = () => {
            st = (Math.imul(st, 1103515245) + 12345) >>> 0;
            return st / 2 ** 32;
          };
          const pool = [
            0,
            -0,
            1,
            -1,
            Number.POSITIVE_INFINITY,
            Number.NEGATIVE_INFINITY,
            Number.NaN,
          ];
          const xs = Array.from({ length: rows * cols }, () =>
            rnd() < 0.1 ? pool[Math.floor(rnd() * pool.length)] : Math.floor(rnd() * 5) - 2,
          );
          const ys = Array.from({ length: rows }, () =>
            rnd() < 0.1 ? ii : Math.floor(rnd() * cols),
          );
          const k = 1 + Math.floor(rnd() * cols);
          const x =
            xt === 'f32' ? Float32Array.from(xs) : xt === 'f64' ? Float64Array.from(xs) : xs;
          const y =
            yt === 'i32'
              ? Int32Array.from(ys)
              : yt === 'big'
                ? BigInt64Array.from(ys.map(BigInt))
                : ys;
          const r = accuracy({ data: x, shape: [rows, cols] }, y, {
            k,
            ignoreIndex: ii,
            reduction: reduction as 'none',
          });
          let correct = 0;
          let counted = 0;
          for (let n = 0; n < rows; n++) {
            const c = ys[n];
            const v = c === ii ? 0 : refRow(x, n * cols, cols, c, k);
            if (c !== ii) {
              correct += v;
              counted++;
            }
            if (reduction === 'none') expect(Object.is(r.value[n], v)).toBe(true);
          }
          expect(Object.is(r.sumValue, correct)).toBe(true);
          expect(r.sumDenominator).toBe(counted);
          expect(r.ignored).toBe(rows - counted);
          if (rows > 0) {
            const at = Math.floor(rnd() * rows);
            const bad = ys.slice();
            bad[at] = rnd() < 0.5 ? -1 : cols;
            if (bad[at] === ii) bad[at] = cols + 1;
            expect(() =>
              accuracy({ data: x, shape: [rows, cols] }, bad, {
                k,
                ignoreIndex: ii,
                reduction: reduction as 'none',
              }),
            ).toThrow(`accuracy: target[${at}] = ${bad[at]} is outside [0, ${cols})`);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('is a metric: no gradient', () => {
    expect(accuracyInfo.gradient).toBeUndefined();
    expect(accuracyInfo.inputs.every((i) => !i.differentiable)).toBe(true);
  });
});
