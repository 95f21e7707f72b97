import { hinge, hingeGrad, LossOptionError, LossRangeError, LossShapeError } from '@losskit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  expectBlockedSumsMatch,
  finiteDifference,
  splitPoints,
  worstRatio,
} from '../test/helpers.js';

/** Scores in [−lim, lim] with labels in {−1, 1}, plus a random split of the elements. */
const scored = (lim = 5, maxLength = 40) =>
  fc.integer({ min: 1, max: maxLength }).chain((n) =>
    fc.tuple(
      fc.float64Array({ minLength: n, maxLength: n, min: -lim, max: lim, noNaN: true }),
      fc
        .array(fc.constantFrom(-1, 1), { minLength: n, maxLength: n })
        .map((a) => Float64Array.from(a)),
      splitPoints(n),
    ),
  );

describe('hinge', () => {
  it('is max(0, m − y·f), worked by hand', () => {
    const f = [2, 0.5, -1, 0.25];
    const y = [1, 1, 1, -1];
    const r = hinge(f, y, { reduction: 'none' });
    expect(Array.from(r.value)).toEqual([0, 1 - 0.5, 1 + 1, 1 + 0.25]);
    expect(hinge(f, y).value).toBe((0 + 0.5 + 2 + 1.25) / 4);
    expect(hinge(f, y, { reduction: 'sum' }).value).toBe(0.5 + 2 + 1.25);
    // margin 0.5: max(0, 0.5 − 2), max(0, 0.5 − 0.5), 0.5 + 1, 0.5 + 0.25
    expect(hinge(f, y, { margin: 0.5, reduction: 'sum' }).value).toBe(0 + 0 + 1.5 + 0.75);
    expect(Array.from(hingeGrad(f, y, { reduction: 'sum' }).input)).toEqual([0, -1, -1, 1]);
  });

  it('takes {−1, 1} labels as given and rejects {0, 1} labels (TF.js remaps 2y − 1)', () => {
    // y = −1, f = −0.5 is inside the margin: max(0, 1 − (−1)(−0.5)) = 0.5. TF.js's hingeLoss
    // maps y to 2y − 1 = −3 and reports max(0, 1 − (−3)(−0.5)) = 0.
    expect(hinge([-0.5], [-1]).value).toBe(0.5);
    expect(hinge([-3, 3], [-1, 1], { reduction: 'sum' }).value).toBe(0);
    expect(() => hinge([1, 2], [0, 1])).toThrow(LossRangeError);
    // the neighbours of ±1 and ±∞ are not labels either
    for (const bad of [1 + Number.EPSILON, 1 - Number.EPSILON / 2, -1 - Number.EPSILON, Infinity])
      expect(() => hinge([1], [bad])).toThrow(LossRangeError);
    expect(() => hinge([1, 2], [1, 0])).toThrow('hinge: target[1] = 0 is not -1 or 1');
    expect(() => hingeGrad([1, 2], [0.5, 1])).toThrow('hingeGrad: target[0] = 0.5 is not -1 or 1');
  });

  it('propagates NaN in data instead of throwing', () => {
    expect(hinge([Number.NaN, 1], [1, 1]).value).toBeNaN();
    expect(hinge([1, 1], [Number.NaN, 1]).value).toBeNaN();
  });

  it("writes 'none' and gradients into caller buffers, with gradOutput", () => {
    const out = new Float64Array(3);
    const r = hinge([0, 2, -2], [1, 1, -1], { reduction: 'none', out });
    expect(r.value).toBe(out);
    expect(Array.from(out)).toEqual([1, 0, 0]);
    const gx = new Float64Array(3);
    const g = hingeGrad([0, 2, 0], [1, 1, -1], {
      reduction: 'none',
      gradOutput: [2, 3, 4],
      out: { input: gx },
    });
    expect(g.input).toBe(gx);
    expect(Array.from(gx)).toEqual([-2, 0, 4]);
  });

  it('names the function and argument in its errors', () => {
    expect(() => hinge([1, 2], [1])).toThrow(LossShapeError);
    expect(() => hinge([1, 2], [1])).toThrow('hinge: target has 1 elements but input has 2');
    expect(() => hinge([1], [1], { margin: Number.NaN })).toThrow(LossOptionError);
    expect(() => hinge([1], [1], { margin: Number.NaN })).toThrow('hinge: option margin = NaN');
    expect(() => hingeGrad([1], [1], { reduction: 'none', gradOutput: [1, 2] })).toThrow(
      'hingeGrad: gradOutput has 2 elements but the loss has 1',
    );
  });

  it('has gradients that agree with central finite differences away from the kink', () => {
    fc.assert(
      fc.property(scored(3, 20), fc.double({ min: -2, max: 2, noNaN: true }), ([f, y], margin) => {
        // keep every element at least 1e-3 from the kink m − y·f = 0
        for (let i = 0; i < f.length; i++)
          if (Math.abs(margin - y[i] * f[i]) < 1e-3) f[i] += 0.01 * y[i];
        for (const reduction of ['mean', 'sum'] as const) {
          const g = hingeGrad(f, y, { margin, reduction }).input;
          const fd = finiteDifference((z) => hinge(z, y, { margin, reduction }).value, f);
          expect(worstRatio(g, fd)).toBeLessThanOrEqual(1);
        }
      }),
      { numRuns: 50 },
    );
  });

  it('sum = mean × Σdenominator, and a split of the rows adds up to the whole', () => {
    fc.assert(
      fc.property(scored(1e3), ([f, y, ranges]) => {
        const whole = hinge(f, y);
        expect(hinge(f, y, { reduction: 'sum' }).value).toBeCloseTo(
          whole.value * whole.sumDenominator,
          6,
        );
        let s = 0;
        let d = 0;
        for (const [a, b] of ranges) {
          const part = hinge(f.subarray(a, b), y.subarray(a, b));
          s += part.sumValue;
          d += part.sumDenominator;
        }
        expect(d).toBe(f.length);
        expect(Math.abs(s / d - whole.value)).toBeLessThanOrEqual(1e-12 * Math.max(1, whole.value));
      }),
      { numRuns: 50 },
    );
  });

  it('never gives NaN for finite input, extreme values included', () => {
    const extreme = [0, -0, 1e308, -1e308, 5e-324, 800, -800, 1e4];
    for (const v of extreme) {
      const r = hinge(new Float64Array([v, v]), [1, -1], { reduction: 'none' }).value;
      for (const x of r) expect(x).not.toBeNaN();
      for (const x of hingeGrad([v, v], [1, -1]).input) expect(x).not.toBeNaN();
    }
  });

  it('agrees with the direct formula on every array type, across blocks with non-finite values', () => {
    // 3000 elements span three of the kernel's 1024-element blocks; a non-finite input in the
    // middle one sends that block to the exact fallback loop.
    const n = 3000;
    const x = Float64Array.from({ length: n }, (_, i) => 4 * Math.sin(i * 1.7));
    const y = Float64Array.from({ length: n }, (_, i) => (i % 3 === 0 ? -1 : 1));
    const ref = (xi: number, yi: number) => Math.max(0, 0.5 - yi * xi);
    const opts = { margin: 0.5 };
    expectBlockedSumsMatch(hinge, ref, x, y, opts, Number.NaN);
  });
});

describe('hinge sums (four labels a step; long float32: WebAssembly SIMD, internal/mbSums.ts)', () => {
  /** The direct formula with per-element Neumaier (labels ±1 or NaN). */
  const refSum = (x: ArrayLike<number>, y: ArrayLike<number>, m: number) => {
    let s = 0;
    let c = 0;
    for (let i = 0; i < x.length; i++) {
      const v = Math.max(0, m - y[i] * x[i]);
      const t = s + v;
      c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
      s = t;
    }
    return Number.isFinite(s) ? s + c : s;
  };
  // Long enough for the WebAssembly kernel (float32) and short of it: JavaScript loops only.
  for (const n of [3 * 8192 + 1027, 4093]) {
    const special = [0, -0, 1, -1, 0.5, -0.5, Infinity, -Infinity, Number.NaN, 1e38, -1e38];
    /** Random scores with special values (ties at the margin: x = ±m) sprinkled at `every`. */
    const make = (every: number, m: number) => {
      const x = Float64Array.from({ length: n }, (_, i) =>
        i % every === 0
          ? special[(i / every) % special.length] * (i % 2 ? m : 1)
          : 3 * Math.sin(i * 1.7),
      );
      const y = Float64Array.from({ length: n }, (_, i) => ((i * 7) % 5 < 2 ? -1 : 1));
      return { x: Float32Array.from(x), y: Float32Array.from(y) };
    };
    const types = (x: Float32Array, y: Float32Array) =>
      [
        [x, y],
        [Float64Array.from(x), Float64Array.from(y)],
        [Array.from(x), Array.from(y)],
      ] as const;

    it(`${n} elements: match the direct formula within 2.9e−14 on every array type (±0, ±∞, NaN, ties)`, () => {
      for (const m of [1, 0.5]) {
        // no special values, finite ones only, then every one (NaN makes the sum NaN)
        for (const every of [n + 1, 97, 4099]) {
          const { x, y } = make(every, m);
          if (every === 97) for (let i = 0; i < n; i += 97) if (!Number.isFinite(x[i])) x[i] = m;
          const want = refSum(x, y, m);
          for (const [xs, ys] of types(x, y)) {
            const got = hinge(xs, ys, { margin: m, reduction: 'sum' }).value;
            if (Number.isFinite(want))
              expect(Math.abs(got - want)).toBeLessThanOrEqual(2.9e-14 * want);
            else expect(got).toBe(want);
            const mean = hinge(xs, ys, { margin: m }).value;
            expect(mean).toBe(hinge(xs, ys, { margin: m, reduction: 'sum' }).value / n);
          }
        }
      }
      // +∞ only where it gives +∞ terms: y·x = −∞
      const { x, y } = make(n + 1, 1);
      x[3000] = y[3000] === 1 ? -Infinity : Infinity;
      for (const [xs, ys] of types(x, y))
        expect(hinge(xs, ys, { reduction: 'sum' }).value).toBe(Infinity);
      x[3000] = y[3000] === 1 ? Infinity : -Infinity;
      for (const [xs, ys] of types(x, y))
        expect(hinge(xs, ys, { reduction: 'sum' }).value).toBeCloseTo(refSum(x, y, 1), 6);
    });

    it(`${n} elements: reject the first label other than ±1 (NaN labels give NaN), on every array type`, () => {
      for (const [at, later] of [
        [0, 3000],
        [1, 2],
        [1023, 1024],
        [4091, 4092],
        [8191, 20000],
        [8192, 8193],
        [n - 1, -1],
        [n - 4, n - 1],
      ]) {
        if (later >= n) continue;
        const { x, y } = make(n + 1, 1);
        y[at] = 0.5;
        if (later >= 0) y[later] = 2;
        for (const [xs, ys] of types(x, y))
          expect(() => hinge(xs, ys)).toThrow(`hinge: target[${at}] = 0.5 is not -1 or 1`);
        y[at] = Number.NaN;
        for (const [xs, ys] of types(x, y)) {
          if (later >= 0)
            expect(() => hinge(xs, ys)).toThrow(`hinge: target[${later}] = 2 is not -1 or 1`);
          else expect(hinge(xs, ys).value).toBeNaN();
        }
      }
    });
  }
});

describe('hingeGrad fast loops', () => {
  it('match (m − y·f > 0 ? −y·k : 0) bit for bit (ties at the kink, ±0, ±∞, NaN, every array type)', () => {
    // The loops without gradOutput blend the comparison in arithmetically; this is the formula
    // with the branch, on data that reaches its corners: m − y·f = 0 exactly, signed zeros,
    // infinities, NaN scores and labels, labels at every position of the four-element steps.
    const special = [
      0,
      -0,
      Infinity,
      -Infinity,
      Number.NaN,
      1e308,
      -1e308,
      5e-324,
      1,
      -1,
      0.5,
      -0.5,
    ];
    // 5000 elements carry ~100 NaN labels: past 64 the rest takes the direct formula.
    for (const n of [0, 1, 3, 4, 5, 9, 64, 1000, 5000]) {
      let s = n + 3;
      const rnd = () => {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        return s / 2 ** 32;
      };
      const pick = () => special[Math.floor(rnd() * special.length)];
      const f64 = Float64Array.from({ length: n }, () => (rnd() < 0.3 ? pick() : rnd() * 4 - 2));
      const t64 = Float64Array.from({ length: n }, () =>
        rnd() < 0.02 ? Number.NaN : rnd() < 0.5 ? -1 : 1,
      );
      const per = Float64Array.from({ length: n }, () => (rnd() < 0.1 ? pick() : rnd() * 2));
      for (const margin of [1, 0.5, 0, -1]) {
        const types: [ArrayLike<number>, ArrayLike<number>][] = [
          [f64, t64],
          [Float32Array.from(f64), Float32Array.from(t64)],
          [Array.from(f64), Array.from(t64)],
          [Float32Array.from(f64), t64],
        ];
        for (const [f, t] of types) {
          const want = (k: number, p: ArrayLike<number> | null) =>
            Float64Array.from({ length: n }, (_, i) =>
              margin - t[i] * f[i] > 0 ? -t[i] * (p === null ? k : k * p[i]) : 0,
            );
          const a = f as number[];
          const b = t as number[];
          const cases: [object, number, ArrayLike<number> | null][] = [
            [{}, 1 / n, null],
            [{ reduction: 'sum' }, 1, null],
            [{ reduction: 'none', out: { input: new Float64Array(n).fill(7) } }, 1, null],
            [{ reduction: 'none', gradOutput: per }, 1, per],
          ];
          for (const [o, k, p] of cases) {
            const got = hingeGrad(a, b, { margin, ...o }).input;
            const exp = want(k, p);
            for (let i = 0; i < n; i++) {
              if (!Object.is(got[i], exp[i]))
                expect([i, f[i], t[i], got[i]]).toEqual([i, f[i], t[i], exp[i]]);
            }
          }
        }
      }
    }
  });

  it('rejects a label other than ±1 at its index, wherever it falls in the four-element steps', () => {
    for (const at of [0, 1, 2, 3, 4, 6, 9]) {
      const t = Float32Array.from({ length: 10 }, (_, i) => (i % 3 ? 1 : -1));
      t[at] = 0;
      expect(() => hingeGrad(new Float32Array(10), t)).toThrow(
        `hingeGrad: target[${at}] = 0 is not -1 or 1`,
      );
      t[at] = Number.NaN;
      expect(hingeGrad(new Float32Array(10), t).input[at]).toBe(0);
    }
  });
});
