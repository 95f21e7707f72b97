import { huberGrad, smoothL1Grad } from '@losskit/core';
import { describe, expect, it } from 'vitest';
import { seededRandom } from '../../test/helpers.js';
import { watBase64 } from '../../test/watBase64.js';
import { HG_CHUNK, HG_SIMD_MIN, hgClampGradSimd, hgSimdAvailable, powerOfTwo } from './hgClamp.js';
import { HG_SIMD_WASM } from './hgSimdBytes.js';

/** huber.ts's formula for the kernel's huber mode: k·clamp(e, −δ, δ) by Math.min/max. */
const huberRef = (e: number, delta: number, k: number) => k * Math.max(-delta, Math.min(delta, e));
/** smoothL1.ts's formula (β > 0): k·(|e| < β ? e/β : sign(e)). */
const smoothRef = (e: number, beta: number, k: number) =>
  k * (Math.abs(e) < beta ? e / beta : Math.sign(e));

/** Float32 values that reach every case: ±0, ±∞, NaN, huge, subnormal, ties at ±t. */
function special(t: number): number[] {
  const f = Math.fround;
  return [
    0,
    -0,
    Infinity,
    -Infinity,
    Number.NaN,
    3.4e38,
    -3.4e38,
    1.4e-45,
    -1.4e-45,
    1e-40,
    -1e-40,
    f(t),
    -f(t),
    f(t) * 2,
    -f(t) / 2,
    f(f(t) * 1.0000001),
    -f(f(t) * 0.9999999),
  ];
}

/** x, y of length n: random normal-ish data with specials mixed in at random positions. */
function data(n: number, seed: number, t: number): [Float32Array, Float32Array] {
  const r = seededRandom(seed);
  const sp = special(t);
  const pick = () => sp[Math.floor(r() * sp.length)];
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = (r() - 0.5) * 4 * Math.max(Math.min(t, 1e30), 1e-30);
    y[i] = (r() - 0.5) * 4 * Math.max(Math.min(t, 1e30), 1e-30);
    if (r() < 0.15) {
      x[i] = pick();
      y[i] = r() < 0.5 ? 0 : pick();
    }
  }
  return [x, y];
}

function expectSameBits(got: ArrayLike<number>, want: ArrayLike<number>, what: object): void {
  expect(got.length).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    if (!Object.is(got[i], want[i])) expect({ ...what, i, got: got[i] }).toEqual(want[i]);
  }
}

/** Runs the kernel directly (huber: bound δ, β = 0; smoothL1: β). */
function kernel(x: Float32Array, y: Float32Array, k: number, bound: number, beta: number) {
  const gx = new Float64Array(x.length).fill(12345);
  expect(hgClampGradSimd(x, y, x.length, k, bound, beta, gx)).toBe(true);
  return gx;
}

const LENGTHS = [
  1,
  2,
  3,
  4,
  5,
  7,
  HG_SIMD_MIN - 1,
  HG_SIMD_MIN,
  HG_SIMD_MIN + 1,
  HG_CHUNK - 1,
  HG_CHUNK,
  HG_CHUNK + 1,
  HG_CHUNK + 2,
  2 * HG_CHUNK + 3,
];
// powers of two (smoothL1: the "smoothMul" kernel, e·(1/β)) and others (the division)
const BOUNDS = [1, 0.3, 2.5, 1e-30, 1e30, 1e-300, 1e300, 5e-324, 0.5, 4, 2 ** -30, 2 ** 100];
const EDGE_POWERS = [2 ** -1022, 2 ** 1023, 2 ** -1023, 2 ** -1074];

describe('hgClamp (WebAssembly SIMD gradients of huber and smoothL1)', () => {
  it('commits the bytes wabt 1.0.39 makes of hgSimd.wat', async () => {
    expect(await watBase64(new URL('./hgSimd.wat', import.meta.url))).toBe(HG_SIMD_WASM);
  });

  it('runs here (Node 20 has WebAssembly SIMD)', () => {
    expect(hgSimdAvailable()).toBe(true);
  });

  it('gives huber’s k·clamp(e, −δ, δ) bit for bit: random data, specials, chunk edges, odd lengths', () => {
    for (const delta of BOUNDS) {
      for (const n of LENGTHS) {
        const [x, y] = data(n, n * 31 + 7, delta);
        for (const k of [1 / n, 1, 3.75]) {
          const want = Float64Array.from({ length: n }, (_, i) => huberRef(x[i] - y[i], delta, k));
          expectSameBits(kernel(x, y, k, delta, 0), want, { delta, n, k });
        }
      }
    }
  });

  it('gives smoothL1’s k·(|e| < β ? e/β : sign(e)) bit for bit (e/β overflowing for tiny β)', () => {
    for (const beta of [...BOUNDS, ...EDGE_POWERS]) {
      for (const n of LENGTHS) {
        const [x, y] = data(n, n * 17 + 3, beta);
        for (const k of [1 / n, 1, 3.75]) {
          const want = Float64Array.from({ length: n }, (_, i) => smoothRef(x[i] - y[i], beta, k));
          expectSameBits(kernel(x, y, k, 0, beta), want, { beta, n, k });
        }
      }
    }
  });

  it('takes e·(1/β) only for normal powers of two β (1/β exact)', () => {
    for (const v of [1, 2, 0.5, 4, 2 ** -1022, 2 ** 1023, 2 ** -30, 2 ** 100])
      expect(powerOfTwo(v)).toBe(true);
    for (const v of [3, 0.3, 1.5, 1e300, 2 ** -1023, 2 ** -1074, 0, 1 + 2 ** -52, 2 - 2 ** -52])
      expect(powerOfTwo(v)).toBe(false);
  });

  it('keeps the sign of zero and propagates NaN per element', () => {
    const x = new Float32Array([0, -0, 0, -0, 1.4e-45, -1.4e-45, Number.NaN, 1, Infinity, -1]);
    const y = new Float32Array([0, 0, -0, -0, 0, 0, 1, Number.NaN, Infinity, -Infinity]);
    for (const [bound, beta] of [
      [1, 0],
      [0, 1],
      [0, 1e-300],
      [0, 0.3],
      [0, 2 ** -1022],
    ]) {
      const g = kernel(x, y, 0.5, bound, beta);
      expect(Object.is(g[0], 0)).toBe(true);
      expect(Object.is(g[1], -0)).toBe(true);
      expect(Object.is(g[2], 0)).toBe(true);
      expect(Object.is(g[3], 0)).toBe(true);
      expect(g[4] > 0 || Object.is(g[4], 0)).toBe(true);
      expect(g[5] < 0 || Object.is(g[5], -0)).toBe(true);
      expect(g[6]).toBeNaN();
      expect(g[7]).toBeNaN();
      expect(g[8]).toBeNaN();
      expect(g[9]).toBe(0.5 * (beta > 0 ? 1 : bound));
    }
  });

  for (const [name, grad, opt, ts] of [
    ['huberGrad', huberGrad, 'delta', [1, 0.3, 2.5, 1e-30, 1e30]],
    ['smoothL1Grad', smoothL1Grad, 'beta', [1, 0, 0.3, 2.5, 1e-30, 1e30, 0.5, 2 ** -40]],
  ] as const) {
    it(`gives ${name} the JavaScript path’s values bit for bit (every reduction, out, gradOutput)`, () => {
      // Float32 inputs of n ≥ HG_SIMD_MIN take the kernel (β = 0 and gradOutput excepted); the
      // same values as Float64Array take the JavaScript loops.
      for (const t of ts) {
        for (const n of [HG_SIMD_MIN, HG_SIMD_MIN + 3, HG_CHUNK + 5]) {
          const [x, y] = data(n, n + 11, t === 0 ? 1 : t);
          const per = Float64Array.from(data(n, 5, 1)[0]);
          for (const o of [
            { reduction: 'mean' as const },
            { reduction: 'sum' as const },
            { reduction: 'none' as const },
            { reduction: 'none' as const, gradOutput: per },
            { reduction: 'mean' as const, out: { input: new Float64Array(n).fill(7) } },
          ]) {
            const g = grad(x, y, { ...o, [opt]: t }).input;
            if (o.out !== undefined) expect(g).toBe(o.out.input);
            const js = grad(Float64Array.from(x), Float64Array.from(y), {
              ...o,
              out: undefined,
              [opt]: t,
            }).input;
            expectSameBits(g, js, { name, t, n, o: o.reduction });
          }
        }
      }
    });
  }
});
