import {
  binaryCrossEntropy,
  binaryCrossEntropyWithLogits,
  binaryCrossEntropyWithLogitsGrad,
  binaryCrossEntropyWithLogitsInfo,
  LossOptionError,
  LossShapeError,
  LossTypeError,
} from '@losskit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  finiteDifference,
  matrix,
  seededRandom,
  splitPoints,
  worstRatio,
} from '../test/helpers.js';
import { spSigmoidFine } from './internal/spFineTail.js';

const unit = (n: number, min = 0, max = 1) =>
  fc.float64Array({ minLength: n, maxLength: n, min, max, noNaN: true });

/** Logits [N, C], soft targets, per-element weights, per-column posWeight, a row split. */
const batch = (lim = 6) =>
  matrix({ maxRows: 8, maxCols: 5, lim }).chain((m) =>
    fc.tuple(
      fc.constant(m),
      unit(m.data.length),
      unit(m.data.length, 0.1, 2),
      unit(m.cols, 0.2, 4),
      splitPoints(m.rows),
    ),
  );

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

describe('binaryCrossEntropyWithLogits', () => {
  it('is BCE on σ(x), worked by hand', () => {
    expect(binaryCrossEntropyWithLogits([0, 0], [1, 0]).value).toBeCloseTo(Math.log(2), 15);
    // σ(log 3) = 3/4
    const r = binaryCrossEntropyWithLogits([Math.log(3)], [1], { reduction: 'sum' });
    expect(r.value).toBeCloseTo(-Math.log(3 / 4), 15);
    const soft = binaryCrossEntropyWithLogits([Math.log(3)], [0.25], { reduction: 'sum' }).value;
    expect(soft).toBeCloseTo(-(0.25 * Math.log(3 / 4) + 0.75 * Math.log(1 / 4)), 14);
  });

  it('scales the positive term by posWeight per column, and the element by weight', () => {
    const x = { data: [0, 0, 0, 0], shape: [2, 2] };
    const y = { data: [1, 1, 0, 0.5], shape: [2, 2] };
    const r = binaryCrossEntropyWithLogits(x, y, { posWeight: [3, 2], reduction: 'none' }).value;
    const l2 = Math.log(2);
    expect(r[0]).toBeCloseTo(3 * l2, 15);
    expect(r[1]).toBeCloseTo(2 * l2, 15);
    expect(r[2]).toBeCloseTo(l2, 15);
    expect(r[3]).toBeCloseTo(0.5 * 2 * l2 + 0.5 * l2, 15);
    const w = binaryCrossEntropyWithLogits(x, y, { weight: [1, 2, 3, 4] });
    expect(w.sumValue).toBeCloseTo((1 + 2 + 3 + 4) * l2, 14);
    expect(w.sumDenominator).toBe(4);
    // one posWeight entry applies to every column
    const one = binaryCrossEntropyWithLogits(x, y, { posWeight: [3], reduction: 'sum' }).value;
    expect(one).toBeCloseTo(3 * l2 + 3 * l2 + l2 + (1.5 + 0.5) * l2, 14);
  });

  it('takes C from posWeight for a bare input array', () => {
    const shaped = binaryCrossEntropyWithLogits(
      { data: [1, -2, 3, 0.5], shape: [2, 2] },
      [1, 0, 0, 1],
      { posWeight: [2, 5] },
    ).value;
    const bare = binaryCrossEntropyWithLogits([1, -2, 3, 0.5], [1, 0, 0, 1], {
      posWeight: [2, 5],
    }).value;
    expect(bare).toBe(shaped);
  });

  it('takes one logit per row (a flat [N] column) with a single posWeight', () => {
    const x = { data: [0, 0, 0], shape: [3] };
    const r = binaryCrossEntropyWithLogits(x, [1, 0, 1], { posWeight: [2], reduction: 'sum' });
    expect(r.value).toBeCloseTo((2 + 1 + 2) * Math.log(2), 14);
    expect(r.rows).toBe(3);
    expect(binaryCrossEntropyWithLogitsInfo.inputs[0].rank).toBe('any');
  });

  it('stays exact at logits of ±1e4 and gives the limits at ±∞ (no 0·∞ = NaN)', () => {
    const r = binaryCrossEntropyWithLogits([1e4, -1e4, 1e4, -1e4, -200], [1, 0, 0, 1, 0], {
      reduction: 'none',
    }).value;
    expect(Array.from(r.subarray(0, 4))).toEqual([0, 0, 1e4, 1e4]);
    // 1.4e-87, where max(x,0) − x·y + … cancels to 0; the fast exp/log1p are a few ulp off.
    expect(Math.abs(r[4] / Math.log1p(Math.exp(-200)) - 1)).toBeLessThan(1e-14);
    const inf = Number.POSITIVE_INFINITY;
    const l = binaryCrossEntropyWithLogits([inf, -inf, inf, -inf], [1, 0, 0, 1], {
      reduction: 'none',
      posWeight: [2],
    }).value;
    expect(Array.from(l)).toEqual([0, 0, inf, inf]);
    const g = binaryCrossEntropyWithLogitsGrad([-200], [0], { reduction: 'sum' }).input[0];
    expect(g).toBeCloseTo(sigmoid(-200), 100);
    expect(g).toBeGreaterThan(0);
  });

  it('agrees with the direct formula on every array type, across blocks with ±∞ logits', () => {
    // 3000 elements span three of the kernel's 1024-element blocks; ±∞ logits in the middle one
    // (with a zero coefficient: 0·∞) send that block to the exact fallback.
    const n = 3000;
    const x = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = 30 * Math.sin(i * 1.7);
      y[i] = i % 3 === 0 ? 0.25 : i % 2;
    }
    const inf = Number.POSITIVE_INFINITY;
    x[1500] = inf;
    y[1500] = 1;
    x[1501] = -inf;
    y[1501] = 0;
    const direct = (xi: number, yi: number) =>
      yi * Math.log1p(Math.exp(-xi)) + (1 - yi) * Math.log1p(Math.exp(xi));
    const ref = Float64Array.from(x, (xi, i) => (Number.isFinite(xi) ? direct(xi, y[i]) : 0));
    const total = ref.reduce((a, b) => a + b, 0);
    for (const [xs, ys] of [
      [x, y],
      [Float32Array.from(x), Float32Array.from(y)],
      [Array.from(x), Array.from(y)],
    ] as const) {
      const none = binaryCrossEntropyWithLogits(xs, ys, { reduction: 'none' }).value;
      const r32 = Float64Array.from(xs as ArrayLike<number>);
      const want = Float64Array.from(r32, (xi, i) =>
        Number.isFinite(xi) ? direct(xi, (ys as ArrayLike<number>)[i]) : 0,
      );
      expect(worstRatio(none, want, 1e-13, 1e-300)).toBeLessThanOrEqual(1);
      const sum = binaryCrossEntropyWithLogits(xs, ys, { reduction: 'sum' }).value;
      expect(Math.abs(sum / want.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-13);
    }
    expect(Number.isFinite(total)).toBe(true);
    const g = binaryCrossEntropyWithLogitsGrad(Float32Array.from(x), Float32Array.from(y), {
      reduction: 'sum',
    }).input;
    expect(Math.abs(g[1500])).toBe(0);
    expect(Math.abs(g[1501])).toBe(0);
    // (1 − y)·σ(x) − y·σ(−x): σ(x) − y without its cancellation at saturated logits
    const sg = Float64Array.from(
      Float32Array.from(x),
      (xi, i) => (1 - y[i]) * sigmoid(xi) - y[i] * sigmoid(-xi),
    );
    expect(worstRatio(g, sg, 1e-14, 1e-300)).toBeLessThanOrEqual(1);
  });

  it('has the same unweighted gradient on every array type as the weighted loop, NaN and ±∞ included', () => {
    // The unweighted loops form σ(x) − y as (1 − y) − σ(−|x|) or σ(−|x|) − y; the weighted loop
    // (weight 1) forms (1 − y)·σ(x) − y·σ(−x). Same values up to rounding, same limits and NaN.
    const n = 2000;
    const x = new Float64Array(n);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = 50 * Math.sin(i * 0.37) ** 3;
      y[i] = i % 5 === 0 ? 0.3 : i % 5 === 1 ? 0.8 : i % 2;
    }
    x.set([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN, 0, -0, 700], 0);
    y.set([0.25, 0.25, 1, 1, 0, 1], 0);
    const ones = new Float64Array(n).fill(1);
    for (const [xs, ys] of [
      [x, y],
      [Float32Array.from(x), Float32Array.from(y)],
      [Array.from(x), Array.from(y)],
    ] as const) {
      const g = binaryCrossEntropyWithLogitsGrad(xs, ys, { reduction: 'sum' }).input;
      const w = binaryCrossEntropyWithLogitsGrad(xs, ys, { reduction: 'sum', weight: ones }).input;
      expect(g[0]).toBe(0.75);
      expect(g[1]).toBe(-0.25);
      expect(g[2]).toBeNaN();
      expect(g[3]).toBe(-0.5);
      expect(g[4]).toBe(0.5);
      expect(Math.abs(g[5] / -Math.exp(-700) - 1)).toBeLessThan(1e-14); // −σ(−700), no cancellation
      expect(worstRatio(g.subarray(3), w.subarray(3), 4e-16, 1e-16)).toBeLessThanOrEqual(1);
    }
  });

  it('runs its unweighted gradient four elements at a time with the one-element formula, bit for bit', () => {
    // σ(x) − y as (h − y) + (1 − 2h)·σ(−|x|), h = [x ≥ 0], σ(−|x|) by spSigmoidFine:
    // every element of every length (the remainder loop included) and array type, with ±∞ and NaN.
    const ref = (xi: number, yi: number) => {
      const s = spSigmoidFine(Math.abs(xi));
      const h = Number(xi >= 0);
      return h - yi + (1 - 2 * h) * s;
    };
    const r = seededRandom(3);
    for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 9, 2003]) {
      const x = Float64Array.from({ length: n }, (_, i) =>
        i % 11 === 5
          ? [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN][i % 3]
          : (r() - 0.5) * 100,
      );
      const y = Float64Array.from({ length: n }, (_, i) => (i % 7 === 2 ? r() : r() < 0.5 ? 0 : 1));
      for (const [xs, ys] of [
        [x, y],
        [Float32Array.from(x), Float32Array.from(y)],
        [Array.from(x), Array.from(y)],
      ] as const) {
        const g = binaryCrossEntropyWithLogitsGrad(xs, ys, { reduction: 'mean' }).input;
        for (let i = 0; i < n; i++) expect(g[i]).toBe((1 / n) * ref(xs[i], ys[i]));
      }
    }
  });

  it('never gives NaN for finite logits, however extreme', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), {
          minLength: 1,
          maxLength: 20,
        }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 20, maxLength: 20 }),
        fc.double({ min: 0, max: 10, noNaN: true }),
        (x, y, pw) => {
          const t = y.slice(0, x.length);
          const opts = { posWeight: [pw] };
          for (const v of binaryCrossEntropyWithLogits(x, t, { ...opts, reduction: 'none' }).value)
            expect(Number.isNaN(v)).toBe(false);
          for (const v of binaryCrossEntropyWithLogitsGrad(x, t, opts).input)
            expect(Number.isNaN(v)).toBe(false);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('equals binaryCrossEntropy on σ(x) away from saturation', () => {
    fc.assert(
      fc.property(batch(15), ([m, y, w]) => {
        const p = m.data.map(sigmoid);
        const a = binaryCrossEntropyWithLogits(m, y, { weight: w, reduction: 'none' }).value;
        const b = binaryCrossEntropy(p, y, { weight: w, reduction: 'none' }).value;
        expect(worstRatio(a, b, 1e-9, 1e-12)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 60 },
    );
  });

  it('has gradients that agree with central finite differences', () => {
    fc.assert(
      fc.property(
        batch(5),
        fc.boolean(),
        fc.boolean(),
        fc.constantFrom('mean' as const, 'sum' as const, 'none' as const),
        ([m, y, w, pw], weighted, positive, reduction) => {
          const opts = { weight: weighted ? w : undefined, posWeight: positive ? pw : undefined };
          const up = Float64Array.from(m.data, (_, i) => 1 + (i % 4));
          const f = (z: Float64Array) => {
            const r = binaryCrossEntropyWithLogits({ data: z, shape: m.shape }, y, {
              ...opts,
              reduction,
            });
            return typeof r.value === 'number'
              ? r.value
              : r.value.reduce((s, v, i) => s + up[i] * v, 0);
          };
          const g = binaryCrossEntropyWithLogitsGrad(m, y, {
            ...opts,
            reduction,
            gradOutput: reduction === 'none' ? up : undefined,
          }).input;
          expect(worstRatio(g, finiteDifference(f, m.data))).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('sum = mean × Σdenominator, and a split of the rows (with their weights) adds up', () => {
    fc.assert(
      fc.property(batch(), ([m, y, weight, posWeight, ranges]) => {
        const opts = { weight, posWeight };
        const whole = binaryCrossEntropyWithLogits(m, y, opts);
        const sum = binaryCrossEntropyWithLogits(m, y, { ...opts, reduction: 'sum' }).value;
        expect(whole.sumDenominator).toBe(m.data.length);
        expect(whole.rows).toBe(m.rows);
        expect(Math.abs(sum - whole.value * whole.sumDenominator)).toBeLessThanOrEqual(
          1e-12 * Math.max(1, sum),
        );
        let s = 0;
        let d = 0;
        for (const [a, b] of ranges) {
          const lo = a * m.cols;
          const hi = b * m.cols;
          const part = binaryCrossEntropyWithLogits(
            { data: m.data.subarray(lo, hi), shape: [b - a, m.cols] },
            y.subarray(lo, hi),
            { weight: weight.subarray(lo, hi), posWeight },
          );
          s += part.sumValue;
          d += part.sumDenominator;
        }
        expect(d).toBe(whole.sumDenominator);
        expect(Math.abs(s / d - whole.value)).toBeLessThanOrEqual(1e-12 * Math.max(1, whole.value));
      }),
      { numRuns: 60 },
    );
  });

  it('writes into caller buffers', () => {
    const out = new Float64Array(2);
    expect(binaryCrossEntropyWithLogits([0, 0], [1, 0], { reduction: 'none', out }).value).toBe(
      out,
    );
    expect(out[1]).toBeCloseTo(Math.log(2), 15);
    const gi = new Float64Array(2);
    expect(binaryCrossEntropyWithLogitsGrad([0, 0], [1, 0], { out: { input: gi } }).input).toBe(gi);
    expect(Array.from(gi)).toEqual([-0.25, 0.25]);
  });

  it('throws typed errors naming the function, argument and value', () => {
    const x = { data: new Float64Array(6), shape: [2, 3] };
    const y = new Float64Array(6);
    expect(() => binaryCrossEntropyWithLogits(x, y, { posWeight: [1, 2] })).toThrow(LossShapeError);
    expect(() => binaryCrossEntropyWithLogits(x, y, { posWeight: [1, 2] })).toThrow(
      "binaryCrossEntropyWithLogits: option posWeight has 2 entries but the input's last dimension C is 3",
    );
    expect(() => binaryCrossEntropyWithLogits(x, y, { weight: [1, 2, 3] })).toThrow(
      'binaryCrossEntropyWithLogits: option weight has 3 entries',
    );
    expect(() => binaryCrossEntropyWithLogits(x, [1, 0])).toThrow(
      'binaryCrossEntropyWithLogits: target has 2 elements',
    );
    expect(() => binaryCrossEntropyWithLogits(x, y, { reduction: 'batchmean' as never })).toThrow(
      LossOptionError,
    );
    expect(() => binaryCrossEntropyWithLogits(x, y, { posWeight: 'a' as never })).toThrow(
      LossTypeError,
    );
    expect(() =>
      binaryCrossEntropyWithLogitsGrad(x, y, {
        posWeight: [1],
        gradOutput: [1],
        reduction: 'none',
      }),
    ).toThrow('binaryCrossEntropyWithLogitsGrad: gradOutput has 1 elements but the loss has 6');
  });

  it('declares weight as a row option and posWeight as a plain option', () => {
    expect(binaryCrossEntropyWithLogitsInfo.rowOptions).toEqual(['weight']);
  });
});
