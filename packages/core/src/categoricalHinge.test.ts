import {
  categoricalHinge,
  categoricalHingeGrad,
  LossOptionError,
  LossRangeError,
  LossShapeError,
  multiMargin,
} from '@losskit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finiteDifference, matrix, splitPoints, worstRatio } from '../test/helpers.js';

const labelsFor = (rows: number, cols: number) =>
  fc
    .array(fc.integer({ min: 0, max: cols - 1 }), { minLength: rows, maxLength: rows })
    .map((a) => Int32Array.from(a));

describe('categoricalHinge', () => {
  it('counts only the strongest rival, worked by hand', () => {
    const x = { data: [0.1, 0.2, 0.4, 3, 0, 0.5], shape: [2, 3] };
    const r = categoricalHinge(x, [1, 0], { reduction: 'none' }).value;
    // row 0: max(0, 1 + 0.4 − 0.2); row 1: max(0, 1 + 0.5 − 3) = 0
    expect(r[0]).toBeCloseTo(1.2, 15);
    expect(r[1]).toBe(0);
    expect(categoricalHinge(x, [1, 0], { margin: 2, reduction: 'sum' }).value).toBeCloseTo(
      2.2 + 0,
      15,
    );
    // gradient: +1 at the rival (column 2), −1 at the target (column 1)
    expect(Array.from(categoricalHingeGrad(x, [1, 0], { reduction: 'sum' }).input)).toEqual([
      0, -1, 1, 0, 0, 0,
    ]);
  });

  it('equals multiMargin × C when there are only two classes (one rival)', () => {
    fc.assert(
      fc.property(
        matrix({ minCols: 2, maxCols: 2, lim: 5 }).chain((m) =>
          fc.tuple(fc.constant(m), labelsFor(m.rows, m.cols)),
        ),
        ([m, y]) => {
          const a = categoricalHinge(m, y, { reduction: 'none' }).value;
          const b = multiMargin(m, y, { reduction: 'none' }).value;
          expect(
            worstRatio(
              a,
              b.map((v) => 2 * v),
              1e-14,
              1e-15,
            ),
          ).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('is 0 with a single class and propagates NaN', () => {
    expect(categoricalHinge({ data: [5], shape: [1, 1] }, [0]).value).toBe(0);
    expect(categoricalHinge({ data: [Number.NaN, 0, 0], shape: [1, 3] }, [1]).value).toBeNaN();
    expect(categoricalHinge({ data: [0, Number.NaN, 0], shape: [1, 3] }, [0]).value).toBeNaN();
  });

  it('accepts every index array type, BigInt64Array included, and infers C', () => {
    const x = new Float64Array([1, 2, 3, 3, 2, 1]);
    const want = categoricalHinge({ data: x, shape: [2, 3] }, new Int32Array([1, 0])).value;
    expect(want).toBe((2 + 0) / 2);
    for (const t of [
      new Int8Array([1, 0]),
      new Uint8Array([1, 0]),
      new Uint16Array([1, 0]),
      new Uint32Array([1, 0]),
      new BigInt64Array([1n, 0n]),
      [1, 0],
    ]) {
      expect(categoricalHinge(x, t as never).value).toBe(want);
    }
  });

  it('throws typed errors naming the function, argument and offending value', () => {
    const x = { data: new Float64Array(6), shape: [2, 3] };
    expect(() => categoricalHinge(x, [0, 3])).toThrow(LossRangeError);
    expect(() => categoricalHinge(x, [0, 3])).toThrow(
      'categoricalHinge: target[1] = 3 is outside [0, 3)',
    );
    expect(() => categoricalHingeGrad(x, [0.5, 1])).toThrow(
      'categoricalHingeGrad: target[0] = 0.5 is not an integer class index',
    );
    expect(() => categoricalHinge(x, [0, 1, 2])).toThrow(LossShapeError);
    expect(() => categoricalHinge(x, [0, 1], { margin: Number.POSITIVE_INFINITY })).toThrow(
      LossOptionError,
    );
    expect(() => categoricalHinge(x, [0, 1], { margin: Number.POSITIVE_INFINITY })).toThrow(
      'categoricalHinge: option margin = Infinity is invalid',
    );
  });

  it("writes 'none' and its gradient into caller buffers", () => {
    const x = { data: [0, 0, 0, 0], shape: [2, 2] };
    const out = new Float64Array(2);
    expect(categoricalHinge(x, [0, 1], { reduction: 'none', out }).value).toBe(out);
    expect(Array.from(out)).toEqual([1, 1]);
    const gx = new Float64Array(4);
    categoricalHingeGrad(x, [0, 1], { reduction: 'none', gradOutput: [2, 4], out: { input: gx } });
    expect(Array.from(gx)).toEqual([-2, 2, 4, -4]);
  });

  it('has gradients that agree with central finite differences away from kinks and ties', () => {
    fc.assert(
      fc.property(
        matrix({ minCols: 2, maxRows: 6, maxCols: 5, lim: 3 }).chain((m) =>
          fc.tuple(fc.constant(m), labelsFor(m.rows, m.cols), fc.constantFrom(0.5, 1, 2)),
        ),
        ([m, y, margin]) => {
          for (let n = 0; n < m.rows; n++) {
            const base = n * m.cols;
            // spread the rivals apart (no ties for the max) and off the kink
            const order = Array.from({ length: m.cols }, (_, j) => j).filter((j) => j !== y[n]);
            order.sort((a, b) => m.data[base + a] - m.data[base + b]);
            for (let k = 1; k < order.length; k++) {
              const lo = m.data[base + order[k - 1]];
              if (m.data[base + order[k]] - lo < 1e-2) m.data[base + order[k]] = lo + 1e-2;
            }
            const top = m.data[base + order[order.length - 1]];
            if (Math.abs(margin + top - m.data[base + y[n]]) < 1e-2) m.data[base + y[n]] += 0.05;
          }
          for (const reduction of ['mean', 'sum'] as const) {
            const o = { margin, reduction };
            const g = categoricalHingeGrad(m, y, o).input;
            const fd = finiteDifference(
              (z) => categoricalHinge({ data: z, shape: m.shape }, y, o).value,
              m.data,
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
        matrix({ minCols: 1, lim: 100 }).chain((m) =>
          fc.tuple(fc.constant(m), labelsFor(m.rows, m.cols), splitPoints(m.rows)),
        ),
        ([m, y, ranges]) => {
          const whole = categoricalHinge(m, y);
          const sum = categoricalHinge(m, y, { reduction: 'sum' }).value;
          expect(Math.abs(sum - whole.value * whole.sumDenominator)).toBeLessThanOrEqual(
            1e-12 * Math.max(1, sum),
          );
          let s = 0;
          let d = 0;
          for (const [a, b] of ranges) {
            const part = categoricalHinge(
              { data: m.data.subarray(a * m.cols, b * m.cols), shape: [b - a, m.cols] },
              y.subarray(a, b),
            );
            s += part.sumValue;
            d += part.sumDenominator;
          }
          expect(d).toBe(m.rows);
          expect(Math.abs(s / d - whole.value)).toBeLessThanOrEqual(
            1e-12 * Math.max(1, whole.value),
          );
        },
      ),
      { numRuns: 50 },
    );
  });

  it('matches the rival-by-search reference on every array type, with NaN, ±∞ and ties', () => {
    // The row loops take the rival as the maximum left and right of the target (Math.max,
    // one copy per score array type); the reference searches for the rival's column first.
    const refRow = (x: ArrayLike<number>, base: number, cols: number, t: number, m: number) => {
      let at = -1;
      let best = Number.NEGATIVE_INFINITY;
      for (let j = 0; j < cols; j++) {
        if (j === t) continue;
        const v = x[base + j];
        if (at === -1 || v > best || (Number.isNaN(v) && !Number.isNaN(best))) {
          at = j;
          best = v;
        }
      }
      return at < 0 ? 0 : Math.max(0, m + x[base + at] - x[base + t]);
    };
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 600 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.constantFrom(1, 0, -0, 2.5, -1),
        fc.constantFrom('f32', 'f64', 'array'),
        fc.constantFrom('i32', 'array', 'big'),
        fc.constantFrom('none', 'mean', 'sum'),
        (rows, cols, seed, margin, xt, yt, reduction) => {
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
            rnd() < 0.01 ? pool[Math.floor(rnd() * pool.length)] : (rnd() - 0.5) * 4,
          );
          const ys = Array.from({ length: rows }, () => Math.floor(rnd() * cols));
          const x =
            xt === 'f32' ? Float32Array.from(xs) : xt === 'f64' ? Float64Array.from(xs) : xs;
          const y =
            yt === 'i32'
              ? Int32Array.from(ys)
              : yt === 'big'
                ? BigInt64Array.from(ys.map(BigInt))
                : ys;
          const input = { data: x, shape: [rows, cols] };
          const r = categoricalHinge(input, y, { margin, reduction: reduction as 'none' });
          let s = 0;
          let c = 0;
          for (let n = 0; n < rows; n++) {
            const v = refRow(x, n * cols, cols, ys[n], margin);
            if (reduction === 'none') expect(Object.is(r.value[n], v)).toBe(true);
            const t = s + v;
            c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
            s = t;
          }
          const want = Number.isFinite(s) ? s + c : s;
          if (Number.isFinite(want)) {
            expect(Math.abs(r.sumValue - want)).toBeLessThanOrEqual(3e-14 * Math.abs(want));
          } else expect(r.sumValue).toBe(want);
          if (rows > 0) {
            const at = Math.floor(rnd() * rows);
            const bad = ys.slice();
            bad[at] = rnd() < 0.5 ? -1 : cols;
            expect(() => categoricalHinge(input, bad, { reduction: reduction as 'none' })).toThrow(
              `categoricalHinge: target[${at}] = ${bad[at]} is outside [0, ${cols})`,
            );
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('never gives NaN for finite input', () => {
    fc.assert(
      fc.property(
        matrix({ minCols: 1, lim: 1e300 }).chain((m) =>
          fc.tuple(fc.constant(m), labelsFor(m.rows, m.cols)),
        ),
        ([m, y]) => {
          for (const v of categoricalHinge(m, y, { reduction: 'none' }).value)
            expect(v).not.toBeNaN();
          for (const v of categoricalHingeGrad(m, y).input) expect(v).not.toBeNaN();
        },
      ),
      { numRuns: 50 },
    );
  });
});
