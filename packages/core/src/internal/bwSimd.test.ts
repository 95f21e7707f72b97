import { binaryCrossEntropyWithLogits, binaryCrossEntropyWithLogitsGrad } from '@losskit/core';
import { describe, expect, it } from 'vitest';
import { expectExp2Table } from '../../test/expectExp2Table.js';
import { seededRandom } from '../../test/helpers.js';
import { watBase64 } from '../../test/watBase64.js';
import {
  BW_CHUNK,
  BW_SIMD_MIN,
  bwLossSumSimd,
  bwSigmoidGradSimd,
  bwSimdAvailable,
  bwSimdTable,
} from './bwSigmoid.js';
import { BW_SIMD_WASM } from './bwSimdBytes.js';
import { spSoftplusFine } from './spFineTail.js';

const U = 2 ** -53;

/**
 * The reference: k·((h − y) + (1 − 2h)·s) with s = e/(1 + e), e = Math.exp(−|x|) (< 1 ulp),
 * h = [x ≥ 0]; s within 4u. Returns the value and its tolerance against the kernel: the bound
 * of bwSigmoid.ts, |k|·(7.4u·s + u·h·|1 − y|) + 2u·|g|, plus the reference's own 4u·s and u·|g|.
 */
function ref(xi: number, yi: number, k: number): { g: number; tol: number } {
  const e = Math.exp(-Math.abs(xi));
  const s = e / (1 + e);
  const h = Number(xi >= 0);
  const g = k * (h - yi + (1 - 2 * h) * s);
  const tol =
    Math.abs(k) * (11.4 * U * s + 2 * U * h * Math.abs(1 - yi)) + 3 * U * Math.abs(g) + 1e-320;
  return { g, tol };
}

/** Runs the kernel directly; returns the result and the chunks it handed back. */
function kernel(x: Float32Array, y: Float32Array, k: number) {
  const gx = new Float64Array(x.length);
  const redone: [number, number][] = [];
  expect(bwSigmoidGradSimd(x, y, x.length, k, gx, (i0, i1) => redone.push([i0, i1]))).toBe(true);
  return { gx, redone };
}

function expectNearRef(x: Float32Array, y: Float32Array, g: Float64Array, k: number, i: number) {
  const r = ref(x[i], y[i], k);
  if (Number.isNaN(r.g)) expect(g[i]).toBeNaN();
  else if (Math.abs(g[i] - r.g) > r.tol) expect({ i, x: x[i], y: y[i], g: g[i] }).toEqual(r.g);
}

describe('bwSigmoid (WebAssembly SIMD gradient of binary cross-entropy with logits)', () => {
  it('commits the bytes wabt 1.0.39 makes of bwSimd.wat', async () => {
    expect(await watBase64(new URL('./bwSimd.wat', import.meta.url))).toBe(BW_SIMD_WASM);
  });

  it('runs here (Node 20 has WebAssembly SIMD)', () => {
    expect(bwSimdAvailable()).toBe(true);
  });

  it('has a table T[i] within 1 ulp of 2^(i/2048), checked in exact integer arithmetic', () => {
    expectExp2Table(bwSimdTable()!, 2048);
  });

  it('is within the bound over a sweep of x ∈ [−700, 700] (every table index and exponent)', () => {
    // 1.4M float32 logits: a fine grid near 0, a coarser one out to ±700, with targets 0, 1 and
    // soft ones; no chunk is handed back (|x| ≤ 700).
    const xs: number[] = [];
    for (let i = -200000; i <= 200000; i++) xs.push(i * 1e-5);
    for (let i = -500000; i <= 500000; i++) xs.push(i * 0.0014);
    xs.push(700, -700, 699.99, -699.99, 40, -40, 36.7, -36.7);
    const n = xs.length;
    const x = Float32Array.from(xs);
    const y = Float32Array.from({ length: n }, (_, i) => [0, 1, 0.25, 0.7, 1e-9][i % 5]);
    for (const k of [1, 1 / n, -3.5]) {
      const { gx, redone } = kernel(x, y, k);
      expect(redone).toEqual([]);
      for (let i = 0; i < n; i++) expectNearRef(x, y, gx, k, i);
    }
  });

  it('gives exact values at 0, −0 and subnormal logits', () => {
    const n = 8;
    const x = new Float32Array([0, -0, 1.4e-45, -1.4e-45, 1e-40, -1e-40, 0, -0]);
    const y = new Float32Array([0, 1, 0, 1, 0, 1, 0.25, 0.5]);
    const { gx } = kernel(x, y, 1);
    expect(Array.from(gx)).toEqual([0.5, -0.5, 0.5, -0.5, 0.5, -0.5, 0.25, 0]);
    expect(n).toBe(x.length);
  });

  it('matches the reference on random data of every length near chunk edges and odd lengths', () => {
    const r = seededRandom(11);
    for (const n of [
      1,
      2,
      3,
      5,
      4095,
      4096,
      4097,
      BW_CHUNK - 1,
      BW_CHUNK,
      BW_CHUNK + 1,
      2 * BW_CHUNK + 3,
    ]) {
      const x = Float32Array.from({ length: n }, () => (r() - 0.5) * (r() < 0.1 ? 1200 : 16));
      const y = Float32Array.from({ length: n }, () => (r() < 0.2 ? r() : r() < 0.5 ? 0 : 1));
      const { gx, redone } = kernel(x, y, 1 / n);
      const flagged = new Set(redone.map(([i0]) => i0));
      for (let c = 0; c < n; c += BW_CHUNK) {
        const c1 = Math.min(n, c + BW_CHUNK);
        let big = false;
        for (let i = c; i < c1; i++) big ||= Math.abs(x[i]) > 700;
        // a chunk is handed back exactly when it holds a logit beyond ±700
        expect(flagged.has(c)).toBe(big);
        if (big) expect(redone).toContainEqual([c, c1]);
        else for (let i = c; i < c1; i++) expectNearRef(x, y, gx, 1 / n, i);
      }
    }
  });

  it('hands back the chunks with |x| > 700 or ±∞ (and only those), propagates NaN', () => {
    const n = 3 * BW_CHUNK + 1;
    for (const bad of [700.0001, -700.0001, 745, -745, 800, -800, 1e30, Infinity, -Infinity]) {
      for (const at of [0, BW_CHUNK - 1, BW_CHUNK, n - 1]) {
        const x = new Float32Array(n).fill(0.5);
        const y = new Float32Array(n);
        x[at] = bad;
        x[BW_CHUNK + 7] = Number.NaN;
        const { gx, redone } = kernel(x, y, 1);
        const c = Math.floor(at / BW_CHUNK) * BW_CHUNK;
        expect(redone).toEqual([[c, Math.min(n, c + BW_CHUNK)]]);
        expect(gx[BW_CHUNK + 7]).toBeNaN();
        if (at !== BW_CHUNK + 1) expect(gx[BW_CHUNK + 1]).toBe(ref(0.5, 0, 1).g);
      }
    }
    // NaN alone is not handed back: it propagates through the kernel
    const x = new Float32Array(9).fill(2);
    const y = new Float32Array(9).fill(Number.NaN, 4, 5);
    x[2] = Number.NaN;
    const { gx, redone } = kernel(x, y, 1);
    expect(redone).toEqual([]);
    expect(gx[2]).toBeNaN();
    expect(gx[4]).toBeNaN();
    expect(gx[3]).toBe(gx[0]);
  });

  it('gives binaryCrossEntropyWithLogitsGrad the JavaScript path’s values within the bound, limits exact', () => {
    // Float32 inputs of n ≥ BW_SIMD_MIN take the kernel; the same values as Float64Array take
    // the JavaScript loop (spSigmoidFine, ≤ 5u): within the kernel's bound plus 5u·s.
    const r = seededRandom(5);
    for (const n of [BW_SIMD_MIN, BW_SIMD_MIN + 1, 3 * BW_CHUNK + 5]) {
      const x = Float32Array.from({ length: n }, () => (r() - 0.5) * 20);
      const y = Float32Array.from({ length: n }, (_, i) => (i % 9 === 0 ? r() : i % 2));
      x.set([Infinity, -Infinity, Number.NaN, 0, -0, 745, -745, 800, -800, 40, -40], 0);
      x[n - 1] = Infinity;
      for (const opts of [
        { reduction: 'mean' as const },
        { reduction: 'sum' as const },
        { reduction: 'none' as const },
        { reduction: 'mean' as const, out: { input: new Float64Array(n) } },
      ]) {
        const g = binaryCrossEntropyWithLogitsGrad(x, y, opts).input;
        if (opts.out !== undefined) expect(g).toBe(opts.out.input);
        const js = binaryCrossEntropyWithLogitsGrad(Float64Array.from(x), Float64Array.from(y), {
          ...opts,
          out: undefined,
        }).input;
        const k = opts.reduction === 'mean' ? 1 / n : 1;
        expect(g[0]).toBe(k * (1 - y[0]));
        expect(g[1]).toBe(-k * y[1]);
        expect(g[2]).toBeNaN();
        expect(g[n - 1]).toBe(k * (1 - y[n - 1]));
        for (let i = 0; i < n; i++) {
          if (Number.isNaN(js[i])) {
            expect(g[i]).toBeNaN();
            continue;
          }
          const { tol } = ref(x[i], y[i], k);
          const s = Math.exp(-Math.abs(x[i]));
          if (!(Math.abs(g[i] - js[i]) <= tol + 6 * U * Math.abs(k) * s))
            expect({ i, x: x[i], g: g[i] }).toEqual(js[i]);
        }
      }
    }
  });

  describe('the forward ("loss")', () => {
    /** The kernel's term: (y·max(−x, 0) + (1 − y)·max(x, 0)) + spSoftplusFine(|x|). */
    const term = (xi: number, yi: number) =>
      yi * Math.max(-xi, 0) + (1 - yi) * Math.max(xi, 0) + spSoftplusFine(Math.abs(xi));

    it('computes spSoftplusFine’s value bit for bit (ties of 512|x| within 10u): a pair [x, x] sums to 2ℓ', () => {
      // The two lanes hold the same term, so the block sum is exactly twice it. At a tie
      // 512|x| = j + ½ the kernel rounds j to even, spSoftplusFine up: the other grid point,
      // |d| = 1/1024 either way, so both are within spFineTail's 5u of log1p(e^−|x|).
      const xs: number[] = [0, -0, 1.4e-45, -1.4e-45, 40, -40, 39.999, -39.999, 1 / 1024, 3 / 1024];
      for (let i = -39999; i <= 39999; i++) xs.push(i * 0.001 + 0.000137);
      for (const yv of [0, 1, 0.3]) {
        for (const xv of xs) {
          const x = new Float32Array([xv, xv]);
          const y = new Float32Array([yv, yv]);
          const v = bwLossSumSimd(x, y, 2, () => Number.NaN)!;
          const want = 2 * term(x[0], y[0]);
          const m = 512 * Math.abs(x[0]);
          const tie = m - Math.floor(m) === 0.5;
          if (tie ? !(Math.abs(v - want) <= 10 * U * want) : v !== want)
            expect({ x: x[0], y: y[0], v }).toBe(want);
        }
      }
    });

    it('sums random data within the bound of the Math reference, chunk edges and odd lengths', () => {
      // ℓ within 5u + 3u (spFineTail's bound, the two products and additions), lanes of ≤ 512
      // terms: ≤ (8 + 512 + 2)u·S, the blocks compensated; the odd last element by `redo`.
      const r = seededRandom(21);
      for (const n of [
        2,
        3,
        1023,
        1024,
        1025,
        BW_CHUNK - 1,
        BW_CHUNK,
        BW_CHUNK + 1,
        2 * BW_CHUNK + 3,
      ]) {
        const x = Float32Array.from({ length: n }, () => (r() - 0.5) * (r() < 0.5 ? 10 : 79));
        const y = Float32Array.from({ length: n }, () => (r() < 0.2 ? r() : r() < 0.5 ? 0 : 1));
        const redone: [number, number][] = [];
        const v = bwLossSumSimd(x, y, n, (i0, i1) => {
          redone.push([i0, i1]);
          let t = 0;
          for (let i = i0; i < i1; i++) t += term(x[i], y[i]);
          return t;
        })!;
        expect(redone).toEqual(n % 2 === 1 ? [[n - 1, n]] : []);
        let s = 0;
        let c = 0;
        for (let i = 0; i < n; i++) {
          const a = Math.abs(x[i]);
          const t0 =
            y[i] * Math.max(-x[i], 0) + (1 - y[i]) * Math.max(x[i], 0) + Math.log1p(Math.exp(-a));
          const t = s + t0;
          c += Math.abs(s) >= Math.abs(t0) ? s - t + t0 : t0 - t + s;
          s = t;
        }
        expect(Math.abs(v - (s + c))).toBeLessThanOrEqual(524 * U * (s + c));
      }
    });

    it('hands back the chunks with |x| > 40, ±∞ or a non-finite sum (and only those)', () => {
      const n = 3 * BW_CHUNK;
      for (const bad of [40.01, -40.01, 700, -800, 1e30, Infinity, -Infinity, Number.NaN]) {
        for (const at of [0, BW_CHUNK - 1, BW_CHUNK, n - 1]) {
          const x = new Float32Array(n).fill(0.5);
          const y = new Float32Array(n);
          x[at] = bad;
          const redone: [number, number][] = [];
          const v = bwLossSumSimd(x, y, n, (i0, i1) => {
            redone.push([i0, i1]);
            return -1;
          })!;
          const c = Math.floor(at / BW_CHUNK) * BW_CHUNK;
          expect(redone).toEqual([[c, c + BW_CHUNK]]);
          // the other two chunks: 2·BW_CHUNK terms ℓ(0.5, 0), and the redone chunk's −1
          expect(Math.abs(v - (2 * BW_CHUNK * term(0.5, 0) - 1))).toBeLessThan(1e-9);
        }
      }
    });

    it('gives binaryCrossEntropyWithLogits the JavaScript path’s value, limits and NaN', () => {
      const r = seededRandom(8);
      for (const n of [BW_SIMD_MIN, BW_SIMD_MIN + 1, 3 * BW_CHUNK + 5]) {
        const x = Float32Array.from({ length: n }, () => (r() - 0.5) * 30);
        const y = Float32Array.from({ length: n }, (_, i) => (i % 9 === 0 ? r() : i % 2));
        for (const reduction of ['mean', 'sum'] as const) {
          const v = binaryCrossEntropyWithLogits(x, y, { reduction }).value;
          const js = binaryCrossEntropyWithLogits(Float64Array.from(x), Float64Array.from(y), {
            reduction,
          }).value;
          expect(Math.abs(v / js - 1)).toBeLessThan(1e-13);
        }
        const x2 = x.slice();
        const y2 = y.slice();
        x2[7] = Infinity;
        y2[7] = 1; // ℓ = 0: the limit, not 0·∞
        x2[n - 2] = -Infinity;
        y2[n - 2] = 0;
        const js2 = binaryCrossEntropyWithLogits(
          Float64Array.from(x2),
          Float64Array.from(y2),
        ).value;
        expect(Math.abs(binaryCrossEntropyWithLogits(x2, y2).value / js2 - 1)).toBeLessThan(1e-13);
        y2[n - 2] = 1;
        expect(binaryCrossEntropyWithLogits(x2, y2, { reduction: 'sum' }).value).toBe(Infinity);
        x2[5] = Number.NaN;
        expect(binaryCrossEntropyWithLogits(x2, y2).value).toBeNaN();
      }
    });
  });
});
