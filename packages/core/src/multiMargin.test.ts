import {
  LossOptionError,
  LossRangeError,
  LossShapeError,
  multiMargin,
  multiMarginGrad,
} from '@losskit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finiteDifference, matrix, splitPoints, worstRatio } from '../test/helpers.js';

const labelsFor = (rows: number, cols: number) =>
  fc
    .array(fc.integer({ min: 0, max: cols - 1 }), { minLength: rows, maxLength: rows })
    .map((a) => Int32Array.from(a));

const weightsFor = (cols: number) =>
  fc.option(fc.float64Array({ minLength: cols, maxLength: cols, min: 0.1, max: 3, noNaN: true }), {
    nil: undefined,
  });

describe('multiMargin', () => {
  it('sums the hinges over the rival classes and divides by C, worked by hand', () => {
    const x = { data: [0.1, 0.2, 0.4, 2, 0, 0], shape: [2, 3] };
    const r = multiMargin(x, [1, 0], { reduction: 'none' }).value;
    // row 0, y = 1: (1 − 0.2 + 0.1) + (1 − 0.2 + 0.4) over C = 3; row 1, y = 0: both rivals 2 clear
    expect(r[0]).toBeCloseTo((0.9 + 1.2) / 3, 15);
    expect(r[1]).toBe(0);
    // p = 2, margin ½, weight of the target class 2
    const p2 = multiMargin(x, [1, 0], { p: 2, margin: 0.5, weight: [1, 2, 3], reduction: 'none' });
    expect(p2.value[0]).toBeCloseTo((2 * (0.4 ** 2 + 0.7 ** 2)) / 3, 15);
    // gradient, p = 2: rivals 2·w·z/C, the target minus their sum
    const g = multiMarginGrad(x, [1, 0], {
      p: 2,
      margin: 0.5,
      weight: [1, 2, 3],
      reduction: 'sum',
    });
    const want = [(2 * 2 * 0.4) / 3, -(2 * 2 * (0.4 + 0.7)) / 3, (2 * 2 * 0.7) / 3, 0, 0, 0];
    expect(worstRatio(g.input, want, 1e-14, 1e-15)).toBeLessThanOrEqual(1);
  });

  it('mean divides by N whatever the weights (PyTorch), Σdenominator = rows', () => {
    const x = { data: [0, 0, 0, 0], shape: [2, 2] };
    const r = multiMargin(x, [0, 1], { weight: [3, 5] });
    expect(r.sumValue).toBe((3 * 1) / 2 + (5 * 1) / 2);
    expect(r.sumDenominator).toBe(2);
    expect(r.value).toBe(4 / 2);
  });

  it('skips NaN hinges as PyTorch (its kernel tests z > 0)', () => {
    const x = { data: [0.1, Number.NaN, 0.4, Number.NaN, 0.1, 0.2], shape: [2, 3] };
    const r = multiMargin(x, [0, 0], { reduction: 'none' }).value;
    expect(r[0]).toBeCloseTo(1.3 / 3, 15);
    expect(r[1]).toBe(0);
  });

  it('accepts every index array type, BigInt64Array included, and infers C', () => {
    const x = new Float64Array([1, 2, 3, 3, 2, 1]);
    const want = multiMargin({ data: x, shape: [2, 3] }, new Int32Array([2, 0])).value;
    for (const t of [
      new Int8Array([2, 0]),
      new Int16Array([2, 0]),
      new Uint8Array([2, 0]),
      new Uint16Array([2, 0]),
      new Uint32Array([2, 0]),
      new BigInt64Array([2n, 0n]),
      [2, 0],
    ]) {
      expect(multiMargin(x, t as never).value).toBe(want);
    }
  });

  it('throws typed errors naming the function, argument and offending value', () => {
    const x = { data: new Float64Array(6), shape: [2, 3] };
    expect(() => multiMargin(x, [0, 3])).toThrow(LossRangeError);
    expect(() => multiMargin(x, [0, 3])).toThrow('multiMargin: target[1] = 3 is outside [0, 3)');
    expect(() => multiMarginGrad(x, [-1, 0])).toThrow('multiMarginGrad: target[0] = -1 is outside');
    expect(() => multiMargin(x, [0])).toThrow(LossShapeError);
    expect(() => multiMargin(x, [0, 1], { p: 3 as never })).toThrow(LossOptionError);
    expect(() => multiMargin(x, [0, 1], { p: 3 as never })).toThrow(
      'multiMargin: option p = 3 is invalid; expected 1 or 2',
    );
    expect(() => multiMargin(x, [0, 1], { weight: [1, 2] })).toThrow(
      'multiMargin: option weight has 2 entries but the class count C is 3',
    );
    expect(() => multiMargin(new Float64Array(5), [0, 1])).toThrow(
      'multiMargin: input must be 2-D [N, C]',
    );
  });

  it("writes 'none' and its gradient into caller buffers", () => {
    const x = { data: [0, 0, 0, 0], shape: [2, 2] };
    const out = new Float64Array(2);
    expect(multiMargin(x, [0, 1], { reduction: 'none', out }).value).toBe(out);
    expect(Array.from(out)).toEqual([0.5, 0.5]);
    const gx = new Float64Array(4);
    multiMarginGrad(x, [0, 1], { reduction: 'none', gradOutput: [2, 4], out: { input: gx } });
    expect(Array.from(gx)).toEqual([-1, 1, 2, -2]);
  });

  it('has gradients that agree with central finite differences away from the kinks', () => {
    fc.assert(
      fc.property(
        matrix({ minCols: 2, maxRows: 6, maxCols: 5, lim: 3 }).chain((m) =>
          fc.tuple(
            fc.constant(m),
            labelsFor(m.rows, m.cols),
            weightsFor(m.cols),
            fc.constantFrom(1 as const, 2 as const),
            fc.constantFrom(0.5, 1, 2),
          ),
        ),
        ([m, y, weight, p, margin]) => {
          // nudge rivals off the kinks z = margin − x_y + x_i = 0
          for (let n = 0; n < m.rows; n++)
            for (let j = 0; j < m.cols; j++) {
              const z = margin - m.data[n * m.cols + y[n]] + m.data[n * m.cols + j];
              if (j !== y[n] && Math.abs(z) < 1e-3) m.data[n * m.cols + j] += 0.01;
            }
          for (const reduction of ['mean', 'sum'] as const) {
            const o = { weight, p, margin, reduction };
            const g = multiMarginGrad(m, y, o).input;
            const fd = finiteDifference(
              (z) => multiMargin({ data: z, shape: m.shape }, y, o).value,
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
          fc.tuple(
            fc.constant(m),
            labelsFor(m.rows, m.cols),
            weightsFor(m.cols),
            splitPoints(m.rows),
          ),
        ),
        ([m, y, weight, ranges]) => {
          const whole = multiMargin(m, y, { weight, p: 2 });
          const sum = multiMargin(m, y, { weight, p: 2, reduction: 'sum' }).value;
          expect(Math.abs(sum - whole.value * whole.sumDenominator)).toBeLessThanOrEqual(
            1e-12 * Math.max(1, sum),
          );
          let s = 0;
          let d = 0;
          for (const [a, b] of ranges) {
            const part = multiMargin(
              { data: m.data.subarray(a * m.cols, b * m.cols), shape: [b - a, m.cols] },
              y.subarray(a, b),
              { weight, p: 2 },
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

  it('never gives NaN for finite input', () => {
    fc.assert(
      fc.property(
        matrix({ minCols: 1, lim: 1e300 }).chain((m) =>
          fc.tuple(fc.constant(m), labelsFor(m.rows, m.cols)),
        ),
        ([m, y]) => {
          for (const v of multiMargin(m, y, { reduction: 'none' }).value) expect(v).not.toBeNaN();
          for (const v of multiMarginGrad(m, y).input) expect(v).not.toBeNaN();
        },
      ),
      { numRuns: 50 },
    );
  });

  it('agrees with the direct formula on every array type, p = 1 and 2, with NaN/∞ rows', () => {
    const rows = 700;
    const cols = 7;
    const x = Float64Array.from({ length: rows * cols }, (_, i) => 2 * Math.sin(i * 1.3));
    const y = Int32Array.from({ length: rows }, (_, n) => (n * 5) % cols);
    x[300 * cols + 2] = Number.NaN; // a NaN hinge is skipped, as PyTorch's z > 0 does
    x[301 * cols + 1] = Number.POSITIVE_INFINITY;
    const direct = (xs: ArrayLike<number>, p: number) =>
      Float64Array.from({ length: rows }, (_, n) => {
        let h = 0;
        for (let j = 0; j < cols; j++) {
          if (j === y[n]) continue;
          const z = 0.7 - xs[n * cols + y[n]] + xs[n * cols + j];
          if (z > 0) h += z ** p;
        }
        return h / cols;
      });
    for (const p of [1, 2] as const) {
      for (const xs of [x, Float32Array.from(x), Array.from(x)]) {
        const want = direct(xs, p);
        const shaped = { data: xs, shape: [rows, cols] };
        const none = multiMargin(shaped, y, { p, margin: 0.7, reduction: 'none' }).value;
        expect(Array.from(none)).toEqual(Array.from(want));
        expect(none[301]).toBe(Number.POSITIVE_INFINITY);
        const fin = multiMargin(
          { data: xs.slice(0, 300 * cols), shape: [300, cols] },
          y.subarray(0, 300),
          { p, margin: 0.7, reduction: 'sum' },
        ).value;
        const total = want.subarray(0, 300).reduce((a, b) => a + b, 0);
        expect(Math.abs(fin - total)).toBeLessThanOrEqual(1e-13 * total);
      }
    }
  });
  it('gradient rows match the branchy reference bit for bit, every array type, p = 1 and 2', () => {
    // Without weights or gradOutput the gradient runs branch-free per score, one copy per score
    // array type, with rows that are not finite (±∞, NaN, 2z overflowing) redone by branches.
    const refGrad = (
      x: ArrayLike<number>,
      y: number[],
      rows: number,
      cols: number,
      p: number,
      margin: number,
      k: number,
    ) => {
      const g = new Float64Array(rows * cols);
      for (let n = 0; n < rows; n++) {
        const base = n * cols;
        const t = y[n];
        const a = margin - x[base + t];
        let gy = 0;
        for (let j = 0; j < cols; j++) {
          if (j === t) continue;
          const z = a + x[base + j];
          const v = z > 0 ? (p === 1 ? k : 2 * k * z) : 0;
          g[base + j] = v;
          gy -= v;
        }
        g[base + t] = gy;
      }
      return g;
    };
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 80 }),
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.constantFrom(1, 2),
        fc.constantFrom(1, 0, -0.5, 1e308),
        fc.constantFrom('f32', 'f64', 'array'),
        fc.constantFrom('i32', 'array', 'big'),
        fc.constantFrom('none', 'mean', 'sum'),
        (rows, cols, seed, p, margin, xt, yt, reduction) => {
          let st = seed;
          const rnd = () => {
            st = (Math.imul(st, 1103515245) + 12345) >>> 0;
            return st / 2 ** 32;
          };
          const pool = [
            0,
            -0,
            Number.POSITIVE_INFINITY,
            Number.NEGATIVE_INFINITY,
            Number.NaN,
            1e308,
            -1e308,
          ];
          const xs = Array.from({ length: rows * cols }, () =>
            rnd() < 0.03 ? pool[Math.floor(rnd() * pool.length)] : (rnd() - 0.5) * 4,
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
          const out = new Float64Array(rows * cols).fill(7);
          const g = multiMarginGrad(input, y, {
            p: p as 1 | 2,
            margin,
            reduction: reduction as 'none',
            out: { input: out },
          }).input;
          expect(g).toBe(out);
          const scale = reduction === 'mean' ? 1 / rows : 1;
          const want = refGrad(x, ys, rows, cols, p, margin, scale / cols);
          for (let i = 0; i < want.length; i++) expect(Object.is(g[i], want[i])).toBe(true);
          if (rows > 0) {
            const at = Math.floor(rnd() * rows);
            const bad = ys.slice();
            bad[at] = rnd() < 0.5 ? -1 : cols;
            expect(() => multiMarginGrad(input, bad, { p: p as 1 | 2 })).toThrow(
              `multiMarginGrad: target[${at}] = ${bad[at]} is outside [0, ${cols})`,
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
