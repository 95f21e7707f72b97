import {
  LossOptionError,
  LossShapeError,
  LossTypeError,
  tripletMargin,
  tripletMarginGrad,
  tripletMarginInfo,
} from '@losskit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { finiteDifference, seededRandom, splitPoints, worstRatio } from '../test/helpers.js';

/** The coordinates of x − y + eps for one row. */
function diff(x: ArrayLike<number>, y: ArrayLike<number>, n: number, cols: number, eps: number) {
  return Array.from({ length: cols }, (_, j) => x[n * cols + j] - y[n * cols + j] + eps);
}

/** PyTorch's pairwise_distance written out naively: (Σ|d|ᵖ)^(1/p), max for p = ∞. */
function norm(d: number[], p: number): number {
  if (p === Number.POSITIVE_INFINITY) return Math.max(...d.map(Math.abs));
  return d.reduce((s, v) => s + Math.abs(v) ** p, 0) ** (1 / p);
}

interface Opts {
  margin: number;
  p: number;
  eps: number;
  swap: boolean;
}

/** The hinge argument z of every row, naively. */
function referenceZ(a: Float64Array, pos: Float64Array, neg: Float64Array, cols: number, o: Opts) {
  const rows = a.length / cols;
  return Array.from({ length: rows }, (_, n) => {
    const dp = norm(diff(a, pos, n, cols, o.eps), o.p);
    let dn = norm(diff(a, neg, n, cols, o.eps), o.p);
    if (o.swap) dn = Math.min(dn, norm(diff(pos, neg, n, cols, o.eps), o.p));
    return o.margin + dp - dn;
  });
}

function sample(rows: number, cols: number, seed: number) {
  const rnd = seededRandom(seed);
  const m = () => Float64Array.from({ length: rows * cols }, () => rnd() * 4 - 2);
  return { a: m(), pos: m(), neg: m() };
}

/** True when some row sits within δ of a point where the loss is not differentiable. */
function nearKink(a: Float64Array, pos: Float64Array, neg: Float64Array, cols: number, o: Opts) {
  const d = 1e-3;
  const rows = a.length / cols;
  for (const z of referenceZ(a, pos, neg, cols, o)) if (Math.abs(z) < d) return true;
  for (let n = 0; n < rows; n++) {
    const ds = [
      diff(a, pos, n, cols, o.eps),
      diff(a, neg, n, cols, o.eps),
      diff(pos, neg, n, cols, o.eps),
    ];
    if (o.swap && Math.abs(norm(ds[1], o.p) - norm(ds[2], o.p)) < d) return true;
    for (const v of ds) {
      const abs = v.map(Math.abs).sort((x, y) => y - x);
      if (abs[abs.length - 1] < d) return true; // |·| and sign kinks (p ≤ 1)
      if (o.p === Number.POSITIVE_INFINITY && abs.length > 1 && abs[0] - abs[1] < d) return true;
    }
  }
  return false;
}

describe('tripletMargin', () => {
  it('is max(0, margin + d(a, p) − d(a, n)), worked by hand', () => {
    const anchor = { data: [0, 0, 0, 0], shape: [2, 2] };
    // row 0: d(a,p) = 1, d(a,n) = 1.5 → 1 + 1 − 1.5 = 0.5; row 1: d = 3, d = 5 (3-4-5) → 0
    const none = tripletMargin(anchor, [0, 1, 3, 0], [0, 1.5, 3, 4], { eps: 0, reduction: 'none' });
    expect(Array.from(none.value)).toEqual([0.5, 0]);
    expect(tripletMargin(anchor, [0, 1, 3, 0], [0, 1.5, 3, 4], { eps: 0, margin: 3 }).value).toBe(
      (3 + 1 - 1.5 + (3 + 3 - 5)) / 2,
    );
    // p = 1: d(a,p) = 3, d(a,n) = 7 (row 1)
    const l1 = tripletMargin(anchor, [0, 1, 3, 0], [0, 1.5, 3, 4], { eps: 0, p: 1, margin: 5 });
    expect(l1.value).toBe((5 + 1 - 1.5 + (5 + 3 - 7)) / 2);
    expect([l1.rows, l1.elements, l1.sumDenominator, l1.ignored]).toEqual([2, 2, 2, 0]);
  });

  it('matches PyTorch 1.13 at eps, zero coordinates (p < 1), ties (p = ∞) and swap ties', () => {
    // torch.nn.functional.triplet_margin_loss(..., reduction='none'), gradients of the sum
    const a = { data: [0, 0, 1, 1], shape: [2, 2] };
    const p = [-1e-6, -1e-6, 1, 1];
    const n = [1, 0, 3, 1];
    const r = tripletMargin(a, p, n, { reduction: 'none' }).value;
    expect(worstRatio(r, [3.8284266248300725e-6, 0], 1e-9, 1e-15)).toBeLessThanOrEqual(1);
    const g = tripletMarginGrad(a, p, n, { reduction: 'sum' });
    expect(
      worstRatio(g.anchor, [1.7071067811860476, 0.7071057811855476, 0, 0], 1e-9, 1e-15),
    ).toBeLessThanOrEqual(1);
    expect(
      worstRatio(g.positive, [-Math.SQRT1_2, -Math.SQRT1_2, 0, 0], 1e-9, 1e-15),
    ).toBeLessThanOrEqual(1);
    expect(
      worstRatio(g.negative, [-0.9999999999995001, 1.0000010000005002e-6, 0, 0], 1e-9, 1e-15),
    ).toBeLessThanOrEqual(1);

    const a2 = { data: [0, 1, 2, 2], shape: [2, 2] };
    const p2 = [0, 3, 1, 0];
    const n2 = [1, 1, 2, 2];
    const half = tripletMargin(a2, p2, n2, { p: 0.5, eps: 0, reduction: 'none' }).value;
    expect(worstRatio(half, [2.0000000000000004, 6.82842712474619], 1e-12)).toBeLessThanOrEqual(1);
    const gh = tripletMarginGrad(a2, p2, n2, { p: 0.5, eps: 0, reduction: 'sum' });
    // the zero coordinate of a − p in row 0 gets 0, not 0·∞ = NaN
    expect(
      worstRatio(gh.anchor, [1, -1, 2.414213562373095, 1.7071067811865472], 1e-12),
    ).toBeLessThanOrEqual(1);
    expect(
      worstRatio(gh.positive, [0, 1, -2.414213562373095, -1.7071067811865472], 1e-12),
    ).toBeLessThanOrEqual(1);
    expect(worstRatio(gh.negative, [-1, 0, 0, 0], 1e-12)).toBeLessThanOrEqual(1);
    const inf = tripletMarginGrad(a2, p2, n2, {
      p: Number.POSITIVE_INFINITY,
      eps: 0,
      reduction: 'sum',
    });
    expect(Array.from(inf.anchor, (v) => v + 0)).toEqual([1, -1, 0, 1]);
    expect(Array.from(inf.negative, (v) => v + 0)).toEqual([-1, 0, 0, 0]);
    expect(
      tripletMargin(a2, p2, n2, { p: Number.POSITIVE_INFINITY, eps: 0, reduction: 'sum' }).value,
    ).toBe(5);

    // anchor = positive (zero distance) and d(a, n) = d(p, n) with swap: PyTorch gives loss 1,
    // ∂a = [0.5, 0], ∂p = [0.5, 0], ∂n = [−1, 0] (the tie shares the gradient, zero distance gives 0)
    const z = { data: [0, 0], shape: [1, 2] };
    expect(tripletMargin(z, [0, 0], [1, 0], { swap: true, eps: 0, margin: 2 }).value).toBe(1);
    const gz = tripletMarginGrad(z, [0, 0], [1, 0], { swap: true, eps: 0, margin: 2 });
    expect(Array.from(gz.anchor, (v) => v + 0)).toEqual([0.5, 0]);
    expect(Array.from(gz.positive, (v) => v + 0)).toEqual([0.5, 0]);
    expect(Array.from(gz.negative, (v) => v + 0)).toEqual([-1, 0]);
  });

  it('matches the naive formula for random p, margin and swap (float64 reference)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer(),
        fc.constantFrom(1, 2, 3, 0.5, 1.5, Number.POSITIVE_INFINITY),
        fc.boolean(),
        fc.double({ min: -1, max: 2, noNaN: true }),
        (rows, cols, seed, p, swap, margin) => {
          const { a, pos, neg } = sample(rows, cols, seed);
          const o = { margin, p, eps: 1e-6, swap };
          const got = tripletMargin({ data: a, shape: [rows, cols] }, pos, neg, {
            ...o,
            reduction: 'none',
          });
          const want = referenceZ(a, pos, neg, cols, o).map((z) => Math.max(0, z));
          expect(worstRatio(got.value, want, 1e-12, 1e-14)).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 60 },
    );
  });

  // Swap replaces d(a, n) by min(d(a, n), d(p, n)) ≤ d(a, n): the harder negative, so the loss can
  // only grow (PyTorch 1.13 agrees: on 1000 random rows, swap ≥ plain everywhere, > on 456). A
  // property "swap ≤ no swap" would be the wrong way round; the right one, with equality exactly
  // where d(p, n) ≥ d(a, n), is checked here.
  it('with swap is never below without it, and equal where d(p, n) ≥ d(a, n)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer(),
        fc.constantFrom(1, 2, 3, Number.POSITIVE_INFINITY),
        (rows, cols, seed, p) => {
          const { a, pos, neg } = sample(rows, cols, seed);
          const shape = [rows, cols];
          const plain = tripletMargin({ data: a, shape }, pos, neg, { p, reduction: 'none' }).value;
          const swapped = tripletMargin({ data: a, shape }, pos, neg, {
            p,
            swap: true,
            reduction: 'none',
          }).value;
          for (let n = 0; n < rows; n++) {
            expect(swapped[n]).toBeGreaterThanOrEqual(plain[n]);
            const dn = norm(diff(a, neg, n, cols, 1e-6), p);
            const ds = norm(diff(pos, neg, n, cols, 1e-6), p);
            if (ds >= dn) expect(swapped[n]).toBe(plain[n]);
            else if (plain[n] > 0) expect(swapped[n]).toBeGreaterThan(plain[n]);
          }
        },
      ),
      { numRuns: 50 },
    );
  });

  it('has gradients for all three inputs that agree with central finite differences', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer(),
        fc.constantFrom(1, 2, 3, 1.5, Number.POSITIVE_INFINITY),
        fc.boolean(),
        (rows, cols, seed, p, swap) => {
          const { a, pos, neg } = sample(rows, cols, seed);
          const shape = [rows, cols];
          const o = { margin: 1.5, p, eps: 1e-6, swap };
          if (nearKink(a, pos, neg, cols, o)) return;
          for (const reduction of ['mean', 'sum'] as const) {
            const oo = { ...o, reduction };
            const g = tripletMarginGrad({ data: a, shape }, pos, neg, oo);
            const fa = finiteDifference(
              (z) => tripletMargin({ data: z, shape }, pos, neg, oo).value,
              a,
            );
            const fp = finiteDifference(
              (z) => tripletMargin({ data: a, shape }, z, neg, oo).value,
              pos,
            );
            const fn = finiteDifference(
              (z) => tripletMargin({ data: a, shape }, pos, z, oo).value,
              neg,
            );
            expect(worstRatio(g.anchor, fa)).toBeLessThanOrEqual(1);
            expect(worstRatio(g.positive, fp)).toBeLessThanOrEqual(1);
            expect(worstRatio(g.negative, fn)).toBeLessThanOrEqual(1);
          }
          const w = Float64Array.from({ length: rows }, (_, i) => 1 - i / 3);
          const g = tripletMarginGrad({ data: a, shape }, pos, neg, {
            ...o,
            reduction: 'none',
            gradOutput: w,
          });
          const fd = finiteDifference((z) => {
            const v = tripletMargin({ data: a, shape }, pos, z, { ...o, reduction: 'none' }).value;
            return v.reduce((s, x, i) => s + w[i] * x, 0);
          }, neg);
          expect(worstRatio(g.negative, fd)).toBeLessThanOrEqual(1);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('sum = mean × Σdenominator, and a split of the rows adds up to the whole', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 20 })
          .chain((n) =>
            fc.tuple(fc.constant(n), fc.integer({ min: 1, max: 5 }), fc.integer(), splitPoints(n)),
          ),
        ([rows, cols, seed, ranges]) => {
          const { a, pos, neg } = sample(rows, cols, seed);
          const o = { swap: true, margin: 2 };
          const whole = tripletMargin({ data: a, shape: [rows, cols] }, pos, neg, o);
          const sum = tripletMargin({ data: a, shape: [rows, cols] }, pos, neg, {
            ...o,
            reduction: 'sum',
          }).value;
          expect(Math.abs(sum - whole.value * whole.sumDenominator)).toBeLessThanOrEqual(
            1e-12 * Math.max(1, sum),
          );
          let s = 0;
          let d = 0;
          for (const [lo, hi] of ranges) {
            const cut = (x: Float64Array) => x.subarray(lo * cols, hi * cols);
            const part = tripletMargin(
              { data: cut(a), shape: [hi - lo, cols] },
              cut(pos),
              cut(neg),
              o,
            );
            s += part.sumValue;
            d += part.sumDenominator;
          }
          expect(d).toBe(whole.sumDenominator);
          expect(Math.abs(s - whole.sumValue)).toBeLessThanOrEqual(
            1e-12 * Math.max(1, whole.sumValue),
          );
        },
      ),
      { numRuns: 50 },
    );
  });

  it('gives finite gradients at zero distance (eps = 0) and rescales overflowing rows', () => {
    const z = { data: [1, 2, 3], shape: [1, 3] };
    for (const p of [0.5, 1, 2, 3, Number.POSITIVE_INFINITY]) {
      const g = tripletMarginGrad(z, [1, 2, 3], [1, 2, 3], { eps: 0, p });
      for (const v of [...g.anchor, ...g.positive, ...g.negative]) expect(v).toBe(0);
    }
    // |a − n|² overflows (4e400) and so does |a − p|²: PyTorch computes ∞ − ∞ = NaN here; the
    // rescaled distances are exact: d(a, p) = d(a, n) = √2·1e200, so ℓ = margin
    const big = { data: [1e200, 1e200], shape: [1, 2] };
    expect(tripletMargin(big, [0, 0], [0, 0]).value).toBeCloseTo(1, 10);
    // d(a, p) = 1e200·√2 < d(a, n) = 3e200·√2: ℓ = 0; the other way round ℓ = (3 − 1)·√2·1e200
    expect(tripletMargin(big, [0, 0], [-2e200, -2e200]).value).toBe(0);
    const far = tripletMargin(big, [-2e200, -2e200], [0, 0]).value;
    expect(far / (2 * Math.SQRT2 * 1e200)).toBeCloseTo(1, 12);
    const g = tripletMarginGrad(big, [0, 0], [0, 0]);
    expect(Array.from(g.anchor, (v) => v + 0)).toEqual([0, 0]);
    expect(g.positive[0]).toBeCloseTo(-Math.SQRT1_2, 12);
    expect(g.negative[0]).toBeCloseTo(Math.SQRT1_2, 12);
  });

  it('is never NaN for finite input, including extreme values', () => {
    const value = fc.double({ noNaN: true, noDefaultInfinity: true });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }).chain((cols) =>
          fc.tuple(
            fc.constant(cols),
            fc.array(fc.array(value, { minLength: 3 * cols, maxLength: 3 * cols }), {
              minLength: 1,
              maxLength: 5,
            }),
            fc.constantFrom(1, 2, 3, Number.POSITIVE_INFINITY),
            fc.boolean(),
          ),
        ),
        ([cols, rows, p, swap]) => {
          const pick = (k: number) => rows.flatMap((r) => r.slice(k * cols, (k + 1) * cols));
          const shape = [rows.length, cols];
          const v = tripletMargin({ data: pick(0), shape }, pick(1), pick(2), {
            p,
            swap,
            reduction: 'none',
          }).value;
          for (const x of v) expect(Number.isNaN(x)).toBe(false);
        },
      ),
    );
  });

  it("writes 'none' and gradients into caller buffers (stale contents are overwritten)", () => {
    const shape = [1, 2];
    const out = new Float64Array(1);
    expect(
      tripletMargin({ data: [0, 0], shape }, [0, 1], [0, 1.5], { eps: 0, reduction: 'none', out })
        .value,
    ).toBe(out);
    expect(out[0]).toBe(0.5);
    const bufs = {
      anchor: new Float64Array(2).fill(9),
      positive: new Float64Array(2).fill(9),
      negative: new Float64Array(2).fill(9),
    };
    const g = tripletMarginGrad({ data: [0, 0], shape }, [0, 1], [0, 1.5], { eps: 0, out: bufs });
    expect(g.anchor).toBe(bufs.anchor);
    // ∂/∂a = (a − p)/1 − (a − n)/1.5 = (0, −1 + 1) = 0; ∂/∂p = (0, 1); ∂/∂n = (0, −1)
    expect(Array.from(bufs.anchor, (v) => v + 0)).toEqual([0, 0]);
    expect(Array.from(bufs.positive, (v) => v + 0)).toEqual([0, 1]);
    expect(Array.from(bufs.negative, (v) => v + 0)).toEqual([0, -1]);
  });

  it('gives the same from Float32Array inputs (their own loop copies) as from float64 copies', () => {
    // The p = 1 and p = 2 loops come in a float32 and a float64 copy; float32 → float64 is exact,
    // so both must give bit-identical results. Odd D exercises the unrolled loops' last column.
    const rnd = seededRandom(7);
    for (const cols of [1, 5, 8]) {
      const rows = 6;
      const f32 = () => Float32Array.from({ length: rows * cols }, () => rnd() * 4 - 2);
      const [a, pos, neg] = [f32(), f32(), f32()];
      const shape = [rows, cols];
      for (const p of [1, 2, 3]) {
        for (const swap of [false, true]) {
          const o = { p, swap, reduction: 'none' as const };
          const narrow = [{ data: a, shape }, pos, neg] as const;
          const wide = [
            { data: Float64Array.from(a), shape },
            Float64Array.from(pos),
            Float64Array.from(neg),
          ] as const;
          // mixed types are widened to float64 too
          const mixed = [{ data: a, shape }, Float64Array.from(pos), neg] as const;
          const v = tripletMargin(...wide, o).value;
          expect(tripletMargin(...narrow, o).value).toEqual(v);
          expect(tripletMargin(...mixed, o).value).toEqual(v);
          const g = tripletMarginGrad(...wide, { p, swap });
          expect(tripletMarginGrad(...narrow, { p, swap })).toEqual(g);
          expect(tripletMarginGrad(...mixed, { p, swap })).toEqual(g);
        }
      }
    }
  });

  it('overwrites stale gradient buffers on every kind of row (active, inactive, rescaled)', () => {
    // row 0 active, row 1 inactive (margin met), row 2 overflows |a − n|² (the general path)
    const shape = [3, 2];
    const a = { data: [0, 0, 0, 0, 0, 0], shape };
    const pos = [0, 1, 0, 0.1, 1e200, 0];
    const neg = [0, 1.5, 0, 5, -1e200, 0];
    for (const p of [1, 2, 3, 1.5]) {
      const fresh = tripletMarginGrad(a, pos, neg, { p, margin: 1 });
      const out = {
        anchor: new Float64Array(6).fill(9),
        positive: new Float64Array(6).fill(9),
        negative: new Float64Array(6).fill(9),
      };
      tripletMarginGrad(a, pos, neg, { p, margin: 1, out });
      expect(out).toEqual(fresh);
      // the inactive row is +0 everywhere (not −0 from 0 times a negative coordinate)
      for (const g of [fresh.anchor, fresh.positive, fresh.negative]) {
        expect(Array.from(g.subarray(2, 4), (v) => Object.is(v, 0))).toEqual([true, true]);
      }
    }
  });

  it('names the function and argument in its errors', () => {
    expect(() => tripletMargin([0, 0], [0, 1], [1, 1])).toThrow(LossShapeError);
    expect(() => tripletMargin([0, 0], [0, 1], [1, 1])).toThrow(
      'tripletMargin: anchor must be 2-D [N, D]; got shape [2] (pass {data, shape: [N, D]}',
    );
    expect(() =>
      tripletMargin(
        { data: new Float32Array(48), shape: [8, 6] },
        { data: new Float32Array(40), shape: [8, 5] },
        new Float32Array(48),
      ),
    ).toThrow('tripletMargin: positive has shape [8, 5] but anchor has [8, 6]');
    expect(() => tripletMargin({ data: [0, 0], shape: [1, 2] }, [0], [0, 0])).toThrow(
      'tripletMargin: positive has 1 elements but anchor has [1, 2] = 2',
    );
    expect(() =>
      tripletMarginGrad({ data: [0, 0], shape: [1, 2] }, [0, 0], [0, 0], { p: 0 }),
    ).toThrow(LossOptionError);
    expect(() => tripletMargin({ data: [0, 0], shape: [1, 2] }, [0, 0], [0, 0], { p: -1 })).toThrow(
      'tripletMargin: option p = -1 is invalid; expected a number > 0',
    );
    expect(() =>
      tripletMargin({ data: [0, 0], shape: [1, 2] }, [0, 0], [0, 0], { swap: 1 as never }),
    ).toThrow('tripletMargin: option swap');
    expect(() => tripletMargin({ data: [0, 0], shape: [1, 2] }, [0, 0], {} as never)).toThrow(
      LossTypeError,
    );
  });

  it('describes itself for generic callers', () => {
    expect(tripletMarginInfo.inputs.map((i) => [i.name, i.rank, i.differentiable])).toEqual([
      ['anchor', 2, true],
      ['positive', 2, true],
      ['negative', 2, true],
    ]);
    const shape = [1, 2];
    const r = tripletMarginInfo.compute(
      {
        anchor: { data: [0, 0], shape },
        positive: { data: [0, 1], shape },
        negative: { data: [0, 1.5], shape },
      },
      { eps: 0 },
    );
    expect(r.value).toBe(0.5);
  });
});
