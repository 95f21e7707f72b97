import {
  crossEntropy,
  LossOptionError,
  LossRangeError,
  LossShapeError,
  LossTypeError,
  nllLoss,
  nllLossGrad,
  nllLossInfo,
} from '@losskit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finiteDifference, matrix, splitPoints, worstRatio } from '../test/helpers.js';

const labels = (rows: number, cols: number, min = 0) =>
  fc
    .array(fc.integer({ min, max: cols - 1 }), { minLength: rows, maxLength: rows })
    .map((a) => Int32Array.from(a));

const weights = (cols: number) =>
  fc.float64Array({ minLength: cols, maxLength: cols, min: 0.1, max: 3, noNaN: true });

/** log_softmax of each row, in float64. */
function logSoftmax(data: ArrayLike<number>, cols: number): Float64Array {
  const out = new Float64Array(data.length);
  for (let b = 0; b < data.length; b += cols) {
    let m = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < cols; j++) m = Math.max(m, data[b + j]);
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(data[b + j] - m);
    for (let j = 0; j < cols; j++) out[b + j] = data[b + j] - m - Math.log(s);
  }
  return out;
}

describe('nllLoss', () => {
  it('picks −w[y]·x at the target and divides by Σw[y], worked by hand', () => {
    const x = { data: [-1, -2, -3, -4, -5, -6], shape: [2, 3] };
    const r = nllLoss(x, [2, 0], { reduction: 'none' });
    expect(Array.from(r.value)).toEqual([3, 4]);
    const w = [0.5, 1, 2];
    const m = nllLoss(x, [2, 0], { weight: w });
    expect(m.sumValue).toBe(2 * 3 + 0.5 * 4);
    expect(m.sumDenominator).toBe(2 + 0.5);
    expect(m.value).toBe((2 * 3 + 0.5 * 4) / (2 + 0.5));
    expect(nllLoss(x, [2, 0], { weight: w, reduction: 'sum' }).value).toBe(8);
  });

  it('skips ignored rows, counts them, and gives NaN for an all-ignored mean', () => {
    const x = { data: [-1, -2, -3, -4], shape: [2, 2] };
    const r = nllLoss(x, [1, -100]);
    expect(r.value).toBe(2);
    expect(r.ignored).toBe(1);
    expect(r.sumDenominator).toBe(1);
    expect(Array.from(nllLoss(x, [1, 5], { ignoreIndex: 5, reduction: 'none' }).value)).toEqual([
      2, 0,
    ]);
    expect(nllLoss(x, [-100, -100]).value).toBeNaN();
    expect(nllLoss(x, [-100, -100], { reduction: 'sum' }).value).toBe(0);
  });

  it('on log_softmax output equals crossEntropy on the logits', () => {
    fc.assert(
      fc.property(
        matrix({ minCols: 2 }).chain((m) =>
          fc.tuple(fc.constant(m), labels(m.rows, m.cols), weights(m.cols)),
        ),
        ([m, y, weight]) => {
          const lp = { data: logSoftmax(m.data, m.cols), shape: m.shape };
          const a = nllLoss(lp, y, { weight }).value;
          const b = crossEntropy(m, y, { weight }).value;
          expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(b)));
        },
      ),
      { numRuns: 50 },
    );
  });

  it('accepts every index array type, BigInt64Array included', () => {
    const x = { data: new Float32Array([-1, -2, -3, -4, -5, -6]), shape: [2, 3] };
    const want = nllLoss(x, new Int32Array([2, 0])).value;
    expect(want).toBe(3.5);
    for (const t of [
      new Int8Array([2, 0]),
      new Int16Array([2, 0]),
      new Uint8Array([2, 0]),
      new Uint16Array([2, 0]),
      new Uint32Array([2, 0]),
      new BigInt64Array([2n, 0n]),
      new BigUint64Array([2n, 0n]),
      [2, 0],
    ]) {
      expect(nllLoss(x, t).value).toBe(want);
    }
  });

  it('infers C from a bare input array and the target length', () => {
    expect(nllLoss([-1, -2, -3, -4, -5, -6], [2, 0]).value).toBe(3.5);
    expect(() => nllLoss([-1, -2, -3], [0, 1])).toThrow(LossShapeError);
    expect(() => nllLoss([-1, -2, -3], [0, 1])).toThrow('pass {data, shape: [N, C]}');
  });

  it('writes into caller buffers', () => {
    const x = { data: [-1, -2, -3, -4], shape: [2, 2] };
    const out = new Float64Array(2);
    expect(nllLoss(x, [0, 1], { reduction: 'none', out }).value).toBe(out);
    expect(Array.from(out)).toEqual([1, 4]);
    const gin = new Float64Array(4).fill(7);
    const g = nllLossGrad(x, [0, 1], { reduction: 'sum', out: { input: gin } });
    expect(g.input).toBe(gin);
    expect(Array.from(gin)).toEqual([-1, 0, 0, -1]);
  });

  it('propagates NaN', () => {
    expect(nllLoss({ data: [Number.NaN, -1], shape: [1, 2] }, [0]).value).toBeNaN();
  });

  it('throws typed errors naming the function, argument and value', () => {
    const x = { data: new Float64Array(6), shape: [2, 3] };
    expect(() => nllLoss(x, [0, 3])).toThrow(LossRangeError);
    expect(() => nllLoss(x, [0, 3])).toThrow('nllLoss: target[1] = 3 is outside [0, 3)');
    expect(() => nllLoss(x, [-1, 0])).toThrow('nllLoss: target[0] = -1 is outside [0, 3)');
    expect(() => nllLoss(x, [0])).toThrow(LossShapeError);
    expect(() => nllLoss(x, [0, 1], { weight: [1, 2] })).toThrow(
      'nllLoss: option weight has 2 entries but the class count C is 3',
    );
    expect(() => nllLoss(x, [0, 1], { ignoreIndex: 0.5 })).toThrow(LossOptionError);
    expect(() => nllLoss(x, [0, 1], { reduction: 'batchmean' as never })).toThrow(
      'nllLoss: option reduction = "batchmean" is invalid',
    );
    expect(() => nllLoss('x' as never, [0])).toThrow(LossTypeError);
    expect(() => nllLossGrad(x, [0, 7])).toThrow('nllLossGrad: target[1] = 7');
  });

  it('has gradients that agree with central finite differences', () => {
    fc.assert(
      fc.property(
        matrix({ minCols: 2, maxRows: 6, lim: 4 }).chain((m) =>
          fc.tuple(
            fc.constant(m),
            labels(m.rows, m.cols, -1),
            fc.option(weights(m.cols), { nil: undefined }),
            fc.constantFrom('mean' as const, 'sum' as const, 'none' as const),
          ),
        ),
        ([m, y, weight, reduction]) => {
          const opts = { weight, ignoreIndex: -1 };
          // 'none' is checked through Σ gradOutputₙ·ℓₙ with a fixed upstream gradient.
          const up = Float64Array.from({ length: m.rows }, (_, i) => 0.5 + i);
          const f = (z: Float64Array) => {
            const r = nllLoss({ data: z, shape: m.shape }, y, { ...opts, reduction });
            if (typeof r.value === 'number') return r.value;
            return r.value.reduce((s, v, i) => s + up[i] * v, 0);
          };
          const g = nllLossGrad(m, y, {
            ...opts,
            reduction,
            gradOutput: reduction === 'none' ? up : undefined,
          }).input;
          if (y.some((c) => c !== -1)) {
            expect(worstRatio(g, finiteDifference(f, m.data))).toBeLessThanOrEqual(1);
          }
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
            weights(m.cols),
            splitPoints(m.rows),
          ),
        ),
        ([m, y, weight, ranges]) => {
          const opts = { weight, ignoreIndex: -1 };
          const whole = nllLoss(m, y, opts);
          const sum = nllLoss(m, y, { ...opts, reduction: 'sum' }).value;
          if (whole.sumDenominator > 0) {
            expect(Math.abs(sum - whole.value * whole.sumDenominator)).toBeLessThanOrEqual(
              1e-12 * Math.max(1, Math.abs(sum)),
            );
          }
          let s = 0;
          let d = 0;
          let ignored = 0;
          for (const [a, b] of ranges) {
            const part = nllLoss(
              { data: m.data.subarray(a * m.cols, b * m.cols), shape: [b - a, m.cols] },
              y.subarray(a, b),
              opts,
            );
            s += part.sumValue;
            d += part.sumDenominator;
            ignored += part.ignored;
          }
          expect(ignored).toBe(whole.ignored);
          if (Number.isNaN(whole.value)) expect(s / d).toBeNaN();
          else
            expect(Math.abs(s / d - whole.value)).toBeLessThanOrEqual(
              1e-12 * Math.max(1, Math.abs(whole.value)),
            );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('matches a row-by-row reference on every array type, with ignored and bad indices', () => {
    // The mean/sum (weighted or not) run four rows at a time in blocks of 64, one copy per
    // array type (per pair of types without weights); 'none' takes the row loop. All must agree
    // with Σ −w[yₙ]·x[n, yₙ] and Σ w[yₙ] (w = 1 without weights).
    const ref = (
      x: ArrayLike<number>,
      y: ArrayLike<number>,
      cols: number,
      ii: number,
      w: ArrayLike<number> | undefined,
    ) => {
      let s = 0;
      let c = 0;
      let den = 0;
      for (let n = 0; n < y.length; n++) {
        if (y[n] === ii) continue;
        const wk = w === undefined ? 1 : w[y[n]];
        const v = -wk * x[n * cols + y[n]];
        const t = s + v;
        c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
        s = t;
        den += wk;
      }
      return { sum: Number.isFinite(s) ? s + c : s, den };
    };
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 300 }),
        fc.integer({ min: 1, max: 7 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        fc.constantFrom(-100, 0, 3),
        fc.constantFrom('f32', 'f64', 'array'),
        fc.constantFrom('i32', 'array', 'big', 'u8'),
        fc.constantFrom('none', 'few', 'many'),
        fc.boolean(),
        fc.boolean(),
        (rows, cols, seed, ii, xt, yt, ign, special, weighted) => {
          let st = seed;
          const rnd = () => {
            st = (Math.imul(st, 1103515245) + 12345) >>> 0;
            return st / 2 ** 32;
          };
          const xs = Array.from({ length: rows * cols }, () => (rnd() - 0.9) * 10);
          if (special) {
            for (const v of [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 0]) {
              if (xs.length > 0) xs[Math.floor(rnd() * xs.length)] = v;
            }
          }
          const p = ign === 'none' ? 0 : ign === 'few' ? 0.02 : 0.5;
          const ys = Array.from({ length: rows }, () =>
            rnd() < p && (ii >= 0 || yt !== 'u8') ? ii : Math.floor(rnd() * cols),
          );
          const x =
            xt === 'f32' ? Float32Array.from(xs) : xt === 'f64' ? Float64Array.from(xs) : xs;
          const yv =
            yt === 'i32'
              ? Int32Array.from(ys)
              : yt === 'big'
                ? BigInt64Array.from(ys.map(BigInt))
                : yt === 'u8'
                  ? Uint8Array.from(ys)
                  : ys;
          // weights that are multiples of 1/8 in [1/8, 4]: their sums are exact, so the
          // denominators can be compared exactly
          const weight = weighted
            ? Float64Array.from({ length: cols }, () => Math.ceil(rnd() * 32) / 8)
            : undefined;
          const want = ref(x, ys, cols, ii, weight);
          const input = { data: x, shape: [rows, cols] };
          const opts = { ignoreIndex: ii, weight };
          const sum = nllLoss(input, yv, { ...opts, reduction: 'sum' });
          const mean = nllLoss(input, yv, opts);
          const none = nllLoss(input, yv, { ...opts, reduction: 'none' });
          const tol =
            1e-13 *
            Math.max(
              1,
              // weights are at most 4
              xs.reduce((a, v) => (Number.isFinite(v) ? a + 4 * Math.abs(v) : a), 0),
            );
          for (const r of [sum, mean, none]) {
            expect(r.sumDenominator).toBe(want.den);
            expect(r.ignored).toBe(ys.filter((k) => k === ii).length);
            if (Number.isFinite(want.sum)) {
              expect(Math.abs(r.sumValue - want.sum)).toBeLessThanOrEqual(tol);
            } else expect(r.sumValue).toBe(want.sum);
          }
          expect(sum.value).toBe(sum.sumValue);
          expect(Object.is(mean.value, sum.sumValue / want.den)).toBe(true);
          // A bad index anywhere (in a group of four, a block's tail, after ignored rows) is
          // reported at its first row, whatever the array types.
          if (rows > 0) {
            const bad = ys.slice();
            const at = Math.floor(rnd() * rows);
            bad[at] = rnd() < 0.5 ? cols : -1;
            if (bad[at] === ii) bad[at] = cols + 1;
            const badY =
              yt === 'u8' && bad[at] < 0 ? null : yt === 'i32' ? Int32Array.from(bad) : bad;
            if (badY !== null) {
              for (const reduction of ['sum', 'mean', 'none'] as const) {
                expect(() => nllLoss(input, badY, { ...opts, reduction })).toThrow(
                  `nllLoss: target[${at}] = ${bad[at]} is outside [0, ${cols})`,
                );
              }
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('writes every gradient entry across its zeroing blocks, into a dirty `out` too', () => {
    // rows × cols past several blocks of 4096 entries (a short last one), and one row wider
    // than a block; ignored rows, weights, a per-row gradOutput
    for (const [rows, cols] of [
      [1003, 10],
      [3, 5000],
    ]) {
      const x = new Float64Array(rows * cols);
      const y = Int32Array.from({ length: rows }, (_, n) => (n % 7 === 3 ? -100 : (n * 5) % cols));
      const w = Float64Array.from({ length: cols }, (_, j) => 1 + j / cols);
      const gradOutput = Float64Array.from({ length: rows }, (_, n) => n - 1.5);
      const out = new Float64Array(rows * cols).fill(Number.NaN);
      const g = nllLossGrad(x, y, { weight: w, reduction: 'none', gradOutput, out: { input: out } })
        .input as Float64Array;
      expect(g).toBe(out);
      for (let n = 0; n < rows; n++) {
        for (let j = 0; j < cols; j++) {
          const want = y[n] === j ? -w[j] * gradOutput[n] : 0;
          if (g[n * cols + j] !== want)
            expect({ n, j, g: g[n * cols + j] }).toEqual({ n, j, g: want });
        }
      }
    }
  });

  it('describes its inputs for generic callers', () => {
    expect(nllLossInfo.inputs.map((i) => i.name)).toEqual(['input', 'target']);
    const r = nllLossInfo.compute(
      { input: { data: [-1, -2], shape: [1, 2] }, target: [1] },
      { reduction: 'sum' },
    );
    expect(r.value).toBe(2);
  });
});
