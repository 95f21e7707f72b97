import {
  klDiv,
  klDivGrad,
  klDivInfo,
  LossOptionError,
  LossShapeError,
  LossTypeError,
} from '@losskit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finiteDifference, matrix, splitPoints, worstRatio } from '../test/helpers.js';

/** Each row of `data` turned into a probability distribution (softmax), and its log. */
function distributions(data: ArrayLike<number>, cols: number): [Float64Array, Float64Array] {
  const p = new Float64Array(data.length);
  const lp = new Float64Array(data.length);
  for (let b = 0; b < data.length; b += cols) {
    let m = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < cols; j++) m = Math.max(m, data[b + j]);
    let s = 0;
    for (let j = 0; j < cols; j++) s += Math.exp(data[b + j] - m);
    for (let j = 0; j < cols; j++) {
      lp[b + j] = data[b + j] - m - Math.log(s);
      p[b + j] = Math.exp(lp[b + j]);
    }
  }
  return [p, lp];
}

/** Model log-probabilities and target probabilities of one shape, plus a row split. */
const pair = matrix({ maxRows: 8, maxCols: 6, lim: 5 }).chain((m) =>
  fc
    .float64Array({
      minLength: m.data.length,
      maxLength: m.data.length,
      min: -5,
      max: 5,
      noNaN: true,
    })
    .chain((t) => fc.tuple(fc.constant(m), fc.constant(t), splitPoints(m.rows))),
);

const reductions = ['mean', 'sum', 'batchmean', 'none'] as const;

describe('klDiv', () => {
  it('is p·(log p − log q) with 0·log 0 = 0, worked by hand', () => {
    const logq = {
      data: [Math.log(0.5), Math.log(0.5), Math.log(0.25), Math.log(0.75)],
      shape: [2, 2],
    };
    const p = [1, 0, 0.5, 0.5];
    const r = klDiv(logq, p, { reduction: 'none' }).value;
    expect(r[0]).toBeCloseTo(Math.log(2), 15);
    expect(r[1]).toBe(0);
    expect(r[2]).toBeCloseTo(0.5 * (Math.log(0.5) - Math.log(0.25)), 15);
    expect(r[3]).toBeCloseTo(0.5 * (Math.log(0.5) - Math.log(0.75)), 15);
    const total = r.reduce((s, v) => s + v, 0);
    expect(klDiv(logq, p, { reduction: 'sum' }).value).toBeCloseTo(total, 15);
    expect(klDiv(logq, p).value).toBeCloseTo(total / 4, 15); // mean: N·C
    expect(klDiv(logq, p, { reduction: 'batchmean' }).value).toBeCloseTo(total / 2, 15); // N
  });

  it('with logTarget reads the target as log-probabilities', () => {
    fc.assert(
      fc.property(pair, ([m, t]) => {
        const [p, lp] = distributions(t, m.cols);
        const a = klDiv(m, p, { reduction: 'none' }).value;
        const b = klDiv(
          m,
          { data: lp, shape: m.shape },
          { reduction: 'none', logTarget: true },
        ).value;
        expect(worstRatio(b, a, 1e-12, 1e-14)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 50 },
    );
  });

  it('is zero for identical distributions and positive otherwise (batchmean)', () => {
    fc.assert(
      fc.property(pair, ([m, t]) => {
        const [p, lp] = distributions(t, m.cols);
        const same = klDiv({ data: lp, shape: m.shape }, p, { reduction: 'batchmean' }).value;
        expect(Math.abs(same)).toBeLessThanOrEqual(1e-14);
        const [, lq] = distributions(m.data, m.cols);
        const kl = klDiv({ data: lq, shape: m.shape }, p, { reduction: 'batchmean' }).value;
        expect(kl).toBeGreaterThanOrEqual(-1e-14);
      }),
      { numRuns: 50 },
    );
  });

  it('gives 0 for a zero probability even where log q = −∞ (a masked class), NaN propagates', () => {
    const inf = Number.NEGATIVE_INFINITY;
    const r = klDiv([inf, 0], [0, 1], { reduction: 'none' }).value;
    expect(Array.from(r, Math.abs)).toEqual([0, 0]);
    expect(klDiv([inf, 0], [inf, 0], { logTarget: true, reduction: 'sum' }).value).toBe(0);
    expect(klDiv([Number.NaN, 0], [0, 1]).value).toBeNaN();
    expect(klDiv([0, 0], [Number.NaN, 1]).value).toBeNaN();
  });

  it('never gives NaN for finite log-probabilities and probabilities in [0, 1]', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true, max: 0 }), {
          minLength: 8,
          maxLength: 8,
        }),
        fc.array(fc.oneof(fc.constant(0), fc.double({ min: 0, max: 1, noNaN: true })), {
          minLength: 8,
          maxLength: 8,
        }),
        (x, t) => {
          for (const v of klDiv(x, t, { reduction: 'none' }).value)
            expect(Number.isNaN(v)).toBe(false);
          const lt = t.map(Math.log);
          for (const v of klDiv(x, lt, { reduction: 'none', logTarget: true }).value)
            expect(Number.isNaN(v)).toBe(false);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('gives the float64 answer with the table-driven logs (float32 and float64 targets), special targets included', () => {
    // Float32Array targets take log t from logF32Bits (≤ 3u) and the sums are blocked: every
    // element within a few ulp of p·(log p − x) computed in float64 with Math.log, and the sum
    // too, across block edges (n > 1024) and with zeros, subnormals, negatives, ∞ and NaN.
    fc.assert(
      fc.property(
        fc.float32Array({ minLength: 1, maxLength: 3000, noNaN: true, min: -40, max: 0 }),
        fc.float32Array({ minLength: 3000, maxLength: 3000, noNaN: true, min: 0, max: 1 }),
        fc.boolean(),
        (x32, t, x64) => {
          const n = x32.length;
          const t32 = t.subarray(0, n);
          const x = x64 ? Float64Array.from(x32) : x32;
          const ref = Array.from(t32, (ti, i) => (ti === 0 ? 0 : ti * (Math.log(ti) - x32[i])));
          const r = klDiv(x, t32, { reduction: 'none' }).value;
          // float64 targets (with float64 inputs) take logF64Words: the same bound
          const r64 = klDiv(Float64Array.from(x32), Float64Array.from(t32), { reduction: 'none' });
          for (let i = 0; i < n; i++) {
            const ti = t32[i];
            const bound = ti === 0 ? 0 : 1e-15 * ti * (Math.abs(Math.log(ti)) + Math.abs(x32[i]));
            expect(Math.abs(r[i] - ref[i])).toBeLessThanOrEqual(bound);
            expect(Math.abs(r64.value[i] - ref[i])).toBeLessThanOrEqual(bound);
          }
          let total = 0;
          let mag = 0;
          for (const v of ref) {
            total += v;
            mag += Math.abs(v);
          }
          const sum = klDiv(x, t32, { reduction: 'sum' }).value;
          expect(Math.abs(sum - total)).toBeLessThanOrEqual(1e-12 * mag + 1e-300);
        },
      ),
      { numRuns: 40 },
    );
    const x = new Float32Array([-1, -2, -3, -4, -5, Number.NEGATIVE_INFINITY, -1]);
    const t = new Float32Array([0, 1e-45, -0.5, Number.POSITIVE_INFINITY, Number.NaN, 0, 0.25]);
    const r = klDiv(x, t, { reduction: 'none' }).value;
    expect(r[0]).toBe(0);
    expect(r[1]).toBe(t[1] * (Math.log(t[1]) + 2));
    expect(r[2]).toBeNaN();
    expect(r[3]).toBe(Number.POSITIVE_INFINITY);
    expect(r[4]).toBeNaN();
    expect(Math.abs(r[5])).toBe(0);
    expect(r[6]).toBeCloseTo(0.25 * (Math.log(0.25) + 1), 15);
    expect(klDiv(x.subarray(0, 2), t.subarray(0, 2), { reduction: 'sum' }).value).toBe(r[1]);
    expect(klDiv(x, t, { reduction: 'sum' }).value).toBeNaN();
    const t64 = Float64Array.from([0, 5e-324, -0.5, Number.POSITIVE_INFINITY, Number.NaN, 0, 0.25]);
    const r64 = klDiv(Float64Array.from(x), t64, { reduction: 'none' }).value;
    expect(Array.from(r64, (v) => v + 0)).toEqual([
      0,
      5e-324 * (Math.log(5e-324) + 2),
      Number.NaN,
      Number.POSITIVE_INFINITY,
      Number.NaN,
      0,
      r[6],
    ]);
  });

  it('gives the float64 answer for float32 targets of every binade, specials flagging their block only', () => {
    // The Float32Array loop inlines logF32Bits four elements at a time and flags a block with a
    // target that is not a positive normal float32 by integer arithmetic alone: targets drawn
    // from every exponent (2⁻¹²⁶ … 2¹²⁷), with 0, −0, subnormals, negatives, ∞ and NaN at
    // scattered positions (every residue mod 4, so each lane's flag term is reached).
    const n = 4099;
    const bits = new Int32Array(n);
    let seed = 12345;
    const next = () => {
      seed = (Math.imul(seed, 1103515245) + 12345) | 0;
      return seed >>> 0;
    };
    for (let i = 0; i < n; i++) bits[i] = ((1 + (i % 254)) << 23) | (next() & 0x7fffff);
    const specials = [0, 0x80000000, 1, 0x7fffff, 0xbf800000, 0xff7fffff, 0x7f800000, 0x7fc00000];
    specials.forEach((b, k) => {
      bits[137 * k + (k % 4)] = b | 0;
    });
    const t = new Float32Array(bits.buffer);
    const x = Float32Array.from({ length: n }, (_, i) => -((i * 7) % 23) / 3);
    const r = klDiv(x, t, { reduction: 'none' }).value;
    let total = 0;
    let mag = 0;
    for (let i = 0; i < n; i++) {
      const ti = t[i];
      const ref = ti === 0 ? 0 : ti * (Math.log(ti) - x[i]);
      total += ref;
      mag += Math.abs(ref);
      if (!Number.isFinite(ref)) expect(Object.is(r[i], ref)).toBe(true);
      else if (ti === 0) expect(Math.abs(r[i])).toBe(0);
      else {
        const bound = 1e-15 * Math.abs(ti) * (Math.abs(Math.log(Math.abs(ti))) + Math.abs(x[i]));
        expect(Math.abs(r[i] - ref)).toBeLessThanOrEqual(bound);
      }
    }
    expect(total).toBeNaN(); // the NaN and −0.5-like targets
    // Without the specials: the sum of every block within the blocked bound.
    const clean = Float32Array.from(t, (v) => (v > 0 && Number.isFinite(v) ? v : 0.5));
    const rc = klDiv(x, clean, { reduction: 'none' }).value;
    total = 0;
    mag = 0;
    for (let i = 0; i < n; i++) {
      const ref = clean[i] * (Math.log(clean[i]) - x[i]);
      total += ref;
      mag += Math.abs(ref);
      expect(Math.abs(rc[i] - ref)).toBeLessThanOrEqual(
        1e-15 * Math.abs(clean[i]) * (Math.abs(Math.log(clean[i])) + Math.abs(x[i])),
      );
    }
    expect(Math.abs(klDiv(x, clean, { reduction: 'sum' }).value - total)).toBeLessThanOrEqual(
      1e-13 * mag,
    );
  });

  it('takes zero targets (one-hot rows, masked classes) in the fast loop: +0 terms, −∞ logits too', () => {
    const rows = 1000;
    const c = 10;
    const x = new Float32Array(rows * c);
    const t = new Float32Array(rows * c);
    for (let r = 0; r < rows; r++) {
      for (let j = 0; j < c; j++) x[r * c + j] = Math.log((j + 1) / 55);
      t[r * c + ((r * 7) % c)] = 1;
      if (r % 3 === 0) t[r * c + ((r * 7 + 1) % c)] = -0;
      if (r % 5 === 0) x[r * c + ((r * 7 + 2) % c)] = Number.NEGATIVE_INFINITY; // masked, target 0
    }
    const none = klDiv(x, t, { reduction: 'none' }).value;
    let want = 0;
    for (let i = 0; i < none.length; i++) {
      if (t[i] === 0) expect(Object.is(none[i], 0)).toBe(true);
      else {
        const ref = t[i] * (Math.log(t[i]) - x[i]);
        expect(Math.abs(none[i] - ref)).toBeLessThanOrEqual(1e-15 * Math.abs(ref));
        want += ref;
      }
    }
    const sum = klDiv(x, t, { reduction: 'sum' }).value;
    expect(Math.abs(sum - want)).toBeLessThanOrEqual(1e-13 * Math.abs(want));
  });

  it('with logTarget takes e^t from expTable: the float64 answer, −∞, NaN and large t included', () => {
    const n = 2500; // three blocks
    const x = new Float64Array(n);
    const t = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      x[i] = -3 * Math.abs(Math.sin(i));
      t[i] = -40 * Math.abs(Math.cos(i * 0.7)) ** 3;
    }
    t.set([Number.NEGATIVE_INFINITY, 50, -800, 0], 0);
    for (const [xs, ts] of [
      [x, t],
      [Float32Array.from(x), Float32Array.from(t)],
      [Array.from(x), Array.from(t)],
    ] as const) {
      const xv = Float64Array.from(xs as ArrayLike<number>);
      const tv = Float64Array.from(ts as ArrayLike<number>);
      const ref = Float64Array.from(tv, (ti, i) =>
        ti === Number.NEGATIVE_INFINITY ? 0 : Math.exp(ti) * (ti - xv[i]),
      );
      const r = klDiv(xs, ts, { reduction: 'none', logTarget: true }).value;
      expect(worstRatio(r, ref, 1e-15, 1e-300)).toBeLessThanOrEqual(1);
      const sum = klDiv(xs, ts, { reduction: 'sum', logTarget: true }).value;
      expect(Math.abs(sum / ref.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-13);
      const g = klDivGrad(xs, ts, { reduction: 'sum', logTarget: true }).input;
      expect(
        worstRatio(
          g,
          Float64Array.from(tv, (ti) => -Math.exp(ti)),
          1e-15,
          1e-300,
        ),
      ).toBeLessThanOrEqual(1);
    }
    const nan = klDiv([0, 1], [Number.NaN, 0], { reduction: 'none', logTarget: true }).value;
    expect(nan[0]).toBeNaN();
    expect(klDivGrad([0], [Number.NaN], { logTarget: true }).input[0]).toBeNaN();
    expect(klDiv([Number.NaN], [Number.NEGATIVE_INFINITY], { logTarget: true }).value).toBeNaN();
  });

  it('has gradients that agree with central finite differences, every reduction', () => {
    fc.assert(
      fc.property(
        pair,
        fc.boolean(),
        fc.constantFrom(...reductions),
        ([m, t], logTarget, reduction) => {
          const [p, lp] = distributions(t, m.cols);
          const target = { data: logTarget ? lp : p, shape: m.shape };
          const up = Float64Array.from(m.data, (_, i) => 1 + (i % 5));
          const f = (z: Float64Array) => {
            const r = klDiv({ data: z, shape: m.shape }, target, { logTarget, reduction });
            return typeof r.value === 'number'
              ? r.value
              : r.value.reduce((s, v, i) => s + up[i] * v, 0);
          };
          const g = klDivGrad(m, target, {
            logTarget,
            reduction,
            gradOutput: reduction === 'none' ? up : undefined,
          }).input;
          expect(worstRatio(g, finiteDifference(f, m.data))).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('sum = mean × N·C = batchmean × N, and a split of the rows adds up to the whole', () => {
    fc.assert(
      fc.property(pair, ([m, t, ranges]) => {
        const [p] = distributions(t, m.cols);
        const whole = klDiv(m, p);
        const sum = klDiv(m, p, { reduction: 'sum' }).value;
        const bm = klDiv(m, p, { reduction: 'batchmean' });
        expect(whole.sumDenominator).toBe(m.rows * m.cols);
        expect(bm.rows).toBe(m.rows);
        const tol = 1e-12 * Math.max(1, Math.abs(sum));
        expect(Math.abs(sum - whole.value * whole.sumDenominator)).toBeLessThanOrEqual(tol);
        expect(Math.abs(sum - bm.value * m.rows)).toBeLessThanOrEqual(tol);
        let s = 0;
        let d = 0;
        let rows = 0;
        for (const [a, b] of ranges) {
          const lo = a * m.cols;
          const hi = b * m.cols;
          const part = klDiv(
            { data: m.data.subarray(lo, hi), shape: [b - a, m.cols] },
            { data: p.subarray(lo, hi), shape: [b - a, m.cols] },
            { reduction: 'batchmean' },
          );
          s += part.sumValue;
          d += part.sumDenominator;
          rows += part.rows;
        }
        expect(rows).toBe(m.rows);
        expect(Math.abs(s / d - whole.value)).toBeLessThanOrEqual(
          1e-12 * Math.max(1, Math.abs(whole.value)),
        );
        expect(Math.abs(s / rows - bm.value)).toBeLessThanOrEqual(
          1e-12 * Math.max(1, Math.abs(bm.value)),
        );
      }),
      { numRuns: 60 },
    );
  });

  it('writes into caller buffers', () => {
    const out = new Float64Array(2);
    expect(klDiv([0, 0], [1, 0], { reduction: 'none', out }).value).toBe(out);
    const gi = new Float64Array(2);
    expect(klDivGrad([0, 0], [1, 0], { reduction: 'sum', out: { input: gi } }).input).toBe(gi);
    expect(Array.from(gi, (v) => v + 0)).toEqual([-1, 0]);
  });

  it('throws typed errors naming the function, argument and value', () => {
    const x = { data: new Float64Array(40), shape: [8, 5] };
    expect(() => klDiv(x, { data: new Float64Array(32), shape: [8, 4] })).toThrow(LossShapeError);
    expect(() => klDiv(x, { data: new Float64Array(32), shape: [8, 4] })).toThrow(
      'klDiv: target has 32 elements (shape [8, 4]) but input has 40 (shape [8, 5])',
    );
    expect(() => klDiv(x, { data: new Float64Array(40), shape: [5, 8] })).toThrow(
      'klDiv: target has shape [5, 8] but input has shape [8, 5]',
    );
    expect(() => klDiv([0], [1], { reduction: 'avg' as never })).toThrow(
      "klDiv: option reduction = \"avg\" is invalid; expected one of 'mean', 'sum', 'none', 'batchmean'",
    );
    expect(() => klDiv([0], [1], { logTarget: 1 as never })).toThrow(LossOptionError);
    expect(() => klDiv([0], [1], { logTarget: 1 as never })).toThrow('klDiv: option logTarget');
    expect(() => klDiv(null as never, [1])).toThrow(LossTypeError);
    expect(() => klDivGrad([0, 1], [1])).toThrow('klDivGrad: target has 1 elements');
  });

  it("lists 'batchmean' among its reductions", () => {
    expect(klDivInfo.reductions).toContain('batchmean');
    expect(klDivInfo.reductions[0]).toBe('mean');
  });
});
