import { softMargin } from '@losskit/core';
import { describe, expect, it, vi } from 'vitest';
import { seededRandom } from '../../test/helpers.js';
import { watBase64 } from '../../test/watBase64.js';
import { SM_BLOCK, SM_CHUNK, SM_SIMD_MIN, smSimdAvailable, softMarginSumSimd } from './smSimd.js';
import { SM_SIMD_WASM } from './smSimdBytes.js';

const U = 2 ** -53;

/** softplus(−y·x) with Math.exp and Math.log1p (each within 1 ulp: the whole within ~4u). */
const refTerm = (xi: number, yi: number) => {
  const z = -yi * xi;
  return Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
};

/** Σ refTerm over [i0, i1) with per-element Neumaier. */
function refSum(x: ArrayLike<number>, y: ArrayLike<number>, i0: number, i1: number): number {
  let s = 0;
  let c = 0;
  for (let i = i0; i < i1; i++) {
    const v = refTerm(x[i], y[i]);
    const t = s + v;
    c += Math.abs(s) >= Math.abs(v) ? s - t + v : v - t + s;
    s = t;
  }
  return Number.isFinite(s) ? s + c : s;
}

/** Runs the kernel with the reference as `exact`; returns the sum and the ranges handed back. */
function run(x: Float32Array, y: Float32Array) {
  const redone: [number, number][] = [];
  const sum = softMarginSumSimd(x, y, x.length, (i0, i1) => {
    redone.push([i0, i1]);
    return refSum(x, y, i0, i1);
  });
  expect(sum).not.toBeNull();
  return { sum: sum as number, redone };
}

/** The bound of smSimd.ts (521u relative) plus the reference's own ~4u and its sum's 2u. */
function expectNear(got: number, want: number) {
  if (Number.isNaN(want)) expect(got).toBeNaN();
  else if (!Number.isFinite(want)) expect(got).toBe(want);
  else if (Math.abs(got - want) > 527 * U * want + 1e-320) expect(got).toBe(want);
}

describe('smSimd (WebAssembly SIMD sum of the soft-margin loss)', () => {
  it('commits the bytes wabt 1.0.39 makes of smSimd.wat', async () => {
    expect(await watBase64(new URL('./smSimd.wat', import.meta.url))).toBe(SM_SIMD_WASM);
  });

  it('runs here (Node 20 has WebAssembly SIMD)', () => {
    expect(smSimdAvailable()).toBe(true);
  });

  it('declines, touching nothing, where WebAssembly is missing', async () => {
    vi.resetModules();
    vi.stubGlobal('WebAssembly', undefined);
    try {
      const m = await import('./smSimd.js');
      expect(m.smSimdAvailable()).toBe(false);
      const x = new Float32Array(SM_SIMD_MIN);
      expect(m.softMarginSumSimd(x, x, x.length, () => 0)).toBeNull();
    } finally {
      vi.unstubAllGlobals();
      vi.resetModules();
    }
  });

  it('is within 6.1u (+ the reference’s 4u) per element over a sweep of |z| ∈ [0, 40]', () => {
    // Each z as a pair [z, z] (one block; lane 0 + lane 1 = 2ℓ exactly): every table point,
    // its ties (j + ½)/512 (float32-exact), both signs, and the table's end.
    const zs: number[] = [0, -0, 1e-300, -1e-300, 1.4e-45, -1.4e-45, 40, -40, 39.999, -39.999];
    for (let k = 0; k < 40 * 2048; k++) zs.push(k / 2048, -(k / 2048) - 1 / 4096);
    for (let k = 0; k < 20000; k++) zs.push((k % 2 ? -40 : 40) * ((k * 0.6180339887) % 1));
    const x = new Float32Array(2);
    const y = new Float32Array([1, 1]);
    for (const z of zs) {
      x[0] = -z;
      x[1] = -z;
      const { sum, redone } = run(x, y);
      expect({ z, redone }).toEqual({ z, redone: [] });
      const want = refTerm(x[0], 1);
      if (Math.abs(sum / 2 - want) > 10.1 * U * want + 1e-320)
        expect({ z, got: sum / 2 }).toBe(want);
    }
  });

  it('hands back blocks with |z| > 40, ±∞ or NaN, and the odd last element', () => {
    const specials = [40.01, -40.01, 700, -700, 1e30, -1e30, Infinity, -Infinity, Number.NaN];
    for (const v of specials) {
      for (const at of [0, 1, SM_BLOCK - 1, SM_BLOCK, SM_CHUNK - 1, SM_CHUNK + 5]) {
        const n = SM_CHUNK + 2 * SM_BLOCK + 1;
        const r = seededRandom(3);
        const x = Float32Array.from({ length: n }, () => (r() - 0.5) * 8);
        const y = Float32Array.from({ length: n }, () => (r() < 0.5 ? -1 : 1));
        x[at] = v;
        const { sum, redone } = run(x, y);
        const b = Math.floor(at / SM_BLOCK) * SM_BLOCK;
        expect(redone).toEqual(
          [
            [b, b + SM_BLOCK],
            [n - 1, n],
          ].sort((p, q) => p[0] - q[0]),
        );
        expectNear(sum, refSum(x, y, 0, n));
      }
    }
  });

  it('matches the reference on random data near chunk edges and odd lengths', () => {
    const r = seededRandom(11);
    for (const n of [
      2,
      3,
      SM_BLOCK - 1,
      SM_BLOCK + 1,
      4095,
      4096,
      4097,
      SM_CHUNK - 1,
      SM_CHUNK,
      SM_CHUNK + 1,
      3 * SM_CHUNK + 1023,
    ]) {
      const x = Float32Array.from({ length: n }, () => (r() - 0.5) * (r() < 0.05 ? 90 : 10));
      const y = Float32Array.from({ length: n }, () =>
        r() < 0.1 ? (r() - 0.5) * 4 : r() < 0.5 ? -1 : 1,
      );
      const { sum, redone } = run(x, y);
      for (const [i0, i1] of redone) {
        expect(i0 % SM_BLOCK === 0 || (i0 === n - 1 && i1 === n)).toBe(true);
      }
      expectNear(sum, refSum(x, y, 0, n));
    }
  });
});

describe('softMargin through the SIMD kernel', () => {
  it('agrees with the JavaScript loop (float64 inputs) within the two bounds', () => {
    const r = seededRandom(5);
    for (const n of [SM_SIMD_MIN, SM_SIMD_MIN + 1, 50001]) {
      const x = Float32Array.from({ length: n }, () => (r() - 0.5) * (r() < 0.01 ? 200 : 8));
      const y = Float32Array.from({ length: n }, () => (r() < 0.5 ? -1 : 1));
      const xd = Float64Array.from(x);
      const yd = Float64Array.from(y);
      for (const reduction of ['sum', 'mean'] as const) {
        const got = softMargin(x, y, { reduction }).value as number;
        const js = softMargin(xd, yd, { reduction }).value as number;
        // 521u (the kernel) + 1025u (the JavaScript loop), relative: both sums of terms ≥ 0
        expect(Math.abs(got - js)).toBeLessThanOrEqual(1550 * U * js);
        expectNear(got * (reduction === 'mean' ? n : 1), refSum(x, y, 0, n));
      }
    }
  });

  it('gives the JavaScript loop’s limits for ±∞ and NaN', () => {
    const n = SM_SIMD_MIN + 3;
    const cases: [number, number, number][] = [
      [Infinity, -1, Infinity], // z = +∞
      [-Infinity, -1, 0], // z = −∞: the term is 0
      [Number.NaN, 1, Number.NaN],
      [1, Number.NaN, Number.NaN],
      [800, -1, 800],
    ];
    for (const [xv, yv, want] of cases) {
      const x = new Float32Array(n).fill(0);
      const y = new Float32Array(n).fill(1);
      x[7] = xv;
      y[7] = yv;
      const got = softMargin(x, y, { reduction: 'sum' }).value as number;
      const js = softMargin(Float64Array.from(x), Float64Array.from(y), { reduction: 'sum' })
        .value as number;
      const rest = (n - 1) * Math.LN2;
      if (Number.isNaN(want) || !Number.isFinite(want)) {
        expect(got).toBe(want);
        expect(js).toBe(want);
      } else {
        expect(Math.abs(got - (want + rest))).toBeLessThanOrEqual(600 * U * (want + rest));
        expect(Math.abs(got - js)).toBeLessThanOrEqual(1550 * U * js);
      }
    }
  });
});
