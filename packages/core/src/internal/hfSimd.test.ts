import { huber, l1, mse, smoothL1 } from '@losskit/core';
import { describe, expect, it, vi } from 'vitest';
import { seededRandom } from '../../test/helpers.js';
import { watBase64 } from '../../test/watBase64.js';
import { HF_SIMD_WASM } from './hfSimdBytes.js';
import {
  HF_BLOCK,
  HF_CHUNK,
  HF_HUBER_MAX_DELTA,
  HF_SIMD_MIN,
  HF_SMOOTH_MIN_BETA,
  hfSimdAvailable,
  hfSumSimd,
  hfSumSqAbsSimd,
} from './hfSums.js';

const U = 2 ** -53;
const f = Math.fround;

/** huber.ts's `term` (the JavaScript loops' blend), copied. */
function huberTerm(xi: number, yi: number, delta: number): number {
  const halfDelta = 0.5 * delta;
  const e = xi - yi;
  const a = Math.abs(e);
  const h = Number(a < delta);
  return h * (0.5 * e * e) + (1 - h) * (delta * (a - halfDelta));
}

/** smoothL1.ts's `term` (β > 0), copied. */
function smoothTerm(xi: number, yi: number, beta: number): number {
  const halfInvBeta = 0.5 / beta;
  const e = xi - yi;
  const a = Math.abs(e);
  const h = Number(a < beta);
  return h * (e * e * halfInvBeta) + (1 - h) * (a - 0.5 * beta);
}

/** The files' `exactBlock` formulas: the reference term (branches, smoothL1 divides by β). */
function refTerm(xi: number, yi: number, delta: number, beta: number): number {
  const e = xi - yi;
  const a = Math.abs(e);
  if (beta > 0) return a < beta ? (0.5 * e * e) / beta : a - 0.5 * beta;
  return a < delta ? 0.5 * e * e : delta * (a - 0.5 * delta);
}

/** Per-element Neumaier sum of the reference terms over [i0, i1). */
function refSum(x: Float32Array, y: Float32Array, d: number, b: number, i0: number, i1: number) {
  let s = 0;
  let c = 0;
  for (let i = i0; i < i1; i++) {
    const v = refTerm(x[i], y[i], d, b);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

/** Runs the kernel with the reference as `exact`; returns the sum and the ranges handed back. */
function run(x: Float32Array, y: Float32Array, delta: number, beta: number, n = x.length) {
  const redone: [number, number][] = [];
  const sum = hfSumSimd(x, y, n, delta, beta, (i0, i1) => {
    redone.push([i0, i1]);
    return refSum(x, y, delta, beta, i0, i1);
  });
  expect(sum).not.toBeNull();
  return { sum: sum as number, redone };
}

/**
 * hfSums.ts's bound (260u relative: every term ≥ 0) plus the reference's own 2u; smoothL1's
 * JavaScript terms e²·(½/β) are within 1.5 ulp of the reference's ½e²/β (smoothL1.ts), so 4u
 * more there.
 */
function expectNear(got: number, want: number, beta = 0) {
  if (Number.isNaN(want)) expect(got).toBeNaN();
  else if (!Number.isFinite(want)) expect(got).toBe(want);
  else if (Math.abs(got - want) > (beta > 0 ? 266 : 262) * U * want) expect(got).toBe(want);
}

function data(n: number, seed: number, scale = 2) {
  const rnd = seededRandom(seed);
  const x = Float32Array.from({ length: n }, () => scale * (2 * rnd() - 1));
  const y = Float32Array.from({ length: n }, () => scale * (2 * rnd() - 1));
  return { x, y };
}

/** Float32 values that reach every case: ±0, huge, subnormal, ties at ±t and ±t/2. */
function special(t: number): number[] {
  return [
    0,
    -0,
    3.4e38,
    -3.4e38,
    1.4e-45,
    -1.4e-45,
    1e-40,
    -1e-40,
    1e-30,
    f(t),
    -f(t),
    f(t) * 2,
    -f(t) / 2,
    f(f(t) * 1.0000001),
    -f(f(t) * 0.9999999),
    0.1,
    -1 / 3,
    7,
  ]
    .map(f)
    .filter(Number.isFinite); // f(t) = ∞ for t = HF_HUBER_MAX_DELTA: no ties there
}

const DELTAS = [1, 0.5, 2, 0.1, f(0.1), 1e-3, 3, 1e30, 1e-30, HF_HUBER_MAX_DELTA];
const BETAS = [1, 0.5, 2, 0.1, f(0.1), 1e-3, 3, 1e30, 1e-30, HF_SMOOTH_MIN_BETA];

describe('hfSums (WebAssembly SIMD sums of huber and smoothL1)', () => {
  it('commits the bytes wabt 1.0.39 makes of hfSimd.wat', async () => {
    expect(await watBase64(new URL('./hfSimd.wat', import.meta.url))).toBe(HF_SIMD_WASM);
  });

  it('runs here (Node 20 has WebAssembly SIMD)', () => {
    expect(hfSimdAvailable()).toBe(true);
  });

  it('gives each term exactly the JavaScript `term`: ties at ±δ, ±0, huge, subnormal', () => {
    // One element among zeros (whose terms are +0): the block's sum is the term itself.
    for (const [mode, params] of [
      ['huber', DELTAS],
      ['smooth', BETAS],
    ] as const)
      for (const t of params) {
        const vals = special(t);
        for (const xi of vals)
          for (const yi of vals) {
            const pos = (vals.indexOf(xi) + vals.indexOf(yi)) % 5;
            const x = new Float32Array(5);
            const y = new Float32Array(5);
            x[pos] = xi;
            y[pos] = yi;
            const { sum, redone } = mode === 'huber' ? run(x, y, t, 0) : run(x, y, 0, t);
            const want = mode === 'huber' ? huberTerm(xi, yi, t) : smoothTerm(xi, yi, t);
            expect(redone).toEqual([]);
            if (!Object.is(sum, want))
              expect([mode, t, xi, yi, sum]).toEqual([mode, t, xi, yi, want]);
          }
      }
  });

  it('sums within the bound on random data, at chunk and block edges and odd lengths', () => {
    const lengths = [
      1,
      3,
      4,
      5,
      HF_BLOCK - 1,
      HF_BLOCK,
      HF_BLOCK + 1,
      HF_SIMD_MIN + 3,
      HF_CHUNK - 1,
      HF_CHUNK,
      HF_CHUNK + 1,
      2 * HF_CHUNK + 1027,
      50001,
    ];
    let seed = 1;
    for (const n of lengths)
      for (const scale of [0.3, 3, 1e30]) {
        const { x, y } = data(n, seed++, scale);
        for (const d of [1, 0.5, f(0.1), 1e30]) {
          const h = run(x, y, d, 0);
          expect(h.redone).toEqual([]);
          expectNear(h.sum, refSum(x, y, d, 0, 0, n));
          const s = run(x, y, 0, d);
          expect(s.redone).toEqual([]);
          expectNear(s.sum, refSum(x, y, 0, d, 0, n), d);
        }
      }
  });

  it('redoes exactly the blocks holding ±∞ or NaN, and only those', () => {
    const n = 2 * HF_CHUNK + 2500;
    const { x, y } = data(n, 77);
    const at = [5, HF_BLOCK + 1023, HF_CHUNK, HF_CHUNK + 3 * HF_BLOCK + 7, n - 1];
    const bad = [Infinity, -Infinity, Number.NaN];
    at.forEach((i, k) => {
      if (k % 2 === 0) x[i] = bad[k % 3];
      else y[i] = bad[k % 3];
    });
    const blocks = at.map((i) => {
      const b = Math.floor(i / HF_BLOCK) * HF_BLOCK;
      return [b, Math.min(n, b + HF_BLOCK)];
    });
    for (const [d, b] of [
      [1, 0],
      [0, 1],
      [2, 0],
      [0, 0.25],
    ]) {
      const { sum, redone } = run(x, y, d, b);
      expect(redone).toEqual(blocks);
      expect(sum).toBeNaN();
    }
    // +∞ only (no NaN): the total is +∞, as the JavaScript loop's.
    const x2 = x.map((v) => (Number.isNaN(v) ? 0 : v));
    const y2 = y.map((v) => (Number.isNaN(v) ? 0 : v));
    expect(run(x2, y2, 1, 0).sum).toBe(Infinity);
    expect(run(x2, y2, 0, 1).sum).toBe(Infinity);
  });
});

describe('huber and smoothL1 on the SIMD path', () => {
  /** The wasm path (Float32Array) and the JavaScript path (Float64Array copies). */
  function both(x: Float32Array, y: Float32Array) {
    return [
      [x, y],
      [Float64Array.from(x), Float64Array.from(y)],
    ] as const;
  }

  it('matches the JavaScript loops within the bound, sum and mean, several δ and β', () => {
    const n = HF_CHUNK + 5003;
    const { x, y } = data(n, 9, 3);
    const [[x32, y32], [x64, y64]] = both(x, y);
    for (const delta of [1, 0.5, 2, f(0.1), 1e-3, 1e20]) {
      for (const reduction of ['sum', 'mean'] as const) {
        const got = huber(x32, y32, { delta, reduction }).value as number;
        const want = huber(x64, y64, { delta, reduction }).value as number;
        expect(Math.abs(got - want)).toBeLessThanOrEqual(2 * 262 * U * want);
        const gotS = smoothL1(x32, y32, { beta: delta, reduction }).value as number;
        const wantS = smoothL1(x64, y64, { beta: delta, reduction }).value as number;
        expect(Math.abs(gotS - wantS)).toBeLessThanOrEqual(2 * 262 * U * wantS);
      }
    }
  });

  it('gives exactly the old results where every block is redone, and outside the limits', () => {
    const n = 3 * HF_BLOCK + 100 + HF_SIMD_MIN;
    const { x, y } = data(n, 11, 3);
    // one ±∞ in every block (|e| = ∞, no NaN): the same exactBlock values on both paths
    for (let b = 0; b < n; b += HF_BLOCK)
      x[b + ((b / HF_BLOCK) % 7)] = b % 2048 ? Infinity : -Infinity;
    const [[x32, y32], [x64, y64]] = both(x, y);
    for (const reduction of ['sum', 'mean'] as const) {
      expect(huber(x32, y32, { reduction }).value).toBe(huber(x64, y64, { reduction }).value);
      expect(smoothL1(x32, y32, { reduction }).value).toBe(smoothL1(x64, y64, { reduction }).value);
    }
    // a NaN: NaN
    const xn = x.slice();
    xn[n - 2] = Number.NaN;
    expect(huber(xn, y).value).toBeNaN();
    expect(smoothL1(xn, y).value).toBeNaN();
    // δ above HF_HUBER_MAX_DELTA, β outside the kernel's range (δ² and ½e²/β overflow there),
    // β = 0 (L1) and n < HF_SIMD_MIN: the JavaScript loops, the same values as the float64 copies
    const f32 = data(HF_SIMD_MIN + 11, 12, 1e30);
    const [[a32, b32], [a64, b64]] = both(f32.x, f32.y);
    for (const delta of [1e200, 1.7e308])
      expect(huber(a32, b32, { delta }).value).toBe(huber(a64, b64, { delta }).value);
    for (const beta of [0, 1e-300, 5e-324, 1e305])
      expect(smoothL1(a32, b32, { beta }).value).toBe(smoothL1(a64, b64, { beta }).value);
    const short = data(HF_SIMD_MIN - 1, 13);
    const [[s32, t32], [s64, t64]] = both(short.x, short.y);
    expect(huber(s32, t32).value).toBe(huber(s64, t64).value);
    expect(smoothL1(s32, t32).value).toBe(smoothL1(s64, t64).value);
  });

  it("leaves reduction 'none' to the JavaScript loops: the same terms as the float64 copies", () => {
    const { x, y } = data(HF_SIMD_MIN + 9, 14);
    const [[x32, y32], [x64, y64]] = both(x, y);
    expect(huber(x32, y32, { reduction: 'none' }).value).toEqual(
      huber(x64, y64, { reduction: 'none' }).value,
    );
    expect(smoothL1(x32, y32, { reduction: 'none', beta: 0.5 }).value).toEqual(
      smoothL1(x64, y64, { reduction: 'none', beta: 0.5 }).value,
    );
  });
});

describe('mse and l1 on the SIMD path ("sq" and "abs")', () => {
  /** Float32 values from several binades, both signs, some equal pairs. */
  function pairs(n: number, seed: number) {
    const rnd = seededRandom(seed);
    const x = new Float32Array(n);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const scale = 2 ** Math.floor(rnd() * 40 - 20);
      x[i] = (rnd() - 0.5) * scale;
      y[i] = i % 11 === 0 ? x[i] : (rnd() - 0.5) * scale;
    }
    return { x, y };
  }

  const lengths = [HF_SIMD_MIN, HF_SIMD_MIN + 7, HF_CHUNK + 1, 3 * HF_CHUNK + HF_BLOCK + 5];

  it('gives the JavaScript loops’ bits: float32 against the same values as float64', () => {
    for (const n of lengths) {
      const { x, y } = pairs(n, n);
      const x64 = Float64Array.from(x);
      const y64 = Float64Array.from(y);
      for (const reduction of ['sum', 'mean'] as const) {
        expect(mse(x, y, { reduction }).value).toBe(mse(x64, y64, { reduction }).value);
        expect(l1(x, y, { reduction }).value).toBe(l1(x64, y64, { reduction }).value);
      }
      // the kernel itself (no block handed back: the data are finite)
      const sq = hfSumSqAbsSimd(x, y, n, 'sq', () => Number.NaN);
      const abs = hfSumSqAbsSimd(x, y, n, 'abs', () => Number.NaN);
      expect(sq).toBe(mse(x64, y64, { reduction: 'sum' }).value);
      expect(abs).toBe(l1(x64, y64, { reduction: 'sum' }).value);
    }
  });

  it('leaves mse and l1 to the JavaScript loops where WebAssembly is missing: the same bits', async () => {
    const n = 2 * HF_CHUNK + 77;
    const { x, y } = pairs(n, 21);
    const withKernel = [mse(x, y).value, l1(x, y, { reduction: 'sum' }).value];
    vi.resetModules();
    vi.stubGlobal('WebAssembly', undefined);
    try {
      const sums = await import('./hfSums.js');
      expect(sums.hfSumSqAbsSimd(x, y, n, 'sq', () => 0)).toBeNull();
      const { mse: mseJs } = await import('../mse.js');
      const { l1: l1Js } = await import('../l1.js');
      expect([mseJs(x, y).value, l1Js(x, y, { reduction: 'sum' }).value]).toEqual(withKernel);
    } finally {
      vi.unstubAllGlobals();
      vi.resetModules();
    }
  });

  it('hands exactly the blocks with ±∞ or NaN to `exact`, and gives the loops’ results there', () => {
    const n = 3 * HF_CHUNK + 100;
    const { x, y } = pairs(n, 3);
    x[5] = Number.POSITIVE_INFINITY; // block 0
    y[HF_CHUNK + 1023] = Number.NEGATIVE_INFINITY; // the last element of block 16
    x[2 * HF_CHUNK + 2048] = Number.NaN; // the first element of block 34
    const asked: [number, number][] = [];
    hfSumSqAbsSimd(x, y, n, 'abs', (i0, i1) => {
      asked.push([i0, i1]);
      return 0;
    });
    expect(asked).toEqual([
      [0, HF_BLOCK],
      [HF_CHUNK + 1024 - HF_BLOCK, HF_CHUNK + 1024],
      [2 * HF_CHUNK + 2048, 2 * HF_CHUNK + 3072],
    ]);
    const x64 = Float64Array.from(x);
    const y64 = Float64Array.from(y);
    expect(mse(x, y).value).toBeNaN();
    expect(l1(x, y).value).toBeNaN();
    x[2 * HF_CHUNK + 2048] = 1;
    x64[2 * HF_CHUNK + 2048] = 1;
    expect(mse(x, y).value).toBe(Number.POSITIVE_INFINITY);
    expect(l1(x, y, { reduction: 'sum' }).value).toBe(l1(x64, y64, { reduction: 'sum' }).value);
    expect(l1(x, y).value).toBe(Number.POSITIVE_INFINITY);
  });
});
