import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test/helpers.js';
import { watBase64 } from '../../test/watBase64.js';
import { MB_SIMD_WASM } from './mbSimdBytes.js';
import { hingeSumSimd, MB_BLOCK, MB_CHUNK, mbSimdAvailable } from './mbSums.js';

const U = 2 ** -53;

/** Σ max(0, m − y·x) over [i0, i1) with per-element Neumaier (labels as given). */
function refSum(x: ArrayLike<number>, y: ArrayLike<number>, m: number, i0: number, i1: number) {
  let s = 0;
  let c = 0;
  for (let i = i0; i < i1; i++) {
    const v = Math.max(0, m - y[i] * x[i]);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

/** Runs the kernel with the reference as `exact`; returns the sum and the ranges handed back. */
function run(x: Float32Array, y: Float32Array, m: number, n = x.length) {
  const redone: [number, number][] = [];
  const sum = hingeSumSimd(x, y, n, m, (i0, i1) => {
    redone.push([i0, i1]);
    return refSum(x, y, m, i0, i1);
  });
  expect(sum).not.toBeNull();
  return { sum: sum as number, redone };
}

/** mbSums.ts's bound (260u relative: every term ≥ 0) plus the reference's own 2u. */
function expectNear(got: number, want: number) {
  if (Number.isNaN(want)) expect(got).toBeNaN();
  else if (!Number.isFinite(want)) expect(got).toBe(want);
  else if (Math.abs(got - want) > 262 * U * want) expect(got).toBe(want);
}

function data(n: number, seed: number, scale = 3) {
  const rnd = seededRandom(seed);
  const x = Float32Array.from({ length: n }, () => scale * (2 * rnd() - 1));
  const y = Float32Array.from({ length: n }, () => (rnd() < 0.5 ? -1 : 1));
  return { x, y };
}

/** The ranges `exact` gets for an input of n elements with no flagged block: the last n mod 4. */
function tail(n: number): [number, number][] {
  const k = n - (n % 4);
  return k < n ? [[k, n]] : [];
}

describe('mbSums (WebAssembly SIMD sum of the hinge loss)', () => {
  it('commits the bytes wabt 1.0.39 makes of mbSimd.wat', async () => {
    expect(await watBase64(new URL('./mbSimd.wat', import.meta.url))).toBe(MB_SIMD_WASM);
  });

  it('runs here (Node 20 has WebAssembly SIMD)', () => {
    expect(mbSimdAvailable()).toBe(true);
  });

  it('gives each term exactly: max(0, m − y·x) with one rounding, ties at the margin, ±0', () => {
    // Four equal elements a call (one quad, one block): the sum is 4ℓ, exact.
    const xs = [0, -0, 1, -1, 0.5, 2, 1e-30, -1e-30, 3.4e38, -3.4e38, 1.4e-45, 0.1, 1 / 3];
    const margins = [1, 0, -0, 0.5, -2, 0.1, 1e30, 1 / 3];
    for (const m of margins)
      for (const xi of xs)
        for (const yi of [1, -1]) {
          const x = new Float32Array(4).fill(xi);
          const y = new Float32Array(4).fill(yi);
          const { sum, redone } = run(x, y, m);
          expect({ m, xi, yi, redone }).toEqual({ m, xi, yi, redone: [] });
          expect({ m, xi, yi, sum }).toEqual({ m, xi, yi, sum: 4 * Math.max(0, m - yi * x[0]) });
        }
  });

  it('is within its bound of a per-element Neumaier sum: random data, odd lengths, chunk edges', () => {
    const lengths = [1, 3, 4, 5, 7, 1023, 1024, 1025, 1027, 4096, 4097, 4099];
    for (const d of [-5, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 7]) {
      lengths.push(MB_CHUNK + d, 2 * MB_CHUNK + d, 3 * MB_CHUNK + MB_BLOCK + d);
    }
    for (const n of lengths) {
      const { x, y } = data(n, n, 2 + (n % 5));
      for (const m of [1, 0.25]) {
        const { sum, redone } = run(x, y, m);
        expect({ n, redone }).toEqual({ n, redone: tail(n) });
        expectNear(sum, refSum(x, y, m, 0, n));
      }
    }
    // Only the first n elements of longer arrays.
    const { x, y } = data(3 * MB_CHUNK, 11);
    const { sum } = run(x, y, 1, MB_CHUNK + 6);
    expectNear(sum, refSum(x, y, 1, 0, MB_CHUNK + 6));
  });

  it('sends blocks with ±∞ or NaN scores or labels other than ±1 to `exact`, and no others', () => {
    const n = 3 * MB_CHUNK + 1030;
    const cases: [number, 'x' | 'y', number][] = [
      [0, 'x', Number.NaN],
      [1500, 'x', Number.NaN],
      [MB_CHUNK - 1, 'x', Number.NEGATIVE_INFINITY], // y = 1 there: z = +∞
      [MB_CHUNK, 'y', Number.NaN],
      [2 * MB_CHUNK + 5, 'y', 0],
      [2 * MB_CHUNK + 6, 'y', 2],
      [2 * MB_CHUNK + 7, 'y', -0.5],
      [2 * MB_CHUNK + 1032, 'y', -0], // the label test reads bits: −0 is not ±1
      [2 * MB_CHUNK + 2061, 'y', Math.fround(1 + 2 ** -23)], // one float32 ulp above 1
      [2 * MB_CHUNK + 3082, 'y', -Math.fround(1 - 2 ** -24)], // one below −1's magnitude
      [3 * MB_CHUNK + 1023, 'y', Number.POSITIVE_INFINITY],
      [3 * MB_CHUNK + 1024, 'x', Number.NaN], // in the tail: exact anyway
    ];
    for (const [at, which, v] of cases) {
      const { x, y } = data(n, at + 1);
      y[at] = 1;
      (which === 'x' ? x : y)[at] = v;
      const { sum, redone } = run(x, y, 1);
      const b = at - (at % MB_BLOCK);
      const want: [number, number][] =
        at < n - (n % 4) ? [[b, Math.min(b + MB_BLOCK, n - (n % 4))]] : [];
      expect({ at, redone }).toEqual({ at, redone: [...want, ...tail(n)] });
      expectNear(sum, refSum(x, y, 1, 0, n));
    }
    // x = +∞ with y = 1: z = −∞, ℓ = 0 (Math.max(0, −∞)); not flagged, the same value.
    const { x, y } = data(5000, 3);
    x[17] = Number.POSITIVE_INFINITY;
    y[17] = 1;
    const r = run(x, y, 1);
    expect(r.redone).toEqual([]);
    expectNear(r.sum, refSum(x, y, 1, 0, 5000));
    // A sum that overflows float64 is +∞ (as the JavaScript loop's).
    const big = new Float32Array(4096).fill(-3.4e38);
    const ones = new Float32Array(4096).fill(1);
    expect(run(big, ones, 1).sum).toBe(refSum(big, ones, 1, 0, 4096));
  });

  it('propagates what `exact` throws, from the first flagged block', () => {
    const { x, y } = data(2 * MB_CHUNK, 5);
    y[MB_CHUNK + 3] = 0;
    y[MB_CHUNK + 2000] = 3;
    const seen: number[] = [];
    expect(() =>
      hingeSumSimd(x, y, x.length, 1, (i0, i1) => {
        for (let i = i0; i < i1; i++) if (y[i] * y[i] !== 1) throw new Error(`bad at ${i}`);
        seen.push(i0);
        return 0;
      }),
    ).toThrow('bad at 8195');
    expect(seen).toEqual([]);
  });
});
