import {
  binaryCrossEntropyWithLogits,
  binaryCrossEntropyWithLogitsGrad,
  LossOptionError,
  LossShapeError,
  sigmoidFocal,
  sigmoidFocalGrad,
  sigmoidFocalInfo,
} from '@losskit/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  expectBlockedSumsMatch,
  finiteDifference,
  matrix,
  seededRandom,
  splitPoints,
  worstRatio,
} from '../test/helpers.js';

const unit = (n: number) =>
  fc.float64Array({ minLength: n, maxLength: n, min: 0, max: 1, noNaN: true });
/** Targets: hard {0, 1} or soft in [0, 1]. */
const targets = (n: number) =>
  fc.oneof(
    unit(n),
    fc
      .array(fc.constantFrom(0, 1), { minLength: n, maxLength: n })
      .map((a) => Float64Array.from(a)),
  );

const batch = (lim = 6) =>
  matrix({ maxRows: 8, maxCols: 5, lim }).chain((m) =>
    fc.tuple(fc.constant(m), targets(m.data.length), splitPoints(m.rows)),
  );

const focusing = fc.record({
  alpha: fc.constantFrom(0.25, 0.75, -1),
  gamma: fc.constantFrom(0, 0.5, 1, 2, 3),
});

describe('sigmoidFocal', () => {
  it('is αₜ·(1 − pₜ)^γ·BCE, worked by hand', () => {
    const l2 = Math.log(2);
    // x = 0: p = ½; positive: αₜ = 0.25, (1 − pₜ)² = ¼
    expect(sigmoidFocal([0], [1]).value).toBeCloseTo(0.25 * 0.25 * l2, 15);
    // negative: αₜ = 0.75
    expect(sigmoidFocal([0], [0]).value).toBeCloseTo(0.75 * 0.25 * l2, 15);
    // σ(log 3) = ¾: positive, 1 − pₜ = ¼, BCE = −log ¾; α = 0.75, γ = ½
    const r = sigmoidFocal([Math.log(3)], [1], { alpha: 0.75, gamma: 0.5 }).value;
    expect(r).toBeCloseTo(0.75 * Math.sqrt(1 / 4) * -Math.log(3 / 4), 15);
    // soft target ½ at σ = ¾: pₜ = ¾·½ + ¼·½ = ½, αₜ = ½ (α = 0.25 → 0.25·½ + 0.75·½)
    const soft = sigmoidFocal([Math.log(3)], [0.5]).value;
    const bce = -(0.5 * Math.log(3 / 4) + 0.5 * Math.log(1 / 4));
    expect(soft).toBeCloseTo(0.5 * 0.25 * bce, 15);
  });

  it('down-weights easy examples more as γ grows', () => {
    const easy = (gamma: number) => sigmoidFocal([4], [1], { alpha: -1, gamma }).value;
    const hard = (gamma: number) => sigmoidFocal([-4], [1], { alpha: -1, gamma }).value;
    expect(easy(2) / easy(0)).toBeLessThan(hard(2) / hard(0));
    expect(easy(5)).toBeLessThan(easy(2));
  });

  it('equals binaryCrossEntropyWithLogits when γ = 0 and α < 0', () => {
    fc.assert(
      fc.property(batch(20), ([m, y]) => {
        const opts = { alpha: -1, gamma: 0 };
        const a = sigmoidFocal(m, y, { ...opts, reduction: 'none' }).value;
        const b = binaryCrossEntropyWithLogits(m, y, { reduction: 'none' }).value;
        expect(worstRatio(a, b, 1e-14, 1e-300)).toBeLessThanOrEqual(1);
        const ga = sigmoidFocalGrad(m, y, opts).input;
        const gb = binaryCrossEntropyWithLogitsGrad(m, y).input;
        expect(worstRatio(ga, gb, 1e-14, 1e-300)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 60 },
    );
  });

  it('stays finite at logits of ±100 and ±1e4 (no log(clip(p)), kornia#2115)', () => {
    const x = [100, -100, 1e4, -1e4, 100, 1e4];
    const y = [1, 1, 0, 0, 0, 1];
    const r = sigmoidFocal(x, y, { alpha: -1, reduction: 'none' }).value;
    // right and confident: BCE ≈ e^−100, times (1 − pₜ)² ≈ e^−200
    expect(Math.abs(r[0] / Math.exp(-300) - 1)).toBeLessThan(1e-12);
    expect(r[0]).toBeGreaterThan(0);
    expect(r[1]).toBeCloseTo(100, 12); // wrong and confident: (1 − pₜ)² = 1, BCE = 100
    expect(r[2]).toBe(1e4);
    expect(r[3]).toBe(0);
    expect(r[4]).toBeCloseTo(100, 12);
    expect(r[5]).toBe(0);
    for (const gamma of [0.5, 2]) {
      const g = sigmoidFocalGrad(x, y, { gamma, reduction: 'sum' }).input;
      for (const v of g) expect(Number.isFinite(v)).toBe(true);
    }
  });

  it('never gives NaN for finite logits, however extreme', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), {
          minLength: 1,
          maxLength: 16,
        }),
        fc.array(fc.oneof(fc.constantFrom(0, 1), fc.double({ min: 0, max: 1, noNaN: true })), {
          minLength: 16,
          maxLength: 16,
        }),
        focusing,
        (x, y, opts) => {
          const t = y.slice(0, x.length);
          for (const v of sigmoidFocal(x, t, { ...opts, reduction: 'none' }).value)
            expect(Number.isNaN(v)).toBe(false);
          for (const v of sigmoidFocalGrad(x, t, opts).input) expect(Number.isNaN(v)).toBe(false);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('has gradients that agree with central finite differences', () => {
    fc.assert(
      fc.property(
        batch(4),
        focusing,
        fc.constantFrom('mean' as const, 'sum' as const, 'none' as const),
        ([m, y], opts, reduction) => {
          const up = Float64Array.from(m.data, (_, i) => 1 + (i % 3));
          const f = (z: Float64Array) => {
            const r = sigmoidFocal({ data: z, shape: m.shape }, y, { ...opts, reduction });
            return typeof r.value === 'number'
              ? r.value
              : r.value.reduce((s, v, i) => s + up[i] * v, 0);
          };
          const g = sigmoidFocalGrad(m, y, {
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

  it('sum = mean × Σdenominator, and a split of the rows adds up to the whole', () => {
    fc.assert(
      fc.property(batch(), focusing, ([m, y, ranges], opts) => {
        const whole = sigmoidFocal(m, y, opts);
        const sum = sigmoidFocal(m, y, { ...opts, reduction: 'sum' }).value;
        expect(whole.sumDenominator).toBe(m.data.length);
        expect(Math.abs(sum - whole.value * whole.sumDenominator)).toBeLessThanOrEqual(
          1e-12 * Math.max(1, sum),
        );
        let s = 0;
        let d = 0;
        for (const [a, b] of ranges) {
          const part = sigmoidFocal(
            { data: m.data.subarray(a * m.cols, b * m.cols), shape: [b - a, m.cols] },
            y.subarray(a * m.cols, b * m.cols),
            opts,
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
    const out = new Float64Array(1);
    expect(sigmoidFocal([0], [1], { reduction: 'none', out }).value).toBe(out);
    const gi = new Float64Array(1);
    expect(sigmoidFocalGrad([0], [1], { out: { input: gi } }).input).toBe(gi);
    expect(gi[0]).not.toBe(0);
  });

  it('throws typed errors naming the function, argument and value', () => {
    expect(() => sigmoidFocal([0], [1], { gamma: -1 })).toThrow(LossOptionError);
    expect(() => sigmoidFocal([0], [1], { gamma: -1 })).toThrow(
      'sigmoidFocal: option gamma = -1 is invalid; expected a finite number ≥ 0',
    );
    expect(() => sigmoidFocal([0], [1], { alpha: Number.NaN })).toThrow(
      'sigmoidFocal: option alpha = NaN is invalid',
    );
    expect(() => sigmoidFocal([0, 1], [1])).toThrow(LossShapeError);
    expect(() => sigmoidFocalGrad([0, 1], [1])).toThrow('sigmoidFocalGrad: target has 1 elements');
  });

  it('describes its inputs for generic callers', () => {
    expect(sigmoidFocalInfo.inputs.map((i) => i.name)).toEqual(['input', 'target']);
    expect(sigmoidFocalInfo.gradient).toBeDefined();
  });

  it('agrees with the direct formula on every array type, across blocks with non-finite values', () => {
    // 3000 elements span three of the kernel's 1024-element blocks; a non-finite input in the
    // middle one sends that block to the exact fallback loop.
    const n = 3000;
    const x = Float64Array.from({ length: n }, (_, i) => 4 * Math.sin(i * 1.7));
    const y = Float64Array.from({ length: n }, (_, i) => (i % 5 === 0 ? 0.3 : i % 2));
    const ref = (xi: number, yi: number) => {
      const p = 1 / (1 + Math.exp(-xi));
      const ce = yi * Math.log1p(Math.exp(-xi)) + (1 - yi) * Math.log1p(Math.exp(xi));
      const u = p * (1 - yi) + (1 - p) * yi;
      return (0.25 * yi + 0.75 * (1 - yi)) * u * u * ce;
    };
    const opts = {};
    expectBlockedSumsMatch(sigmoidFocal, ref, x, y, opts, Number.NaN);
  });

  it('gradient loops match the branchy Math.exp formula on every array type and option set', () => {
    // The reference: the pre-table loop body (exact branches, Math.exp/log1p).
    // Returns the gradient and the size of its parts (soft labels can cancel in dce + γ·ce·ratio,
    // so the error is bounded relative to
    // αₜ·u^γ·(|(1 − y)·σ(x)| + |y·σ(−x)| + γ·|ce·ratio|)).
    const reference = (xi: number, yi: number, alpha: number, gamma: number) => {
      const ex = Math.exp(-Math.abs(xi));
      const e = Math.log1p(ex);
      const neg = 1 - yi;
      let ce = 0;
      if (yi !== 0) ce += yi * (Math.max(-xi, 0) + e);
      if (neg !== 0) ce += neg * (Math.max(xi, 0) + e);
      const sp = xi >= 0 ? 1 / (1 + ex) : ex / (1 + ex);
      const sn = xi >= 0 ? ex / (1 + ex) : 1 / (1 + ex);
      const u = sp * neg + sn * yi;
      let d = neg * sp - yi * sn;
      let m = Math.abs(neg * sp) + Math.abs(yi * sn);
      if (gamma !== 0) {
        const ratio = u > 0 ? ((1 - 2 * yi) * sp * sn) / u : yi >= 0.5 ? -sp : sn;
        d += gamma * (ce * ratio);
        m += Math.abs(gamma * (ce * ratio));
      }
      const f =
        (gamma === 2 ? u * u : u ** gamma) * (alpha >= 0 ? alpha * yi + (1 - alpha) * neg : 1);
      return [d * f, m * f];
    };
    const r = seededRandom(5);
    const n = 2000;
    const special = [0, -0, 40, -40, 41, -41, 800, -800, 1e4, -1e4, 1e308, -1e308];
    const bad = [Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, Number.NaN];
    const x = Float64Array.from({ length: n }, (_, i) =>
      i < special.length
        ? special[i]
        : i < special.length + 6
          ? bad[i % 3]
          : i % 3 === 0
            ? (r() - 0.5) * 120
            : (r() - 0.5) * 12,
    );
    // hard labels, soft labels, and each special logit with both hard labels
    const y = Float64Array.from({ length: n }, (_, i) =>
      i < special.length + 6 ? i % 2 : i % 4 === 0 ? r() : r() < 0.5 ? 0 : 1,
    );
    const go = Float64Array.from(x, (_, i) => ((i % 5) - 2) / 3);
    for (const [alpha, gamma] of [
      [0.25, 2],
      [-1, 0],
      [0.75, 0.5],
      [0.5, 3],
    ]) {
      const want = Float64Array.from(x, (xi, i) => reference(xi, y[i], alpha, gamma)[0]);
      for (const [xs, ys] of [
        [x, y],
        [Float32Array.from(x), Float32Array.from(y)],
        [Array.from(x), Array.from(y)],
      ] as const) {
        const xa = Float64Array.from(xs as ArrayLike<number>);
        const ya = Float64Array.from(ys as ArrayLike<number>);
        const w = xa.map((xi, i) => reference(xi, ya[i], alpha, gamma)[0]);
        const mags = xa.map((xi, i) => reference(xi, ya[i], alpha, gamma)[1]);
        const out = new Float64Array(n);
        const g = sigmoidFocalGrad(xs, ys, {
          alpha,
          gamma,
          reduction: 'sum',
          out: { input: out },
        }).input;
        expect(g).toBe(out);
        const gg = sigmoidFocalGrad(xs, ys, {
          alpha,
          gamma,
          reduction: 'none',
          gradOutput: go,
        }).input;
        for (let i = 0; i < n; i++) {
          if (!Number.isFinite(w[i])) {
            // non-finite results come from the reference itself (the per-element fallback)
            expect(g[i]).toBe(w[i]);
            continue;
          }
          const mag = mags[i];
          expect(Math.abs(g[i] - w[i])).toBeLessThanOrEqual(2e-14 * mag + 1e-300);
          expect(Math.abs(gg[i] - go[i] * w[i])).toBeLessThanOrEqual(
            2e-14 * Math.abs(go[i]) * mag + 1e-300,
          );
        }
      }
      expect(Number.isNaN(want[special.length + 2])).toBe(true);
    }
  });
});
